package connect

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// SignatureHeader carries the handshake signature.
const SignatureHeader = "X-Twilio-Signature"

// Call is what a session needs to know of the call it belongs to: the
// identifiers Twilio puts in `setup`, `start` and the callbacks.
type Call struct {
	AccountSid    string
	CallSid       string
	ParentCallSid string
	From          string
	To            string
	ForwardedFrom string
	CallerName    string
	Direction     string // e.g. "inbound", as in the call's Direction parameter
	CallType      string // empty: CallTypeDefault
	CallStatus    string // empty: CallStatusDefault
}

// Dialer opens WebSockets the way Twilio does. The zero value dials with
// http.DefaultClient, without a signature, with a 10 s connect timeout.
type Dialer struct {
	// HTTPClient performs the upgrade request (its Transport must allow
	// hijacking, as http.Transport does).
	HTTPClient *http.Client
	// Sign returns X-Twilio-Signature for a string to sign: the engine passes
	// HMAC-SHA1 with the account's auth token (see HMACSigner). Nil: no header.
	Sign func(stringToSign string) string
	// SignAsWSS signs a ws:// URL as if it were wss:// (see facts.go).
	SignAsWSS bool
	// NoStreamSignature leaves the signature off Media Streams handshakes.
	NoStreamSignature bool
	// Header holds extra headers for the upgrade request.
	Header http.Header
	// ConnectTimeout bounds the upgrade; 0 means 10 s.
	ConnectTimeout time.Duration
	// NewSID makes session (VX) and stream (MZ) SIDs; nil: random.
	NewSID func(prefix string) string
	// Now is the clock messages are stamped with; nil: time.Now.
	Now func() time.Time
}

// HMACSigner signs a string to sign with Twilio's webhook scheme:
// base64(HMAC-SHA1(authToken, s)).
func HMACSigner(authToken string) func(string) string {
	return func(s string) string {
		mac := hmac.New(sha1.New, []byte(authToken))
		mac.Write([]byte(s))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
}

// HandshakeStringToSign is the text Twilio signs for a WebSocket URL: the URL
// without its query, then each query parameter sorted by name (and value)
// as name+value, like POST fields of a webhook. asWSS signs ws:// as wss://.
func HandshakeStringToSign(rawURL string, asWSS bool) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("query string: %w", err)
	}
	scheme := u.Scheme
	if asWSS && scheme == "ws" {
		scheme = "wss"
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	for _, name := range slices.Sorted(maps.Keys(q)) {
		vals := slices.Clone(q[name])
		slices.Sort(vals)
		for i, v := range vals {
			if i > 0 && v == vals[i-1] {
				continue
			}
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	return b.String(), nil
}

// checkURL applies Twilio's URL rules; badScheme and malformed are the codes
// the session kind reports.
func checkURL(rawURL string, malformed, badScheme int) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, &Error{Code: malformed, Message: fmt.Sprintf("malformed WebSocket url %q", rawURL)}
	}
	if u.Scheme != "wss" && u.Scheme != "ws" {
		return nil, &Error{Code: badScheme, Message: fmt.Sprintf("WebSocket url %q: scheme %q is not supported (wss://, or ws:// locally)", rawURL, u.Scheme)}
	}
	return u, nil
}

// dial performs the upgrade. code is the error every failure maps to for a
// relay (64102); for streams (code 0) the failure picks its 319xx code.
func (d *Dialer) dial(ctx context.Context, rawURL string, sign bool, code int) (*websocket.Conn, error) {
	h := http.Header{}
	for k, v := range d.Header {
		h[k] = slices.Clone(v)
	}
	h.Set("User-Agent", HandshakeUserAgent)
	if sign && d.Sign != nil {
		s, err := HandshakeStringToSign(rawURL, d.SignAsWSS)
		if err != nil {
			return nil, &Error{Code: pick(code, CodeStreamMalformedURL), Message: fmt.Sprintf("url %q: %v", rawURL, err)}
		}
		h.Set(SignatureHeader, d.Sign(s))
	}
	timeout := d.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, rawURL, &websocket.DialOptions{HTTPClient: d.HTTPClient, HTTPHeader: h})
	if err == nil {
		conn.SetReadLimit(maxAppMessage)
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	switch {
	case resp != nil && resp.StatusCode != http.StatusSwitchingProtocols:
		return nil, &Error{Code: pick(code, CodeStreamHandshake), Message: fmt.Sprintf("WebSocket handshake with %s: server answered HTTP %d, not 101", rawURL, resp.StatusCode)}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return nil, &Error{Code: pick(code, CodeStreamTimeout), Message: fmt.Sprintf("WebSocket connect to %s timed out after %s", rawURL, timeout)}
	case isRefused(err):
		return nil, &Error{Code: pick(code, CodeStreamRefused), Message: fmt.Sprintf("WebSocket connect to %s: connection refused", rawURL)}
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509"):
		return nil, &Error{Code: pick(code, CodeStreamTLS), Message: fmt.Sprintf("WebSocket connect to %s: TLS failure: %v", rawURL, err)}
	}
	return nil, &Error{Code: pick(code, CodeStreamHandshake), Message: fmt.Sprintf("WebSocket handshake with %s failed: %v", rawURL, err)}
}

// maxAppMessage bounds one message from the app: a Media Streams app may
// send seconds of audio in one `media` (base64 of 8 kB a second).
const maxAppMessage = 8 << 20

func pick(code, fallback int) int {
	if code != 0 {
		return code
	}
	return fallback
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && strings.Contains(op.Err.Error(), "refused")
}

func (d *Dialer) newSID(prefix string) string {
	if d.NewSID != nil {
		return d.NewSID(prefix)
	}
	var b [16]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func (d *Dialer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Field is one parameter of a request the engine sends for a session (the
// <Connect action> request, a stream status callback), in Twilio's order.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
