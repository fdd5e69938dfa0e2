package serve

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/callsim/callsim/simulate/restapi"
)

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "secrettoken0123"
)

// hit is one webhook the app received.
type hit struct {
	Path   string
	Params url.Values
	Valid  bool // X-Twilio-Signature checked with twilio-go's validator
}

// app is a voice app: it records every webhook and answers /voice with doc.
type app struct {
	*httptest.Server
	doc string

	mu   sync.Mutex
	hits []hit
}

func newApp(t *testing.T, doc string) *app {
	a := &app{doc: doc}
	v := client.NewRequestValidator(testToken)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("app: %v", err)
		}
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		u := "http://" + r.Host + r.URL.RequestURI()
		a.mu.Lock()
		a.hits = append(a.hits, hit{Path: r.URL.Path, Params: r.Form, Valid: v.Validate(u, params, r.Header.Get("X-Twilio-Signature"))})
		a.mu.Unlock()
		switch r.URL.Path {
		case "/voice":
			w.Header().Set("Content-Type", "text/xml")
			w.Write([]byte(a.doc))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *app) received() []hit {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.hits)
}

// toLocal sends twilio-go's requests for *.twilio.com to the local server.
type toLocal struct {
	target *url.URL
	next   http.RoundTripper
}

func (t toLocal) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h == "twilio.com" || strings.HasSuffix(h, ".twilio.com") {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
		r.Host = t.target.Host
	}
	return t.next.RoundTrip(r)
}

// env is a serve Server on loopback and the SDK pointed at it.
type env struct {
	srv  *Server
	base string
	mu   sync.Mutex
	ev   []Event
}

func newEnv(t *testing.T, scale float64, rules ...string) *env {
	t.Helper()
	e := &env{}
	var rs restapi.Rules
	for _, r := range rules {
		if err := rs.Set(r); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(Config{
		API:   restapi.Config{AccountSid: testAccount, AuthToken: testToken, Rules: rs},
		Scale: scale,
		OnEvent: func(ev Event) {
			e.mu.Lock()
			e.ev = append(e.ev, ev)
			e.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	if e.base, err = srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func (e *env) sdk(t *testing.T, user, pass string) *openapi.ApiService {
	target, err := url.Parse(e.base)
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{
		Credentials: client.NewCredentials(user, pass),
		HTTPClient:  &http.Client{Transport: toLocal{target, http.DefaultTransport}},
	}
	c.SetAccountSid(testAccount)
	return openapi.NewApiServiceWithClient(c)
}

func (e *env) wait(t *testing.T, sid string) restapi.Call {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := e.srv.API().Wait(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// transcriptOf waits (5 s at most) for the call's end event: it follows
// the end status the API shows, after the last status callback.
func (e *env) transcriptOf(sid string) *Event {
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.mu.Lock()
		for i := range e.ev {
			if e.ev[i].Kind == EventCall && e.ev[i].CallSid == sid {
				ev := e.ev[i]
				e.mu.Unlock()
				return &ev
			}
		}
		e.mu.Unlock()
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCallThroughTwilioGo(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response><Say>Your appointment is tomorrow at nine.</Say><Gather numDigits="1" action="/confirm"><Say>Press 1 to confirm.</Say></Gather></Response>`)
	e := newEnv(t, 0, "+14155550123 answered digits=1")
	api := e.sdk(t, testAccount, testToken)

	created, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550123").SetFrom("+14155550100").
		SetUrl(a.URL + "/voice").SetStatusCallback(a.URL + "/status").
		SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"}))
	if err != nil {
		t.Fatal(err)
	}
	sid := *created.Sid
	e.wait(t, sid)
	// The end's status callback goes out right after the API shows the
	// end; the call's end event follows it.
	e.transcriptOf(sid)

	var paths, statuses []string
	for _, h := range a.received() {
		if got := h.Params.Get("CallSid"); got != sid {
			t.Errorf("%s: CallSid %s, want the API's %s", h.Path, got, sid)
		}
		if !h.Valid {
			t.Errorf("%s: X-Twilio-Signature does not validate with twilio-go", h.Path)
		}
		paths = append(paths, h.Path)
		if h.Path == "/status" {
			statuses = append(statuses, h.Params.Get("CallStatus"))
		}
	}
	if d := cmp.Diff([]string{"/status", "/status", "/voice", "/status", "/confirm", "/status"}, paths); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"initiated", "ringing", "in-progress", "completed"}, statuses); d != "" {
		t.Errorf("status callbacks in order (-want +got):\n%s", d)
	}
	for _, h := range a.received() {
		if h.Path == "/confirm" && h.Params.Get("Digits") != "1" {
			t.Errorf("/confirm: Digits %q, want the rule's 1", h.Params.Get("Digits"))
		}
	}

	fetched, err := api.FetchCall(sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *fetched.Status != "completed" || fetched.Duration == nil || *fetched.Duration == "0" || fetched.StartTime == nil || fetched.EndTime == nil {
		t.Errorf("fetched: status %s duration %v start %v end %v", *fetched.Status, fetched.Duration, fetched.StartTime, fetched.EndTime)
	}
}

func TestErrorsThroughTwilioGo(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response/>`)
	e := newEnv(t, 0)
	var restErr *client.TwilioRestError
	_, err := e.sdk(t, testAccount, "wrongtoken").CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550123").SetFrom("+14155550100").SetUrl(a.URL + "/voice"))
	if !errors.As(err, &restErr) || restErr.Code != 20003 || restErr.Status != 401 {
		t.Errorf("bad credentials: %v", err)
	}
	_, err = e.sdk(t, testAccount, testToken).CreateCall((&openapi.CreateCallParams{}).SetTo("12").SetFrom("+14155550100").SetUrl(a.URL + "/voice"))
	if !errors.As(err, &restErr) || restErr.Code != 21211 || restErr.Status != 400 {
		t.Errorf("bad To: %v", err)
	}
	if n := len(a.received()); n != 0 {
		t.Errorf("the app got %d webhooks for refused calls", n)
	}
}

func TestUnansweredOutcomes(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response><Say>Hello</Say></Response>`)
	e := newEnv(t, 0, "+14155550001 busy", "+14155550002 no-answer", "+14155550003 failed")
	api := e.sdk(t, testAccount, testToken)
	for to, want := range map[string]string{"+14155550001": "busy", "+14155550002": "no-answer", "+14155550003": "failed"} {
		c, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo(to).SetFrom("+14155550100").
			SetUrl(a.URL + "/voice").SetStatusCallback(a.URL + "/status?to=" + url.QueryEscape(to)).SetTimeout(25))
		if err != nil {
			t.Fatal(err)
		}
		got := e.wait(t, *c.Sid)
		e.transcriptOf(*c.Sid)
		if string(got.Status) != want || got.Duration != nil {
			t.Errorf("%s: status %s duration %v, want %s and none", to, got.Status, got.Duration, want)
		}
		if want == "no-answer" && (got.StartTime == nil || got.EndTime != nil) {
			t.Errorf("%s: start %v end %v", to, got.StartTime, got.EndTime)
		}
	}
	ends := map[string]string{}
	for _, h := range a.received() {
		if h.Path == "/status" {
			ends[h.Params.Get("To")] = h.Params.Get("CallStatus") + " " + h.Params.Get("CallDuration")
		}
	}
	if d := cmp.Diff(map[string]string{"+14155550001": "busy 0", "+14155550002": "no-answer 0", "+14155550003": "failed 0"}, ends); d != "" {
		t.Errorf("completed status callbacks (-want +got):\n%s", d)
	}
}

func TestMachineDetection(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response><Say>Hello</Say></Response>`)
	e := newEnv(t, 0, "+14155550150 machine as=machine_end_beep")
	api := e.sdk(t, testAccount, testToken)
	c, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550150").SetFrom("+14155550100").
		SetUrl(a.URL + "/voice").SetMachineDetection("DetectMessageEnd"))
	if err != nil {
		t.Fatal(err)
	}
	got := e.wait(t, *c.Sid)
	if got.AnsweredBy == nil || *got.AnsweredBy != "machine_end_beep" {
		t.Errorf("answered_by %v", got.AnsweredBy)
	}
	for _, h := range a.received() {
		if h.Path == "/voice" && h.Params.Get("AnsweredBy") != "machine_end_beep" {
			t.Errorf("/voice AnsweredBy %q", h.Params.Get("AnsweredBy"))
		}
	}

	// Asynchronous detection: the call runs at once; the result goes to its own callback.
	c, err = api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550150").SetFrom("+14155550100").
		SetUrl(a.URL + "/voice").SetMachineDetection("Enable").SetAsyncAmd("true").SetAsyncAmdStatusCallback(a.URL + "/amd"))
	if err != nil {
		t.Fatal(err)
	}
	e.wait(t, *c.Sid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var amd []hit
		for _, h := range a.received() {
			if h.Path == "/amd" {
				amd = append(amd, h)
			}
		}
		if len(amd) == 1 {
			if amd[0].Params.Get("AnsweredBy") != "machine_end_beep" || amd[0].Params.Get("CallSid") != *c.Sid || !amd[0].Valid {
				t.Errorf("AsyncAmdStatusCallback: %v valid %v", amd[0].Params, amd[0].Valid)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("AsyncAmdStatusCallback: %d requests", len(amd))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLiveRedirectAndHangup(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response><Say>Please hold.</Say><Pause length="600"/><Say>Too late.</Say></Response>`)
	// One call second is 10 ms: the pause would last 6 s of wall time.
	e := newEnv(t, 0.01)
	api := e.sdk(t, testAccount, testToken)

	waitLive := func(sid string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, _ := e.srv.API().Get(sid)
			if c.Status == restapi.StatusInProgress {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %s", sid, c.Status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	c, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550123").SetFrom("+14155550100").SetUrl(a.URL + "/voice"))
	if err != nil {
		t.Fatal(err)
	}
	waitLive(*c.Sid)
	began := time.Now()
	if _, err := api.UpdateCall(*c.Sid, (&openapi.UpdateCallParams{}).SetTwiml("<Response><Say>Changed</Say></Response>")); err != nil {
		t.Fatal(err)
	}
	got := e.wait(t, *c.Sid)
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("the redirect took %s: the pause ran on", took)
	}
	if got.Status != restapi.StatusCompleted {
		t.Errorf("status %s", got.Status)
	}
	ev := e.transcriptOf(*c.Sid)
	if ev == nil {
		t.Fatal("no transcript")
	}
	var said []string
	for _, s := range ev.Transcript.Steps {
		for _, x := range s.Events {
			if x.Kind == "say" {
				said = append(said, x.Text)
			}
		}
	}
	if d := cmp.Diff([]string{"Please hold.", "Changed"}, said); d != "" {
		t.Errorf("what the callee heard (-want +got):\n%s", d)
	}

	// Status=completed hangs up a call in progress; the answer shows it ended.
	c, err = api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550123").SetFrom("+14155550100").SetUrl(a.URL + "/voice"))
	if err != nil {
		t.Fatal(err)
	}
	waitLive(*c.Sid)
	ended, err := api.UpdateCall(*c.Sid, (&openapi.UpdateCallParams{}).SetStatus("completed"))
	if err != nil {
		t.Fatal(err)
	}
	if *ended.Status != "completed" {
		t.Errorf("after hang-up: %s", *ended.Status)
	}
	if tr := e.transcriptOf(*c.Sid); tr == nil || !strings.Contains(tr.Transcript.EndReason, "REST API") {
		t.Errorf("end reason: %+v", tr)
	}
}

func TestCancelWhileRinging(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response><Say>Hi</Say></Response>`)
	e := newEnv(t, 0.01, "+14155550177 answered ring=50s")
	api := e.sdk(t, testAccount, testToken)
	c, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550177").SetFrom("+14155550100").SetUrl(a.URL + "/voice").SetStatusCallback(a.URL + "/status"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := e.srv.API().Get(*c.Sid)
		if got.Status == restapi.StatusRinging {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never rang: %s", got.Status)
		}
		time.Sleep(2 * time.Millisecond)
	}
	canceled, err := api.UpdateCall(*c.Sid, (&openapi.UpdateCallParams{}).SetStatus("canceled"))
	if err != nil {
		t.Fatal(err)
	}
	if *canceled.Status != "canceled" {
		t.Errorf("after cancel: %s", *canceled.Status)
	}
	e.transcriptOf(*c.Sid)
	for _, h := range a.received() {
		if h.Path == "/voice" {
			t.Errorf("a canceled call fetched its Url")
		}
		if h.Path == "/status" && h.Params.Get("CallStatus") != "canceled" {
			t.Errorf("status callback %s", h.Params.Get("CallStatus"))
		}
	}
}

func TestTimeLimitAndRecording(t *testing.T) {
	t.Parallel()
	a := newApp(t, `<Response><Pause length="120"/><Say>Never heard.</Say></Response>`)
	e := newEnv(t, 0)
	api := e.sdk(t, testAccount, testToken)
	c, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550123").SetFrom("+14155550100").SetUrl(a.URL + "/voice").
		SetTimeLimit(30).SetRecord(true).SetRecordingStatusCallback(a.URL + "/rec"))
	if err != nil {
		t.Fatal(err)
	}
	got := e.wait(t, *c.Sid)
	if got.Duration == nil || *got.Duration != "30" {
		t.Errorf("duration %v, want the TimeLimit 30", got.Duration)
	}
	e.transcriptOf(*c.Sid)
	var rec []url.Values
	for _, h := range a.received() {
		if h.Path == "/rec" {
			rec = append(rec, h.Params)
		}
	}
	if len(rec) != 1 || rec[0].Get("RecordingStatus") != "completed" || rec[0].Get("RecordingDuration") != "30" || rec[0].Get("RecordingSource") != "OutboundAPI" {
		t.Errorf("recording callbacks: %v", rec)
	}
}
