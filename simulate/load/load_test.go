package load

import (
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
)

const token = "12345678901234567890123456789012"

// recorder is a TwiML app that keeps what it received; the lock is the
// test server's, not callsim's.
type recorder struct {
	mu       sync.Mutex
	byKind   map[string][]string // CallSid per request kind
	invalid  int                 // requests whose signature did not validate
	newConns atomic.Int64
	handle   func(w http.ResponseWriter, r *http.Request, sid string) bool // true: handled
}

func newRecorder() *recorder { return &recorder{byKind: map[string][]string{}} }

func (a *recorder) server(t *testing.T) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			a.newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func (a *recorder) serve(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	params := contract.ParamsFromValues(r.PostForm)
	valid := signature.Validate(token, "http://"+r.Host+r.URL.RequestURI(), params, r.Header.Get(signature.Header), nil)
	sid := r.PostForm.Get("CallSid")
	kind := r.URL.Path
	if r.PostForm.Get("CallStatus") == "completed" && (kind == "/voice" || kind == "/status") {
		kind = "end"
	}
	a.mu.Lock()
	a.byKind[kind] = append(a.byKind[kind], sid)
	if !valid {
		a.invalid++
	}
	a.mu.Unlock()
	if a.handle != nil && a.handle(w, r, sid) {
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	switch r.URL.Path {
	case "/status":
		w.WriteHeader(http.StatusNoContent)
	case "/voice":
		if kind == "end" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprint(w, `<Response><Gather numDigits="1" action="/menu"><Say>Press 1</Say></Gather></Response>`)
	case "/menu":
		fmt.Fprintf(w, `<Response><Say>You pressed %s</Say><Hangup/></Response>`, r.PostForm.Get("Digits"))
	default:
		http.NotFound(w, r)
	}
}

func (a *recorder) sids(kind string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.byKind[kind]...)
}

func config(url string, calls int64, conc int) Config {
	// 2010-04-01 reports the end of a call to the status callback only
	return Config{
		Flows: []Flow{{
			Spec:      contract.CallSpec{APIVersion: "2010-04-01", Seed: 42},
			Options:   simulate.Options{URL: url, AuthToken: token, StatusCallback: strings.TrimSuffix(url, "/voice") + "/status"},
			NewCaller: func(int64) simulate.Caller { return &simulate.ScriptCaller{Digits: []string{"1"}} },
		}},
		Calls:       calls,
		Concurrency: conc,
	}
}

// checkSums verifies that every count in the summary adds up.
func checkSums(t *testing.T, s *Summary) {
	t.Helper()
	c := s.Calls
	if c.Started != c.Completed+c.Failed+c.Canceled {
		t.Errorf("calls: started %d ≠ completed %d + failed %d + canceled %d", c.Started, c.Completed, c.Failed, c.Canceled)
	}
	var kindCount, kindErrs, codeErrs int64
	for _, k := range s.ByKind {
		kindCount += k.Count
		kindErrs += k.Errors
	}
	for _, e := range s.ByCode {
		codeErrs += e.Count
	}
	if kindCount != s.Requests || kindErrs != s.Errors || codeErrs != s.Errors {
		t.Errorf("requests %d / errors %d, but kinds sum to %d / %d and codes to %d", s.Requests, s.Errors, kindCount, kindErrs, codeErrs)
	}
	var groupCount int64
	for _, l := range s.Latency {
		if l.Kind != "all" {
			groupCount += l.Count
		} else if l.Count != s.Requests || l.Errors != s.Errors {
			t.Errorf("all row %d/%d, want %d/%d", l.Count, l.Errors, s.Requests, s.Errors)
		}
	}
	if groupCount != s.Requests {
		t.Errorf("latency groups count %d requests, want %d", groupCount, s.Requests)
	}
}

func TestRunWholeCalls(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	srv := app.server(t)
	const n = 300
	cfg := config(srv.URL+"/voice", n, 16)
	var progress []Progress
	var pmu sync.Mutex
	cfg.Progress = func(p Progress) { pmu.Lock(); progress = append(progress, p); pmu.Unlock() }
	cfg.ProgressEvery = 5 * time.Millisecond
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, s)
	if s.Calls.Started != n || s.Calls.Completed != n || s.Requests != 3*n || s.Errors != 0 || s.Interrupted {
		t.Fatalf("summary %+v", s.Calls)
	}
	first, menu, end := app.sids("/voice"), app.sids("/menu"), app.sids("end")
	if len(first) != n || len(menu) != n || len(end) != n {
		t.Fatalf("app saw %d first, %d menu, %d end-of-call requests, want %d each", len(first), len(menu), len(end), n)
	}
	distinct := map[string]bool{}
	for _, sid := range first {
		if !contract.ValidSID("CA", sid) {
			t.Fatalf("bad CallSid %q", sid)
		}
		distinct[sid] = true
	}
	if len(distinct) != n {
		t.Fatalf("%d distinct CallSids for %d calls", len(distinct), n)
	}
	for _, sid := range end {
		if !distinct[sid] {
			t.Fatalf("end-of-call for unknown CallSid %s", sid)
		}
		delete(distinct, sid)
	}
	if len(distinct) != 0 {
		t.Fatalf("%d calls without an end-of-call request", len(distinct))
	}
	if app.invalid != 0 {
		t.Errorf("%d requests with a bad signature", app.invalid)
	}
	want := map[string]int64{"first": n, "action": n, "status-callback": n, "all": 3 * n}
	for _, l := range s.Latency {
		if l.Count != want[l.Kind] || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max {
			t.Errorf("latency row %+v", l)
		}
	}
	// net/http returns a connection to the pool just after the body's EOF,
	// so a worker's next request now and then opens one more.
	if c := app.newConns.Load(); c > 2*16 {
		t.Errorf("%d connections for 16 concurrent calls sharing keep-alive connections", c)
	}
	pmu.Lock()
	last := progress[len(progress)-1]
	pmu.Unlock()
	if last.Done != n || last.InFlight != 0 || last.Requests != 3*n || last.Total != n {
		t.Errorf("last progress %+v", last)
	}
}

func TestRunCallsDiffer(t *testing.T) {
	t.Parallel()
	// The same run twice gives the same calls; numbers vary between calls.
	app := newRecorder()
	var mu sync.Mutex
	froms := map[string]bool{}
	app.handle = func(w http.ResponseWriter, r *http.Request, sid string) bool {
		mu.Lock()
		froms[r.PostForm.Get("From")+" "+r.PostForm.Get("FromCity")] = true
		mu.Unlock()
		return false
	}
	srv := app.server(t)
	for range 2 {
		if _, err := Run(context.Background(), config(srv.URL+"/voice", 50, 8)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := app.sids("/voice")[:0], app.sids("/voice")
	seen := map[string]int{}
	for _, sid := range b {
		seen[sid]++
	}
	for sid, c := range seen {
		if c != 2 {
			t.Fatalf("CallSid %s seen %d times over two runs with one seed, want 2", sid, c)
		}
		a = append(a, sid)
	}
	if len(a) != 50 {
		t.Fatalf("%d distinct CallSids", len(a))
	}
	if len(froms) < 10 {
		t.Errorf("only %d distinct callers over 50 calls", len(froms))
	}
}

func hashOf(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func TestRunCountsAddUpUnderErrors(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	var want sync.Map // CallSid → failure kind
	app.handle = func(w http.ResponseWriter, r *http.Request, sid string) bool {
		if r.URL.Path != "/voice" || r.PostForm.Get("CallStatus") == "completed" {
			return false
		}
		switch hashOf(sid) % 5 {
		case 0:
			want.Store(sid, 11217)
			http.Error(w, "boom", http.StatusInternalServerError)
		case 1:
			want.Store(sid, 12100)
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, "<Response><Say>unclosed")
		case 2:
			want.Store(sid, 11200)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		default:
			return false
		}
		return true
	}
	srv := app.server(t)
	const n = 400
	cfg := config(srv.URL+"/voice", n, 20)
	cfg.Flows[0].Options.Timeout = 2 * time.Second
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, s)
	var failing int64
	codes := map[int]int64{}
	want.Range(func(_, v any) bool {
		failing++
		codes[v.(int)]++
		return true
	})
	if s.Calls.Started != n || s.Calls.Failed != failing || s.Calls.Completed != n-failing || s.Calls.Canceled != 0 {
		t.Fatalf("calls %+v, want %d failed of %d", s.Calls, failing, n)
	}
	if failing < n/2 {
		t.Fatalf("only %d failing calls: the test's hash split is off", failing)
	}
	got := map[int]int64{}
	for _, e := range s.ByCode {
		got[e.Code] = e.Count
		if e.Words == "" || e.Example == "" || e.Seed != Seed(42, e.Call) {
			t.Errorf("error row %+v", e)
		}
	}
	// Each failing first request is one error; the end-of-call request of a
	// failed call succeeds (the app answers 204).
	if got[11200] != codes[11200] || got[11217] != codes[11217] || got[12100] != codes[12100] || len(got) != 3 {
		t.Errorf("errors by code %v, want %v", got, codes)
	}
	// A failed first request still gets an end-of-call request.
	if len(app.sids("end")) != n {
		t.Errorf("%d end-of-call requests, want %d", len(app.sids("end")), n)
	}
	if s.Requests != int64(n+n+(n-int(failing))) {
		t.Errorf("requests %d", s.Requests)
	}
}

func TestRunCancelStopsPromptly(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	release := make(chan struct{})
	var answered atomic.Int64
	app.handle = func(w http.ResponseWriter, r *http.Request, sid string) bool {
		if r.URL.Path == "/menu" && answered.Add(1) > 40 {
			select { // hang until the test ends: only a cancel frees the call
			case <-release:
			case <-r.Context().Done():
			}
			return true
		}
		return false
	}
	srv := app.server(t)
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config(srv.URL+"/voice", 1_000_000, 10)
	cfg.Progress = func(p Progress) {
		if p.Done >= 30 {
			cancel()
		}
	}
	cfg.ProgressEvery = time.Millisecond
	start := time.Now()
	canceledAt := make(chan time.Time, 1)
	go func() { <-ctx.Done(); canceledAt <- time.Now() }()
	s, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(<-canceledAt); took > 2*time.Second {
		t.Fatalf("Run returned %v after the cancel", took)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("run took too long")
	}
	checkSums(t, s)
	if !s.Interrupted || s.Calls.Canceled == 0 || s.Calls.Completed < 30 || s.Calls.Failed != 0 || s.Errors != 0 {
		t.Fatalf("partial summary %+v errors %d interrupted %v", s.Calls, s.Errors, s.Interrupted)
	}
	if s.Calls.Started >= 1_000_000 || s.CanceledRequests == 0 {
		t.Fatalf("calls %+v canceled requests %d", s.Calls, s.CanceledRequests)
	}
}

func TestRunRate(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	srv := app.server(t)
	cfg := config(srv.URL+"/voice", 0, 10)
	cfg.Rate = 200
	cfg.Duration = 250 * time.Millisecond
	start := time.Now()
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, s)
	// Calls are due at i/200 s for i/200 < 0.25: exactly 50.
	if s.Calls.Started != 50 || s.Calls.Completed != 50 {
		t.Fatalf("calls %+v, want 50", s.Calls)
	}
	if took := time.Since(start); took < 240*time.Millisecond {
		t.Errorf("50 calls at 200/s took %v", took)
	}
	// With --calls too, whichever comes first.
	cfg.Calls = 7
	if s, err = Run(context.Background(), cfg); err != nil || s.Calls.Started != 7 {
		t.Fatalf("calls %+v %v, want 7", s.Calls, err)
	}
}

func TestRunDuration(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	srv := app.server(t)
	cfg := config(srv.URL+"/voice", 0, 4)
	cfg.Duration = 100 * time.Millisecond
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, s)
	if s.Calls.Started == 0 || s.Calls.Completed != s.Calls.Started || s.Interrupted {
		t.Fatalf("calls %+v", s.Calls)
	}
}

func TestRunNewConnections(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	srv := app.server(t)
	cfg := config(srv.URL+"/voice", 60, 6)
	cfg.NewConnections = true
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Calls.Completed != 60 || !s.NewConnections {
		t.Fatalf("calls %+v", s.Calls)
	}
	// One connection per call, kept alive for the call's three requests.
	if c := app.newConns.Load(); c != 60 {
		t.Errorf("%d connections for 60 calls with NewConnections", c)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ok := []Flow{{Options: simulate.Options{URL: "http://127.0.0.1:1/"}}}
	for name, cfg := range map[string]Config{
		"no calls":       {Flows: ok},
		"no flows":       {Calls: 1},
		"negative":       {Calls: -1, Flows: ok},
		"bad url":        {Calls: 1, Flows: []Flow{{Options: simulate.Options{URL: "ftp://x"}}}},
		"bad rate":       {Calls: 1, Rate: -3, Flows: ok},
		"bad spec":       {Calls: 1, Flows: []Flow{{Spec: contract.CallSpec{From: "not a number"}, Options: ok[0].Options}}},
		"bad concurrent": {Calls: 1, Concurrency: -2, Flows: ok},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRunMixesFlows(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	srv := app.server(t)
	cfg := config(srv.URL+"/voice", 90, 6)
	hangup := cfg.Flows[0]
	hangup.Name = "hang up at the menu"
	hangup.NewCaller = func(int64) simulate.Caller { return hangupCaller{} }
	cfg.Flows[0].Name = "press 1"
	cfg.Flows = append(cfg.Flows, hangup, cfg.Flows[0])
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, s)
	if len(s.Flows) != 3 || s.Flows[0].Started != 30 || s.Flows[1].Completed != 30 || s.Flows[1].Name != "hang up at the menu" {
		t.Fatalf("flows %+v", s.Flows)
	}
	// Two thirds press 1 and reach the menu; every call ends with an
	// end-of-call request.
	if len(app.sids("/menu")) != 60 || len(app.sids("end")) != 90 || s.Requests != 60*3+30*2 {
		t.Errorf("menu %d, end %d, requests %d", len(app.sids("/menu")), len(app.sids("end")), s.Requests)
	}
}

type hangupCaller struct{}

func (hangupCaller) Next(context.Context, simulate.Prompt) (simulate.Action, error) {
	return simulate.Action{Hangup: true}, nil
}

func TestFixedNumbersParsedOnce(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	var mu sync.Mutex
	pairs := map[string]bool{}
	app.handle = func(w http.ResponseWriter, r *http.Request, sid string) bool {
		mu.Lock()
		pairs[r.PostForm.Get("From")+">"+r.PostForm.Get("To")+" "+r.PostForm.Get("FromCity")] = true
		mu.Unlock()
		return false
	}
	srv := app.server(t)
	cfg := config(srv.URL+"/voice", 20, 4)
	cfg.Flows[0].Spec.From, cfg.Flows[0].Spec.To = "(415) 867-5309", "+1 212 555 0100"
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 1 || !pairs["+14158675309>+12125550100 San Francisco"] {
		t.Errorf("from/to pairs %v", pairs)
	}
}

func TestSeedIsABijectionOnCalls(t *testing.T) {
	t.Parallel()
	seen := make(map[uint64]bool, 200_000)
	for i := range int64(200_000) {
		s := Seed(7, i)
		if seen[s] {
			t.Fatalf("seed collision at call %d", i)
		}
		seen[s] = true
	}
	if Seed(7, 0) == Seed(8, 0) {
		t.Error("base seed ignored")
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	s := newStats(1)
	s.record(kindIndex("initial"), 3*time.Millisecond, nil, 1, 0)
	s.record(kindIndex("initial"), 16*time.Second, &contract.TwilioError{Code: 11200, Message: "HTTP retrieval failure: timed out"}, 9, 1)
	s.record(kindIndex("end"), time.Millisecond, nil, 1, 0)
	s.flows[0].Completed, s.flows[0].Failed = 1, 1
	sum := s.summary(time.Second)
	sum.URL, sum.Concurrency = "http://x/voice", 2
	var b strings.Builder
	if err := WriteText(&b, sum); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"calls     2 in 1.00s (2.0 calls/s): 1 completed, 1 failed",
		"requests  3 (3.0/s), 1 failed (33.3%), 1 over Twilio's 15 s limit (33.3%)",
		"first request      2       1",
		"end-of-call        1       0",
		"11200  HTTP retrieval failure: 1 (33.3% of requests)",
		"first in call 1 (callsim inbound --seed 9 replays it): HTTP retrieval failure: timed out",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// evenFails is a Checker that presses 1, counts the steps it is given, and
// fails the calls with an even index.
type evenFails struct {
	i     int64
	steps *atomic.Int64
	simulate.ScriptCaller
}

func (c *evenFails) Step(*simulate.Step) { c.steps.Add(1) }

func (c *evenFails) End(t *simulate.Transcript) []string {
	if c.i%2 == 0 {
		return []string{fmt.Sprintf("call %d: expect.say: no match", c.i), "a second failure"}
	}
	return nil
}

func TestRunCheckerFailsCalls(t *testing.T) {
	t.Parallel()
	app := newRecorder()
	srv := app.server(t)
	cfg := config(srv.URL+"/voice", 41, 6)
	var steps atomic.Int64
	cfg.Flows[0].NewChecker = func(i int64) Checker {
		return &evenFails{i: i, steps: &steps, ScriptCaller: simulate.ScriptCaller{Digits: []string{"1"}}}
	}
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, s)
	if s.Calls.Failed != 21 || s.Calls.Completed != 20 || s.Errors != 0 {
		t.Errorf("calls %+v, %d request errors; want 21 failed by their expectations", s.Calls, s.Errors)
	}
	if u := s.Unmet; u == nil || u.Calls != 21 || u.Call != 0 || u.Example != "call 0: expect.say: no match" || u.Seed != Seed(42, 0) {
		t.Errorf("expectations_failed %+v", u)
	}
	if steps.Load() != s.Requests {
		t.Errorf("the checkers saw %d steps, the run made %d requests", steps.Load(), s.Requests)
	}
}
