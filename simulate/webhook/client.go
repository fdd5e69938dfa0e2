package webhook

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
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

// Send delivers one request with Twilio's timeouts, retries, redirect and
// authentication rules. client supplies the transport (NewTransport's, or
// any http.RoundTripper) and the cookie jar of the call; its CheckRedirect
// and Timeout are not used. The error, if any, is Twilio's: a failed
// attempt is retried only as the request's connection overrides allow
// (#rc, #rp; by default a failed connect once).
func (s *Sender) Send(ctx context.Context, client *http.Client, req *Request) (*Response, *contract.TwilioError) {
	ov := req.Overrides
	deadline := time.Now().Add(ov.TotalTimeout)
	var (
		resp *Response
		terr *contract.TwilioError
	)
	for attempt := 0; attempt <= ov.RetryCount; attempt++ {
		remaining := time.Until(deadline)
		if remaining <= 0 {
			break
		}
		var class string
		req.Retries = attempt
		resp, terr, class = s.attempt(ctx, client, req, min(ov.ReadTimeout, remaining), min(ov.ConnectTimeout, remaining))
		if terr != nil && (class == "rt" || class == "ct") && ov.TotalTimeout < s.Timeout && !time.Now().Before(deadline) {
			// the #tt override's total ran out, not one attempt's timer
			terr = &contract.TwilioError{Code: contract.ErrTotalTimeout, Message: fmt.Sprintf("%s: total timeout tt=%s reached", contract.ErrorWords(contract.ErrTotalTimeout), ov.TotalTimeout)}
			return resp, terr
		}
		if terr == nil || class == "" || !ov.Retries(class) || ctx.Err() != nil {
			return resp, terr
		}
	}
	if terr == nil {
		code := contract.ErrConnection // Twilio's 15 s response timer
		if ov.TotalTimeout < s.Timeout {
			code = contract.ErrTotalTimeout
		}
		terr = &contract.TwilioError{Code: code, Message: fmt.Sprintf("%s: total timeout %s reached", contract.ErrorWords(code), ov.TotalTimeout)}
	}
	return resp, terr
}

// attempt makes one try; class names the failure for the retry policy.
func (s *Sender) attempt(ctx context.Context, c *http.Client, req *Request, timeout, connect time.Duration) (*Response, *contract.TwilioError, string) {
	if connect != contract.DefaultConnectTimeout {
		ctx = context.WithValue(ctx, connectTimeoutKey{}, connect)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	guard := newStaleGuard()
	ctx = httptrace.WithClientTrace(ctx, &guard.trace)
	target := req.URL
	if req.SendURL != "" {
		target = req.SendURL
	}
	hr, err := newHTTPRequest(ctx, req, target)
	if err != nil {
		return nil, &contract.TwilioError{Code: contract.ErrInvalidURL, Message: contract.ErrorWords(contract.ErrInvalidURL) + ": " + err.Error()}, ""
	}
	start := time.Now()
	hresp, err := s.do(c, hr, req)
	if err == nil && req.user != nil && hresp.StatusCode == http.StatusUnauthorized && challengesBasic(hresp.Header) &&
		strings.EqualFold(hresp.Request.URL.Host, hr.URL.Host) {
		// Twilio sends a webhook URL's credentials only when asked: the
		// first request goes without them, a 401 with a Basic challenge
		// brings the same request again with them. The server answered,
		// so this is no silent re-send.
		io.CopyN(io.Discard, hresp.Body, 2<<10) // lets the connection be reused
		hresp.Body.Close()
		if hr, err = newHTTPRequest(ctx, req, target); err != nil {
			return nil, &contract.TwilioError{Code: contract.ErrInvalidURL, Message: contract.ErrorWords(contract.ErrInvalidURL) + ": " + err.Error()}, ""
		}
		pw, _ := req.user.Password()
		hr.SetBasicAuth(req.user.Username(), pw)
		hresp, err = s.do(c, hr, req)
	}
	if guard.stale.Load() {
		if err == nil {
			hresp.Body.Close()
		}
		return nil, contract.NewTwilioError(contract.ErrProtocol, "the answer was there before the request: the server sent more than its previous response"), ""
	}
	if err != nil {
		// After a refused redirect Do also returns the last response, its
		// body closed: the error is what counts.
		terr, class := classify(err, timeout)
		return nil, terr, class
	}
	defer guard.release() // after the body is closed: net/http has called the guard for the last time
	defer hresp.Body.Close()
	rb := bodyBufs.Get().(*bodyBuf)
	defer bodyBufs.Put(rb)
	buf := &rb.buf
	buf.Reset()
	rb.limit = io.LimitedReader{R: decoded(hresp), N: MaxBody + 1}
	_, err = buf.ReadFrom(&rb.limit)
	rb.limit.R = nil
	data := buf.Bytes()
	resp := &Response{
		Status:      hresp.StatusCode,
		ContentType: hresp.Header.Get("Content-Type"),
		Body:        string(data),
		Size:        len(data),
		Latency:     time.Since(start),
		Headers:     hresp.Header,
	}
	if hresp.Request != hr { // redirected
		if final := hresp.Request.URL.String(); final != target {
			resp.URL = final
		}
	}
	if err != nil {
		terr, class := classify(err, timeout)
		return resp, terr, class
	}
	if len(data) > MaxBody {
		resp.Body = ""
		return resp, &contract.TwilioError{Code: contract.ErrResponseTooLarge, Message: fmt.Sprintf("%s: body over %d bytes", contract.ErrorWords(contract.ErrResponseTooLarge), MaxBody), HTTPStatus: hresp.StatusCode}, ""
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		class := ""
		if hresp.StatusCode >= 500 {
			class = "5xx"
		} else if hresp.StatusCode >= 400 {
			class = "4xx"
		}
		code := contract.ErrHTTPRetrieval // a 1xx or 3xx that was not followed
		if class != "" {
			code = contract.ErrHTTPErrorResponse
		}
		return resp, &contract.TwilioError{Code: code, HTTPStatus: hresp.StatusCode,
			Message: fmt.Sprintf("%s: the server answered %d %s", contract.ErrorWords(code), hresp.StatusCode, http.StatusText(hresp.StatusCode))}, class
	}
	return resp, nil, ""
}

// do sends hr as an http.Client with the call's transport and cookie jar
// would, following redirects by net/http's rules and re-signing each hop
// (resign). Most requests carry no cookie and are not redirected; for
// them the client would only copy the headers and the URL for a redirect
// that does not come, so they go to the transport directly, and a
// redirect answer is handed to an http.Client as the answer to its first
// request (replayFirst), which then follows it as it would have.
func (s *Sender) do(c *http.Client, hr *http.Request, req *Request) (*http.Response, error) {
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	jar, lazy := c.Jar.(*LazyJar)
	if c.Jar != nil && (!lazy || jar.jar.Load() != nil) {
		return s.client(c.Jar, req, rt).Do(hr) // cookies to send
	}
	resp, err := rt.RoundTrip(hr)
	if err != nil {
		var tlsErr tls.RecordHeaderError
		if errors.As(err, &tlsErr) && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch // as http.Client says it
		}
		return nil, err
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return s.client(c.Jar, req, &replayFirst{first: resp, rt: rt}).Do(hr)
	}
	if jar != nil {
		if rc := resp.Cookies(); len(rc) > 0 {
			u := hr.URL
			if hr.Host != "" && hr.Host != u.Host { // the URL http.Client keys cookies by
				cu := *u
				cu.Host = hr.Host
				u = &cu
			}
			jar.SetCookies(u, rc)
		}
	}
	return resp, nil
}

// client is the http.Client of a request that needs one: net/http's
// redirect rules, with Twilio's hop limit and signature (resign).
func (s *Sender) client(jar http.CookieJar, req *Request, rt http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     rt,
		Jar:           jar,
		CheckRedirect: func(next *http.Request, via []*http.Request) error { return s.resign(next, via, req) },
	}
}

// replayFirst answers the first request it is given with a response
// already received for it (the request went out once, through the
// transport); later requests, the redirect hops, go to rt.
type replayFirst struct {
	first *http.Response
	rt    http.RoundTripper
}

func (r *replayFirst) RoundTrip(hr *http.Request) (*http.Response, error) {
	if resp := r.first; resp != nil {
		r.first = nil
		if hr.Body != nil {
			hr.Body.Close() // already sent; a 307 or 308 re-sends it through GetBody
		}
		return resp, nil
	}
	return r.rt.RoundTrip(hr)
}

// newHTTPRequest is req as net/http sends it to target. A POST's body has
// GetBody (strings.Reader), so a 307 or 308 sends the form again.
func newHTTPRequest(ctx context.Context, req *Request, target string) (*http.Request, error) {
	var body io.Reader
	if req.Method == http.MethodPost {
		body = strings.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return nil, err
	}
	if body == nil {
		hr.Body = noResend{}
	}
	hr.Header = make(http.Header, len(req.Headers)+1)
	values := make([]string, len(req.Headers)) // one backing array for every header's value
	for i, h := range req.Headers {
		if h.Key == "Host" { // net/http sends Request.Host, never a Host header
			hr.Host = h.Value
			continue
		}
		values[i] = h.Value
		hr.Header[h.Key] = values[i : i+1 : i+1] // Build writes canonical names
	}
	hr.Header["Accept-Encoding"] = acceptGzip
	return hr, nil
}

// noResend is the empty body of a GET. net/http re-sends an idempotent
// request (a GET without a body, or one it can rewind) when a reused
// connection closes before the answer, though the server may have read
// it; Twilio re-sends only what the retry policy says. A body that cannot
// be rewound makes a GET as non-replayable as Twilio's POST (net/http
// finds it empty and sends no body: no Content-Length, no chunking).
type noResend struct{}

func (noResend) Read([]byte) (int, error) { return 0, io.EOF }
func (noResend) Close() error             { return nil }

// challengesBasic reports whether a 401's WWW-Authenticate offers Basic.
func challengesBasic(h http.Header) bool {
	for _, v := range h.Values("Www-Authenticate") {
		for _, part := range strings.Split(v, ",") {
			if f := strings.Fields(part); len(f) > 0 && strings.EqualFold(f[0], "basic") {
				return true
			}
		}
	}
	return false
}

// acceptGzip is the Accept-Encoding Twilio sends; callsim then decodes a
// gzip response itself (net/http would only if it had asked itself).
var acceptGzip = []string{"gzip"}

// decoded is the response body without its gzip content coding, the
// headers adjusted as net/http does when it decodes for its caller.
func decoded(resp *http.Response) io.Reader {
	if !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp.Body
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	return &gunzip{r: resp.Body}
}

// gunzip reads the gzip header on first Read, so an empty body is just empty.
type gunzip struct {
	r  io.Reader
	zr *gzip.Reader
}

func (g *gunzip) Read(p []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(g.r)
		if err != nil {
			return 0, err
		}
		g.zr = zr
	}
	return g.zr.Read(p)
}

// bodyBufs hold responses while they are read: only the string kept in
// Response is allocated per request.
var bodyBufs = sync.Pool{New: func() any { return new(bodyBuf) }}

type bodyBuf struct {
	buf   bytes.Buffer
	limit io.LimitedReader // MaxBody+1: one byte more tells a body too large
}

type redirectError struct{ n int }

func (e redirectError) Error() string { return fmt.Sprintf("stopped after %d redirects", e.n) }

// resign is the CheckRedirect of Send: net/http follows redirects like a
// browser (301, 302 and 303 turn a POST into a GET without the fields and
// their Content-Type; 307 and 308 repeat method and body through GetBody;
// cookies come from the call's jar; credentials stay on the same host), and
// Twilio follows at most MaxRedirects, sends no Referer, and signs each hop
// for the URL it goes to.
func (s *Sender) resign(next *http.Request, via []*http.Request, orig *Request) error {
	if len(via) > MaxRedirects {
		return redirectError{MaxRedirects}
	}
	next.Header.Del("Referer")
	if s.public != nil {
		// a hop back to the app goes through the tunnel too; elsewhere
		// there is no tunnel to speak of
		if strings.EqualFold(next.URL.Host, s.local.Host) {
			next.Host = s.public.Host
		} else {
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				next.Header.Del(h)
			}
		}
	}
	if next.Body == nil || next.Body == http.NoBody {
		next.Body = noResend{} // a POST turned GET, or a GET: see noResend
	}
	if s.AuthToken == "" {
		return nil
	}
	u := *next.URL
	u.User = nil
	signed, err := signature.SigningURL(s.PublicURL(u.String()))
	if err != nil {
		return err
	}
	var params contract.Params
	if next.Method == http.MethodPost && next.Body != nil && next.Body != http.NoBody {
		params = orig.Params
	}
	next.Header.Set(signature.Header, s.signature(signed, params))
	return nil
}

// Which code each failure gets, in one place (Twilio's error dictionary;
// the choice between 11202 and 11205 is partly unconfirmed):
//
//	11100  the URL cannot be parsed or requested (Build)
//	11200  generic retrieval failure: a 1xx/3xx answer that is not followed, the connection closed mid-answer
//	11202  TCP connection refused or reset
//	11203  the #tt override's total time ran out (Send)
//	11205  connect timed out, or no answer within the response timer (15 s cap, #rt)
//	11206  protocol violation (not HTTP, HTTP on a TLS port)
//	11210  host name does not resolve
//	11215  more than 10 redirects
//	11217  the server answered 4xx or 5xx (attempt)
//	11220, 11235–11237  TLS handshake and certificate failures
//	11750  body over 64 kB (attempt)
//
// classify turns a Go transport error into Twilio's error and a retry class.
func classify(err error, timeout time.Duration) (*contract.TwilioError, string) {
	var (
		opErr   *net.OpError
		dnsErr  *net.DNSError
		redir   redirectError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
	)
	e := func(code int, format string, args ...any) *contract.TwilioError {
		return &contract.TwilioError{Code: code, Message: contract.ErrorWords(code) + ": " + fmt.Sprintf(format, args...)}
	}
	switch {
	case errors.As(err, &redir):
		return e(contract.ErrTooManyRedirects, "more than %d redirects", MaxRedirects), ""
	case errors.As(err, &dnsErr):
		return e(contract.ErrBadHost, "cannot resolve %s", dnsErr.Name), ""
	case errors.As(err, &unknown):
		return e(contract.ErrCertUntrusted, "%v", unknown), ""
	case errors.As(err, &host):
		return e(contract.ErrCertDomain, "%v", host), ""
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return e(contract.ErrCertExpired, "%v", invalid), ""
		}
		return e(contract.ErrTLSHandshake, "%v", invalid), ""
	case errors.As(err, &recErr):
		return e(contract.ErrProtocol, "the server did not speak TLS"), ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return e(contract.ErrConnectionRefused, "connection refused"), "ct"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if opErr.Timeout() {
			return e(contract.ErrConnection, "connect timed out"), "ct"
		}
		return e(contract.ErrConnection, "%v", opErr.Err), "ct"
	case errors.Is(err, syscall.ECONNRESET):
		return e(contract.ErrConnectionRefused, "connection reset by the server"), ""
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return e(contract.ErrConnection, "timed out after %s waiting for the response", timeout.Round(time.Millisecond)), "rt"
	case errors.Is(err, context.Canceled):
		return e(contract.ErrHTTPRetrieval, "canceled"), ""
	case strings.Contains(err.Error(), "malformed HTTP") || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") ||
		strings.Contains(err.Error(), "too many 1xx"):
		return e(contract.ErrProtocol, "%v", unwrapURLError(err)), ""
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return e(contract.ErrHTTPRetrieval, "the server closed the connection without a complete response"), ""
	}
	return e(contract.ErrHTTPRetrieval, "%v", unwrapURLError(err)), ""
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

// LazyJar is a call's cookie jar, made when the app first sets a cookie:
// most apps set none, and an empty cookiejar.Jar still costs a host
// lookup on every request.
type LazyJar struct{ jar atomic.Pointer[cookiejar.Jar] }

func (j *LazyJar) Cookies(u *url.URL) []*http.Cookie {
	if jar := j.jar.Load(); jar != nil {
		return jar.Cookies(u)
	}
	return nil
}

func (j *LazyJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	jar := j.jar.Load()
	if jar == nil {
		jar, _ = cookiejar.New(nil) // never fails without options
		if !j.jar.CompareAndSwap(nil, jar) {
			jar = j.jar.Load()
		}
	}
	jar.SetCookies(u, cookies)
}
