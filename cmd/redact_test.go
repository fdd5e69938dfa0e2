package cmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// With Twilio's documentation token 12345, a number that contains it is
// printed as sent, in the report and in --json; the token itself, echoed by
// the app, is not.
func TestRedactionKeepsRequestData(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<Response><Say>token 12345</Say></Response>`)
	}))
	defer srv.Close()
	for _, format := range [][]string{nil, {"--json"}, {"--verbose"}} {
		c := newCLI(t)
		args := append([]string{"inbound", srv.URL + "/voice", "--auth-token", "12345", "--from", "+14155512345", "--param", "Ref=12345-9", "--seed", "1"}, format...)
		code, out, errOut := c.run("", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", format, code, errOut)
		}
		if strings.Contains(out, "41555[redacted]") || !strings.Contains(out, "4155512345") {
			t.Errorf("%v: the caller's number is corrupted:\n%s", format, out)
		}
		if !strings.Contains(out, "12345-9") {
			t.Errorf("%v: --param Ref=12345-9 is not shown as sent:\n%s", format, out)
		}
		if strings.Contains(out, "token 12345") || !strings.Contains(out, "token [redacted]") {
			t.Errorf("%v: the token the app echoed is not redacted:\n%s", format, out)
		}
	}
}

// An error that quotes a URL does not show its password.
func TestErrorsHideURLPasswords(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	code, _, errOut := c.run("", "inbound", "--url", "http://bob:hunter22@127.0.0.1:notaport/voice")
	if code != 2 || strings.Contains(errOut, "hunter22") || !strings.Contains(errOut, "bob:[redacted]@") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
