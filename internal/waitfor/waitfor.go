// Package waitfor waits until a voice app answers HTTP, so that a CI job
// can start the app and callsim together and have callsim's first call
// wait for the app rather than fail with 11202.
//
// An app is up when a HEAD request to its URL gets an HTTP answer, whatever
// the status (a webhook answers HEAD with 404, 405 or 403 as readily as with
// 200), except 502, 503 and 504: those come from a proxy or platform in
// front of an app that is not up yet. A listening socket alone is not
// enough, as a server may accept connections before it can answer them. A
// certificate error counts as up too: the server is there, and the call
// that follows reports the error better than a wait until the deadline.
package waitfor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// Backoff between probes of one URL: the first retry comes soon (a
// loopback app usually starts in well under a second), later ones no
// more than MaxBackoff apart so that a slow start is noticed promptly.
const (
	FirstBackoff = 50 * time.Millisecond
	MaxBackoff   = time.Second
	// MaxProbe bounds one probe: a server that accepted the connection
	// but does not answer within it is probed again.
	MaxProbe = 5 * time.Second
)

// Options are the optional parts of Wait.
type Options struct {
	// Client sends the probes; nil is a client of its own that, like
	// callsim's calls, uses no proxy.
	Client *http.Client
	// Waiting, when set, is called once for each URL whose first probe
	// failed, with that failure, before the wait for it starts.
	Waiting func(url string, err error)
}

// Error is a wait that ran out of time: the URL that did not answer (its
// password, if any, redacted) and the last failure.
type Error struct {
	URL    string
	Within time.Duration
	Last   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s did not answer within %s: %v", e.URL, e.Within, e.Last)
}

func (e *Error) Unwrap() error { return e.Last }

// Wait probes each URL until it answers (see the package comment), all of
// them within the same deadline, and returns an *Error naming the first
// that did not, or the context's error when ctx ends first. URLs on the
// same scheme and host are probed once, at the first of them.
func Wait(ctx context.Context, urls []string, within time.Duration, opts Options) error {
	var transport http.RoundTripper
	if opts.Client != nil {
		transport = opts.Client.Transport
	} else {
		own := &http.Transport{} // Proxy nil: straight to the app
		defer own.CloseIdleConnections()
		transport = own
	}
	// Redirects would send the probe elsewhere; the answer itself is enough.
	client := &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("%s: %v", raw, err)
		}
		origin := u.Scheme + "://" + u.Host
		if seen[origin] {
			continue
		}
		seen[origin] = true
		if err := waitOne(wctx, client, u, opts.Waiting); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &Error{URL: u.Redacted(), Within: within, Last: err}
		}
	}
	return nil
}

// waitOne probes u until it answers or ctx ends, and returns the last
// failure.
func waitOne(ctx context.Context, client *http.Client, u *url.URL, waiting func(string, error)) error {
	backoff := FirstBackoff
	var (
		timer *time.Timer
		last  error
	)
	for first := true; ; first = false {
		err := probe(ctx, client, u)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil && last != nil {
			// The deadline cut this probe short; the one before says why
			// the app was not up.
			return last
		}
		last = err
		if first && waiting != nil {
			waiting(u.Redacted(), err)
		}
		if timer == nil {
			timer = time.NewTimer(backoff)
			defer timer.Stop()
		} else {
			timer.Reset(backoff)
		}
		select {
		case <-ctx.Done():
			return err
		case <-timer.C:
		}
		backoff = min(2*backoff, MaxBackoff)
	}
}

// probe sends one HEAD request and says why it does not count as up.
func probe(ctx context.Context, client *http.Client, u *url.URL) error {
	ctx, cancel := context.WithTimeout(ctx, MaxProbe)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "callsim-wait-for")
	// A probe cut short by its deadline says which phase it was in.
	var ph phases
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { ph.resolving.Store(true) },
		DNSDone:  func(httptrace.DNSDoneInfo) { ph.resolved.Store(true) },
		GotConn:  func(httptrace.GotConnInfo) { ph.connected.Store(true) },
	}))
	resp, err := client.Do(req)
	if err != nil {
		return describe(err, u, &ph)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // lets the connection be reused
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

// phases are the steps a probe got through.
type phases struct{ resolving, resolved, connected atomic.Bool }

// describe says why a probe got no HTTP answer, in the words of Twilio's
// error dictionary, or nil for a certificate error (the server is up).
func describe(err error, u *url.URL, ph *phases) error {
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
	)
	twilio := func(code int, format string, args ...any) error {
		return fmt.Errorf("%d %s: %s", code, contract.ErrorWords(code), fmt.Sprintf(format, args...))
	}
	switch {
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid), errors.As(err, &verify):
		return nil
	case errors.As(err, &dnsErr):
		return twilio(contract.ErrBadHost, "cannot resolve %s", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return twilio(contract.ErrConnectionRefused, "connection refused")
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if opErr.Timeout() {
			return twilio(contract.ErrConnection, "connect timed out")
		}
		return twilio(contract.ErrConnection, "%v", opErr.Err)
	case errors.Is(err, context.DeadlineExceeded):
		switch {
		case ph.resolving.Load() && !ph.resolved.Load():
			return twilio(contract.ErrBadHost, "cannot resolve %s: timed out", u.Hostname())
		case !ph.connected.Load():
			return twilio(contract.ErrConnection, "connect timed out")
		}
		return twilio(contract.ErrHTTPRetrieval, "no answer to a HEAD request")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return twilio(contract.ErrHTTPRetrieval, "the server closed the connection without an answer")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return twilio(contract.ErrHTTPRetrieval, "%v", err)
}
