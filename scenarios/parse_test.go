package scenarios

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate/contract"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/scenarios")

const testdata = "../testdata/scenarios"

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// golden compares got with a file under testdata/scenarios (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scenarios -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got; go test ./scenarios -update rewrites it):\n%s", path, d)
	}
}

// TestLoadErrors checks the message of every class of problem a scenario
// file can have, one fixture per class, against golden files.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(testdata, "errors", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	l := &Parser{Env: envOf(map[string]string{})}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rel := filepath.ToSlash(filepath.Join("errors", filepath.Base(f)))
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.Parse(rel, data)
			var errs ErrorList
			if !errors.As(err, &errs) {
				t.Fatalf("want an ErrorList, got %v", err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Column < 1 || strings.Contains(e.Error(), "\n") {
					t.Errorf("not a one-line file:line:col message: %q", e.Error())
				}
			}
			golden(t, filepath.Join("errors", name+".golden"), errs.Error()+"\n")
		})
	}
}

// Every class the issue names has its fixture.
func TestLoadErrorClasses(t *testing.T) {
	t.Parallel()
	for _, class := range []string{"bad_yaml", "unknown_key", "wrong_type", "bad_regex", "bad_phone", "missing_url"} {
		if _, err := os.Stat(filepath.Join(testdata, "errors", class+".yaml")); err != nil {
			t.Errorf("no fixture for %s: %v", class, err)
		}
	}
}

func TestLoadCollectsEveryFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "a.yaml")
	bad1 := filepath.Join(dir, "b.yaml")
	bad2 := filepath.Join(dir, "c.yml")
	os.WriteFile(good, []byte("url: http://127.0.0.1:1/voice\n"), 0o644)
	os.WriteFile(bad1, []byte("url: http://127.0.0.1:1/voice\nsteps: 3\n"), 0o644)
	os.WriteFile(bad2, []byte("nope: 1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a scenario"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".hidden"), 0o755)
	os.WriteFile(filepath.Join(dir, ".hidden", "x.yaml"), []byte("bad"), 0o644)
	files, err := Discover([]string{dir, good})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{good, bad1, bad2}, files); d != "" {
		t.Fatalf("Discover (-want +got):\n%s", d)
	}
	_, err = (&Parser{}).ParseFiles(files)
	var errs ErrorList
	if !errors.As(err, &errs) {
		t.Fatalf("want errors, got %v", err)
	}
	var where []string
	for _, e := range errs {
		where = append(where, filepath.Base(e.File)+":"+e.Key)
	}
	if d := cmp.Diff([]string{"b.yaml:steps", "c.yml:nope", "c.yml:url"}, where); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if _, err := Discover([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing path is not an error")
	}
}

func parse(t *testing.T, yaml string, l *Parser) *File {
	t.Helper()
	if l == nil {
		l = &Parser{Env: envOf(nil)}
	}
	f, err := l.Parse("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	return f
}

func TestLoadScenario(t *testing.T) {
	t.Parallel()
	l := &Parser{Env: envOf(map[string]string{"APP_URL": "http://127.0.0.1:9", "TOKEN": "tok-1234"})}
	f := parse(t, `
name: Full
url: ${APP_URL:-http://localhost:3000}/voice
auth_token: ${TOKEN}
method: get
timeout: 3s
max_steps: 7
# no_end: only with the legacy API
status_callback: ${APP_URL}/status
status_events: initiated, completed
call:
  direction: outbound
  from: "(415) 867-5309"
  to: +14155551212
  api_version: 2010-04-01
  dial_status: busy
  params: {ForwardedFrom: "+14155550000", Count: 3}
  seed: 42
steps:
  - name: hello
    expect: {status: 200}
  - press: 1
  - speak: sales
    confidence: 0.5
  - wait: true
  - record: 7
  - dial_outcome: no-answer
  - hangup: true
when_steps_run_out: fail
expect_end: {call_status: busy}
`, l)
	if len(f.Scenarios) != 1 {
		t.Fatalf("%d scenarios", len(f.Scenarios))
	}
	sc := f.Scenarios[0]
	o := sc.Options
	if o.URL != "http://127.0.0.1:9/voice" || o.AuthToken != "tok-1234" || o.Method != "GET" || o.Timeout != 3*time.Second ||
		o.MaxSteps != 7 || o.NoEnd || o.StatusCallback != "http://127.0.0.1:9/status" { // no_end: legacy only (lifecycle_test.go)
		t.Errorf("options: %+v", o)
	}
	if d := cmp.Diff([]string{"initiated", "completed"}, o.StatusEvents); d != "" {
		t.Errorf("status events: %s", d)
	}
	c := sc.Call
	if c.Direction != contract.Outbound || c.Profile.Name != "2010-04-01" || c.DialStatus != "busy" || c.Seed != 42 ||
		c.Caller.E164 != "+14158675309" || c.Called.E164 != "+14155551212" {
		t.Errorf("call: %+v", c)
	}
	if d := cmp.Diff(contract.Params{{Key: "ForwardedFrom", Value: "+14155550000"}, {Key: "Count", Value: "3"}}, c.Overrides); d != "" {
		t.Errorf("params: %s", d)
	}
	var acts []string
	for _, st := range sc.Steps {
		acts = append(acts, st.Action.String())
	}
	want := []string{"", `press: "1"`, `speak: "sales"`, "wait: true", "record: 7", "dial_outcome: no-answer", "hangup: true"}
	if d := cmp.Diff(want, acts); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	if sc.Steps[0].N != 1 || sc.Steps[0].Name != "hello" || sc.Steps[2].Action.Confidence != 0.5 || sc.OnRunOut != "fail" {
		t.Errorf("steps: %+v %+v", sc.Steps[0], sc.Steps[2])
	}
	if sc.Steps[1].Action.Pos != (Pos{22, 5}) {
		t.Errorf("press at %v, want 22:5", sc.Steps[1].Action.Pos)
	}
	if d := cmp.Diff([]string{"call_status"}, sc.End.Keys()); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff([]string{"tok-1234"}, sc.Secrets); d != "" {
		t.Error(d)
	}
}

func TestLoadShapes(t *testing.T) {
	t.Parallel()
	// A list, anchors and merge keys, a second document, default names.
	f := parse(t, `
- <<: &base
    url: http://127.0.0.1:1/voice
    call: {api_version: 2010-04-01}
  steps:
    - press: "1"
- <<: *base
  name: Second
  url: http://127.0.0.1:2/voice
---
url: http://127.0.0.1:3/voice
`, nil)
	var names, urls []string
	for _, sc := range f.Scenarios {
		names = append(names, sc.Name)
		urls = append(urls, sc.Options.URL)
	}
	if d := cmp.Diff([]string{"t #1", "Second", "t"}, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"http://127.0.0.1:1/voice", "http://127.0.0.1:2/voice", "http://127.0.0.1:3/voice"}, urls); d != "" {
		t.Errorf("urls (-want +got):\n%s", d)
	}
	sc := f.Scenarios[0]
	if len(sc.Steps) != 2 || sc.Steps[0].N != 0 || sc.Steps[1].Action.Kind != ActPress {
		t.Errorf("a first step with an action gets an implicit first step: %+v", sc.Steps)
	}
	if f.Scenarios[1].Call.Profile.Name != "2010-04-01" {
		t.Error("merge key did not bring call")
	}
	if f.Scenarios[0].Call.Seed == f.Scenarios[1].Call.Seed {
		t.Error("default seeds should differ between scenarios")
	}
	again := parse(t, "url: http://127.0.0.1:3/voice\n", nil)
	if again.Scenarios[0].Call.Seed != f.Scenarios[2].Call.Seed {
		t.Error("the default seed is not reproducible")
	}
}

func TestLoadOverrides(t *testing.T) {
	t.Parallel()
	l := &Parser{Env: envOf(nil), URL: "http://127.0.0.1:7/ivr", AuthToken: "override-token",
		Params: contract.Params{{Key: "A", Value: "flag"}, {Key: "C", Value: "3"}}}
	f := parse(t, `
url: http://example.com/voice
auth_token: file-token
call: {params: {A: file, B: "2"}}
`, l)
	sc := f.Scenarios[0]
	if sc.Options.URL != "http://127.0.0.1:7/ivr" || sc.Options.AuthToken != "override-token" {
		t.Errorf("overrides not applied: %+v", sc.Options)
	}
	if d := cmp.Diff(contract.Params{{Key: "A", Value: "flag"}, {Key: "B", Value: "2"}, {Key: "C", Value: "3"}}, sc.Call.Overrides); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	// --url makes a file without url valid.
	parse(t, "name: no url\n", l)
}

func TestLoadMatchers(t *testing.T) {
	t.Parallel()
	f := parse(t, `
url: http://127.0.0.1:1/voice
steps:
  - expect:
      say: [plain, /Re+gex/i, {equals: "/voice/"}, {contains: x}, {regex: "^a"}]
      request: {Digits: null, To: "+1"}
      gather: {actionOnEmptyResult: TRUE}
`, nil)
	checks := f.Scenarios[0].Steps[0].Expect.checks
	h := checks[0].(*heardCheck)
	var modes []string
	for _, m := range h.ms {
		modes = append(modes, m.Mode+":"+m.String())
	}
	want := []string{`contains:"plain"`, "regex:/Re+gex/i", `equals:"/voice/"`, `contains:"x"`, "regex:/^a/"}
	if d := cmp.Diff(want, modes); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !h.ms[1].Match("a REEEgex", true) || h.ms[2].Match("/voice", true) {
		t.Error("matching")
	}
	r := checks[1].(*requestCheck)
	if r.fields[0].m.Mode != MatchAbsent || !r.fields[0].m.Match("", false) || r.fields[0].m.Match("1", true) {
		t.Error("null means absent")
	}
	g := checks[2].(*promptCheck)
	if !g.attrs[0].m.Fold || !g.attrs[0].m.Match("true", true) {
		t.Error("boolean attributes compare without case")
	}
}

// A merge key that refers to its own mapping is an error, not a loop.
func TestLoadRecursiveMerge(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"url: http://x/voice\ncall: &c {<<: *c}\n", "- &a {<<: [*a], url: http://x/v}\n"} {
		_, err := (&Parser{}).Parse("r.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "refers to the mapping that contains it") {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// Aliases of aliases cannot make the loader do exponential work.
func TestLoadAliasBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("a0: &a0 {url: http://x/v}\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "a%d: &a%d {<<: [*a%d, *a%d]}\n", i, i, i-1, i-1)
	}
	doc := "x:\n" + indentLines(b.String(), "  ") + "<<: *a39\n"
	_, err := (&Parser{}).Parse("bomb.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "expands to more than 100000 mappings") {
		t.Fatalf("want the expansion limit, got %v", err)
	}
}

func indentLines(s, p string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, p+l)
	}
	return strings.Join(out, "\n") + "\n"
}

func TestLoadInterpolatedTypes(t *testing.T) {
	t.Parallel()
	l := &Parser{Env: envOf(map[string]string{"STATUS": "204", "BAD": "lots", "URL": "http://127.0.0.1:1"})}
	f := parse(t, "url: ${URL}/v\nmax_steps: ${STEPS:-12}\nsteps:\n  - expect: {status: \"${STATUS}\"}\n", l)
	if f.Scenarios[0].Options.MaxSteps != 12 || f.Scenarios[0].Steps[0].Expect.checks[0].(*statusCheck).want != 204 {
		t.Error("interpolated numbers")
	}
	_, err := l.Parse("t.yaml", []byte("url: ${URL}/v\nmax_steps: ${BAD}\ntimeout: ${NOPE}\n"))
	want := "t.yaml:2:12: max_steps: want a whole number, got \"lots\" (from ${BAD})\nt.yaml:3:10: timeout: want a duration such as 500ms or 2s, got \"\" (from ${NOPE}) (${NOPE} not set)"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	_, err = l.Parse("t.yaml", []byte("url: ${URL}/v\nsteps:\n  - expect: {status: ${STATUS}}\n"))
	if err == nil || !strings.Contains(err.Error(), `quote a value with ${VAR}: "${VAR}"`) {
		t.Errorf("no hint for ${} in a flow mapping: %v", err)
	}
}
