package simulate

import (
	"context"
	"net"
	"net/http"
	"time"
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
// context, set by Signer.Send. Callers may change its fields before use.
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
				d = defaultConnectTimeout
			}
			if d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			return dialer.DialContext(ctx, network, addr)
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
