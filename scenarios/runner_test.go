package scenarios

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// many builds n scenarios; those in fail fail, those in skip are skipped.
func many(t testing.TB, env func(string) (string, bool), n int, fail, skip map[int]bool) []*Scenario {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "- name: s%02d\n  url: ${APP_URL}/ivr\n  steps:\n    - expect: {say: Welcome}\n", i)
		if fail[i] {
			b.WriteString("    - press: \"1\"\n      expect: {say: nothing like this}\n")
		}
		if skip[i] {
			b.WriteString("  skip: not today\n")
		}
	}
	return load(t, env, b.String())
}

func names(rs []*Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Scenario.Name+":"+r.Status)
	}
	return out
}

func TestRunnerOrderAndCounts(t *testing.T) {
	t.Parallel()
	_, env := newIVR(t)
	list := many(t, env, 20, map[int]bool{3: true, 11: true}, map[int]bool{7: true})
	var mu sync.Mutex
	var seen []string
	r := &Replayer{Parallel: 8, OnResult: func(res *Result) {
		mu.Lock()
		seen = append(seen, res.Scenario.Name)
		mu.Unlock()
	}}
	rep := r.Run(context.Background(), list)
	var want []string
	for i := range 20 {
		st := Passed
		switch i {
		case 3, 11:
			st = Failed
		case 7:
			st = Skipped
		}
		want = append(want, fmt.Sprintf("s%02d:%s", i, st))
	}
	if d := cmp.Diff(want, names(rep.Results)); d != "" {
		t.Errorf("results not in file order (-want +got):\n%s", d)
	}
	var order []string
	for _, w := range want {
		order = append(order, strings.Split(w, ":")[0])
	}
	if d := cmp.Diff(order, seen); d != "" {
		t.Errorf("OnResult not in file order (-want +got):\n%s", d)
	}
	if p, f, s := rep.Counts(); p != 17 || f != 2 || s != 1 || !rep.Failed() {
		t.Errorf("counts %d %d %d", p, f, s)
	}
	if got := Summary(rep, TextOptions{StableTimes: true}); got != "17 passed, 2 failed, 1 skipped" {
		t.Errorf("summary %q", got)
	}
}

func TestRunnerFailFast(t *testing.T) {
	t.Parallel()
	_, env := newIVR(t)
	list := many(t, env, 10, map[int]bool{0: true}, nil)
	rep := (&Replayer{Parallel: 1, FailFast: true}).Run(context.Background(), list)
	p, f, s := rep.Counts()
	if f != 1 || p != 0 || s != 9 {
		t.Fatalf("passed %d failed %d skipped %d", p, f, s)
	}
	if !strings.Contains(rep.Results[5].SkipReason, "--fail-fast") {
		t.Errorf("skip reason %q", rep.Results[5].SkipReason)
	}
}

func TestRunnerRetries(t *testing.T) {
	t.Parallel()
	app, env := newIVR(t)
	list := load(t, env, "url: ${APP_URL}/flaky\nsteps:\n  - expect: {say: Fine now}\n")
	app.flaky.Store(2)
	rep := (&Replayer{Retries: 3}).Run(context.Background(), list)
	res := rep.Results[0]
	if res.Status != Passed || len(res.Attempts) != 3 || !res.Flaky() {
		t.Fatalf("status %s after %d attempts", res.Status, len(res.Attempts))
	}
	for i, a := range res.Attempts[:2] {
		if a.Passed || a.Transcript == nil || len(a.Failures) == 0 {
			t.Errorf("attempt %d not kept: %+v", i+1, a)
		}
	}
	if !strings.Contains(Summary(rep, TextOptions{StableTimes: true}), "1 flaky") {
		t.Error("summary does not mention the flaky scenario")
	}

	app.flaky.Store(10)
	rep = (&Replayer{Retries: 2}).Run(context.Background(), list)
	if res := rep.Results[0]; res.Status != Failed || len(res.Attempts) != 3 {
		t.Errorf("status %s after %d attempts, want failed after 3", res.Status, len(res.Attempts))
	}
	text := FailureText(rep.Results[0], TextOptions{})
	if !strings.Contains(text, "attempt 1 of 3 also failed") || !strings.Contains(text, "attempt 2 of 3 also failed") {
		t.Errorf("earlier attempts missing:\n%s", text)
	}
}

// Every scenario lands in exactly one shard, whatever n.
func TestShards(t *testing.T) {
	t.Parallel()
	var list []*Scenario
	for i := range 23 {
		list = append(list, &Scenario{File: fmt.Sprintf("f%d.yaml", i/5), Name: fmt.Sprint(i)})
	}
	for n := 1; n <= 25; n++ {
		count := map[*Scenario]int{}
		sizes := []int{}
		for i := 1; i <= n; i++ {
			sh, err := ParseShard(fmt.Sprintf("%d/%d", i, n))
			if err != nil {
				t.Fatal(err)
			}
			part := sh.Select(list)
			sizes = append(sizes, len(part))
			for _, sc := range part {
				count[sc]++
			}
			again := sh.Select(list)
			if d := cmp.Diff(part, again); d != "" {
				t.Fatalf("shard %d/%d not deterministic", i, n)
			}
		}
		for _, sc := range list {
			if count[sc] != 1 {
				t.Errorf("n=%d: scenario %s ran %d times", n, sc.Name, count[sc])
			}
		}
		lo, hi := sizes[0], sizes[0]
		for _, s := range sizes {
			lo, hi = min(lo, s), max(hi, s)
		}
		if hi-lo > 1 {
			t.Errorf("n=%d: unbalanced shards %v", n, sizes)
		}
	}
	for _, bad := range []string{"0/3", "4/3", "1/0", "x/2", "2", "1/2/3", ""} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	list := []*Scenario{{File: "a.yaml", Name: "Sales busy"}, {File: "b.yaml", Name: "Menu"}, {File: "sales.yaml", Name: "Other"}}
	var got []string
	for _, sc := range Filter(list, regexp.MustCompile("(?i)sales")) {
		got = append(got, sc.ID())
	}
	if d := cmp.Diff([]string{"a.yaml: Sales busy", "sales.yaml: Other"}, got); d != "" {
		t.Error(d)
	}
	if len(Filter(list, nil)) != 3 {
		t.Error("nil filter")
	}
}

func TestRunnerCanceled(t *testing.T) {
	t.Parallel()
	_, env := newIVR(t)
	list := many(t, env, 5, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := (&Replayer{Parallel: 2}).Run(ctx, list)
	if _, _, s := rep.Counts(); s != 5 {
		t.Errorf("%v", names(rep.Results))
	}
}
