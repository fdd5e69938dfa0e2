package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callsim/callsim/internal/demoapp"
	"github.com/callsim/callsim/simulate/load"
)

const loadToken = "loadtesttoken0123456789abcdef012"

func demoServer(t *testing.T) (*demoapp.App, string) {
	app := &demoapp.App{AuthToken: loadToken}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	return app, srv.URL
}

func decodeSummary(t *testing.T, out string) load.Summary {
	t.Helper()
	var s load.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not a JSON summary: %v\n%s", err, out)
	}
	return s
}

func TestLoadJSONAgainstDemo(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	app, base := demoServer(t)
	code, out, errOut := c.run("", "load", "--url", base+"/voice", "--auth-token", loadToken, "--calls", "40",
		"--concurrency", "8", "--digits", "1", "--dial-outcome", "busy", "--status-callback", base+"/status", "--seed", "7", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, loadToken) || errOut != "" {
		t.Errorf("token in the output or stray stderr %q", errOut)
	}
	s := decodeSummary(t, out)
	if s.Calls.Started != 40 || s.Calls.Completed != 40 || s.Errors != 0 || s.BaseSeed != 7 || s.Concurrency != 8 {
		t.Fatalf("summary %+v", s)
	}
	kinds := map[string]int64{}
	for _, l := range s.Latency {
		kinds[l.Kind] = l.Count
	}
	// first request, menu (press 1), dial action, end of call, one status callback.
	if kinds["first"] != 40 || kinds["action"] != 80 || kinds["end"] != 40 || kinds["status-callback"] != 40 || kinds["all"] != 200 || s.Requests != 200 {
		t.Errorf("latency rows %v, requests %d", kinds, s.Requests)
	}
	sids := map[string]bool{}
	for _, r := range app.Requests() {
		if !r.Valid {
			t.Fatalf("the demo app refused a signature: %+v", r)
		}
		sids[r.Params.Value("CallGuid")] = true
	}
	if len(sids) != 40 {
		t.Errorf("%d distinct CallGuids for 40 calls", len(sids))
	}
}

func TestLoadTextSummaryAndFailures(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if strings.HasSuffix(r.PostForm.Get("CallGuid"), "0") || r.PostForm.Get("CallStatus") == "completed" {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, "<Response><Say>Hi</Say></Response>")
	}))
	defer srv.Close()
	code, out, errOut := c.run("", "load", "--url", srv.URL, "--calls", "30", "--concurrency", "4", "--progress", "never")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1 when calls fail\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"callsim load · " + srv.URL, "calls     30 in ", "0 completed, 30 failed", "latency", "first request", "end-of-call", "errors by Twilio code", "11217  HTTP error response: ", "the server answered 503"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("stderr without --progress: %q", errOut)
	}
	// --progress always writes the live line to stderr.
	code, _, errOut = c.run("", "load", "--url", srv.URL, "--calls", "3", "--progress", "always", "--no-end")
	if !strings.Contains(errOut, "calls 3/3 done") {
		t.Errorf("progress line missing (exit %d): %q", code, errOut)
	}
}

func TestLoadRateAndDuration(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	_, base := demoServer(t)
	code, out, errOut := c.run("", "load", "--url", base+"/voice", "--auth-token", loadToken, "--rate", "100/s", "--duration", "200ms", "--no-end", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s := decodeSummary(t, out)
	if s.Calls.Started != 20 || s.Rate != 100 || s.Concurrency < load.DefaultConcurrency {
		t.Errorf("100/s for 200ms: %+v rate %v concurrency %d", s.Calls, s.Rate, s.Concurrency)
	}
}

func TestLoadNewConnections(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	_, base := demoServer(t)
	code, out, errOut := c.run("", "load", "--url", base+"/voice", "--auth-token", loadToken, "--calls", "5", "--new-connections", "--json")
	if code != 0 || !decodeSummary(t, out).NewConnections {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestLoadScenario(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	app, base := demoServer(t)
	dir := t.TempDir()
	yaml := `name: hours then goodbye
url: ${APP_URL}/voice
auth_token: ` + loadToken + `
call: {api_version: 2010-04-01, from: "+14158675309"}
steps:
  - press: "3"
  - press: "9"
---
name: sales busy
url: ${APP_URL}/voice
auth_token: ` + loadToken + `
steps:
  - press: "1"
  - dial_outcome: busy
`
	file := filepath.Join(dir, "mix.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env["APP_URL"] = base
	code, out, errOut := c.run("", "load", "--scenario", file, "--calls", "10", "--concurrency", "3", "--json")
	c.env["APP_URL"] = base
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s := decodeSummary(t, out)
	if len(s.Flows) != 2 || s.Flows[0].Started != 5 || s.Flows[1].Completed != 5 || !strings.HasSuffix(s.Flows[1].Name, "sales busy") {
		t.Fatalf("flows %+v", s.Flows)
	}
	sids, dialled := map[string]bool{}, 0
	for _, r := range app.Requests() {
		sids[r.Params.Value("CallSid")+r.Params.Value("CallGuid")] = true
		if r.Path == "/voice/dial-status" {
			dialled++
		}
	}
	if len(sids) != 10 || dialled != 5 {
		t.Errorf("%d distinct calls, %d dial actions", len(sids), dialled)
	}
	// The scenario describes the call: flow flags are refused.
	if code, _, errOut := c.run("", "load", "--scenario", file, "--digits", "1"); code != ExitUsage || !strings.Contains(errOut, "--digits cannot be used with --scenario") {
		t.Errorf("exit %d %q", code, errOut)
	}
}

// A scenario's expectations are checked on every call: a call that fails
// them is a failed call, and the summary names the first failure's line.
func TestLoadScenarioExpectations(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	_, base := demoServer(t)
	yaml := `name: wrong greeting
url: ${APP_URL}/voice
auth_token: ` + loadToken + `
steps:
  - expect:
      say: "Welcome to a different company"
    press: "3"
---
name: right greeting
url: ${APP_URL}/voice
auth_token: ` + loadToken + `
steps:
  - expect:
      say: "For sales press 1"
    press: "3"
`
	file := filepath.Join(t.TempDir(), "expect.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env["APP_URL"] = base
	code, out, errOut := c.run("", "load", "--scenario", file, "--calls", "8", "--concurrency", "4", "--json")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFailed, out, errOut)
	}
	s := decodeSummary(t, out)
	if s.Unmet == nil || s.Unmet.Calls != 4 || s.Unmet.Call != 0 || !strings.HasPrefix(s.Unmet.Example, file+":6:") || !strings.Contains(s.Unmet.Example, "expect.say") {
		t.Fatalf("expectations_failed %+v", s.Unmet)
	}
	if len(s.Flows) != 2 || s.Flows[0].Unmet != 4 || s.Flows[0].Failed != 4 || s.Flows[1].Completed != 4 || s.Flows[1].Unmet != 0 {
		t.Errorf("flows %+v", s.Flows)
	}
	if s.Calls.Failed != 4 || s.Errors != 0 {
		t.Errorf("calls %+v, %d request errors: the app answered every request", s.Calls, s.Errors)
	}
	code, out, _ = c.run("", "load", "--scenario", file, "--calls", "2", "--concurrency", "1")
	if code != ExitFailed || !strings.Contains(out, "expectations failed in 1 calls") || !strings.Contains(out, "first in call 0: "+file+":6:") {
		t.Errorf("exit %d, text summary:\n%s", code, out)
	}
}

func TestLoadUsageErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"load"}, "--url is required"},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--calls", "0"}, `invalid value "0" for --calls: want at least 1`},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--concurrency", "0"}, `invalid value "0" for --concurrency`},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--rate", "fast"}, `invalid value "fast" for --rate`},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--rate", "5/fortnight"}, "unknown unit"},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--interactive"}, "--interactive cannot be used with load"},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--direction", "sideways"}, "--direction"},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--dial-status", "busy"}, "inbound calls are always answered"},
		{[]string{"load", "--url", "http://127.0.0.1:1/", "--progress", "loud"}, "--progress"},
		{[]string{"load", "--scenario", "/nonexistent/dir"}, "--scenario"},
	} {
		code, _, errOut := c.run("", tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// The first Ctrl-C stops the load with a partial summary (exit 1).
func TestLoadInterrupted(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-time.After(300 * time.Millisecond):
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, "<Response><Hangup/></Response>")
	}))
	defer srv.Close()
	f, io := c.factory("")
	sigs := make(chan os.Signal, 2)
	f.Signals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	f.Exit = func(code int) { t.Errorf("exit %d after one Ctrl-C", code) }
	done := make(chan int)
	go func() {
		done <- Execute(f, []string{"load", "--url", srv.URL, "--calls", "1000", "--concurrency", "2", "--json"})
	}()
	<-arrived
	sigs <- os.Interrupt
	select {
	case code := <-done:
		sum := decodeSummary(t, io.Out.(interface{ String() string }).String())
		if code != ExitFailed || !sum.Interrupted || sum.Calls.Started >= 1000 {
			t.Errorf("exit %d, interrupted %t, %d calls started", code, sum.Interrupted, sum.Calls.Started)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("load did not stop on Ctrl-C")
	}
}
