package simulate

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// SignatureHeader is the header Twilio puts its request signature in.
const SignatureHeader = "X-Twilio-Signature"

// StringToSign is the exact text Twilio feeds to HMAC-SHA1: the URL followed by
// every POST field name and value, sorted by name byte-wise; repeated fields
// contribute each distinct value in sorted order. GET requests pass nil params.
func StringToSign(rawURL string, params Params) string {
	var b strings.Builder
	b.WriteString(rawURL)
	if len(params) == 0 {
		return b.String()
	}
	if s, ok := stringToSignUnique(rawURL, params); ok {
		return s
	}
	byKey := map[string][]string{}
	for _, kv := range params {
		byKey[kv.Key] = append(byKey[kv.Key], kv.Value)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := uniqueSorted(byKey[k])
		for _, v := range vals {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String()
}

// stringToSignUnique is StringToSign for the usual case where no field
// repeats: one sort, no map (the load hot path); ok is false otherwise.
func stringToSignUnique(rawURL string, params Params) (string, bool) {
	sorted := slices.Clone(params)
	slices.SortFunc(sorted, func(a, b Param) int { return strings.Compare(a.Key, b.Key) })
	n := len(rawURL)
	for i, kv := range sorted {
		if i > 0 && kv.Key == sorted[i-1].Key {
			return "", false
		}
		n += len(kv.Key) + len(kv.Value)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(rawURL)
	for _, kv := range sorted {
		b.WriteString(kv.Key)
		b.WriteString(kv.Value)
	}
	return b.String(), true
}

func uniqueSorted(vals []string) []string {
	if len(vals) == 1 {
		return vals
	}
	s := append([]string(nil), vals...)
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Signature computes X-Twilio-Signature for the URL string exactly as given.
func Signature(authToken, rawURL string, params Params) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(StringToSign(rawURL, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SigningURL turns the URL a request is sent to into the string Twilio signs:
// no fragment (connection overrides), no credentials, and for HTTPS no port.
func SigningURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Fragment, u.RawFragment, u.User = "", "", nil
	if strings.EqualFold(u.Scheme, "https") && u.Port() != "" {
		u.Host = hostOnly(u.Host)
	}
	return u.String(), nil
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

// ValidateSignature checks a signature the way Twilio's official libraries do:
// it accepts the URL with its port removed and with the scheme's default port
// added, and for a JSON body the bodySHA256 query parameter must match.
func ValidateSignature(authToken, rawURL string, params Params, signature string, body []byte) bool {
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
		if hmac.Equal([]byte(Signature(authToken, candidate, params)), []byte(signature)) {
			return true
		}
	}
	return false
}
