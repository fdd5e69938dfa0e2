package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/callsim/callsim/simulate/contract"
)

// Header is the header Twilio puts its request signature in.
const Header = "X-Twilio-Signature"

// StringToSign is the exact text Twilio feeds to HMAC-SHA1: the URL followed by
// every POST field name and value, sorted by name byte-wise; repeated fields
// contribute each distinct value in sorted order, as the official libraries
// do. GET requests pass nil params.
func StringToSign(rawURL string, params contract.Params) string {
	buf := signBufs.Get().(*signBuf)
	defer signBufs.Put(buf)
	buf.fill(rawURL, params)
	return string(buf.text)
}

// Compute computes X-Twilio-Signature for the URL string exactly as given.
func Compute(authToken, rawURL string, params contract.Params) string {
	return SignWith(hmac.New(sha1.New, []byte(authToken)), rawURL, params)
}

// SignWith writes the string to sign into mac (fresh or Reset) and encodes the sum.
func SignWith(mac hash.Hash, rawURL string, params contract.Params) string {
	buf := signBufs.Get().(*signBuf)
	defer signBufs.Put(buf)
	buf.fill(rawURL, params)
	mac.Write(buf.text)
	sum := mac.Sum(buf.sum[:0])
	return base64.StdEncoding.EncodeToString(sum)
}

// signBuf is the scratch space of one signature, pooled: signing runs once
// per request, and a load run makes thousands of requests a second.
type signBuf struct {
	order []int
	text  []byte
	sum   [sha1.Size]byte
}

var signBufs = sync.Pool{New: func() any { return new(signBuf) }}

// fill sets text to the string to sign.
func (b *signBuf) fill(rawURL string, params contract.Params) {
	b.order = sortedOrder(b.order[:0], params)
	b.text = append(b.text[:0], rawURL...)
	for i, j := range b.order {
		kv := params[j]
		if i > 0 && kv == params[b.order[i-1]] {
			continue
		}
		b.text = append(b.text, kv.Key...)
		b.text = append(b.text, kv.Value...)
	}
}

func compareParams(a, b contract.Param) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Value, b.Value)
}

// lastOrder remembers, per number of fields, the order the last sort
// found and the keys it sorted: a call's requests of one kind carry the
// same fields in the same order, so the same keys (compared mostly by
// their pointers: they are the same constants) give the same order when
// no key repeats, and otherwise checking that order (n-1 comparisons)
// usually replaces the sort.
var lastOrder sync.Map // int → *sorted

type sorted struct {
	perm     []int
	keys     []string
	distinct bool // no key repeats: the keys alone decide the order
}

func (s *sorted) sameKeys(params contract.Params) bool {
	for i, k := range s.keys {
		if params[i].Key != k {
			return false
		}
	}
	return true
}

// sortedOrder appends to order the indices of params in sorted order.
func sortedOrder(order []int, params contract.Params) []int {
	if cached, ok := lastOrder.Load(len(params)); ok {
		last := cached.(*sorted)
		if last.distinct && last.sameKeys(params) {
			return append(order, last.perm...)
		}
		perm := last.perm
		inOrder := true
		for i := 1; i < len(perm) && inOrder; i++ {
			inOrder = compareParams(params[perm[i-1]], params[perm[i]]) <= 0
		}
		if inOrder {
			return append(order, perm...)
		}
	}
	for i := range params {
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return compareParams(params[a], params[b]) })
	last := &sorted{perm: slices.Clone(order), keys: make([]string, len(params)), distinct: true}
	for i, j := range order {
		last.keys[j] = params[j].Key
		if i > 0 && params[order[i-1]].Key == params[j].Key {
			last.distinct = false
		}
	}
	lastOrder.Store(len(params), last)
	return order
}

// SigningURL turns the URL a request is sent to into the string Twilio signs:
// no fragment (connection overrides), no credentials, and for HTTPS no port.
func SigningURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	return SigningForm(u), nil
}

// NeedsSigningForm reports whether the signed form of u differs from u.String().
func NeedsSigningForm(u *url.URL) bool {
	return u.Fragment != "" || u.RawFragment != "" || u.User != nil || strings.EqualFold(u.Scheme, "https") && u.Port() != ""
}

// SigningForm is SigningURL for a parsed URL (left unchanged).
func SigningForm(u *url.URL) string {
	if !NeedsSigningForm(u) {
		return u.String()
	}
	c := *u
	c.Fragment, c.RawFragment, c.User = "", "", nil
	if strings.EqualFold(c.Scheme, "https") && c.Port() != "" {
		c.Host = hostOnly(c.Host)
	}
	return c.String()
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// Validate checks a signature the way Twilio's official libraries do:
// it accepts the URL with its port removed and with the scheme's default port
// added, and for a JSON body the bodySHA256 query parameter must match.
func Validate(authToken, rawURL string, params contract.Params, signature string, body []byte) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	u.Fragment, u.RawFragment, u.User = "", "", nil
	if h := u.Query().Get("bodySHA256"); h != "" {
		sum := sha256.Sum256(body)
		if !hmac.Equal([]byte(strings.ToLower(h)), []byte(hex.EncodeToString(sum[:]))) {
			return false
		}
		params = nil
	}
	withoutPort := *u
	withoutPort.Host = hostOnly(u.Host)
	withPort := *u
	if u.Port() == "" {
		port := "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
		withPort.Host = net.JoinHostPort(strings.Trim(u.Hostname(), "[]"), port)
	}
	for _, candidate := range []string{withoutPort.String(), withPort.String()} {
		if hmac.Equal([]byte(Compute(authToken, candidate, params)), []byte(signature)) {
			return true
		}
	}
	return false
}
