package cmd

import (
	"net"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/callsim/callsim/internal/demoapp"
)

// callsim run started before the app (as a CI job starting both) waits
// for it with --wait-for, says so once, and replays the scenarios.
func TestRunWaitsForLateApp(t *testing.T) {
	t.Parallel()
	// 127.0.0.2 where there is one (Linux): once closed, the port may go to
	// another test's listener, and those are on 127.0.0.1.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const token = "late-app-token-3"
	srv := httptest.NewUnstartedServer((&demoapp.App{AuthToken: token}).Handler())
	defer srv.Close()
	started := make(chan error, 1)
	time.AfterFunc(300*time.Millisecond, func() {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			srv.Listener = ln
			srv.Start()
		}
		started <- err
	})

	c := newCLI(t)
	c.env["TWILIO_AUTH_TOKEN"] = token
	c.write("s/menu.yaml", passing)
	code, out, errOut := c.run("", "run", "s", "--wait-for", "20s", "--env", "APP_URL=http://"+addr)
	if err := <-started; err != nil {
		t.Fatalf("the app could not listen on %s again: %v", addr, err)
	}
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	want := `^callsim: waiting up to 20s for http://` + regexp.QuoteMeta(addr) + `/voice to answer \(11202 HTTP connection failure: connection refused\)\n$`
	if !regexp.MustCompile(want).MatchString(errOut) {
		t.Errorf("stderr %q, want one line matching %s", errOut, want)
	}
	if !regexp.MustCompile(`(?m)^1 passed, 0 failed in `).MatchString(out) {
		t.Errorf("report:\n%s", out)
	}
}
