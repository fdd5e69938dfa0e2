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
	"strings"
)

// SignatureHeader is the header Twilio puts its request signature in.
const SignatureHeader = "X-Twilio-Signature"

// StringToSign is the exact text Twilio feeds to HMAC-SHA1: the URL followed by
// every POST field name and value, sorted by name byte-wise; repeated fields
// contribute each distinct value in sorted order, as the official libraries
// do. GET requests pass nil params.
func StringToSign(rawURL string, params Params) string {
	sorted := slices.Clone(params)
	slices.SortFunc(sorted, func(a, b Param) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	n := len(rawURL)
	for _, kv := range sorted {
		n += len(kv.Key) + len(kv.Value)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(rawURL)
	for i, kv := range sorted {
		if i > 0 && kv == sorted[i-1] {
			continue
		}
		b.WriteString(kv.Key)
		b.WriteString(kv.Value)
	}
	return b.String()
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
	return signingForm(u), nil
}

// signingForm is SigningURL for a parsed URL (left unchanged).
func signingForm(u *url.URL) string {
	if u.Fragment == "" && u.RawFragment == "" && u.User == nil && !(strings.EqualFold(u.Scheme, "https") && u.Port() != "") {
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
