package simulate

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// MaxBody is the largest TwiML response Twilio accepts (64 kB); larger is 11750.
const MaxBody = 64 * 1024

// MaxRedirects is how many HTTP redirects Twilio follows before 11215.
const MaxRedirects = 10

// Response is what the app answered.
type Response struct {
	Status      int           `json:"status"`
	ContentType string        `json:"content_type"`
	Headers     http.Header   `json:"headers,omitempty"`
	Body        string        `json:"body"`
	Size        int           `json:"size"`
	Latency     time.Duration `json:"latency_ns"`
	URL         string        `json:"final_url,omitempty"` // after redirects, when it differs
}

type ctxKey int

const connectTimeoutKey ctxKey = 1

// NewTransport returns the HTTP transport callsim uses: keep-alive on, a
// connection pool sized for many concurrent calls, and connect timeouts
// taken from each request's connection overrides.
func NewTransport() *http.Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: nil, // Twilio talks to the URL directly; a local proxy setting must not reroute loopback tests
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if d, ok := ctx.Value(connectTimeoutKey).(time.Duration); ok && d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// Send delivers one request with Twilio's timeouts, retries and redirect
// rules. The error, if any, is Twilio's: a failed attempt is retried as the
// request's connection overrides allow.
func (s *Signer) Send(ctx context.Context, client *http.Client, req *Request) (*Response, *TwilioError) {
	ov := req.Overrides
	deadline := time.Now().Add(ov.TotalTimeout)
	var (
		resp *Response
		terr *TwilioError
	)
	for attempt := 0; attempt <= ov.RetryCount; attempt++ {
		remaining := time.Until(deadline)
		if remaining <= 0 {
			break
		}
		var class string
		resp, terr, class = s.attempt(ctx, client, req, min(ov.ReadTimeout, remaining), min(ov.ConnectTimeout, remaining))
		if terr == nil || class == "" || !ov.retries(class) || ctx.Err() != nil {
			return resp, terr
		}
	}
	if terr == nil {
		terr = &TwilioError{Code: ErrHTTPRetrieval, Message: fmt.Sprintf("%s: total timeout %s reached", ErrorWords(ErrHTTPRetrieval), ov.TotalTimeout)}
	}
	return resp, terr
}

// attempt makes one try; class names the failure for the retry policy.
func (s *Signer) attempt(ctx context.Context, client *http.Client, req *Request, timeout, connect time.Duration) (*Response, *TwilioError, string) {
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, connectTimeoutKey, connect), timeout)
	defer cancel()
	target := req.URL
	if req.SendURL != "" {
		target = req.SendURL
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return nil, &TwilioError{Code: ErrInvalidURL, Message: ErrorWords(ErrInvalidURL) + ": " + err.Error()}, ""
	}
	hr.Header = make(http.Header, len(req.Headers))
	for _, h := range req.Headers {
		hr.Header[h.Key] = []string{h.Value} // Build writes canonical names
	}
	c := *client
	c.CheckRedirect = s.checkRedirect(req)
	start := time.Now()
	hresp, err := c.Do(hr)
	if err != nil {
		terr, class := classify(err, timeout)
		return nil, terr, class
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, MaxBody+1))
	resp := &Response{
		Status:      hresp.StatusCode,
		ContentType: hresp.Header.Get("Content-Type"),
		Body:        string(data),
		Size:        len(data),
		Latency:     time.Since(start),
		Headers:     hresp.Header,
	}
	if final := hresp.Request.URL.String(); final != target {
		resp.URL = final
	}
	if err != nil {
		terr, class := classify(err, timeout)
		return resp, terr, class
	}
	if len(data) > MaxBody {
		resp.Body = ""
		return resp, &TwilioError{Code: ErrResponseTooLarge, Message: fmt.Sprintf("%s: body over %d bytes", ErrorWords(ErrResponseTooLarge), MaxBody), HTTPStatus: hresp.StatusCode}, ""
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		class := ""
		if hresp.StatusCode >= 500 {
			class = "5xx"
		} else if hresp.StatusCode >= 400 {
			class = "4xx"
		}
		return resp, &TwilioError{Code: ErrHTTPRetrieval, HTTPStatus: hresp.StatusCode,
			Message: fmt.Sprintf("%s: the server answered %d %s", ErrorWords(ErrHTTPRetrieval), hresp.StatusCode, http.StatusText(hresp.StatusCode))}, class
	}
	return resp, nil, ""
}

type redirectError struct{ n int }

func (e redirectError) Error() string { return fmt.Sprintf("stopped after %d redirects", e.n) }

// checkRedirect follows redirects like a browser, at most 10, re-signing
// each hop for the URL it now goes to.
func (s *Signer) checkRedirect(orig *Request) func(*http.Request, []*http.Request) error {
	return func(r *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return redirectError{len(via) - 1}
		}
		if s.AuthToken == "" {
			return nil
		}
		signed, err := SigningURL(s.PublicURL(r.URL.String()))
		if err != nil {
			return err
		}
		var params Params
		if r.Method == http.MethodPost && r.Body != nil && r.Body != http.NoBody {
			params = orig.Params
		}
		r.Header.Set(SignatureHeader, Signature(s.AuthToken, signed, params))
		return nil
	}
}

// classify turns a Go transport error into Twilio's error and a retry class.
func classify(err error, timeout time.Duration) (*TwilioError, string) {
	var (
		opErr   *net.OpError
		dnsErr  *net.DNSError
		redir   redirectError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
	)
	e := func(code int, format string, args ...any) *TwilioError {
		return &TwilioError{Code: code, Message: ErrorWords(code) + ": " + fmt.Sprintf(format, args...)}
	}
	switch {
	case errors.As(err, &redir):
		return e(ErrTooManyRedirects, "more than %d redirects", MaxRedirects), ""
	case errors.As(err, &dnsErr):
		return e(ErrBadHost, "cannot resolve %s", dnsErr.Name), ""
	case errors.As(err, &unknown):
		return e(ErrCertUntrusted, "%v", unknown), ""
	case errors.As(err, &host):
		return e(ErrCertDomain, "%v", host), ""
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return e(ErrCertExpired, "%v", invalid), ""
		}
		return e(ErrTLSHandshake, "%v", invalid), ""
	case errors.As(err, &recErr):
		return e(ErrProtocol, "the server did not speak TLS"), ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return e(ErrConnection, "connection refused"), "ct"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if opErr.Timeout() {
			return e(ErrConnection, "connect timed out"), "ct"
		}
		return e(ErrConnection, "%v", opErr.Err), "ct"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return e(ErrHTTPRetrieval, "timed out after %s waiting for the response", timeout.Round(time.Millisecond)), "rt"
	case errors.Is(err, context.Canceled):
		return e(ErrHTTPRetrieval, "canceled"), ""
	case strings.Contains(err.Error(), "malformed HTTP") || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return e(ErrProtocol, "%v", unwrapURLError(err)), ""
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return e(ErrHTTPRetrieval, "the server closed the connection without a complete response"), ""
	}
	return e(ErrHTTPRetrieval, "%v", unwrapURLError(err)), ""
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func unwrapURLError(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

func httpStatusText(code int) string { return http.StatusText(code) }
