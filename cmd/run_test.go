package cmd

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callsim/callsim/internal/demoapp"
	"github.com/callsim/callsim/scenarios"
)

// counting serves h and counts the requests it gets.
func counting(h http.Handler) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	return srv, &n
}

// The repository's examples pass against the demo app, as in CI.
func TestRunExamplesAgainstDemo(t *testing.T) {
	t.Parallel()
	examples := filepath.Join(repoRoot(t), "scenarios")
	c := newCLI(t)
	dir := c.dir
	const token = "cli-demo-token-9f3a"
	app := &demoapp.App{AuthToken: token}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	junit := filepath.Join(dir, "junit.xml")
	code, out, errOut := c.run("", "run", examples, "--env", "APP_URL="+srv.URL, "--env", "TWILIO_AUTH_TOKEN="+token, "--junit", junit, "--parallel", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^13 passed, 0 failed in `).MatchString(out) {
		t.Errorf("closing line missing:\n%s", out)
	}
	if strings.Contains(out, "✔") {
		t.Errorf("progress lines on a non-terminal:\n%s", out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Suites []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || doc.Tests != 13 || len(doc.Suites) != 5 {
		t.Errorf("junit: %v %+v", err, doc)
	}
	if strings.Contains(string(data)+out, token) {
		t.Error("auth token in the output")
	}
	for _, r := range app.Requests() {
		if !r.Valid {
			t.Errorf("badly signed request %s", r.URL)
		}
	}
}

const passing = `name: Menu
url: ${APP_URL}/voice
call: {api_version: 2010-04-01}
steps:
  - expect: {say: For sales press 1}
  - press: "3"
    expect: {say: open Monday to Friday}
`

const failing = `name: Wrong hours
url: ${APP_URL}/voice
steps:
  - press: "3"
    expect: {say: open every day}
`

// Bad input: every problem of every file, exit 2, and not one request.
func TestRunBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := c.dir
	srv, hits := counting((&demoapp.App{}).Handler())
	defer srv.Close()
	c.write(filepath.Join("s", "good.yaml"), passing)
	c.write(filepath.Join("s", "bad.yml"), "url: ${APP_URL}/voice\nsteps:\n  - press: \"1\"\n    expect: {sya: hi}\n")
	c.write(filepath.Join("s", "worse.yaml"), "url: ${APP_URL}/voice\ncall: {from: \"+1 555\"}\n")
	c.write(filepath.Join("s", "README.md"), "not a scenario")
	c.env["APP_URL"] = srv.URL
	for _, args := range [][]string{{"run", "s"}, {"run", "--check", "s"}} {
		code, out, errOut := c.run("", args...)
		if code != 2 {
			t.Fatalf("%v: exit %d, want 2\n%s\n%s", args, code, out, errOut)
		}
		want := []string{
			filepath.Join(dir, "s", "bad.yml") + `:4:14: steps[0].expect.sya: unknown key (did you mean "say"?)`,
			filepath.Join(dir, "s", "worse.yaml") + `:2:14: call.from: not a valid phone number: +1 555`,
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if len(lines) != 3 || lines[0] != want[0] || lines[1] != want[1] || !strings.HasPrefix(lines[2], "callsim: 2 problems in scenario files") {
			t.Errorf("%v stderr:\n%s", args, errOut)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent with bad input", n)
	}

	// --check --json: one document for editors.
	code, out, _ := c.run("", "run", "--check", "--json", "s")
	var doc struct {
		OK     bool              `json:"ok"`
		Errors []scenarios.Error `json:"errors"`
	}
	if code != 2 || json.Unmarshal([]byte(out), &doc) != nil || doc.OK || len(doc.Errors) != 2 || doc.Errors[0].Line != 4 {
		t.Errorf("exit %d, %+v\n%s", code, doc, out)
	}

	os.Remove(filepath.Join(dir, "s", "bad.yml"))
	os.Remove(filepath.Join(dir, "s", "worse.yaml"))
	code, out, errOut := c.run("", "run", "--check", "s")
	if code != 0 || out != "1 scenario in 1 file: no problems\n" {
		t.Errorf("exit %d: %q %q", code, out, errOut)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("--check sent %d requests", n)
	}
}

func TestRunReportsAndShards(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := c.dir
	srv := httptest.NewServer((&demoapp.App{}).Handler())
	defer srv.Close()
	var list strings.Builder
	for i := range 7 {
		fmt.Fprintf(&list, "- name: s%d\n  url: ${APP_URL}/voice\n  steps:\n    - expect: {say: For sales}\n", i)
	}
	c.write(filepath.Join("a.yaml"), list.String())
	c.write(filepath.Join("b.yaml"), failing)
	env := "APP_URL=" + srv.URL

	code, out, _ := c.run("", "run", "a.yaml", "b.yaml", "--env", env, "--json")
	var rep scenarios.JSONReport
	if code != 1 || json.Unmarshal([]byte(out), &rep) != nil || rep.Passed != 7 || rep.Failed != 1 || len(rep.Files) != 2 {
		t.Fatalf("exit %d: %+v\n%s", code, rep, out)
	}

	code, out, _ = c.run("", "run", "a.yaml", "b.yaml", "--env", env, "--tap")
	if code != 1 || !strings.HasPrefix(out, "TAP version 14\n1..8\n") || !strings.Contains(out, "not ok 8 - "+filepath.Join(dir, "b.yaml")+": Wrong hours") {
		t.Errorf("TAP exit %d:\n%s", code, out)
	}

	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		_, out, _ := c.run("", "run", "a.yaml", "b.yaml", "--env", env, "--json", "--shard", fmt.Sprintf("%d/3", i))
		var part scenarios.JSONReport
		if err := json.Unmarshal([]byte(out), &part); err != nil {
			t.Fatal(err)
		}
		for _, f := range part.Files {
			for _, s := range f.Scenarios {
				seen[f.File+":"+s.Name]++
			}
		}
	}
	if len(seen) != 8 {
		t.Errorf("shards ran %d distinct scenarios, want 8: %v", len(seen), seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s ran %d times", k, n)
		}
	}

	code, out, _ = c.run("", "run", "a.yaml", "--env", env, "--run", "^s[12]$")
	if code != 0 || !strings.Contains(out, "2 passed, 0 failed") {
		t.Errorf("--run: exit %d %s", code, out)
	}
	code, out, _ = c.run("", "run", "a.yaml", "b.yaml", "--env", env, "--fail-fast", "--parallel", "1", "--run", "Wrong|s0")
	if code != 1 || !strings.Contains(out, "1 passed, 1 failed") {
		t.Errorf("--fail-fast: exit %d %s", code, out)
	}
}

func TestRunOverrides(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	const token = "override-token-123"
	app := &demoapp.App{AuthToken: token}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	c.write(filepath.Join("x.yaml"), `name: Overridden
url: http://127.0.0.1:1/nowhere
auth_token: wrong-token
call: {api_version: 2010-04-01}
steps:
  - expect: {request: {ForwardedFrom: "+14155550000"}, say: For sales}
`)
	code, out, errOut := c.run("", "run", "x.yaml", "--url", srv.URL+"/voice", "--auth-token", token, "--param", "ForwardedFrom=+14155550000")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, r := range app.Requests() {
		if !r.Valid {
			t.Errorf("not signed with --auth-token: %s", r.URL)
		}
	}
	if strings.Contains(out, token) {
		t.Error("token printed")
	}
}

func TestRunRetries(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := c.dir
	var fails atomic.Int64
	fails.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("CallStatus") != "completed" && fails.Add(-1) >= 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, "<Response><Say>ok</Say></Response>")
	}))
	defer srv.Close()
	c.write(filepath.Join("f.yaml"), "url: ${APP_URL}/\nsteps:\n  - expect: {say: ok}\n")
	junit := filepath.Join(dir, "j.xml")
	code, out, _ := c.run("", "run", "f.yaml", "--env", "APP_URL="+srv.URL, "--retries", "2", "--junit", junit)
	if code != 0 || !strings.Contains(out, "1 passed, 0 failed (1 flaky: passed on a retry)") {
		t.Errorf("exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(junit)
	if !strings.Contains(string(data), "<flakyFailure") {
		t.Errorf("the failed attempt is not in the JUnit report:\n%s", data)
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := c.dir
	c.write(filepath.Join("a.yaml"), "url: http://127.0.0.1:1/voice\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "no scenarios: ./scenarios does not exist"},
		{[]string{"run", "missing.yaml"}, "missing.yaml: no such file or directory"},
		{[]string{"run", "a.yaml", "--shard", "3/2"}, "--shard"},
		{[]string{"run", "a.yaml", "--json", "--tap"}, "choose one"},
		{[]string{"run", "a.yaml", "--parallel", "-1"}, `invalid value "-1" for --parallel`},
		{[]string{"run", "a.yaml", "--retries", "-1"}, "--retries"},
		{[]string{"run", "a.yaml", "--url", "localhost:3000"}, "--url"},
		{[]string{"run", "a.yaml", "--param", "novalue"}, "--param"},
		{[]string{"run", "a.yaml", "--env", "=x"}, "--env"},
		{[]string{"run", "a.yaml", "--run", "("}, "--run"},
		{[]string{"run", "a.yaml", "--color", "pink"}, "--color"},
	} {
		code, out, errOut := c.run("", tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q (want %q) %s", tc.args, code, errOut, tc.want, out)
		}
	}
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	if code, _, errOut := c.run("", "run", "empty"); code != 2 || !strings.Contains(errOut, "no *.yaml or *.yml files in "+filepath.Join(dir, "empty")) {
		t.Errorf("empty folder: %d %s", code, errOut)
	}
}

func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	code, out, _ := c.run("", "schema")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("exit %d: %.200s", code, out)
	}
	if out != string(scenarios.Schema()) {
		t.Error("schema output differs from the embedded schema")
	}
}

// On a terminal, a line per finished scenario, in file order; a bar for
// many scenarios.
func TestRunProgressOnTerminal(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.tty = true
	srv := httptest.NewServer((&demoapp.App{}).Handler())
	defer srv.Close()
	a := c.write("a.yaml", passing)
	b := c.write("b.yaml", failing)
	c.env["APP_URL"] = srv.URL
	code, out, _ := c.run("", "run", a, b, "--color", "never")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "✔ "+a+": Menu  (2 steps, ") || !strings.HasPrefix(lines[1], "✘ "+b+": Wrong hours  (step 1: expect.say, ") {
		t.Errorf("progress lines:\n%s", out)
	}

	var many strings.Builder
	for i := range 40 {
		fmt.Fprintf(&many, "- name: s%d\n  url: ${APP_URL}/voice\n", i)
	}
	code, out, _ = c.run("", "run", c.write("many.yaml", many.String()), "--color", "never")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "] 40/40") || !strings.Contains(out, "\r\x1b[K40 passed, 0 failed in ") {
		t.Errorf("progress bar:\n%q", out)
	}

	// TERM=dumb cannot erase a line: no progress.
	c.env["TERM"] = "dumb"
	_, out, _ = c.run("", "run", a, "--color", "never")
	if strings.Contains(out, "✔") {
		t.Errorf("progress on TERM=dumb:\n%s", out)
	}
}
