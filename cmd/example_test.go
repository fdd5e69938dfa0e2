package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/example"
	"github.com/callsim/callsim/simulate/signature"
)

// exampleToken is the token the golden examples under testdata/example are signed with.
const exampleToken = "example-auth-token-5f0c2a"

// `callsim example` prints exactly the golden files of the simulate package.
func TestExampleCommandMatchesGolden(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	root := repoRoot(t)
	for _, api := range contract.ProfileNames() {
		prof, _ := contract.LookupProfile(api)
		for _, k := range example.Kinds() {
			kind := k.Name
			if !k.Applies(prof) {
				continue // refused with the reason: TestExampleKindNeverSent
			}
			for _, format := range example.Formats() {
				want, err := os.ReadFile(filepath.Join(root, "testdata", "example", api, kind+"."+format))
				if err != nil {
					t.Fatal(err)
				}
				code, out, errOut := c.run("", "example", kind, "--api-version", api, "--format", format, "--auth-token", exampleToken)
				if code != 0 {
					t.Fatalf("%s %s %s: exit %d: %s", api, kind, format, code, errOut)
				}
				if out != string(want) {
					t.Errorf("callsim example %s --api-version %s --format %s differs from its golden file", kind, api, format)
				}
			}
		}
	}
}

func TestExampleDefaultsAndRandom(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	_, a, _ := c.run("", "example")
	_, b, _ := c.run("", "example", "inbound", "--format", "http", "--seed", "20100401")
	if a != b || !strings.HasPrefix(a, "POST /voice HTTP/1.1\r\nHost: example.com\r\n") {
		t.Errorf("default example is not the seeded inbound http request:\n%s\n%s", a, b)
	}
	if strings.Contains(a, signature.Header) {
		t.Error("signed without an auth token")
	}
	_, r1, _ := c.run("", "example", "--random", "--format", "form")
	_, r2, _ := c.run("", "example", "--random", "--format", "form")
	if r1 == r2 {
		t.Error("--random twice gave the same example")
	}
	if code, _, errOut := c.run("", "example", "--random", "--seed", "3"); code != ExitUsage || !strings.Contains(errOut, "--random") {
		t.Errorf("--random with --seed: exit %d %q", code, errOut)
	}
	// The query format is the GET URL even when --method says POST.
	_, q, _ := c.run("", "example", "gather", "--format", "query", "--method", "POST", "--url", "https://example.com/callhandler.php")
	if !strings.HasPrefix(q, "https://example.com/callhandler.php?CallGuid=CA") {
		t.Errorf("query example: %s", q)
	}
	// Settings from the environment: the token signs, the account SID is
	// not read (docs should not show the developer's account).
	c.env["TWILIO_AUTH_TOKEN"] = exampleToken
	c.env["TWILIO_ACCOUNT_SID"] = "AC00000000000000000000000000000000"
	_, signed, _ := c.run("", "example", "--format", "curl")
	if !strings.Contains(signed, signature.Header) || strings.Contains(signed, "AC0000000") {
		t.Errorf("curl example with TWILIO_AUTH_TOKEN:\n%s", signed)
	}
}

func TestExampleNeverPrintsTheToken(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	const token = "tok-0123456789-secret"
	for _, format := range example.Formats() {
		code, out, errOut := c.run("", "example", "--format", format, "--auth-token", token,
			"--url", "https://user:pa55word@example.com/voice?key="+token, "--param", "Note="+token)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Contains(out, token) || strings.Contains(out, "pa55word") {
			t.Errorf("%s: a secret was printed:\n%s", format, out)
		}
	}
}

func TestExampleBadInput(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"example", "hangup"}, `unknown request kind "hangup"`},
		{[]string{"example", "--format", "xml"}, "--format"},
		{[]string{"example", "--param", "oops"}, `invalid value "oops" for --param: want Key=Value`},
		{[]string{"example", "--from", "12"}, "--from"},
		{[]string{"example", "--url", "ftp://x"}, "--url"},
		{[]string{"example", "--method", "PUT"}, "--method"},
		{[]string{"example", "--json", "--format", "yaml"}, "--json"},
		{[]string{"example", "record", "--speech", "hi"}, "--speech"},
	} {
		code, _, errOut := c.run("", tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line naming %s", tc.args, code, errOut, tc.want)
		}
	}
}

func TestFieldsCommand(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	code, out, errOut := c.run("", "fields", "--api-version", "2010-04-01", "--kind", "gather")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"FIELD", "MEANING", "CallSid", "Digits", "FinishedOnKey", "SpeechResult", "with speech input"} {
		if !strings.Contains(out, want) {
			t.Errorf("fields output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = c.run("", "fields", "--json")
	var doc struct {
		APIVersion string             `json:"api_version"`
		Fields     []example.FieldDoc `json:"fields"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	names := map[string]bool{}
	for _, f := range doc.Fields {
		names[f.Name] = true
		if f.Meaning == "" {
			t.Errorf("%s has no meaning", f.Name)
		}
	}
	for _, want := range []string{"CallGuid", "DialStatus", "Digits", "RecordingUrl", "Duration", "CallDuration"} {
		if !names[want] {
			t.Errorf("legacy fields lack %s", want)
		}
	}
	if code, _, errOut := c.run("", "fields", "--kind", "nope"); code != ExitUsage || !strings.Contains(errOut, "--kind") {
		t.Errorf("bad kind: exit %d %q", code, errOut)
	}
}
