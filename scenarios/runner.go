package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callsim/callsim/simulate/webhook"
)

// Statuses of a scenario result.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Result is the outcome of one scenario: every attempt, in order.
type Result struct {
	Scenario   *Scenario
	Status     string
	SkipReason string
	Attempts   []*Attempt
	Elapsed    time.Duration // all attempts
}

// Last is the attempt that decided the result (nil when skipped).
func (r *Result) Last() *Attempt {
	if len(r.Attempts) == 0 {
		return nil
	}
	return r.Attempts[len(r.Attempts)-1]
}

// Flaky reports a scenario that passed after failing.
func (r *Result) Flaky() bool { return r.Status == Passed && len(r.Attempts) > 1 }

// Report is the outcome of a run, results in file order.
type Report struct {
	Results []*Result
	Started time.Time
	Elapsed time.Duration
}

// Counts returns how many scenarios passed, failed and were skipped.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Status {
		case Passed:
			passed++
		case Failed:
			failed++
		default:
			skipped++
		}
	}
	return
}

// Failed reports whether any scenario failed.
func (r *Report) Failed() bool {
	_, f, _ := r.Counts()
	return f > 0
}

// Replayer replays scenarios.
type Replayer struct {
	Parallel int  // scenarios at once; 0 = number of CPUs
	FailFast bool // start no scenario after one failed
	Retries  int  // extra attempts for a failed scenario
	// HTTP is the client every call shares; nil = one with simulate's transport.
	HTTP *http.Client
	// OnResult, when set, sees each result as soon as it and every result
	// before it in file order are known (so output stays in file order).
	OnResult func(*Result)
}

// Run replays the scenarios and returns their results in the order given.
func (r *Replayer) Run(ctx context.Context, list []*Scenario) *Report {
	rep := &Report{Started: time.Now(), Results: make([]*Result, len(list))}
	client := r.HTTP
	if client == nil {
		client = &http.Client{Transport: webhook.NewTransport()}
	}
	workers := r.Parallel
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, len(list)))

	var (
		mu      sync.Mutex
		emitted int
		stop    bool
	)
	done := func(i int, res *Result) {
		mu.Lock()
		defer mu.Unlock()
		rep.Results[i] = res
		if res.Status == Failed && r.FailFast {
			stop = true
		}
		for emitted < len(list) && rep.Results[emitted] != nil {
			if r.OnResult != nil {
				r.OnResult(rep.Results[emitted])
			}
			emitted++
		}
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return stop
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				sc := list[i]
				switch {
				case sc.Skip != "":
					done(i, &Result{Scenario: sc, Status: Skipped, SkipReason: sc.Skip})
				case stopped():
					done(i, &Result{Scenario: sc, Status: Skipped, SkipReason: "not run: --fail-fast stopped the run after a failure"})
				case ctx.Err() != nil:
					done(i, &Result{Scenario: sc, Status: Skipped, SkipReason: "not run: interrupted"})
				default:
					done(i, r.play(ctx, sc, client))
				}
			}
		}()
	}
	for i := range list {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	rep.Elapsed = time.Since(rep.Started)
	return rep
}

func (r *Replayer) play(ctx context.Context, sc *Scenario, client *http.Client) *Result {
	res := &Result{Scenario: sc}
	start := time.Now()
	for attempt := 0; attempt <= r.Retries; attempt++ {
		a := Play(ctx, sc, client)
		res.Attempts = append(res.Attempts, a)
		if a.Passed || ctx.Err() != nil {
			break
		}
	}
	res.Elapsed = time.Since(start)
	res.Status = Failed
	if res.Last().Passed {
		res.Status = Passed
	}
	return res
}

// Shard is one of n deterministic parts of a run (Index 1..Of).
type Shard struct{ Index, Of int }

// ParseShard reads "i/n" (1 ≤ i ≤ n).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("%q: want i/n with 1 ≤ i ≤ n, e.g. 2/4", s)
	}
	return Shard{i, n}, nil
}

// Select keeps the scenarios of this shard: the i-th of every n, counting
// in file order over the whole list (files sorted as loaded). Every
// scenario lands in exactly one shard, and shards differ in size by at
// most one.
func (s Shard) Select(list []*Scenario) []*Scenario {
	if s.Of <= 1 {
		return list
	}
	var out []*Scenario
	for j, sc := range list {
		if j%s.Of == s.Index-1 {
			out = append(out, sc)
		}
	}
	return out
}

// Filter keeps the scenarios whose name or "file: name" matches re.
func Filter(list []*Scenario, re *regexp.Regexp) []*Scenario {
	if re == nil {
		return list
	}
	var out []*Scenario
	for _, sc := range list {
		if re.MatchString(sc.Name) || re.MatchString(sc.ID()) {
			out = append(out, sc)
		}
	}
	return out
}
