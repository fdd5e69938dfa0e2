package webhook

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// DefaultMaxIdlePerHost is how many idle keep-alive connections per host
// NewTransport keeps: enough for a load run's concurrency.
const DefaultMaxIdlePerHost = 1024

// MaxHeaderBytes bounds a response's status line and headers. Twilio does
// not document its limit; TwiML apps send a few hundred bytes of headers,
// and a server that sends an endless header line must not grow memory.
const MaxHeaderBytes = 64 << 10

// NewTransport returns the net/http transport callsim sends through, tuned
// for Twilio's behaviour: keep-alive with an idle pool sized for many
// concurrent calls; no proxy (Twilio talks to the URL directly, and a local
// proxy setting must not reroute loopback tests); bounded response
// headers; HTTP/2 only where TLS negotiates it, never cleartext HTTP/2 for
// http:// URLs; callsim asks for gzip and decodes it itself; and each
// request's connect timeout (the #ct connection override) taken from its
// context, set by Sender.Send. Callers may change its fields before use.
func NewTransport() *http.Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	return &http.Transport{
		Proxy: nil,
		// net/http dials with the request context's values but without its
		// cancellation (a dial may serve another request), so the connect
		// timeout travels as a value.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d, ok := ctx.Value(connectTimeoutKey{}).(time.Duration)
			if !ok {
				d = contract.DefaultConnectTimeout
			}
			if d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: c}, nil
		},
		MaxIdleConns:           DefaultMaxIdlePerHost,
		MaxIdleConnsPerHost:    DefaultMaxIdlePerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: MaxHeaderBytes,
		DisableCompression:     true,
		Protocols:              &protocols,
	}
}

// connectTimeoutKey carries a request's connect timeout to the dialer.
type connectTimeoutKey struct{}

// countingConn counts the reads that brought bytes from the server, which
// is how staleGuard tells an answer from leftovers.
type countingConn struct {
	net.Conn
	reads atomic.Uint64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.reads.Add(1)
	}
	return n, err
}

// staleGuard catches what net/http misses when a server sends more bytes
// than its response: net/http drops such a connection when it notices the
// bytes while the connection is idle, but a request that takes the
// connection from the pool first reads them as its answer (measured: 2 in
// 2,000 calls, 1 in 50 under -race). An answer to a request cannot have
// arrived before the request went out, so one whose first byte needed no
// read from the server since the connection was handed to the request is
// leftovers: the connection is closed and the request fails with 11206.
type staleGuard struct {
	trace httptrace.ClientTrace
	conn  *countingConn
	reads uint64
	stale atomic.Bool
}

// staleGuards are reused once net/http is done with them (a request that
// got its answer): a guard and its two hooks would otherwise be three
// allocations per request. A guard of a failed request is left to the
// garbage collector, since net/http may still be reading for it.
var staleGuards = sync.Pool{New: func() any {
	g := new(staleGuard)
	g.trace.GotConn = g.gotConn
	g.trace.GotFirstResponseByte = g.gotFirstResponseByte
	return g
}}

func newStaleGuard() *staleGuard { return staleGuards.Get().(*staleGuard) }

func (g *staleGuard) release() {
	g.conn, g.reads = nil, 0
	g.stale.Store(false)
	staleGuards.Put(g)
}

// gotConn runs before the request is written, on the caller's goroutine.
func (g *staleGuard) gotConn(info httptrace.GotConnInfo) {
	c := info.Conn
	if tc, ok := c.(*tls.Conn); ok {
		if tc.ConnectionState().NegotiatedProtocol == "h2" {
			g.conn = nil // streams share reads; HTTP/2 frames its answers itself
			return
		}
		c = tc.NetConn()
	}
	g.conn, _ = c.(*countingConn)
	if g.conn != nil {
		g.reads = g.conn.reads.Load()
	}
}

// gotFirstResponseByte runs on net/http's read goroutine, which received
// the request (and with it conn and reads) through a channel.
func (g *staleGuard) gotFirstResponseByte() {
	if g.conn != nil && g.conn.reads.Load() == g.reads {
		g.stale.Store(true)
		g.conn.Close()
	}
}
