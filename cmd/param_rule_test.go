package cmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// One rule for --param in every command: its value is sent on every
// request, a managed field included, with a warning; the summary stays
// true.
func TestParamRule(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var statuses []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		statuses = append(statuses, r.PostForm.Get("CallStatus")+"/"+r.PostForm.Get("Digits"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		if r.URL.Path == "/voice" {
			fmt.Fprint(w, `<Response><Gather numDigits="1" action="/menu"/></Response>`)
			return
		}
		fmt.Fprint(w, `<Response><Hangup/></Response>`)
	}))
	defer srv.Close()
	const warning = "callsim: warning: --param CallStatus=queued replaces the CallStatus callsim sends, on every request\n"

	c := newCLI(t)
	code, out, errOut := c.run("", "inbound", srv.URL+"/voice", "--param", "CallStatus=queued", "--param", "Digits=9", "--param", "Custom=1", "--digits", "1", "--seed", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	mu.Lock()
	got := strings.Join(statuses, " ")
	mu.Unlock()
	if got != "queued/9 queued/9 queued/9" {
		t.Errorf("requests sent CallStatus/Digits %s, want --param's values on every one", got)
	}
	if !strings.Contains(errOut, warning) || !strings.Contains(errOut, "--param Digits=9 replaces") || strings.Contains(errOut, "Custom") {
		t.Errorf("warnings:\n%s", errOut)
	}
	if !strings.Contains(out, "(CallStatus=completed); the requests said CallStatus=queued (--param)") {
		t.Errorf("summary not true:\n%s", out)
	}

	for _, args := range [][]string{
		{"example", "completed", "--param", "CallStatus=queued"},
		{"load", "--url", srv.URL + "/voice", "--calls", "1", "--param", "CallStatus=queued"},
	} {
		code, out, errOut := c.run("", args...)
		if code != 0 || !strings.Contains(errOut, warning) {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, errOut)
		}
		if args[0] == "example" && !strings.Contains(out, "CallStatus") || args[0] == "example" && !strings.Contains(out, "queued") {
			t.Errorf("example does not send --param's value:\n%s", out)
		}
	}
}
