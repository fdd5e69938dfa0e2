package example_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/internal/golden"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/example"
	"github.com/callsim/callsim/simulate/signature"
	"github.com/callsim/callsim/simulate/webhook"
)

// exToken signs every example in these tests and the golden files.
const exToken = "example-auth-token-5f0c2a"

// exampleOf builds the reproducible example of kind, as `callsim example` does.
func exampleOf(t *testing.T, api, kind string, opt example.Options) (*webhook.Request, *contract.Call) {
	t.Helper()
	call, err := example.Call(kind, contract.CallSpec{APIVersion: api, Seed: example.DefaultSeed})
	if err != nil {
		t.Fatal(err)
	}
	req, err := example.Build(kind, call, opt)
	if err != nil {
		t.Fatal(err)
	}
	return req, call
}

func formatted(t *testing.T, req *webhook.Request, format string, call *contract.Call, kind string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := example.Format(&b, req, format, call.Profile, kind); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Golden files for every profile × kind × format; rewrite them with
//
//	go test ./simulate/example -run TestExampleGolden -update
func TestExampleGolden(t *testing.T) {
	t.Parallel()
	for _, api := range contract.ProfileNames() {
		for _, kind := range kindsOf(api) {
			for _, format := range example.Formats() {
				t.Run(api+"/"+kind+"."+format, func(t *testing.T) {
					method := "POST"
					if format == "query" {
						method = "GET" // as `callsim example --format query` implies
					}
					req, call := exampleOf(t, api, kind, example.Options{AuthToken: exToken, Method: method})
					golden.Check(t, filepath.Join("..", "..", "testdata", filepath.Join("example", api, kind+"."+format)), formatted(t, req, format, call, kind))
				})
			}
		}
	}
}

func TestExampleIsReproducible(t *testing.T) {
	t.Parallel()
	for _, kind := range kindsOf("2010-04-01") {
		a, call := exampleOf(t, "2010-04-01", kind, example.Options{AuthToken: exToken})
		b, _ := exampleOf(t, "2010-04-01", kind, example.Options{AuthToken: exToken})
		if d := cmp.Diff(formatted(t, a, "json", call, kind), formatted(t, b, "json", call, kind)); d != "" {
			t.Errorf("%s: two runs differ:\n%s", kind, d)
		}
		other, err := example.Call(kind, contract.CallSpec{APIVersion: "2010-04-01", Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		c, err := example.Build(kind, other, example.Options{AuthToken: exToken})
		if err != nil {
			t.Fatal(err)
		}
		if c.Params.Value("CallSid") == a.Params.Value("CallSid") {
			t.Errorf("%s: another seed gave the same CallSid", kind)
		}
	}
	// Every request of the call has its own idempotency token.
	seen := map[string]string{}
	for _, kind := range kindsOf("2010-04-01") {
		req, _ := exampleOf(t, "2010-04-01", kind, example.Options{})
		tok := req.Headers.Value("I-Twilio-Idempotency-Token")
		if prev, ok := seen[tok]; ok {
			t.Errorf("%s and %s share the idempotency token %s", prev, kind, tok)
		}
		seen[tok] = kind
	}
}

func TestExampleStatusCallbackClock(t *testing.T) {
	t.Parallel()
	req, _ := exampleOf(t, "2010-04-01", "status-callback", example.Options{})
	if got, want := req.Params.Value("Timestamp"), "Thu, 12 Feb 2026 11:48:25 +0000"; got != want {
		t.Errorf("Timestamp = %q, want the fixed clock %q", got, want)
	}
	now := time.Date(2027, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 3600))
	req, _ = exampleOf(t, "2010-04-01", "status-callback", example.Options{Now: now})
	if got, want := req.Params.Value("Timestamp"), "Thu, 04 Mar 2027 04:06:07 +0000"; got != want {
		t.Errorf("Timestamp = %q, want %q (UTC)", got, want)
	}
	for k, want := range map[string]string{"CallStatus": "completed", "CallbackSource": "call-progress-events", "SequenceNumber": "0", "SipResponseCode": "200"} {
		if got := req.Params.Value(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestExampleKinds(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]string{
		"legacy/inbound":             {"CallStatus": "in-progress", "DialStatus": "answered"},
		"legacy/gather":              {"CallStatus": "in-progress", "Digits": "*"},
		"legacy/record":              {"Duration": "*", "RecordingUrl": "*", "Digits": "#"},
		"legacy/dial":                {"DialStatus": "answered"},
		"2010-04-01/inbound":         {"CallStatus": "ringing", "Direction": "inbound"},
		"2010-04-01/outbound":        {"CallStatus": "in-progress", "Direction": "outbound-api"},
		"2010-04-01/no-answer":       {"CallStatus": "no-answer", "Direction": "outbound-api", "CallDuration": "0", "Duration": "0", "SipResponseCode": "487", "SequenceNumber": "2"},
		"2010-04-01/amd-callback":    {"AnsweredBy": "machine_end_beep", "MachineDetectionDuration": "*", "CallSid": "*", "AccountSid": "*"},
		"2010-04-01/gather":          {"CallStatus": "in-progress", "Digits": "*", "FinishedOnKey": "#"},
		"2010-04-01/record":          {"RecordingDuration": "*", "RecordingSid": "*", "RecordingUrl": "*", "Digits": "#"},
		"2010-04-01/dial":            {"DialCallStatus": "completed", "DialCallSid": "*", "DialCallDuration": "*", "DialBridged": "true"},
		"2010-04-01/status-callback": {"Duration": "*", "Timestamp": "*"},
	}
	for name, fields := range want {
		api, kind, _ := strings.Cut(name, "/")
		req, _ := exampleOf(t, api, kind, example.Options{})
		for k, v := range fields {
			got, ok := req.Params.Get(k)
			if !ok || (v != "*" && got != v) {
				t.Errorf("%s: %s = %q (present %v), want %q", name, k, got, ok, v)
			}
		}
	}
	req, _ := exampleOf(t, "2010-04-01", "gather", example.Options{Speech: "sales please"})
	if req.Params.Value("SpeechResult") != "sales please" || req.Params.Value("Confidence") == "" {
		t.Errorf("speech gather: %v", req.Params)
	}
	if _, ok := req.Params.Get("Digits"); ok {
		t.Error("speech gather also sends Digits")
	}
}

func TestExampleParamOverridesWin(t *testing.T) {
	t.Parallel()
	call, err := example.Call("gather", contract.CallSpec{APIVersion: "2010-04-01", Seed: 1,
		Params: contract.Params{{Key: "Digits", Value: "9"}, {Key: "Custom", Value: "x y"}}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := example.Build("gather", call, example.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Params.Value("Digits") != "9" || req.Params.Value("Custom") != "x y" {
		t.Errorf("overrides not applied: %v", req.Params)
	}
}

func TestExampleBadInput(t *testing.T) {
	t.Parallel()
	call, _ := example.Call("inbound", contract.CallSpec{})
	var ie *contract.InputError
	if _, err := example.Call("hangup", contract.CallSpec{}); !errors.As(err, &ie) || !strings.Contains(err.Error(), "allowed: inbound, outbound") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := example.Build("outbound", call, example.Options{}); !errors.As(err, &ie) {
		t.Errorf("outbound example of an inbound call: %v", err)
	}
	if _, err := example.Build("inbound", call, example.Options{URL: "ftp://x/y"}); !errors.As(err, &ie) || ie.Field != "url" {
		t.Errorf("bad URL: %v", err)
	}
	if _, err := example.Build("inbound", call, example.Options{Method: "PUT"}); !errors.As(err, &ie) || ie.Field != "method" {
		t.Errorf("bad method: %v", err)
	}
	req, _ := example.Build("inbound", call, example.Options{})
	if err := example.Format(io.Discard, req, "xml", call.Profile, "inbound"); !errors.As(err, &ie) || ie.Field != "format" {
		t.Errorf("bad format: %v", err)
	}
}

// The query-string example parses back to the request's fields, and so
// does the form body.
func TestExampleQueryRoundTrip(t *testing.T) {
	t.Parallel()
	for _, api := range contract.ProfileNames() {
		for _, kind := range kindsOf(api) {
			for _, base := range []string{"", "https://example.com/app/voice.php?tenant=a%20b&x=1"} {
				for _, method := range []string{"GET", "POST"} {
					req, call := exampleOf(t, api, kind, example.Options{URL: base, Method: method, AuthToken: exToken})
					out := strings.TrimSuffix(string(formatted(t, req, "query", call, kind)), "\n")
					u, err := url.Parse(out)
					if err != nil {
						t.Fatal(err)
					}
					got, err := contract.ParseParams(u.RawQuery)
					if err != nil {
						t.Fatal(err)
					}
					if base != "" {
						got = got[2:] // tenant, x
					}
					if d := cmp.Diff(req.Params, got); d != "" {
						t.Errorf("%s %s %s query does not round-trip (-want +got):\n%s", api, kind, method, d)
					}
					form := strings.TrimSuffix(string(formatted(t, req, "form", call, kind)), "\n")
					if got, _ := contract.ParseParams(form); cmp.Diff(req.Params, got) != "" {
						t.Errorf("%s %s %s: form body does not round-trip", api, kind, method)
					}
				}
			}
		}
	}
}

// validatingApp checks X-Twilio-Signature the way Twilio's official
// libraries do: the URL the app sees plus, for POST, the form fields.
type validatingApp struct {
	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	url    string
	params contract.Params
	valid  bool
}

func (a *validatingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	full := scheme + "://" + r.Host + r.URL.RequestURI()
	var signed, params contract.Params
	if r.Method == http.MethodPost {
		signed, _ = contract.ParseParams(string(body))
		params = signed
	} else {
		params, _ = contract.ParseParams(r.URL.RawQuery)
	}
	s := seenRequest{url: full, params: params,
		valid: signature.Validate(exToken, full, signed, r.Header.Get(signature.Header), body) &&
			r.Header.Get("I-Twilio-Idempotency-Token") != ""}
	a.mu.Lock()
	a.seen = append(a.seen, s)
	a.mu.Unlock()
	if !s.valid {
		http.Error(w, "invalid signature", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, "<Response/>")
}

func (a *validatingApp) last(t *testing.T) seenRequest {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		t.Fatal("the app received nothing")
	}
	s := a.seen[len(a.seen)-1]
	a.seen = nil
	return s
}

// sendRaw writes raw HTTP onto a connection and returns the status.
func sendRaw(t *testing.T, conn net.Conn, raw string) int {
	t.Helper()
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// runCurl runs a curl example with sh, extra curl options first, and
// returns the HTTP status curl saw.
func runCurl(t *testing.T, line string, extra ...string) string {
	t.Helper()
	cmd := strings.Replace(strings.TrimSpace(line), "curl ", "curl "+strings.Join(extra, " ")+" ", 1) + " -o /dev/null -w '%{http_code}'"
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s\n%s", err, out, cmd)
	}
	return string(out)
}

func haveCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not installed")
	}
}

// Every curl and http example, sent to an app that validates signatures,
// is accepted and delivers exactly the example's fields.
func TestExamplesValidateAgainstApp(t *testing.T) {
	t.Parallel()
	app := &validatingApp{}
	srv := httptest.NewServer(app)
	defer srv.Close()
	for _, api := range contract.ProfileNames() {
		for _, kind := range kindsOf(api) {
			for _, method := range []string{"POST", "GET"} {
				name := api + "/" + kind + "/" + method
				req, call := exampleOf(t, api, kind, example.Options{
					URL: srv.URL + "/voice/it's?tenant=a%20b", Method: method, AuthToken: exToken})
				want := req.Params
				if method == "GET" {
					want = append(contract.Params{{Key: "tenant", Value: "a b"}}, want...)
				}
				t.Run(name+"/http", func(t *testing.T) {
					conn, err := net.Dial("tcp", srv.Listener.Addr().String())
					if err != nil {
						t.Fatal(err)
					}
					if code := sendRaw(t, conn, string(formatted(t, req, "http", call, kind))); code != 200 {
						t.Errorf("status %d, want 200", code)
					}
					got := app.last(t)
					if d := cmp.Diff(want, got.params); d != "" {
						t.Errorf("fields differ (-want +got):\n%s", d)
					}
				})
				t.Run(name+"/curl", func(t *testing.T) {
					haveCurl(t)
					if code := runCurl(t, string(formatted(t, req, "curl", call, kind))); code != "200" {
						t.Errorf("curl: status %s, want 200", code)
					}
					got := app.last(t)
					if d := cmp.Diff(want, got.params); d != "" {
						t.Errorf("fields differ (-want +got):\n%s", d)
					}
				})
			}
		}
	}
}

// The golden http and curl examples themselves (https://example.com/…)
// validate when delivered to a TLS app standing in for example.com.
func TestGoldenExamplesValidate(t *testing.T) {
	t.Parallel()
	app := &validatingApp{}
	srv := httptest.NewTLSServer(app)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	for _, api := range contract.ProfileNames() {
		for _, kind := range kindsOf(api) {
			dir := filepath.Join("..", "..", "testdata", "example", api)
			raw, err := os.ReadFile(filepath.Join(dir, kind+".http"))
			if err != nil {
				t.Fatalf("%v (run go test ./simulate/example -run TestExampleGolden -update)", err)
			}
			t.Run(api+"/"+kind+".http", func(t *testing.T) {
				conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
				if err != nil {
					t.Fatal(err)
				}
				if code := sendRaw(t, conn, string(raw)); code != 200 {
					t.Errorf("status %d, want 200", code)
				}
				if got := app.last(t); !strings.HasPrefix(got.url, "https://example.com/") {
					t.Errorf("delivered as %s", got.url)
				}
			})
			t.Run(api+"/"+kind+".curl", func(t *testing.T) {
				haveCurl(t)
				line, err := os.ReadFile(filepath.Join(dir, kind+".curl"))
				if err != nil {
					t.Fatal(err)
				}
				if code := runCurl(t, string(line), "--connect-to", "example.com:443:127.0.0.1:"+port, "-k"); code != "200" {
					t.Errorf("curl: status %s, want 200", code)
				}
				app.last(t)
			})
		}
	}
}

// Every field of every example has a meaning, from the one table.
func TestEveryExampleFieldHasAMeaning(t *testing.T) {
	t.Parallel()
	for _, api := range contract.ProfileNames() {
		p, _ := contract.LookupProfile(api)
		for _, kind := range kindsOf(api) {
			docs, err := example.FieldDocs(contract.CallSpec{APIVersion: api, Seed: example.DefaultSeed}, kind, example.Options{})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := exampleOf(t, api, kind, example.Options{})
			if len(docs) < len(req.Params) {
				t.Errorf("%s %s: %d docs for %d fields", api, kind, len(docs), len(req.Params))
			}
			for _, d := range docs {
				if d.Meaning == "" {
					t.Errorf("%s %s: %s has no meaning", api, kind, d.Name)
				}
			}
		}
		all, err := example.FieldDocs(contract.CallSpec{APIVersion: api, Seed: example.DefaultSeed}, "", example.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range all {
			if d.Meaning == "" || d.Sent == "" {
				t.Errorf("%s: %+v lacks a meaning or when it is sent", api, d)
			}
			if d.Example == "" && !strings.HasSuffix(d.Name, "Zip") && d.Name != "FinishedOnKey" {
				t.Errorf("%s: %s has no example value", api, d.Name)
			}
		}
		if p.E164 {
			for _, name := range []string{"Digits", "FinishedOnKey", "SpeechResult", "Confidence", "RecordingUrl", "RecordingDuration",
				"RecordingSid", "DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged", "CallDuration", "Duration",
				"SipResponseCode", "Timestamp", "CallbackSource", "SequenceNumber", "ErrorCode", "ErrorUrl"} {
				if contract.FieldMeaning(p, name) == "" {
					t.Errorf("%s: FieldMeaning(%s) is empty", api, name)
				}
			}
		}
	}
	if got := contract.FieldMeaning(contract.Legacy(), "Duration"); !strings.Contains(got, "recording") {
		t.Errorf("legacy Duration = %q, want the recording's length", got)
	}
	if got := contract.FieldMeaning(contract.V20100401(), "Duration"); !strings.Contains(got, "Billed minutes") {
		t.Errorf("2010-04-01 Duration = %q, want billed minutes", got)
	}
}

// kindsOf lists the example kinds the API version sends.
func kindsOf(api string) []string {
	p, _ := contract.LookupProfile(api)
	var out []string
	for _, k := range example.Kinds() {
		if k.Applies(p) {
			out = append(out, k.Name)
		}
	}
	return out
}

// A request the API version never sends is refused with the reason, not
// invented: 2010-04-01 has no end-of-call request, legacy no detection
// callback and no status-callback-only unanswered call.
func TestExampleKindsTheProfileNeverSends(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ api, kind, want string }{
		{"2010-04-01", "completed", "sends no end-of-call request to the voice URL"},
		{"legacy", "amd-callback", "no asynchronous answering machine detection"},
		{"legacy", "no-answer", "requests the voice URL even for an unanswered call"},
	} {
		_, err := example.Call(c.kind, contract.CallSpec{APIVersion: c.api})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.api, c.kind, err, c.want)
		}
		if _, err := example.FieldDocs(contract.CallSpec{APIVersion: c.api}, c.kind, example.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("fields %s %s: %v, want %q", c.api, c.kind, err, c.want)
		}
	}
	// The AMD fields of the 2010 API are documented, with examples.
	docs, err := example.FieldDocs(contract.CallSpec{APIVersion: "2010-04-01", Seed: example.DefaultSeed}, "", example.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range docs {
		if d.Name == "AnsweredBy" || d.Name == "MachineDetectionDuration" {
			got[d.Name+" "+d.Sent] = d.Example
		}
	}
	want := map[string]string{
		"AnsweredBy first request, with answering-machine detection":                     "human",
		"MachineDetectionDuration first request, with answering-machine detection":       "2400",
		"AnsweredBy status-callback, with answering-machine detection (completed event)": "machine_end_beep",
		"AnsweredBy amd-callback":               "machine_end_beep",
		"MachineDetectionDuration amd-callback": "11800",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("AMD field docs (-want +got):\n%s", d)
	}
}
