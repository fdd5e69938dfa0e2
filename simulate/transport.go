package simulate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Transport carries callsim's requests. For http:// URLs it is a
// synchronous HTTP/1.1 client: the goroutine placing the call writes the
// request and reads the response itself, on a pooled keep-alive
// connection, writing the bytes http.Request.Write would and reading with
// http.ReadResponse. https:// goes to net/http's Transport. net/http's HTTP/1 transport hands every request to two
// goroutines per connection and back through channels, which costs about
// as much CPU per request as all of callsim's own work, and a load run
// makes thousands of requests a second on the machine the app runs on.
type Transport struct {
	// MaxIdlePerHost caps the idle keep-alive connections kept per host;
	// 0 = DefaultMaxIdlePerHost.
	MaxIdlePerHost int

	tls  *http.Transport
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu   sync.Mutex
	idle map[string][]*persistConn // host:port → idle connections, most recent last
}

// DefaultMaxIdlePerHost is how many idle connections per host a Transport
// keeps unless told otherwise: enough for a load run's concurrency.
const DefaultMaxIdlePerHost = 1024

// idleTimeout is how long an unused keep-alive connection is kept.
const idleTimeout = 90 * time.Second

// NewTransport returns the transport callsim uses: keep-alive on, a
// connection pool sized for many concurrent calls, no proxy (Twilio talks
// to the URL directly; a local proxy setting must not reroute loopback
// tests), and connect timeouts taken from each request's connection
// overrides.
func NewTransport() *Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d, ok := ctx.Value(connectTimeoutKey).(time.Duration)
		if !ok {
			d = defaultConnectTimeout // the request did not need to say
		}
		if d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return &Transport{
		dial: dial,
		tls: &http.Transport{
			Proxy:                 nil,
			DialContext:           dial,
			MaxIdleConns:          DefaultMaxIdlePerHost,
			MaxIdleConnsPerHost:   DefaultMaxIdlePerHost,
			IdleConnTimeout:       idleTimeout,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			ForceAttemptHTTP2:     true,
		},
	}
}

// deadlineKey carries a request's deadline as a context value: Transport
// applies it to the connection, which spares the request the timer and
// child context a context deadline costs (a load run makes thousands of
// requests a second, each with Twilio's 15-second limit).
type deadlineKey struct{}

// withDeadline is ctx carrying a deadline that only Transport honours.
func withDeadline(ctx context.Context, d time.Time) context.Context {
	return context.WithValue(ctx, deadlineKey{}, d)
}

// requestDeadline is the earlier of ctx's deadline and the one withDeadline set.
func requestDeadline(ctx context.Context) (time.Time, bool) {
	d, ok := ctx.Deadline()
	if v, set := ctx.Value(deadlineKey{}).(time.Time); set && (!ok || v.Before(d)) {
		return v, true
	}
	return d, ok
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.URL.Host == "" {
		return t.roundTripTLS(req)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	for retried := false; ; retried = true {
		pc, reused, err := t.conn(req.Context(), addr)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		resp, beforeResponse, err := pc.roundTrip(t, req)
		if err == nil {
			return resp, nil
		}
		pc.nc.Close()
		// A kept-alive connection the server has since closed fails before
		// any answer: try once more on a new one, as net/http does.
		if !reused || retried || !beforeResponse || req.Context().Err() != nil || !connGone(err) {
			return nil, err
		}
		if req, err = rewound(req); err != nil {
			return nil, err
		}
	}
}

// roundTripTLS hands req to net/http, turning a withDeadline deadline into
// a context deadline, which is what net/http honours.
func (t *Transport) roundTripTLS(req *http.Request) (*http.Response, error) {
	d, ok := req.Context().Value(deadlineKey{}).(time.Time)
	if !ok {
		return t.tls.RoundTrip(req)
	}
	ctx, cancel := context.WithDeadline(req.Context(), d)
	resp, err := t.tls.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends a response's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// CloseIdleConnections closes the connections no request is using.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, conns := range idle {
		for _, pc := range conns {
			pc.nc.Close()
		}
	}
	t.tls.CloseIdleConnections()
}

func connGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// rewound is req with a fresh copy of its body, for a second try.
func rewound(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("cannot resend the request body")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := *req
	r.Body = body
	return &r, nil
}

// persistConn is one keep-alive connection.
type persistConn struct {
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	addr   string
	idleAt time.Time
}

// conn returns an idle connection to addr, or dials a new one.
func (t *Transport) conn(ctx context.Context, addr string) (pc *persistConn, reused bool, err error) {
	now := time.Now()
	t.mu.Lock()
	for conns := t.idle[addr]; len(conns) > 0; conns = t.idle[addr] {
		pc = conns[len(conns)-1]
		t.idle[addr] = conns[:len(conns)-1]
		if now.Sub(pc.idleAt) < idleTimeout {
			t.mu.Unlock()
			return pc, true, nil
		}
		pc.nc.Close()
	}
	t.mu.Unlock()
	if d, ok := ctx.Value(deadlineKey{}).(time.Time); ok { // connecting counts against the request's time too
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d)
		defer cancel()
	}
	nc, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return &persistConn{nc: nc, br: bufio.NewReaderSize(nc, 4<<10), bw: bufio.NewWriterSize(nc, 4<<10), addr: addr}, false, nil
}

func (t *Transport) putIdle(pc *persistConn) {
	limit := t.MaxIdlePerHost
	if limit <= 0 {
		limit = DefaultMaxIdlePerHost
	}
	pc.idleAt = time.Now()
	t.mu.Lock()
	if t.idle == nil {
		t.idle = map[string][]*persistConn{}
	}
	if conns := t.idle[pc.addr]; len(conns) < limit {
		t.idle[pc.addr] = append(conns, pc)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	pc.nc.Close()
}

// longAgo is a deadline in the past: setting it interrupts blocked I/O.
var longAgo = time.Unix(1, 0)

// maxInterim is how many 1xx responses are skipped before the real one.
const maxInterim = 5

// roundTrip writes req and reads the response head; the body is read
// later through the returned response, which hands the connection back
// when it reaches the end. beforeResponse reports that the failure came
// before any byte of a response.
func (pc *persistConn) roundTrip(t *Transport, req *http.Request) (resp *http.Response, beforeResponse bool, err error) {
	ctx := req.Context()
	deadline, _ := requestDeadline(ctx)
	pc.nc.SetDeadline(deadline) // the zero time: none
	stop := context.AfterFunc(ctx, func() { pc.nc.SetDeadline(longAgo) })
	fail := func(err error, before bool) (*http.Response, bool, error) {
		stop()
		return nil, before, contextError(ctx, err)
	}
	if err := writeRequest(pc.bw, req); err != nil {
		return fail(err, true)
	}
	if err := pc.bw.Flush(); err != nil {
		return fail(err, true)
	}
	if _, err := pc.br.Peek(1); err != nil {
		return fail(err, true)
	}
	for i := 0; ; i++ {
		resp, err = http.ReadResponse(pc.br, req)
		if err != nil {
			return fail(err, false)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols || i == maxInterim {
			break
		}
	}
	resp.Body = &connBody{ctx: ctx, rc: resp.Body, pc: pc, t: t, stop: stop, reuse: !resp.Close && !req.Close}
	return resp, false, nil
}

// contextError is ctx's error when the deadline or a cancellation is what
// interrupted the I/O (the connection's deadline is the context's, and may
// fire a moment before the context notices), else err.
func contextError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	var ne net.Error
	if deadline, ok := requestDeadline(ctx); ok && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return err
}

// connBody is a response body that returns its connection to the pool
// once read to the end, and closes it otherwise.
type connBody struct {
	ctx   context.Context
	rc    io.ReadCloser
	pc    *persistConn
	t     *Transport
	stop  func() bool
	reuse bool
	done  bool
}

func (b *connBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.release(true)
	} else if err != nil {
		b.release(false)
		err = contextError(b.ctx, err)
	}
	return n, err
}

func (b *connBody) Close() error {
	if !b.done {
		b.release(false) // not read to the end: the rest would be in the way of the next response
	}
	return nil
}

func (b *connBody) release(atEOF bool) {
	b.done = true
	// stop is false when the deadline or cancellation already fired and
	// poisoned the connection's deadline.
	if b.stop() && atEOF && b.reuse {
		b.t.putIdle(b.pc)
		return
	}
	b.pc.nc.Close()
}

// writeRequest is http.Request.Write for the plain requests callsim makes
// (GET or POST, a body of known length or none, a plain host, header values
// that need no cleaning) without its per-request formatting allocations;
// anything else goes to req.Write. TestWriteRequestMatchesNetHTTP and
// FuzzWriteRequest hold the two to the same bytes.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	host := req.Host
	if host == "" && req.URL != nil {
		host = req.URL.Host
	}
	if !plainRequest(req, host) {
		return req.Write(w)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	ua := "Go-http-client/1.1"
	if _, set := req.Header["User-Agent"]; set {
		ua = req.Header.Get("User-Agent")
	}
	if ua != "" {
		w.WriteString("User-Agent: ")
		w.WriteString(ua)
		w.WriteString("\r\n")
	}
	if req.ContentLength > 0 || method == http.MethodPost {
		var n [20]byte
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(n[:0], req.ContentLength, 10))
		w.WriteString("\r\n")
	}
	var keyArray [16]string
	keys := keyArray[:0]
	for k := range req.Header {
		if !notWrittenAsIs[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range req.Header[k] {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")
	if req.ContentLength == 0 {
		return nil
	}
	n, err := io.Copy(w, req.Body)
	req.Body.Close()
	if err == nil && n != req.ContentLength {
		err = fmt.Errorf("http: ContentLength=%d with Body length %d", req.ContentLength, n)
	}
	return err
}

// notWrittenAsIs are the headers http.Request.Write writes from other
// fields, or not at all.
var notWrittenAsIs = map[string]bool{"Host": true, "User-Agent": true, "Content-Length": true, "Transfer-Encoding": true, "Trailer": true}

// plainRequest reports whether writeRequest writes req exactly as
// http.Request.Write would.
func plainRequest(req *http.Request, host string) bool {
	if req.URL == nil || req.URL.Opaque != "" || req.Close || len(req.TransferEncoding) > 0 || req.Trailer != nil {
		return false
	}
	if req.Method != "" && req.Method != http.MethodGet && req.Method != http.MethodPost {
		return false
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if req.ContentLength < 0 || hasBody != (req.ContentLength > 0) {
		return false
	}
	if host == "" || len(req.Header) > 16 {
		return false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	for k, vs := range req.Header {
		if !validFieldName(k) {
			return false
		}
		for _, v := range vs {
			if !cleanFieldValue(v) {
				return false
			}
		}
	}
	return true
}

func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// cleanFieldValue: printable ASCII with no space or tab at either end, the
// values net/http writes unchanged.
func cleanFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return v == "" || v[0] != ' ' && v[len(v)-1] != ' '
}
