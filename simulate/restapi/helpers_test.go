package restapi

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "secrettoken0123"
	testKey     = "SKfedcba9876543210fedcba9876543210"
	testSecret  = "keysecret42"
	testTestAcc = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testTestTok = "testtoken99"
	callsPath   = "/2010-04-01/Accounts/" + testAccount + "/Calls.json"
)

var epoch = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// fakeDialer plays each call on a simulated clock that starts at the
// call's creation: 250 ms queued, 1 s (or the outcome's Ring) ringing, 31 s
// talking. A destination in hold stops at that status until the API hangs
// up or cancels it, recording every change it receives.
type fakeDialer struct {
	hold map[string]Status

	mu       sync.Mutex
	requests map[string]CallRequest
	changes  map[string][]Change
	errs     []error
}

func newFakeDialer() *fakeDialer {
	return &fakeDialer{hold: map[string]Status{}, requests: map[string]CallRequest{}, changes: map[string][]Change{}}
}

func (d *fakeDialer) Start(ctx context.Context, req CallRequest, call *Live) {
	d.mu.Lock()
	d.requests[req.Sid] = req
	hold := d.hold[req.To]
	d.mu.Unlock()
	t := req.Created
	report := func(st Status, after time.Duration, by string) bool {
		t = t.Add(after)
		if err := call.Report(Progress{Status: st, At: t, AnsweredBy: by}); err != nil {
			d.mu.Lock()
			d.errs = append(d.errs, err)
			d.mu.Unlock()
		}
		if st == hold {
			return d.holdAt(ctx, call, st, &t)
		}
		return st.Ended()
	}
	ring := req.Outcome.Ring
	if ring == 0 {
		ring = time.Second
	}
	if report(StatusQueued, 0, "") || report(StatusInitiated, 250*time.Millisecond, "") {
		return
	}
	switch req.Outcome.Kind {
	case Failed:
		report(StatusFailed, 0, "")
		return
	}
	if report(StatusRinging, 0, "") {
		return
	}
	switch req.Outcome.Kind {
	case Busy:
		report(StatusBusy, ring, "")
	case NoAnswer:
		report(StatusNoAnswer, time.Duration(req.Timeout)*time.Second, "")
	default:
		by := ""
		if req.MachineDetection != "" {
			by = req.Outcome.AnsweredBy
		}
		if !report(StatusInProgress, ring, by) {
			report(StatusCompleted, 31*time.Second, "")
		}
	}
}

// holdAt waits for changes; it reports the end a hang-up or cancel asks
// for and returns true, or false when ctx ends first.
func (d *fakeDialer) holdAt(ctx context.Context, call *Live, st Status, t *time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return true
		case c := <-call.Changes():
			d.mu.Lock()
			d.changes[call.Sid()] = append(d.changes[call.Sid()], c)
			d.mu.Unlock()
			end := StatusCanceled
			if st == StatusInProgress {
				end = StatusCompleted
			}
			if c.Kind == Hangup || c.Kind == Cancel {
				*t = t.Add(10 * time.Second)
				if err := call.Report(Progress{Status: end, At: *t}); err != nil {
					d.mu.Lock()
					d.errs = append(d.errs, err)
					d.mu.Unlock()
				}
				return true
			}
		}
	}
}

func (d *fakeDialer) changesOf(sid string) []Change {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Change(nil), d.changes[sid]...)
}

func (d *fakeDialer) requestOf(sid string) CallRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests[sid]
}

type env struct {
	t      testing.TB
	srv    *Server
	http   *httptest.Server
	dialer *fakeDialer
}

func baseConfig(d Dialer) Config {
	return Config{
		AccountSid: testAccount, AuthToken: testToken,
		APIKeys:        map[string]string{testKey: testSecret},
		TestAccountSid: testTestAcc, TestAuthToken: testTestTok,
		Dialer: d,
		Now:    func() time.Time { return epoch },
		Seed:   1,
	}
}

// newEnv starts a Server over loopback; edit adjusts its Config.
func newEnv(t testing.TB, edit func(*Config)) *env {
	t.Helper()
	d := newFakeDialer()
	cfg := baseConfig(d)
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &env{t: t, srv: srv, http: hs, dialer: d}
}

type response struct {
	Status int
	Body   any
	raw    []byte
}

// do sends one request with the account's credentials (user "" sends none).
func (e *env) doAs(user, pass, method, path string, params url.Values) response {
	e.t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(params.Encode())
	} else if params != nil {
		path += "?" + params.Encode()
	}
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{Status: resp.StatusCode, raw: raw}
	if len(raw) > 0 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return r
}

func (e *env) do(method, path string, params url.Values) response {
	e.t.Helper()
	return e.doAs(testAccount, testToken, method, path, params)
}

func (e *env) create(params url.Values) Call {
	e.t.Helper()
	r := e.do(http.MethodPost, callsPath, params)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.Status, r.raw)
	}
	var c Call
	if err := json.Unmarshal(r.raw, &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) wait(sid string) Call {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := e.srv.Wait(ctx, sid)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// waitStatus waits until the call shows status st.
func (e *env) waitStatus(sid string, st Status) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, _ := e.srv.Get(sid); c.Status == st {
			return
		}
		time.Sleep(time.Millisecond)
	}
	e.t.Fatalf("call %s never reached %s", sid, st)
}

func callPath(sid string) string {
	return "/2010-04-01/Accounts/" + testAccount + "/Calls/" + sid + ".json"
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// golden compares got (decoded JSON values) with testdata/name, or
// rewrites it with -update; the comparison is on decoded values so key
// order does not matter but every key, type and null does.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var want any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Round-trip got so numbers compare as float64 on both sides.
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var gotv any
	if err := json.Unmarshal(gb, &gotv); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, gotv); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

func newLoopback(t testing.TB, h http.Handler) *httptest.Server {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}
