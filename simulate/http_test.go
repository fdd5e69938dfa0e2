package simulate_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/webhook"
)

// The tests below hold callsim's HTTP client (net/http through
// webhook.NewTransport and Sender.Send) to what it must do against
// servers that misbehave. Raw servers write bytes net/http's server never
// would.

// rawServer runs script on every connection it accepts; i counts them from 1.
func rawServer(t *testing.T, script func(i int, c net.Conn, br *bufio.Reader)) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = &atomic.Int64{}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(accepted.Add(1))
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second)) // a stuck test ends
				script(i, c, bufio.NewReader(c))
			})
		}
	})
	return "http://" + ln.Addr().String(), accepted
}

// readRequest consumes one request head and body from br.
func readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	return req, body, err
}

// twimlResponse is a keep-alive 200 answer carrying a <Say>.
func twimlResponse(say string) string {
	doc := resp("<Say>" + say + "</Say>")
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(doc), doc)
}

// place runs one single-request call (no end-of-call request) to url over client.
func place(t *testing.T, client *http.Client, url string, seed uint64) *simulate.Transcript {
	t.Helper()
	call, err := contract.NewCall(contract.CallSpec{Seed: seed, APIVersion: "2010-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: url, NoEnd: true, HTTP: client, AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// said is what the call's first document said, or its first error.
func said(tr *simulate.Transcript) string {
	if len(tr.Errors) > 0 {
		return fmt.Sprint(tr.Errors[0].Code)
	}
	for _, s := range tr.Steps {
		for _, e := range s.Events {
			if e.Kind == simulate.EventSay {
				return e.Text
			}
		}
	}
	return ""
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := webhook.NewTransport()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// (a) A response followed by bytes nobody asked for: the next call (sharing
// the pool) never takes them as its answer. net/http drops the connection
// when it sees the bytes first; when the next request takes the connection
// first, callsim's guard fails that request with 11206 (it was sent, so it
// is not re-sent).
func TestExtraBytesAfterAResponseDoNotReachTheNextCall(t *testing.T) {
	t.Parallel()
	url, _ := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		for n := 0; ; n++ {
			if _, _, err := readRequest(br); err != nil {
				return
			}
			answer := twimlResponse(fmt.Sprintf("conn %d request %d", i, n))
			if n == 0 {
				answer += twimlResponse("stale")
			}
			io.WriteString(c, answer)
		}
	})
	client := newClient(t)
	for k := range 20 {
		if got := said(place(t, client, url+"/voice", uint64(k+1))); got != "11206" && !strings.HasSuffix(got, "request 0") {
			t.Fatalf("call %d heard %q, want a fresh connection's first answer or 11206", k, got)
		}
	}
}

// (b) Six 103 Early Hints before the answer: all are skipped, the 200 is
// the answer, and the next request on the connection is not out of step.
func TestEarlyHintsAreSkipped(t *testing.T) {
	t.Parallel()
	url, accepted := rawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		for n := 0; ; n++ {
			if _, _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n", 6)+twimlResponse(fmt.Sprintf("answer %d", n)))
		}
	})
	client := newClient(t)
	for n := range 3 {
		if got, want := said(place(t, client, url+"/voice", 1)), fmt.Sprintf("answer %d", n); got != want {
			t.Errorf("call %d heard %q, want %q", n, got, want)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1 kept alive", n)
	}
}

// (c) An endless header line: the request fails at the header limit, fast
// and with bounded memory. Not parallel: it measures the heap.
func TestEndlessHeaderLineIsBounded(t *testing.T) {
	url, _ := rawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		if _, _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Endless: ")
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for range 16 << 10 { // up to 1 GB, until the client hangs up
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	tr := place(t, newClient(t), url+"/voice", 1)
	runtime.ReadMemStats(&after)
	if len(tr.Errors) != 1 || tr.Errors[0].Code != contract.ErrHTTPRetrieval || !strings.Contains(tr.Errors[0].Message, "headers exceeded") {
		t.Errorf("errors %v, want 11200 naming the header limit", tr.Errors)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("allocated %d MB for one request", grew>>20)
	}
}

// (d) A request the server read and then dropped may have been acted on:
// it is reported, never sent again behind the app's back, POST or GET.
func TestARequestTheServerReadIsNotResent(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			var got atomic.Int64
			url, accepted := rawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
				for n := 0; ; n++ {
					if _, _, err := readRequest(br); err != nil {
						return
					}
					got.Add(1)
					if n == 1 {
						return // read, then dropped without an answer
					}
					io.WriteString(c, twimlResponse("ok"))
				}
			})
			client := newClient(t)
			call := func() *simulate.Transcript {
				c, _ := contract.NewCall(contract.CallSpec{Seed: 1})
				tr, err := simulate.Run(context.Background(), c, simulate.Options{URL: url + "/voice", Method: method, NoEnd: true, HTTP: client})
				if err != nil {
					t.Fatal(err)
				}
				return tr
			}
			if tr := call(); tr.Failed {
				t.Fatalf("first call: %v", tr.Errors)
			}
			tr := call() // on the kept-alive connection, which the server drops
			if len(tr.Errors) != 1 || tr.Errors[0].Code != contract.ErrHTTPRetrieval {
				t.Errorf("errors %v, want one 11200", tr.Errors)
			}
			if n := got.Load(); n != 2 {
				t.Errorf("the server read %d requests, want 2 (no re-send)", n)
			}
			if n := accepted.Load(); n != 1 {
				t.Errorf("%d connections, want 1", n)
			}
		})
	}
}

// (e) Connections the server closed while idle are not reused: each call
// finds a live one.
func TestIdleConnectionsTheServerClosedAreNotReused(t *testing.T) {
	t.Parallel()
	url, accepted := rawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		if _, _, err := readRequest(br); err == nil {
			io.WriteString(c, twimlResponse("ok")) // keep-alive promised, then closed
		}
	})
	client := newClient(t)
	failures := 0
	for k := range 10 {
		if tr := place(t, client, url+"/voice", uint64(k+1)); tr.Failed {
			failures++
			t.Logf("call %d: %v", k, tr.Errors)
		}
		time.Sleep(20 * time.Millisecond) // the close reaches the client
	}
	if failures > 0 || accepted.Load() != 10 {
		t.Errorf("%d/10 calls failed over %d connections, want 0 over 10", failures, accepted.Load())
	}
}

// (f) 307 and 308 send the method and the form again, every hop, each
// signed for the URL it goes to.
func TestTemporaryAndPermanentRedirectsResendTheForm(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			app := newApp(t, map[string]http.HandlerFunc{
				"/voice": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", code) },
				"/a":     func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", code) },
				"/b":     twimlRoute(resp(`<Say>arrived</Say>`)),
			})
			tr := place(t, nil, app.URL+"/voice", 3)
			got := app.requests()
			if tr.Failed || len(got) != 3 {
				t.Fatalf("failed %v, %d requests", tr.Errors, len(got))
			}
			sent := tr.Steps[0].Request.Params
			for i, r := range got {
				if r.Method != "POST" || !r.ValidSig {
					t.Errorf("hop %d: %s, signature valid %v", i, r.Method, r.ValidSig)
				}
				want, _ := url.ParseQuery(sent.Encode())
				got, _ := url.ParseQuery(r.Params.Encode())
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("hop %d fields (-sent +received):\n%s", i, diff)
				}
			}
			if u := tr.Steps[0].Response.URL; u != app.URL+"/b" {
				t.Errorf("final URL %q", u)
			}
		})
	}
}

// 302 and 303 after a POST become a GET without the fields or their
// Content-Type, signed for the new URL; no Referer (Twilio sends none).
func TestFoundAfterPostIsAGetWithoutFields(t *testing.T) {
	t.Parallel()
	var hop atomic.Value
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/next", http.StatusSeeOther) },
		"/next": func(w http.ResponseWriter, r *http.Request) {
			hop.Store(fmt.Sprintf("ct=%q referer=%q length=%d te=%v", r.Header.Get("Content-Type"), r.Referer(), r.ContentLength, r.TransferEncoding))
			twimlRoute(resp(`<Hangup/>`))(w, r)
		},
	})
	tr := place(t, nil, app.URL+"/voice", 3)
	got := app.requests()
	if tr.Failed || len(got) != 2 || got[1].Method != "GET" || len(got[1].Params) != 0 || !got[1].ValidSig {
		t.Fatalf("failed %v, requests %+v", tr.Errors, got)
	}
	if h := hop.Load(); h != `ct="" referer="" length=0 te=[]` {
		t.Errorf("the GET hop: %s", h)
	}
}

// Credentials in the URL: the first request goes without them, a Basic
// challenge brings them (also to relative action URLs), and they appear
// in no URL, report, JSON, curl line or signature.
func TestURLCredentialsAnswerABasicChallenge(t *testing.T) {
	t.Parallel()
	const user, pass = "twilio-user", "s3cret-pass"
	var mu sync.Mutex
	var log []string
	app := newApp(t, nil)
	app.routes = map[string]http.HandlerFunc{}
	guard := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			mu.Lock()
			log = append(log, fmt.Sprintf("%s %s auth=%v", r.Method, r.URL.Path, ok))
			mu.Unlock()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="voice"`)
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			next(w, r)
		}
	}
	app.routes["/voice"] = guard(twimlRoute(resp(`<Gather numDigits="1" action="menu"><Say>Press 1.</Say></Gather>`)))
	app.routes["/menu"] = guard(twimlRoute(resp(`<Hangup/>`)))
	withCreds := strings.Replace(app.URL, "http://", "http://"+user+":"+pass+"@", 1) + "/voice"

	call, _ := contract.NewCall(contract.CallSpec{Seed: 5, APIVersion: "2010-04-01"})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: withCreds, AuthToken: testToken, NoEnd: true,
		Caller: &simulate.ScriptCaller{Digits: []string{"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Failed || len(tr.Steps) != 2 {
		t.Fatalf("failed %v, %d steps", tr.Errors, len(tr.Steps))
	}
	want := []string{"POST /voice auth=false", "POST /voice auth=true", "POST /menu auth=false", "POST /menu auth=true"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, r := range app.requests() {
		if !r.ValidSig {
			t.Errorf("%s %s: signature invalid for the URL without credentials", r.Method, r.Path)
		}
	}
	var out bytes.Buffer
	report.WriteText(&out, tr, report.Options{Verbose: true})
	report.WriteJSON(&out, tr)
	for _, s := range tr.Steps {
		out.WriteString(s.Request.Curl())
	}
	if strings.Contains(out.String(), pass) || strings.Contains(out.String(), user) {
		t.Errorf("credentials printed:\n%s", out.String())
	}
	if c := tr.Steps[0].Request.Curl(); !strings.Contains(c, "--user '"+redact.Redacted+"'") {
		t.Errorf("the curl line does not say credentials are needed:\n%s", c)
	}
}

// Without a Basic challenge the credentials are not sent: a 401 is 11217.
func TestCredentialsOnlyForABasicChallenge(t *testing.T) {
	t.Parallel()
	var auths atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			auths.Add(1)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	tr := place(t, nil, strings.Replace(srv.URL, "http://", "http://u:p4ssword@", 1)+"/voice", 1)
	if len(tr.Errors) != 1 || tr.Errors[0].Code != contract.ErrHTTPErrorResponse || tr.Errors[0].HTTPStatus != 401 || auths.Load() != 0 {
		t.Errorf("errors %v, %d requests with credentials", tr.Errors, auths.Load())
	}
}

// Twilio's retry policy: a failed connect is retried once by default; a
// 5xx or a read timeout is not, unless #rc/#rp say so.
func TestRetriesFollowTheConnectionOverrides(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fragment string
		status   int
		sleep    time.Duration
		want     int64
	}{
		{"", 503, 0, 1},
		{"#rc=3&rp=5xx", 503, 0, 4},
		{"#rc=2&rp=4xx,5xx", 404, 0, 3},
		{"#rc=2&rp=ct", 503, 0, 1},
		{"#rt=100", 200, 300 * time.Millisecond, 1},
		{"#rt=100&rc=1&rp=rt", 200, 300 * time.Millisecond, 2},
		{"#rt=100&tt=250&rc=5&rp=all", 200, 300 * time.Millisecond, 3},
	} {
		t.Run(c.fragment, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				select {
				case <-time.After(c.sleep):
				case <-r.Context().Done():
				}
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(c.status)
				io.WriteString(w, resp(`<Hangup/>`))
			}))
			t.Cleanup(srv.Close)
			tr := place(t, nil, srv.URL+"/voice"+c.fragment, 1)
			if !tr.Failed || n.Load() != c.want {
				t.Errorf("failed %v, %d requests, want %d", tr.Errors, n.Load(), c.want)
			}
		})
	}
}

// A refused connect is retried once (rc=1, rp=ct), rc=0 not at all.
func TestRefusedConnectRetriedOnceByDefault(t *testing.T) {
	t.Parallel()
	var dials atomic.Int64
	tr := webhook.NewTransport()
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, addr)
	}
	client := &http.Client{Transport: tr}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		fragment string
		want     int64
	}{{"", 2}, {"#rc=0", 1}, {"#rc=3", 4}} {
		dials.Store(0)
		got := place(t, client, "http://"+addr+"/voice"+c.fragment, 1)
		if len(got.Errors) != 1 || got.Errors[0].Code != contract.ErrConnectionRefused || dials.Load() != c.want {
			t.Errorf("%q: errors %v after %d connects, want 11202 after %d", c.fragment, got.Errors, dials.Load(), c.want)
		}
	}
}

// A gzip answer (Twilio sends Accept-Encoding: gzip) is decoded before it
// is parsed, its Content-Encoding no longer reported.
func TestGzipResponseIsDecoded(t *testing.T) {
	t.Parallel()
	var accept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, resp(`<Say>compressed</Say>`))
		zw.Close()
	}))
	t.Cleanup(srv.Close)
	tr := place(t, nil, srv.URL+"/voice", 1)
	if tr.Failed || said(tr) != "compressed" {
		t.Fatalf("errors %v, heard %q", tr.Errors, said(tr))
	}
	if got := accept.Load(); got != "gzip" {
		t.Errorf("Accept-Encoding %q, want gzip", got)
	}
	if h := tr.Steps[0].Response.Headers; h.Get("Content-Encoding") != "" {
		t.Errorf("Content-Encoding still reported after decoding: %v", h)
	}
}

// Calls share keep-alive connections: one after another use one.
func TestCallsShareKeepAliveConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(twimlRoute(resp(`<Hangup/>`)))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	client := newClient(t)
	for k := range 20 {
		if tr := place(t, client, srv.URL+"/voice", uint64(k+1)); tr.Failed {
			t.Fatal(tr.Errors)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 calls one after another used %d connections, want 1", n)
	}
}

// http:// is HTTP/1.1 even to a server that speaks cleartext HTTP/2.
func TestNoCleartextHTTP2(t *testing.T) {
	t.Parallel()
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		twimlRoute(resp(`<Hangup/>`))(w, r)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	if tr := place(t, newClient(t), srv.URL+"/voice", 1); tr.Failed || proto.Load() != "HTTP/1.1" {
		t.Errorf("errors %v, protocol %v, want HTTP/1.1", tr.Errors, proto.Load())
	}
}

// https goes through the same transport; an untrusted certificate is 11237.
func TestHTTPSUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(twimlRoute(resp(`<Hangup/>`)))
	t.Cleanup(srv.Close)
	tr := place(t, nil, srv.URL+"/voice", 1)
	if len(tr.Errors) == 0 || tr.Errors[0].Code != contract.ErrCertUntrusted {
		t.Errorf("errors %v, want %d", tr.Errors, contract.ErrCertUntrusted)
	}
}

// https negotiates HTTP/2 where the server offers it, and calls share it.
func TestHTTPSUsesHTTP2(t *testing.T) {
	t.Parallel()
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		twimlRoute(resp(`<Say>secure</Say>`))(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := webhook.NewTransport()
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	for k := range 3 {
		if got := place(t, client, srv.URL+"/voice", uint64(k+1)); said(got) != "secure" {
			t.Fatalf("errors %v", got.Errors)
		}
	}
	if p := proto.Load(); p != "HTTP/2.0" {
		t.Errorf("protocol %v, want HTTP/2.0", p)
	}
}
