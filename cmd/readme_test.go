package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// The README's quoted output is checked against the real thing, with only
// what changes from run to run (ports, latencies) normalised.

func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestREADMEGoVersionMatchesGoMod(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil || mf.Go == nil {
		t.Fatalf("go.mod: %v", err)
	}
	ms := regexp.MustCompile(`Go (\d+\.\d+(?:\.\d+)?) or`).FindAllStringSubmatch(readme(t), -1)
	if len(ms) == 0 {
		t.Fatal(`README does not say "Go X.Y or newer"`)
	}
	for _, m := range ms {
		// "Go 1.26" names the release, "Go 1.26.8" the exact minimum.
		if m[1] != mf.Go.Version && !strings.HasPrefix(mf.Go.Version, m[1]+".") {
			t.Errorf("README says Go %s, go.mod says go %s", m[1], mf.Go.Version)
		}
	}
}

func TestREADMEExampleQuery(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile("(?m)^\\$ callsim example --format query\n(.*)\n").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README has no `$ callsim example --format query` snippet")
	}
	code, out, errOut := newCLI(t).run("", "example", "--format", "query")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.TrimSpace(out) != m[1] {
		t.Errorf("README:\n%s\ncallsim example --format query:\n%s", m[1], out)
	}
}

var (
	loopbackPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	latency      = regexp.MustCompile(`· [0-9.]+(ns|µs|ms|s) ·`)
)

func normaliseRun(s string) string {
	s = loopbackPort.ReplaceAllString(s, "127.0.0.1:PORT")
	return latency.ReplaceAllString(s, "· LATENCY ·")
}

// The demo transcript in the README: its lines up to the "…" are the start
// of `callsim demo --seed 1`'s report, and its last line is the report's.
func TestREADMEDemoTranscript(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile("(?s)From `go run \\. demo --seed 1`:\n\n```\n(.*?)\n```").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README has no demo transcript after \"From `go run . demo --seed 1`:\"")
	}
	quoted := strings.Split(normaliseRun(m[1]), "\n")
	code, out, errOut := newCLI(t).run("", "demo", "--seed", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	real := strings.Split(normaliseRun(strings.TrimRight(out, "\n")), "\n")
	cut := len(quoted)
	for i, l := range quoted {
		if l == "…" {
			cut = i
			break
		}
	}
	if cut > len(real) {
		t.Fatalf("README quotes %d lines, the demo prints %d", cut, len(real))
	}
	for i := 0; i < cut; i++ {
		if quoted[i] != real[i] {
			t.Errorf("README demo transcript line %d:\n  README: %q\n  real:   %q", i+1, quoted[i], real[i])
			break
		}
	}
	if cut < len(quoted) {
		if last, want := quoted[len(quoted)-1], real[len(real)-1]; last != want {
			t.Errorf("README demo transcript ends:\n  %q\nthe demo ends:\n  %q", last, want)
		}
	}
}
