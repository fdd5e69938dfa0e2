package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate/signature"
)

// The published vectors of shared/reference/twilio-voice.md §6.
var vectorFields = []string{"CallSid=CA1234567890ABCDE", "Caller=+14158675309", "Digits=1234", "From=+14158675309", "To=+18005551212"}

const vectorURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

func TestSignVectors(t *testing.T) {
	t.Parallel()
	cl := newCLI(t)
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"1 pairs", "", append([]string{"--url", vectorURL}, vectorFields...), "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"1 form on stdin", "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212\n",
			[]string{"--url", vectorURL}, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"2 https port dropped", "", append([]string{"--url", "https://mycompany.com:443/myapp.php?foo=1&bar=2"}, vectorFields...), "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"4 http port kept", "", append([]string{"--url", "http://mycompany.com:1234/myapp.php?foo=1&bar=2"}, vectorFields...), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
		{"7 repeated keys", "", []string{"--url", vectorURL, "Sid=CA123", "SidAccount=AC123", "Digits=5678", "Digits=1234", "Digits=1234"}, "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
		{"GET", "", []string{"--method", "get", "--url", "https://mycompany.com/myapp.php", "CallSid=CA1234567890ABCDE", "From=+14158675309", "To=+18005551212"}, "MuiRFmT4cVmQWbZk/dqNnIEUBGc="},
		{"GET URL as is", "", []string{"--method", "GET", "--url", "https://mycompany.com/myapp.php?CallSid=CA1234567890ABCDE&From=%2B14158675309&To=%2B18005551212#rc=1"}, "MuiRFmT4cVmQWbZk/dqNnIEUBGc="},
	} {
		code, out, errOut := cl.run(c.stdin, append([]string{"sign", "--auth-token", "12345"}, c.args...)...)
		if code != 0 || out != c.want+"\n" {
			t.Errorf("%s: exit %d, %q %s; want %s", c.name, code, out, errOut, c.want)
		}
	}
}

func TestSignExplain(t *testing.T) {
	t.Parallel()
	cl := newCLI(t)
	code, out, errOut := cl.run("", "sign", "--auth-token", "not-a-real-token", "--explain",
		"--url", "https://user:pw@example.com:8443/myapp.php?foo=1&bar=2#rc=2",
		"From=+14158675310", "To=+18005551212", "CallSid=CA1234567890ABCDE", "Digits=1234", "Caller=+14158675310")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"signed url      https://example.com/myapp.php?foo=1&bar=2\n",
		"string to sign  https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212\n",
		"fragment", "credentials", "port is dropped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not-a-real-token") {
		t.Error("token printed")
	}
	code, out, _ = cl.run("", "sign", "--auth-token", "12345", "--json", "--url", vectorURL, vectorFields[0])
	var doc signature.Explanation
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || doc.Signature == "" || doc.SigningURL != vectorURL || len(doc.Params) != 1 {
		t.Errorf("--json: exit %d, %v: %s", code, err, out)
	}
}

func TestSignAndVerifyErrors(t *testing.T) {
	t.Parallel()
	cl := newCLI(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sign", "--url", vectorURL, "a=b"}, "--auth-token"},
		{[]string{"verify", "--url", vectorURL, "--signature", "x", "a=b"}, "--auth-token"},
		{[]string{"sign", "--auth-token", "t", "--url", vectorURL, "a=b", "oops"}, `argument "oops"`},
		{[]string{"sign", "--auth-token", "t", "--url", vectorURL, "=b"}, `argument "=b"`},
		{[]string{"sign", "--auth-token", "t", "a=b"}, "--url"},
		{[]string{"sign", "--auth-token", "t", "--url", "example.com/voice"}, "--url"},
		{[]string{"sign", "--auth-token", "t", "--url", vectorURL, "--method", "PUT"}, "--method"},
		{[]string{"verify", "--auth-token", "t", "--url", vectorURL}, "--signature"},
	} {
		code, _, errOut := cl.run("", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line naming %s", c.args, code, errOut, c.want)
		}
	}
	// The token may come from the environment.
	cl.env["TWILIO_AUTH_TOKEN"] = "12345"
	if code, out, errOut := cl.run("", append([]string{"sign", "--url", vectorURL}, vectorFields...)...); code != 0 || out != "RSOYDt4T1cUTdK1PDd93/VVr8B8=\n" {
		t.Errorf("token from TWILIO_AUTH_TOKEN: exit %d %q %s", code, out, errOut)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	cl := newCLI(t)
	verify := func(stdin string, args ...string) (int, string) {
		t.Helper()
		code, out, errOut := cl.run(stdin, append([]string{"verify", "--auth-token", "12345"}, args...)...)
		if errOut != "" {
			t.Errorf("stderr: %s", errOut)
		}
		return code, out
	}
	ok := []string{"--url", vectorURL, "--signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="}
	if code, out := verify("", append(ok, vectorFields...)...); code != 0 || !strings.HasPrefix(out, "✔ valid") {
		t.Errorf("valid: exit %d\n%s", code, out)
	}
	// Both port variants validate, as with Twilio's libraries.
	if code, _ := verify("", append([]string{"--url", vectorURL, "--signature", "kvajT1Ptam85bY51eRf/AJRuM3w="}, vectorFields...)...); code != 0 {
		t.Errorf(":443 variant: exit %d", code)
	}
	form := "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212"
	if code, _ := verify(form, ok...); code != 0 {
		t.Errorf("form on stdin: exit %d", code)
	}
	// Wrong: a changed field. The report shows the expected signature and the
	// string signed (with the token redacted: "12345" also occurs in the CallSid).
	code, out := verify("", append(ok, "CallSid=CA1234567890ABCDF")...)
	if code != ExitFailed {
		t.Errorf("invalid: exit %d, want 1", code)
	}
	for _, want := range []string{"✘ invalid", "expected        ", "string to sign  " + vectorURL + "CallSidCA", "hint:"} {
		if !strings.Contains(out, want) {
			t.Errorf("invalid report lacks %q:\n%s", want, out)
		}
	}
	// The app rebuilt http:// behind a TLS proxy: the hint names the scheme.
	code, out = verify("", append([]string{"--url", "http://mycompany.com/myapp.php?foo=1&bar=2", "--signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="}, vectorFields...)...)
	if code != ExitFailed || !strings.Contains(out, "hint: the signature is for POST https://mycompany.com/myapp.php?foo=1&bar=2: the scheme differs") {
		t.Errorf("scheme hint: exit %d\n%s", code, out)
	}
	code, out = verify("", append([]string{"--json", "--url", vectorURL, "--signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, vectorFields...)...)
	var v signature.Verification
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != ExitFailed || v.Valid || v.Expected != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" || v.Hint == "" {
		t.Errorf("--json: exit %d %v\n%s", code, err, out)
	}
}

// An example's form body, signed with `callsim sign`, gives the example's
// own signature; and `callsim verify` accepts it.
func TestExampleSignVerifyAgree(t *testing.T) {
	t.Parallel()
	cl := newCLI(t)
	for _, kind := range []string{"inbound", "gather", "status-callback"} {
		for _, method := range []string{"POST", "GET"} {
			base := []string{"example", kind, "--api-version", "2010-04-01", "--auth-token", exampleToken, "--method", method, "--url", "https://example.com:8443/a/voice?t=1"}
			_, out, _ := cl.run("", append(base, "--format", "json")...)
			var req struct {
				URL       string `json:"url"`
				Signature string `json:"signature"`
			}
			if err := json.Unmarshal([]byte(out), &req); err != nil || req.Signature == "" {
				t.Fatalf("%v: %s", err, out)
			}
			_, form, _ := cl.run("", append(base, "--format", "form")...)
			signURL, stdin := "https://example.com:8443/a/voice?t=1", form
			if method == "GET" {
				signURL, stdin = req.URL, ""
			}
			code, sig, errOut := cl.run(stdin, "sign", "--auth-token", exampleToken, "--method", method, "--url", signURL)
			if code != 0 || sig != req.Signature+"\n" {
				t.Errorf("%s %s: sign gave %q (%s), the example has %s", kind, method, sig, errOut, req.Signature)
			}
			code, _, _ = cl.run(stdin, "verify", "--auth-token", exampleToken, "--method", method, "--url", signURL, "--signature", req.Signature)
			if code != 0 {
				t.Errorf("%s %s: verify exit %d", kind, method, code)
			}
		}
	}
}
