package waitfor

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// freeAddr is a loopback address nothing listens on (yet). It is on
// 127.0.0.2 where the system has it (Linux): the port, once closed, can
// go to the next listener on the machine, and listeners (httptest's, other
// tests') are on 127.0.0.1, where a probe of this address would reach them.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// recorder remembers what Waiting was told.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) waiting(url string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, url+": "+err.Error())
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func TestWaitAppStartsLate(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	var heads atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			heads.Add(1)
		}
		http.Error(w, "POST only", http.StatusMethodNotAllowed) // a webhook's usual answer: still up
	}))
	defer srv.Close()
	const late = 300 * time.Millisecond
	started := make(chan struct{})
	go func() {
		defer close(started)
		time.Sleep(late)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen again on %s: %v", addr, err)
			return
		}
		srv.Listener = ln
		srv.Start()
	}()
	var rec recorder
	begin := time.Now()
	err := Wait(context.Background(), []string{"http://" + addr + "/voice"}, 10*time.Second, Options{Waiting: rec.waiting})
	<-started
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if took := time.Since(begin); took < late {
		t.Errorf("Wait returned after %s, before the app started (%s)", took, late)
	}
	want := []string{"http://" + addr + "/voice: 11202 HTTP connection failure: connection refused"}
	if diff := cmp.Diff(want, rec.got()); diff != "" {
		t.Errorf("Waiting calls (-want +got):\n%s", diff)
	}
	if heads.Load() != 1 {
		t.Errorf("the app got %d HEAD requests, want 1 (the probe that found it up)", heads.Load())
	}
}

func TestWaitAppNeverStarts(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	const within = 400 * time.Millisecond
	begin := time.Now()
	err := Wait(context.Background(), []string{"http://user:secret-pw@" + addr + "/voice"}, within, Options{})
	took := time.Since(begin)
	var we *Error
	if !errors.As(err, &we) {
		t.Fatalf("Wait = %v, want an *Error", err)
	}
	want := "http://user:xxxxx@" + addr + "/voice did not answer within 400ms: 11202 HTTP connection failure: connection refused"
	if got := err.Error(); got != want {
		t.Errorf("error:\n got %s\nwant %s", got, want)
	}
	if took < within || took > within+2*MaxBackoff {
		t.Errorf("Wait gave up after %s, want about %s", took, within)
	}
}

// A proxy in front of an app that is not up yet answers 502 or 503: keep
// waiting.
func TestWaitGatewayErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusBadGateway)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 3:
			w.WriteHeader(http.StatusGatewayTimeout)
		default:
			w.WriteHeader(http.StatusForbidden) // the signature validator: up
		}
	}))
	defer srv.Close()
	var rec recorder
	if err := Wait(context.Background(), []string{srv.URL + "/voice"}, 10*time.Second, Options{Client: srv.Client(), Waiting: rec.waiting}); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if n.Load() != 4 {
		t.Errorf("%d probes, want 4", n.Load())
	}
	if diff := cmp.Diff([]string{srv.URL + "/voice: HTTP 502 Bad Gateway"}, rec.got()); diff != "" {
		t.Errorf("Waiting calls (-want +got):\n%s", diff)
	}

	// An app that only ever answers 503 is not up.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	err := Wait(context.Background(), []string{down.URL}, 200*time.Millisecond, Options{Client: down.Client()})
	if err == nil || !strings.HasSuffix(err.Error(), "did not answer within 200ms: HTTP 503 Service Unavailable") {
		t.Errorf("Wait = %v, want a 503 timeout", err)
	}
}

// One probe per scheme and host; every host must be up.
func TestWaitEveryHostOnce(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path != "/voice" {
			t.Errorf("probe of %s, want the first URL of the host (/voice)", r.URL.Path)
		}
	}))
	defer srv.Close()
	addr := freeAddr(t)
	urls := []string{srv.URL + "/voice", srv.URL + "/other", "http://" + addr + "/voice"}
	err := Wait(context.Background(), urls, 200*time.Millisecond, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "http://"+addr+"/voice did not answer") {
		t.Errorf("Wait = %v, want the host that is down named", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d probes of the host that is up, want 1", n.Load())
	}
}

// A certificate callsim does not trust: the server is up, and the call
// reports the certificate.
func TestWaitCertificateErrorIsUp(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	var rec recorder
	if err := Wait(context.Background(), []string{srv.URL}, 5*time.Second, Options{Waiting: rec.waiting}); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if got := rec.got(); len(got) != 0 {
		t.Errorf("Waiting called: %q", got)
	}
}

func TestWaitCanceled(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err := Wait(ctx, []string{"http://" + addr}, 10*time.Second, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
}

// A host that does not resolve is 11210, whether the resolver says so or
// the wait ends first. The resolver is a stand-in: the test needs no DNS.
func TestWaitBadHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		dial func(ctx context.Context, network, addr string) (net.Conn, error)
		want string
	}{{
		name: "no such host",
		dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "app.invalid", IsNotFound: true}}
		},
		want: "11210 HTTP bad host name: cannot resolve app.invalid",
	}, {
		name: "resolver too slow",
		dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if tr := httptrace.ContextClientTrace(ctx); tr != nil && tr.DNSStart != nil {
				tr.DNSStart(httptrace.DNSStartInfo{Host: "app.invalid"})
			}
			<-ctx.Done()
			return nil, ctx.Err()
		},
		want: "11210 HTTP bad host name: cannot resolve app.invalid: timed out",
	}, {
		name: "connect too slow",
		dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
		want: "11205 HTTP connection failure: connect timed out",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client := &http.Client{Transport: &http.Transport{DialContext: tc.dial}}
			err := Wait(context.Background(), []string{"http://app.invalid:3000/voice"}, 100*time.Millisecond, Options{Client: client})
			want := "http://app.invalid:3000/voice did not answer within 100ms: " + tc.want
			if err == nil || err.Error() != want {
				t.Errorf("Wait = %v\nwant %s", err, want)
			}
		})
	}
}

// An app that accepts connections but does not answer within the wait.
func TestWaitNoAnswer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	err := Wait(context.Background(), []string{srv.URL}, 200*time.Millisecond, Options{})
	if err == nil || !strings.HasSuffix(err.Error(), ": 11200 HTTP retrieval failure: no answer to a HEAD request") {
		t.Errorf("Wait = %v, want 11200 no answer", err)
	}
}
