package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/webhook"
)

// The benchmarks replay 1,000 steps against a local app: 100 calls of 10
// steps (the first response, 8 keys pressed, a hang-up), each step one
// request. BenchmarkRunner1000Steps goes through the scenario runner
// (loading aside: scenarios are loaded once), BenchmarkSingleCallPath
// places the same calls with simulate.Run and a scripted caller, so the
// difference is what the runner adds: windows, expectations, results.
const (
	benchCalls = 100
	benchSteps = 10 // per call
)

func benchApp(b *testing.B) string {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "text/xml")
		if r.PostForm.Get("CallStatus") == "completed" {
			fmt.Fprint(w, "<Response/>")
			return
		}
		fmt.Fprintf(w, `<Response><Gather numDigits="1" action="/loop"><Say>You pressed %s. Press again.</Say></Gather><Hangup/></Response>`, r.PostForm.Get("Digits"))
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

func benchScenarios(b *testing.B, url string) []*Scenario {
	var y strings.Builder
	for i := range benchCalls {
		fmt.Fprintf(&y, "- name: call %d\n  url: %s/loop\n  call: {api_version: 2010-04-01}\n  steps:\n", i, url)
		y.WriteString("    - expect: {status: 200, say: Press again, gather: {numDigits: 1}}\n")
		for k := 0; k < benchSteps-2; k++ {
			fmt.Fprintf(&y, "    - press: \"%d\"\n      expect: {request: {Digits: \"%d\"}, say: /pressed %d/, verbs: [Gather, Hangup], max_latency: 5s}\n", k%10, k%10, k%10)
		}
		y.WriteString("    - hangup: true\n  expect_end: {completed_request: true}\n")
	}
	f, err := (&Parser{}).Parse("bench.yaml", []byte(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	return f.Scenarios
}

func reportSteps(b *testing.B) {
	steps := float64(benchCalls * benchSteps * b.N)
	b.ReportMetric(steps/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(0, "ns/op") // ns/op covers 1,000 steps; steps/s is the figure to compare
}

func BenchmarkRunner1000Steps(b *testing.B) {
	list := benchScenarios(b, benchApp(b))
	client := &http.Client{Transport: webhook.NewTransport()}
	r := &Replayer{Parallel: 1, HTTP: client}
	b.ResetTimer()
	for b.Loop() {
		rep := r.Run(context.Background(), list)
		if rep.Failed() {
			b.Fatal(FailureText(rep.Results[0], TextOptions{}))
		}
	}
	reportSteps(b)
}

// BenchmarkRunner1000StepsParallel is the runner with its default pool.
func BenchmarkRunner1000StepsParallel(b *testing.B) {
	list := benchScenarios(b, benchApp(b))
	client := &http.Client{Transport: webhook.NewTransport()}
	r := &Replayer{HTTP: client}
	b.ResetTimer()
	for b.Loop() {
		if rep := r.Run(context.Background(), list); rep.Failed() {
			b.Fatal("a scenario failed")
		}
	}
	reportSteps(b)
}

// hangupAfter presses keys at the first n prompts, then hangs up.
type hangupAfter struct{ n, seen int }

func (h *hangupAfter) Next(_ context.Context, p simulate.Prompt) (simulate.Action, error) {
	h.seen++
	if h.seen > h.n {
		return simulate.Action{Hangup: true}, nil
	}
	return simulate.Action{Digits: fmt.Sprint((h.seen - 1) % 10)}, nil
}

func BenchmarkSingleCallPath(b *testing.B) {
	url := benchApp(b)
	client := &http.Client{Transport: webhook.NewTransport()}
	calls := make([]*contract.Call, benchCalls)
	for i := range calls {
		c, err := contract.NewCall(contract.CallSpec{Direction: contract.Inbound, APIVersion: "2010-04-01", Seed: uint64(i)})
		if err != nil {
			b.Fatal(err)
		}
		calls[i] = c
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range calls {
			t, err := simulate.Run(context.Background(), c, simulate.Options{URL: url + "/loop", HTTP: client, Caller: &hangupAfter{n: benchSteps - 2}})
			if err != nil || t.Failed {
				b.Fatal(err, t.Summary())
			}
		}
	}
	reportSteps(b)
}
