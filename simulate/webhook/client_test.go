package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callsim/callsim/simulate/contract"
)

// seen is what the app received: one line per request.
type seen struct {
	mu    sync.Mutex
	lines []string
}

func (s *seen) add(r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_, hasSig := r.Header[http.CanonicalHeaderKey("X-Twilio-Signature")]
	line := r.Method + " " + r.URL.Path + " cookie=" + r.Header.Get("Cookie") + " auth=" + r.Header.Get("Authorization") +
		" body=" + string(body) + " ctype=" + r.Header.Get("Content-Type")
	if hasSig {
		line += " signed"
	}
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
}

// Send gives a request with no cookie to send straight to the transport;
// one with cookies goes through http.Client. Both must answer alike, and
// the app must receive the same requests: redirects of every kind
// (followed by http.Client in both cases), cookies set on an answer or on
// a redirect, a Basic challenge, errors, an https URL answered in plain
// HTTP.
func TestSendDirectMatchesClient(t *testing.T) {
	t.Parallel()
	app := &seen{}
	mux := http.NewServeMux()
	twiml := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, "<Response><Hangup/></Response>")
	}
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { app.add(r); twiml(w) })
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		app.add(r)
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "1", Path: "/"})
		twiml(w)
	})
	for _, code := range []int{301, 302, 303, 307, 308} {
		mux.HandleFunc("/r"+http.StatusText(code)[:3]+"/", func(w http.ResponseWriter, r *http.Request) {
			app.add(r)
			http.SetCookie(w, &http.Cookie{Name: "hop", Value: "2", Path: "/"})
			http.Redirect(w, r, "/ok", code)
		})
	}
	mux.HandleFunc("/noloc", func(w http.ResponseWriter, r *http.Request) { app.add(r); w.WriteHeader(http.StatusSeeOther) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		app.add(r)
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		app.add(r)
		if _, _, ok := r.BasicAuth(); !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		twiml(w)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		app.add(r)
		w.WriteHeader(http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	call, err := contract.NewCall(contract.CallSpec{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	targets := []Target{{URL: srv.URL + "/ok"}, {URL: srv.URL + "/ok", Method: "GET"}, {URL: srv.URL + "/cookie"},
		{URL: srv.URL + "/noloc"}, {URL: srv.URL + "/loop"}, {URL: srv.URL + "/fail"},
		{URL: "http://u:p@" + host + "/auth"}, {URL: "https://" + host + "/ok"}}
	for _, code := range []string{"Mov", "Fou", "See", "Tem", "Per"} { // 301, 302, 303, 307, 308
		targets = append(targets, Target{URL: srv.URL + "/r" + code + "/"}, Target{URL: srv.URL + "/r" + code + "/", Method: "GET"})
	}
	send := func(target Target, viaClient bool) (*Response, *contract.TwilioError, []string) {
		s, err := NewSender(token, srv.URL+"/ok", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		req, err := s.Build("initial", target, call.Params(call.FirstStatus(), true), call.RunRand())
		if err != nil {
			t.Fatal(err)
		}
		tr := NewTransport()
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Jar: &LazyJar{}}
		if viaClient {
			jar, _ := cookiejar.New(nil) // not a LazyJar: every request goes through http.Client
			client.Jar = jar
		}
		app.mu.Lock()
		app.lines = nil
		app.mu.Unlock()
		var resps []*Response
		var terrs []*contract.TwilioError
		for range 2 { // the second request sends the cookies the first got
			resp, terr := s.Send(context.Background(), client, req)
			resps, terrs = append(resps, resp), append(terrs, terr)
		}
		if d := cmp.Diff(resps[0], resps[1], cmpopts.IgnoreFields(Response{}, "Latency", "Headers")); d != "" && !strings.Contains(target.URL, "cookie") {
			t.Errorf("%v: the second answer differs (-first +second):\n%s", target, d)
		}
		app.mu.Lock()
		defer app.mu.Unlock()
		return resps[1], terrs[1], app.lines
	}
	for _, target := range targets {
		dResp, dErr, dSeen := send(target, false)
		cResp, cErr, cSeen := send(target, true)
		if d := cmp.Diff(cResp, dResp, cmpopts.IgnoreFields(Response{}, "Latency", "Headers")); d != "" {
			t.Errorf("%v: answer (-client +direct):\n%s", target, d)
		}
		if d := cmp.Diff(cErr, dErr); d != "" {
			t.Errorf("%v: error (-client +direct):\n%s", target, d)
		}
		if d := cmp.Diff(cSeen, dSeen); d != "" {
			t.Errorf("%v: the app received (-client +direct):\n%s", target, d)
		}
	}
}

const token = "12345678901234567890123456789012"
