package redact

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Redacted is what stands in for a secret in any output.
const Redacted = "[redacted]"

// Redactor is a writer that never lets the given secrets through: auth
// tokens, and passwords in URLs. Callers write whole documents at a time so
// a secret cannot straddle two writes.
//
// It hides the secret where the secret itself is printed, and only there:
// an occurrence that is part of a longer word or number (the token 12345
// inside +14155512345) is another value, and so is any occurrence inside a
// request's data registered with Data. Redaction must never corrupt what
// the report says was sent.
type Redactor struct {
	W       io.Writer
	secrets [][]byte
	data    [][]byte
	known   map[string]bool // data already registered
}

// NewRedactor hides each non-empty secret written to w.
func NewRedactor(w io.Writer, secrets ...string) *Redactor {
	r := &Redactor{W: w}
	for _, s := range secrets {
		r.Add(s)
	}
	return r
}

// Add registers one more secret, in the forms output may print it in:
// as is, URL-escaped, JSON-escaped and XML-escaped. Secrets shorter than 4
// bytes are ignored because hiding them would garble ordinary text.
func (r *Redactor) Add(secret string) {
	if len(secret) < 4 {
		return
	}
	for _, form := range escapings(secret) {
		if !r.has(form) {
			r.secrets = append(r.secrets, []byte(form))
		}
	}
	// Longer forms first, so that an escaped form is replaced whole.
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func (r *Redactor) has(form string) bool {
	for _, s := range r.secrets {
		if string(s) == form {
			return true
		}
	}
	return false
}

// escapings are the ways s may appear in output: raw, in a URL query or
// path, inside a JSON string (with or without HTML escaping) and in XML.
func escapings(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.Encode(s) // HTML-escaped: \u0026 for &
	forms = append(forms, strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n"), `"`)[1:])
	b.Reset()
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	forms = append(forms, strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n"), `"`)[1:])
	b.Reset()
	xml.EscapeText(&b, []byte(s))
	forms = append(forms, b.String())
	return forms
}

// AddURL registers the password of a URL with credentials.
func (r *Redactor) AddURL(raw string) {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			r.Add(pw)
		}
	}
}

// Data registers values that are request data (the fields and body a
// request sent): a secret inside one of them is left alone, since there it
// is not the secret but what the caller dialled or the app was sent. A
// value that is exactly the secret is the secret, and stays hidden.
func (r *Redactor) Data(values ...string) {
	if r.known == nil {
		r.known = map[string]bool{}
	}
	for _, v := range values {
		if len(v) < 4 || r.known[v] {
			continue
		}
		r.known[v] = true
		for _, form := range escapings(v) {
			r.data = append(r.data, []byte(form))
		}
	}
}

func (r *Redactor) Write(p []byte) (int, error) {
	if _, err := r.W.Write(r.redact(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redact replaces each stand-alone occurrence of a secret outside data.
func (r *Redactor) redact(p []byte) []byte {
	out := p
	for _, s := range r.secrets {
		if !bytes.Contains(out, s) {
			continue
		}
		keep := r.protected(out, s)
		var b bytes.Buffer
		last := 0
		for i := 0; ; {
			j := bytes.Index(out[i:], s)
			if j < 0 {
				break
			}
			at := i + j
			end := at + len(s)
			if standalone(out, at, end, s) && !inside(keep, at, end) {
				b.Write(out[last:at])
				b.WriteString(Redacted)
				last = end
				i = end
			} else {
				i = at + 1
			}
		}
		b.Write(out[last:])
		out = b.Bytes()
	}
	return out
}

// protected are the byte ranges of p covered by registered data values that
// contain the secret s.
func (r *Redactor) protected(p, s []byte) [][2]int {
	var keep [][2]int
	for _, d := range r.data {
		// A value that is the secret and nothing else is the secret printed.
		if len(d) == len(s) || !bytes.Contains(d, s) {
			continue
		}
		for i := 0; ; {
			j := bytes.Index(p[i:], d)
			if j < 0 {
				break
			}
			keep = append(keep, [2]int{i + j, i + j + len(d)})
			i += j + 1
		}
	}
	return keep
}

func inside(keep [][2]int, at, end int) bool {
	for _, k := range keep {
		if at >= k[0] && end <= k[1] {
			return true
		}
	}
	return false
}

// standalone reports whether the occurrence of s at p[at:end] is not part
// of a longer run of letters and digits: where s starts (ends) with one,
// the byte before (after) must not be one.
func standalone(p []byte, at, end int, s []byte) bool {
	if word(s[0]) && at > 0 && word(p[at-1]) {
		return false
	}
	if word(s[len(s)-1]) && end < len(p) && word(p[end]) {
		return false
	}
	return true
}

func word(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// RedactString hides the secrets in s.
func (r *Redactor) RedactString(s string) string {
	return string(r.redact([]byte(s)))
}

// urlPassword matches the password of a URL with credentials, as errors
// quote URLs: scheme://user:password@.
var urlPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@"'?#]*:)([^/\s@"'?#]+)@`)

// URLPasswords hides the password of every URL with credentials in s: an
// error message quotes the URL it could not use, whatever the URL holds.
func URLPasswords(s string) string {
	return urlPassword.ReplaceAllString(s, "${1}"+Redacted+"@")
}
