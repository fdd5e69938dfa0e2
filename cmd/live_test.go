package cmd

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const liveMenu = `<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="/menu"><Say>Press 1 for sales.</Say></Gather></Response>`

// The report of a request is on standard output before the next request
// is sent: what `stripe listen` users expect from a slow webhook.
func TestCallReportStreams(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	var seenAtMenu string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		switch r.URL.Path {
		case "/voice":
			fmt.Fprint(w, liveMenu)
		case "/menu":
			seenAtMenu = out.String()
			fmt.Fprint(w, `<Response><Say>Bye</Say></Response>`)
		}
	}))
	defer srv.Close()
	c := newCLI(t)
	f, ios := c.factory("")
	ios.Out = &out
	if code := Execute(f, []string{"inbound", srv.URL + "/voice", "--digits", "1", "--no-end", "--seed", "1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ios.ErrOut)
	}
	for _, want := range []string{"1 POST " + srv.URL + "/voice", `<Gather numDigits="1" action="/menu">`, `⌨  pressed "1"`} {
		if !strings.Contains(seenAtMenu, want) {
			t.Errorf("when /menu was requested, the report lacked %q:\n%s", want, seenAtMenu)
		}
	}
	if strings.Contains(seenAtMenu, "2 POST") || strings.Contains(seenAtMenu, "✔") {
		t.Errorf("the report ran ahead of the call:\n%s", seenAtMenu)
	}
}

// --interactive shows the TwiML before it asks, and the prompt does not
// repeat what the report shows.
func TestInteractiveShowsTwiMLFirst(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, liveMenu)
	}))
	defer srv.Close()
	c := newCLI(t)
	f, ios := c.factory("hangup\n")
	var screen lockedBuffer
	ios.Out, ios.ErrOut = &screen, &screen
	if code := Execute(f, []string{"inbound", srv.URL + "/voice", "--interactive", "--seed", "1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, screen.String())
	}
	got := screen.String()
	twiml, ask := strings.Index(got, "<Gather"), strings.Index(got, "⌨  Gather")
	if twiml < 0 || ask < 0 || twiml > ask {
		t.Errorf("the TwiML (at %d) should come before the question (at %d):\n%s", twiml, ask, got)
	}
	if n := strings.Count(got, "Press 1 for sales."); n != 2 { // in the TwiML, and heard once
		t.Errorf("the prompt text appears %d times, want 2 (TwiML and report):\n%s", n, got)
	}
}

// On a terminal the header says the profile is the default and how to get
// today's fields, once; not when piped, not when chosen.
func TestDefaultProfileNote(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<Response><Hangup/></Response>`)
	}))
	defer srv.Close()
	const note = "API legacy is callsim's default; for the fields Twilio sends today use --api-version 2010-04-01 (or api_version: 2010-04-01 in callsim.yaml)"
	for _, tc := range []struct {
		tty  bool
		args []string
		want int
	}{
		{true, nil, 1},
		{false, nil, 0},
		{true, []string{"--api-version", "legacy"}, 0},
		{true, []string{"--api-version", "2010-04-01"}, 0},
	} {
		c := newCLI(t)
		c.tty = true
		c.tty = tc.tty
		c.env["NO_COLOR"] = "1"
		code, out, errOut := c.run("", append([]string{"inbound", srv.URL + "/voice", "--seed", "1"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if n := strings.Count(out, note); n != tc.want {
			t.Errorf("tty=%v %v: note %d times, want %d:\n%s", tc.tty, tc.args, n, tc.want, out)
		}
	}
}

// A slow app: a terminal's standard error shows what callsim waits for,
// and erases it before the report goes on.
func TestWaitingIndicatorOnATerminal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(600 * time.Millisecond)
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<Response><Hangup/></Response>`)
	}))
	defer srv.Close()
	c := newCLI(t)
	c.tty = true
	code, _, errOut := c.run("", "inbound", srv.URL+"/voice", "--seed", "1", "--no-end")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "waiting for POST "+srv.URL+"/voice (") || !strings.HasSuffix(errOut, "\r\x1b[K") {
		t.Errorf("standard error: %q", errOut)
	}
	c.tty = false
	if _, _, errOut := c.run("", "inbound", srv.URL+"/voice", "--seed", "1", "--no-end"); errOut != "" {
		t.Errorf("indicator off a terminal: %q", errOut)
	}
}
