package simulate

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an httptest server that counts the connections it accepts.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// get sends one request through tr and returns the body read to the end.
func get(t *testing.T, tr http.RoundTripper, method, url, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, string(data)
}

func TestTransportKeepsConnectionsAlive(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
	})
	tr := NewTransport()
	defer tr.CloseIdleConnections()
	for i := range 20 {
		method, body := "GET", ""
		if i%2 == 1 {
			method, body = "POST", fmt.Sprintf("n=%d", i)
		}
		_, got := get(t, tr, method, srv.URL+"/voice", body)
		if want := method + " /voice " + body; got != want {
			t.Fatalf("body %q, want %q", got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 requests one after another used %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				get(t, tr, "POST", srv.URL+"/voice", "x=1")
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n > 1+8 {
		t.Errorf("8 concurrent callers used %d connections, want at most 9", n)
	}
}

func TestTransportDoesNotReuseClosedOrUnreadConnections(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, strings.Repeat("x", 10<<10))
	})
	tr := NewTransport()
	defer tr.CloseIdleConnections()
	get(t, tr, "GET", srv.URL+"/close", "")
	get(t, tr, "GET", srv.URL+"/", "")
	if n := conns.Load(); n != 2 {
		t.Errorf("after Connection: close, %d connections, want 2", n)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10)) // closed unread
	resp.Body.Close()
	get(t, tr, "GET", srv.URL+"/", "")
	if n := conns.Load(); n != 3 {
		t.Errorf("after a body closed unread, %d connections, want 3", n)
	}
}

// rawServer answers each connection with script(conn index, request line).
func rawServer(t *testing.T, script func(i int, conn net.Conn, br *bufio.Reader)) (url string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(accepted.Add(1))
			go func() {
				defer c.Close()
				script(i, c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String(), accepted
}

// readRequest consumes one request head and body from br.
func readRequest(br *bufio.Reader) error {
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err
}

func TestTransportRetriesAConnectionTheServerClosed(t *testing.T) {
	url, accepted := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		for readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			if i == 1 {
				return // keep-alive promised, then closed: the next request finds it dead
			}
		}
	})
	tr := NewTransport()
	defer tr.CloseIdleConnections()
	get(t, tr, "POST", url+"/voice", "a=1")
	time.Sleep(50 * time.Millisecond) // let the close arrive
	if _, body := get(t, tr, "POST", url+"/voice", "a=2"); body != "ok" {
		t.Errorf("body %q after the retry", body)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestTransportSkipsInterimResponsesAndReadsChunks(t *testing.T) {
	url, _ := rawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
		}
	})
	tr := NewTransport()
	defer tr.CloseIdleConnections()
	resp, body := get(t, tr, "GET", url, "")
	if resp.StatusCode != 200 || body != "hello" {
		t.Errorf("got %d %q, want 200 hello", resp.StatusCode, body)
	}
}

func TestTransportDeadlineAndCancel(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	url, _ := rawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
			<-release
		}
	})
	tr := NewTransport()
	defer tr.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a body stalled past the deadline: %v, want context.DeadlineExceeded", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, _ = http.NewRequestWithContext(ctx, "GET", url, nil)
	start := time.Now()
	if resp, err = tr.RoundTrip(req); err == nil {
		_, err = io.ReadAll(resp.Body)
	}
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Errorf("cancelled mid-body: %v after %s, want context.Canceled at once", err, time.Since(start))
	}
}

// callOnce places one call to url, without the end-of-call request.
func callOnce(t *testing.T, url string) *Transcript {
	t.Helper()
	call, err := NewCall(CallSpec{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Run(context.Background(), call, Options{URL: url, NoEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// A gzip answer (Twilio sends Accept-Encoding: gzip) is decoded before it is
// parsed, as net/http would.
func TestGzipResponseIsDecoded(t *testing.T) {
	var accept atomic.Value
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, `<Response><Say>compressed</Say></Response>`)
		zw.Close()
	})
	tr := callOnce(t, srv.URL+"/voice")
	if tr.Failed || len(tr.Steps) != 1 || tr.Steps[0].Response.Body != `<Response><Say>compressed</Say></Response>` {
		t.Fatalf("failed %v, errors %v, steps %d", tr.Failed, tr.Errors, len(tr.Steps))
	}
	if got := accept.Load(); got != "gzip" {
		t.Errorf("Accept-Encoding %q, want gzip", got)
	}
	if h := tr.Steps[0].Response.Headers; h.Get("Content-Encoding") != "" {
		t.Errorf("Content-Encoding still reported after decoding: %v", h)
	}
}

// https goes to net/http's transport; an untrusted certificate is Twilio's 11237.
func TestHTTPSUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<Response/>`)
	}))
	defer srv.Close()
	tr := callOnce(t, srv.URL+"/voice")
	if len(tr.Errors) == 0 || tr.Errors[0].Code != ErrCertUntrusted {
		t.Errorf("errors %v, want %d", tr.Errors, ErrCertUntrusted)
	}
}

// A deadline carried as a value (what Signer uses with this transport) holds
// on the https path too, which net/http carries.
func TestTransportValueDeadlineOverTLS(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	tr := NewTransport()
	tr.tls.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	defer tr.CloseIdleConnections()
	ctx := withDeadline(context.Background(), time.Now().Add(100*time.Millisecond))
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("%v after %s, want context.DeadlineExceeded after 100ms", err, time.Since(start))
	}
}

// wire is what a request writer puts on the connection.
func wire(t testing.TB, write func(*bufio.Writer, *http.Request) error, method, url, body string, header http.Header) (string, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return "", err
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	var b strings.Builder
	w := bufio.NewWriter(&b)
	err = write(w, req)
	w.Flush()
	return b.String(), err
}

func netHTTPWrite(w *bufio.Writer, req *http.Request) error { return req.Write(w) }

func TestWriteRequestMatchesNetHTTP(t *testing.T) {
	twilio := http.Header{
		"User-Agent": {"TwilioProxy/1.1"}, "Accept": {"*/*"}, "Accept-Encoding": {"gzip"},
		"I-Twilio-Idempotency-Token": {"30848b92-0490-1e01-60a2-08aa06a23d6e"}, "X-Home-Region": {"us1"},
		"Content-Type":       {"application/x-www-form-urlencoded; charset=UTF-8"},
		"X-Twilio-Signature": {"Q1ZgXyQmB7ZkKz+Yp1Fw2kX7RDo="},
	}
	cases := []struct {
		method, url, body string
		header            http.Header
	}{
		{"POST", "http://127.0.0.1:3000/voice", "CallSid=CA1&From=%2B14155550100", twilio},
		{"GET", "http://localhost/voice?CallSid=CA1&Digits=1%23", "", twilio},
		{"POST", "http://app.test/voice", "", twilio}, // Content-Length: 0
		{"POST", "http://[::1]:8080/a%20b/c?x=1", "a=1", http.Header{"Cookie": {"session=abc; other=1"}, "Referer": {"http://[::1]:8080/"}}},
		{"GET", "http://app.test/", "", http.Header{"X-Many": {"1", "2"}, "User-Agent": {""}}},
		{"GET", "http://app.test/", "", nil},                                           // net/http's own User-Agent
		{"GET", "http://app.test/", "", http.Header{"X-Spaced": {" padded "}}},         // cleaned by net/http
		{"GET", "http://app.test/", "", http.Header{"X-Broken": {"a\r\nInjected: 1"}}}, // cleaned by net/http
		{"GET", "http://bücher.test/", "", nil},                                        // punycode
		{"PUT", "http://app.test/", "x", nil},
	}
	for _, tc := range cases {
		want, werr := wire(t, netHTTPWrite, tc.method, tc.url, tc.body, tc.header)
		got, gerr := wire(t, writeRequest, tc.method, tc.url, tc.body, tc.header)
		if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("%s %s:\n got %q (%v)\nwant %q (%v)", tc.method, tc.url, got, gerr, want, werr)
		}
	}
}

func FuzzWriteRequest(f *testing.F) {
	f.Add("POST", "/voice?x=1", "127.0.0.1:3000", "X-Twilio-Signature", "abc=", "CallSid=CA1")
	f.Add("GET", "/", "app.test", "Cookie", " a=b ", "")
	f.Fuzz(func(t *testing.T, method, path, host, key, value, body string) {
		url := "http://" + host + path
		want, werr := wire(t, netHTTPWrite, method, url, body, http.Header{key: {value}})
		got, gerr := wire(t, writeRequest, method, url, body, http.Header{key: {value}})
		if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("%s %s %q=%q:\n got %q (%v)\nwant %q (%v)", method, url, key, value, got, gerr, want, werr)
		}
	})
}
