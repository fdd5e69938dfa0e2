package cmd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callsim/callsim/internal/demoapp"
)

func TestInboundJSONRedactsToken(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	const token = "supersecret-token-value"
	app := &demoapp.App{AuthToken: token}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	c.env["TWILIO_AUTH_TOKEN"] = token
	code, out, errOut := c.run("", "inbound", "--url", srv.URL+"/voice?key="+token, "--digits", "9", "--json", "--verbose", "--seed", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, token) {
		t.Error("auth token printed")
	}
	var doc struct {
		CallSid string `json:"call_sid"`
		Steps   []struct {
			Request struct {
				Signature string `json:"signature"`
			} `json:"request"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(doc.CallSid) != 34 || len(doc.Steps) < 3 || doc.Steps[0].Request.Signature == "" {
		t.Errorf("unexpected document: %+v", doc)
	}
	for _, r := range app.Requests() {
		if !r.Valid {
			t.Errorf("app rejected %s %s", r.Method, r.URL)
		}
	}
}

func TestEndpointFailureExits1(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	srv := httptest.NewServer(nil) // 404 for everything
	defer srv.Close()
	code, out, _ := c.run("", "outbound", "--url", srv.URL+"/voice", "--to", "+14155551212")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	if !strings.Contains(out, "11217") || !strings.Contains(out, "404") {
		t.Errorf("report lacks the error:\n%s", out)
	}
}

func TestBadInputExits2WithOneLine(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"inbound"}, "callsim: --url is required"},
		{[]string{"inbound", "--url", "ftp://x/voice"}, "callsim: --url: \"ftp://x/voice\" is not an http:// or https:// URL"},
		{[]string{"inbound", "--url", "http://x/voice", "--from", "123"}, "callsim: --from: not a valid phone number: 123"},
		{[]string{"outbound", "--url", "http://x/voice", "--dial-status", "maybe"}, "callsim: --dial-status: unknown dial status \"maybe\" (allowed: answered, busy, failed, no-answer, canceled, answered-machine, answered-human, hangup-machine)"},
		{[]string{"inbound", "--url", "http://x/voice", "--timeout", "soon"}, `callsim: invalid value "soon" for --timeout: want a duration such as 3s or 1500ms`},
		{[]string{"inbound", "--url", "http://x/voice", "--api-version", "2099"}, "callsim: --api-version: unknown API version \"2099\" (allowed: 2010-04-01, legacy)"},
		{[]string{"inbound", "--url", "http://x/voice", "--param", "novalue"}, `callsim: invalid value "novalue" for --param: want Key=Value`},
		{[]string{"inbound", "--url", "http://x/voice", "--dial-outcome", "maybe"}, "callsim: --dial-outcome: unknown dial outcome \"maybe\""},
		{[]string{"inbound", "--url", "http://x/voice", "--method", "PUT"}, "callsim: --method: must be GET or POST"},
		{[]string{"inbound", "--url", "http://x/voice", "--nope"}, "callsim: unknown flag: --nope"},
		{[]string{"inbound", "--url", "http://x/voice", "--color", "pink"}, `callsim: invalid value "pink" for --color: want auto, always or never`},
	}
	for _, tt := range tests {
		code, out, errOut := c.run("", tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", tt.args, code)
		}
		if !strings.HasPrefix(errOut, tt.want) || strings.Count(errOut, "\n") != 1 || out != "" {
			t.Errorf("%v:\n got stderr %q stdout %q\nwant one line starting %q", tt.args, errOut, out, tt.want)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.write("callsim.yaml", "url: http://from-file/voice\ntimeout: 4s\nauth_token: file-token-123\napi_version: 2010-04-01\n")
	c.env["CALLSIM_TIMEOUT"] = "6s"
	code, out, errOut := c.run("", "config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			rows[f[0]] = strings.Join(f[1:], " ")
		}
	}
	for key, want := range map[string]string{
		"url":         "http://from-file/voice callsim.yaml: url",
		"timeout":     "6s CALLSIM_TIMEOUT",
		"auth_token":  "[redacted] callsim.yaml: auth_token",
		"method":      "POST default",
		"api_version": "2010-04-01 callsim.yaml: api_version",
	} {
		if rows[key] != want {
			t.Errorf("config %s = %q, want %q\n%s", key, rows[key], want, out)
		}
	}
	if strings.Contains(out, "file-token-123") {
		t.Error("token printed")
	}
	code, out, _ = c.run("", "config", "--json")
	if code != 0 || !strings.Contains(out, `"source": "CALLSIM_TIMEOUT"`) {
		t.Errorf("env should beat the file for timeout:\n%s", out)
	}
}

func TestBadConfigFileNamesTheFile(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.write("callsim.yaml", "url: [oops\n")
	code, _, errOut := c.run("", "config")
	if code != 2 || !strings.HasPrefix(errOut, "callsim: callsim.yaml:") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	c.write("callsim.yaml", "urll: http://x\n")
	code, _, errOut = c.run("", "config")
	if code != 2 || !strings.Contains(errOut, `unknown setting "urll"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	c.write("callsim.yaml", "timeout: never\nurl: http://x/voice\n")
	code, _, errOut = c.run("", "inbound")
	if code != 2 || errOut != "callsim: invalid value \"never\" for timeout in callsim.yaml: want a duration such as 3s or 1500ms\n" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	app := &demoapp.App{}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	code, out, errOut := c.run("", "inbound", "--url", srv.URL+"/voice", "--dry-run", "--auth-token", "tok-123456", "--method", "GET")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := len(app.Requests()); n != 0 {
		t.Errorf("%d requests sent on --dry-run", n)
	}
	if !strings.Contains(out, "curl -sS -X GET") || !strings.Contains(out, "X-Twilio-Signature: ") || strings.Contains(out, "tok-123456") {
		t.Errorf("dry run output:\n%s", out)
	}
}

type countingTransport struct {
	n    atomic.Int64
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// Calls go through the factory's HTTP client when it has one.
func TestCallUsesFactoryClient(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	srv := httptest.NewServer((&demoapp.App{}).Handler())
	defer srv.Close()
	tr := &countingTransport{base: srv.Client().Transport}
	f, io := c.factory("")
	f.HttpClient = func() *http.Client { return &http.Client{Transport: tr} }
	if code := Execute(f, []string{"inbound", "--url", srv.URL + "/voice", "--digits", "3", "--seed", "2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, io.ErrOut)
	}
	if n := tr.n.Load(); n < 3 {
		t.Errorf("%d requests through the factory's client, want every request of the call", n)
	}
}
