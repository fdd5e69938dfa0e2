package scenarios

import (
	"bytes"
	"strings"
	"testing"
)

func progressResults(n int, failAt int) []*Result {
	var rs []*Result
	for i := range n {
		r := &Result{Scenario: &Scenario{File: "a.yaml", Name: "s" + string(rune('a'+i%26))}, Status: Passed,
			Attempts: []*Attempt{{Passed: true, Steps: 1, Requests: 2}}}
		if i == failAt {
			r.Status = Failed
			r.Attempts[0] = &Attempt{Failures: []*Failure{{Step: 1, Key: "expect.say"}}}
		}
		rs = append(rs, r)
	}
	return rs
}

// Few scenarios: one line each, no bar.
func TestProgressLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewProgress(&out, 2, TextOptions{})
	for _, r := range progressResults(2, -1) {
		p.Result(r)
	}
	p.Done()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "✔ a.yaml: sa") || strings.Contains(out.String(), "\r") {
		t.Errorf("progress:\n%q", out.String())
	}
}

// Many scenarios: a bar, failures printed above it, cleared at the end.
func TestProgressBar(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	n := ProgressBarAbove + 10
	p := NewProgress(&out, n, TextOptions{})
	for _, r := range progressResults(n, 3) {
		p.Result(r)
	}
	p.Done()
	s := out.String()
	if strings.Count(s, "✔ a.yaml") != 0 || strings.Count(s, "✘ a.yaml: sd") != 1 {
		t.Errorf("lines with a bar:\n%q", s)
	}
	for _, want := range []string{"\r[===", "] 40/40  ✔ 39  ✘ 1  ↷ 0", "\r\x1b[K✘ a.yaml: sd"} {
		if !strings.Contains(s, want) {
			t.Errorf("lacks %q:\n%q", want, s)
		}
	}
	if !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("bar not cleared at the end:\n%q", s)
	}
}
