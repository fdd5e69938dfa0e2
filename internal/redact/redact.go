package redact

import (
	"bytes"
	"io"
	"net/url"
)

// Redacted is what stands in for a secret in any output.
const Redacted = "[redacted]"

// Redactor is a writer that never lets the given secrets through: auth
// tokens, and passwords in URLs. Callers write whole documents at a time so
// a secret cannot straddle two writes.
type Redactor struct {
	W       io.Writer
	secrets [][]byte
}

// NewRedactor hides each non-empty secret written to w.
func NewRedactor(w io.Writer, secrets ...string) *Redactor {
	r := &Redactor{W: w}
	for _, s := range secrets {
		r.Add(s)
	}
	return r
}

// Add registers one more secret; secrets shorter than 4 bytes are ignored
// because hiding them would garble ordinary text.
func (r *Redactor) Add(secret string) {
	if len(secret) >= 4 {
		r.secrets = append(r.secrets, []byte(secret))
		if esc := url.QueryEscape(secret); esc != secret {
			r.secrets = append(r.secrets, []byte(esc))
		}
	}
}

// AddURL registers the password of a URL with credentials.
func (r *Redactor) AddURL(raw string) {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			r.Add(pw)
			r.Add(url.PathEscape(pw))
		}
	}
}

func (r *Redactor) Write(p []byte) (int, error) {
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte(Redacted))
		}
	}
	if _, err := r.W.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RedactString hides the secrets in s.
func (r *Redactor) RedactString(s string) string {
	var b bytes.Buffer
	(&Redactor{W: &b, secrets: r.secrets}).Write([]byte(s))
	return b.String()
}
