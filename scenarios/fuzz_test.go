package scenarios

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate/twiml"
)

// FuzzParse feeds the loader arbitrary files: it must never panic, and
// either every problem is one line with a place, or every scenario is
// ready to run.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("*.yaml")
	more, _ := filepath.Glob(filepath.Join(testdata, "*", "*.yaml"))
	for _, p := range append(seeds, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("url: http://x/voice\nsteps:\n  - press: 1\n  - <<: {hangup: true}\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("url: http://x/voice\ncall: &c {<<: *c}\nsteps: &s [*s]\n"))
	f.Add([]byte("- &a {<<: [*a], url: http://x/v}\n"))
	f.Add([]byte("url: ${A:-${B:-${C}}}\nsteps: [{expect: {xpath: {'(//a)[1]/..': 1}}}]"))
	l := &Parser{Env: envOf(map[string]string{"APP_URL": "http://127.0.0.1:1"})}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := l.Parse("fuzz.yaml", data)
		if err != nil {
			var errs ErrorList
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("not an ErrorList: %v", err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Column < 1 || e.File != "fuzz.yaml" || strings.Contains(e.Error(), "\n") {
					t.Fatalf("bad error %q", e.Error())
				}
			}
			return
		}
		for _, sc := range file.Scenarios {
			if sc.Call == nil || sc.Options.URL == "" || len(sc.Steps) == 0 || sc.Steps[0].Action.Kind != "" {
				t.Fatalf("scenario not ready: %+v", sc)
			}
			for _, st := range sc.Steps[1:] {
				if st.Action.Kind == "" {
					t.Fatalf("step %d without action", st.N)
				}
			}
		}
	})
}

// FuzzXPath compiles and evaluates arbitrary expressions: no panics, no
// stack overflow, one-line errors.
func FuzzXPath(f *testing.F) {
	for _, s := range []string{"//Say", "(//Say)[last()]/@voice", "count(//*[@a='1' or not(b)])", "/", "..", "//a[contains(., 'x')] | //b",
		"count(//Say) - 1", "//Pause/following-sibling::Say[string-length(.) > sum(//@length)]", "sum('a')",
		strings.Repeat("(", 40) + "1" + strings.Repeat(")", 40), strings.Repeat("//a[", 20) + "1" + strings.Repeat("]", 20)} {
		f.Add(s)
	}
	doc, err := twiml.Parse([]byte(xpathDoc))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		x, err := CompileXPath(expr)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("%q: error on more than one line: %v", expr, err)
		}
		if err == nil {
			if v, err := x.Eval(context.Background(), doc); err == nil {
				v.Got()
			}
			_, _ = x.Eval(context.Background(), nil)
		}
	})
}

// FuzzInterpolate: no panics, and text without $ comes back unchanged.
func FuzzInterpolate(f *testing.F) {
	for _, s := range []string{"${A}", "${A:-${B}}", "$$", "${", "plain", "${A:?x}"} {
		f.Add(s)
	}
	env := envOf(map[string]string{"A": "1"})
	f.Fuzz(func(t *testing.T, s string) {
		out, _, err := Interpolate(s, env)
		if !strings.Contains(s, "$") && (err != nil || out != s) {
			t.Fatalf("%q changed to %q (%v)", s, out, err)
		}
	})
}
