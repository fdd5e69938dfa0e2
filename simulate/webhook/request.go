package webhook

import (
	"crypto/hmac"
	"crypto/sha1"
	"fmt"
	"hash"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
)

// Request is one HTTP request of a call, as Twilio would make it.
type Request struct {
	Kind      string             `json:"kind"` // initial, gather, redirect, record, dial, fallback, end, status-callback
	Method    string             `json:"method"`
	URL       string             `json:"url"`                // what Twilio requests and signs (public URL, GET params included)
	SendURL   string             `json:"send_url,omitempty"` // where callsim delivered it, when --signing-url maps it elsewhere
	Params    contract.Params    `json:"params"`
	Body      string             `json:"body,omitempty"`
	Headers   contract.Params    `json:"headers"`
	Signature string             `json:"signature,omitempty"`
	Retries   int                `json:"retries,omitempty"` // sent again this many times after failed attempts (#rc)
	Overrides contract.Overrides `json:"-"`

	// user holds the credentials of a URL like https://user:pass@host/voice,
	// which URL and SendURL never show: Send answers a Basic challenge with
	// them, and nothing prints or signs them.
	user *url.Userinfo
}

// Signed reports whether the request carries X-Twilio-Signature.
func (r *Request) Signed() bool { return r.Signature != "" }

// Target is a URL and method to request, as written in config or TwiML.
type Target struct {
	URL    string
	Method string
}

// Sender builds and sends the requests of one call: it knows the auth token and how public
// URLs map to the local address callsim delivers to.
type Sender struct {
	AuthToken string
	// Timeout caps every request (Twilio's cap is 15 s); connection
	// overrides in a URL fragment can only lower it.
	Timeout time.Duration
	public  *url.URL  // --signing-url: what Twilio would see
	local   *url.URL  // --url: where the app listens
	macs    sync.Pool // hash.Hash keyed with AuthToken, reused across requests
	// targets holds Build's work on each target (Target → *prepared).
	targets   sync.Map
	nprepared atomic.Int32
}

// NewSender prepares request building for a call to localURL; signingURL,
// when set, is the public URL the signature is computed over.
func NewSender(authToken, localURL, signingURL string, timeout time.Duration) (*Sender, error) {
	s := &Sender{AuthToken: authToken, Timeout: timeout}
	if s.Timeout <= 0 {
		s.Timeout = 15 * time.Second
	}
	if signingURL == "" {
		return s, nil
	}
	var err error
	if s.local, err = ParseHTTPURL(localURL); err != nil {
		return nil, &contract.InputError{Field: "url", Value: localURL, Msg: err.Error()}
	}
	if s.public, err = ParseHTTPURL(signingURL); err != nil {
		return nil, &contract.InputError{Field: "signing-url", Value: signingURL, Msg: err.Error()}
	}
	return s, nil
}

// PublicURL is the URL Twilio would be configured with for a local one.
func (s *Sender) PublicURL(localURL string) string {
	if s.public == nil {
		return localURL
	}
	if localURL == s.local.String() {
		return s.public.String()
	}
	return swapOrigin(localURL, s.local, s.public)
}

func (s *Sender) sendURL(publicURL string) string {
	if s.public == nil {
		return publicURL
	}
	return swapOrigin(publicURL, s.public, s.local)
}

// swapOrigin moves a URL from one scheme+host to another (and from one path
// prefix to another), leaving URLs elsewhere untouched.
func swapOrigin(raw string, from, to *url.URL) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, from.Scheme) || !strings.EqualFold(u.Host, from.Host) {
		return raw
	}
	u.Scheme, u.Host = to.Scheme, to.Host
	if from.Path != to.Path && strings.HasPrefix(u.Path, from.Path) {
		u.Path = to.Path + strings.TrimPrefix(u.Path, from.Path)
		u.RawPath = ""
	}
	return u.String()
}

// ParseHTTPURL parses a webhook URL, which must be absolute http or https.
func ParseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	return u, nil
}

// Build makes the request Twilio would send to target with these fields. The
// URL's fragment holds connection overrides: read, never sent or signed.
func (s *Sender) Build(kind string, target Target, params contract.Params, r *rand.Rand) (*Request, error) {
	pt, err := s.prepare(target)
	if err != nil {
		return nil, err
	}
	req := &Request{Kind: kind, Method: pt.method, Params: params, Overrides: pt.ov, user: pt.user, URL: pt.url, SendURL: pt.sendURL}
	signURL := pt.signURL
	if pt.method == http.MethodGet {
		u := *pt.u
		contract.AppendQuery(&u, params)
		req.URL = u.String()
		signURL = req.URL
		if signature.NeedsSigningForm(&u) {
			signURL = signature.SigningForm(&u)
		}
		req.SendURL = s.sendURL(req.URL)
		if req.SendURL == req.URL {
			req.SendURL = ""
		}
	}
	req.Headers = append(make(contract.Params, 0, 10),
		contract.Param{Key: "User-Agent", Value: "TwilioProxy/1.1"},
		contract.Param{Key: "Accept", Value: "*/*"},
		contract.Param{Key: "I-Twilio-Idempotency-Token", Value: idempotencyToken(r)},
		contract.Param{Key: "X-Home-Region", Value: "us1"},
	)
	if req.SendURL != "" {
		req.Headers = append(req.Headers, s.tunnelHeaders(pt.u)...)
	}
	var signParams contract.Params
	if pt.method == http.MethodPost {
		req.Body = params.Encode()
		req.Headers = req.Headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		signParams = params
	}
	if s.AuthToken != "" {
		req.Signature = s.signature(signURL, signParams)
		req.Headers = req.Headers.Add(signature.Header, req.Signature)
	}
	return req, nil
}

// prepared is what Build makes of a target before the fields: the same for
// every request to it, so a Sender keeps it (a load run's calls request
// the same few URLs thousands of times).
type prepared struct {
	timeout time.Duration // the Sender's Timeout the overrides were capped with
	method  string
	u       *url.URL // without fragment and credentials, for a GET's query
	url     string
	signURL string
	sendURL string // "" when it is url
	ov      contract.Overrides
	user    *url.Userinfo
}

// maxPrepared bounds the targets a Sender keeps: an app whose every
// answer names another URL gets no help, and no growth.
const maxPrepared = 256

func (s *Sender) prepare(target Target) (*prepared, error) {
	if v, ok := s.targets.Load(target); ok {
		if pt := v.(*prepared); pt.timeout == s.Timeout {
			return pt, nil
		}
	}
	u, err := ParseHTTPURL(target.URL)
	if err != nil {
		return nil, &contract.TwilioError{Code: contract.ErrInvalidURL, Message: contract.ErrorWords(contract.ErrInvalidURL) + ": " + err.Error()}
	}
	method := strings.ToUpper(target.Method)
	if method == "" {
		method = http.MethodPost
	}
	if method != http.MethodGet && method != http.MethodPost {
		return nil, &contract.TwilioError{Code: contract.ErrInvalidURL, Message: fmt.Sprintf("unsupported method %q (Twilio uses GET or POST)", target.Method)}
	}
	ov, err := contract.ParseOverrides(u.Fragment)
	if err != nil {
		return nil, &contract.TwilioError{Code: contract.ErrInvalidURL, Message: err.Error()}
	}
	u.Fragment, u.RawFragment = "", ""
	pt := &prepared{timeout: s.Timeout, method: method, ov: ov.Capped(s.Timeout), user: u.User}
	if pt.user == nil && s.local != nil && s.local.User != nil && strings.EqualFold(u.Host, s.public.Host) {
		pt.user = s.local.User // given with --url, delivered through --signing-url's host
	}
	u.User = nil
	pt.u = u
	pt.url = u.String()
	pt.signURL = pt.url
	if signature.NeedsSigningForm(u) {
		pt.signURL = signature.SigningForm(u)
	}
	if pt.sendURL = s.sendURL(pt.url); pt.sendURL == pt.url {
		pt.sendURL = ""
	}
	if s.nprepared.Add(1) <= maxPrepared {
		s.targets.Store(target, pt)
	}
	return pt, nil
}

// TunnelClientIP is the X-Forwarded-For of a request delivered through
// --signing-url: the address a tunnel saw the request come from. Twilio
// publishes no fixed webhook addresses, so it is a documentation address
// (RFC 5737) that no app can mistake for a real peer.
const TunnelClientIP = "192.0.2.10"

// tunnelHeaders are what a tunnel (ngrok and alike) adds when it passes a
// request for the public URL u to the local app: the public Host stays,
// and X-Forwarded-* say how it arrived. A validator behind a proxy-aware
// app (Express's trust proxy) rebuilds u from them, as it must to check
// the signature.
func (s *Sender) tunnelHeaders(u *url.URL) contract.Params {
	return contract.Params{
		{Key: "Host", Value: u.Host},
		{Key: "X-Forwarded-For", Value: TunnelClientIP},
		{Key: "X-Forwarded-Host", Value: u.Host},
		{Key: "X-Forwarded-Proto", Value: u.Scheme},
	}
}

// signature is Signature with this signer's token, reusing its HMAC state.
func (s *Sender) signature(rawURL string, params contract.Params) string {
	mac, _ := s.macs.Get().(hash.Hash)
	if mac == nil {
		mac = hmac.New(sha1.New, []byte(s.AuthToken))
	} else {
		mac.Reset()
	}
	sig := signature.SignWith(mac, rawURL, params)
	s.macs.Put(mac)
	return sig
}

// idempotencyToken is a random UUID-shaped token: 32 hex digits from two
// 64-bit draws, dashed 8-4-4-4-12.
func idempotencyToken(r *rand.Rand) string {
	const alphabet = "0123456789abcdef"
	var b [36]byte
	hi, lo := r.Uint64(), r.Uint64()
	j := 0
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b[j] = '-'
			j++
		}
		word := &hi
		if i >= 16 {
			word = &lo
		}
		b[j] = alphabet[*word>>60]
		*word <<= 4
		j++
	}
	return string(b[:])
}

// Curl renders the request as a runnable curl command, signature included;
// a URL's credentials show as --user '[redacted]', for the reader to fill in.
func (r *Request) Curl() string {
	var b strings.Builder
	b.WriteString("curl -sS -X " + r.Method)
	for _, h := range r.Headers {
		if h.Key == "Accept" {
			continue
		}
		b.WriteString(" \\\n  -H " + shellQuote(h.Key+": "+h.Value))
	}
	if r.Method == http.MethodPost {
		b.WriteString(" \\\n  --data-raw " + shellQuote(r.Body))
	}
	if r.user != nil {
		b.WriteString(" \\\n  --basic --user " + shellQuote(redact.Redacted))
	}
	target := r.URL
	if r.SendURL != "" {
		target = r.SendURL
	}
	b.WriteString(" \\\n  " + shellQuote(target))
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WithoutUser is raw without credentials, for showing a URL that has not
// been through Build.
func WithoutUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// URLWithUser is the request's URL with its credentials put back, which
// relative URLs in the TwiML it returns are resolved against (as a browser
// does: a relative URL keeps the base's credentials). Never shown.
func (r *Request) URLWithUser(raw string) string {
	if r.user == nil {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return raw
	}
	orig, err := url.Parse(r.URL)
	if err != nil || !strings.EqualFold(u.Host, orig.Host) {
		return raw
	}
	u.User = r.user
	return u.String()
}
