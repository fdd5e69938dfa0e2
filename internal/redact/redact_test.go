package redact

import (
	"bytes"
	"testing"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, secret, in, want string
		data                   []string
	}{
		{"a token alone", "12345", "--auth-token 12345 is wrong", "--auth-token [redacted] is wrong", nil},
		{"inside a longer number", "12345", "From  +14155512345", "From  +14155512345", nil},
		{"inside a longer word", "abcd", "abcdef xabcd", "abcdef xabcd", nil},
		{"quoted", "12345", `"token": "12345"`, `"token": "[redacted]"`, nil},
		{"request data is left alone", "12345", "Ref  12345-9\nauth 12345", "Ref  12345-9\nauth [redacted]", []string{"12345-9"}},
		{"a value that is the secret is the secret", "12345", "Code  12345", "Code  [redacted]", []string{"12345"}},
		{"JSON-escaped", "a&b<c>d", `"t": "a\u0026b\u003cc\u003ed"`, `"t": "[redacted]"`, nil},
		{"JSON unescaped HTML", "a&b\"cd", `"t": "a&b\"cd"`, `"t": "[redacted]"`, nil},
		{"XML-escaped", "a&b<cd", `<t>a&amp;b&lt;cd</t>`, `<t>[redacted]</t>`, nil},
		{"URL-escaped", "a b+c", `?t=a+b%2Bc&x=1`, `?t=[redacted]&x=1`, nil},
		{"short secrets are ignored", "123", "123", "123", nil},
		{"token of symbols", "%%%%", "x%%%%y", "x[redacted]y", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			r := NewRedactor(&b, tc.secret)
			r.Data(tc.data...)
			r.Write([]byte(tc.in))
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestAddURLPassword(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	r := NewRedactor(&b)
	r.AddURL("https://user:s3cr%2Fet@example.com/voice")
	got := r.RedactString("https://user:s3cr%2Fet@example.com/voice and s3cr/et")
	if got != "https://user:[redacted]@example.com/voice and [redacted]" {
		t.Errorf("got %q", got)
	}
}

func TestURLPasswords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`parse "http://bob:hunter22@host:x/voice": invalid port`: `parse "http://bob:[redacted]@host:x/voice": invalid port`,
		`http://host/voice?a=b@c`:                                `http://host/voice?a=b@c`,
		`https://bob@host/`:                                      `https://bob@host/`,
	} {
		if got := URLPasswords(in); got != want {
			t.Errorf("URLPasswords(%q) = %q, want %q", in, got, want)
		}
	}
}
