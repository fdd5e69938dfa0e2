package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate"
)

// Attempt is one replay of a scenario.
type Attempt struct {
	Passed     bool
	Failures   []*Failure
	Transcript *simulate.Transcript
	Elapsed    time.Duration
	// Steps is how many of the scenario's steps (as written) were played.
	Steps int
	// Requests is how many HTTP requests the call made.
	Requests int
}

// execution is the state of one attempt: it is the call's Caller, and it
// cuts what the engine reports into one window per step.
type execution struct {
	sc       *Scenario
	steps    []*simulate.Step // every request so far
	consumed []int            // events of steps[i] already given to a window
	frozen   int              // steps before this index get no more events
	cur      *window
	next     int // index into sc.Steps of the next step to play
	played   int
	failures []*Failure
	stopped  bool // callsim hung up because the scenario failed
	// ctx is the call's context, as last seen: expectations that can take
	// long (XPath) stop when it is done. Check.End has none of its own.
	ctx context.Context
	ai  aiState // voice AI turns (ai.go)
}

// Play replays the scenario once and checks every expectation.
func Play(ctx context.Context, sc *Scenario, client *http.Client) *Attempt {
	if sc.ViaAPI {
		return playAPI(ctx, sc, client)
	}
	x := newExecution(sc)
	x.ctx = ctx
	opt := sc.Options
	opt.Caller = x
	opt.OnStep = x.onStep
	opt.HTTP = client
	start := time.Now()
	t, err := simulate.Run(ctx, sc.Call, opt)
	a := &Attempt{Elapsed: time.Since(start), Transcript: t}
	if err != nil {
		x.failures = append(x.failures, &Failure{Key: "url", Message: err.Error()})
		a.Failures = x.failures
		return a
	}
	a.Failures = x.end(t)
	a.Passed = len(a.Failures) == 0
	a.Steps = x.played
	if sc.Steps[0].N > 0 { // the first step as written has no action
		a.Steps++
	}
	a.Requests = len(t.Steps)
	return a
}

func newExecution(sc *Scenario) *execution {
	x := &execution{sc: sc, next: 1, ctx: context.Background()} // step 0 checks the first response; it has no action
	x.open(sc.Steps[0])
	return x
}

// end closes the last window once the call is over and returns every failure.
func (x *execution) end(t *simulate.Transcript) []*Failure {
	x.cut(nil, t)
	if !x.stopped {
		x.checkTurns()
		x.finish(t)
	}
	return x.failures
}

func (x *execution) onStep(s *simulate.Step) {
	x.steps = append(x.steps, s)
	x.consumed = append(x.consumed, 0)
	x.cur.requests = append(x.cur.requests, s)
}

func (x *execution) open(st *StepSpec) {
	x.cur = &window{step: st}
}

// cut closes the current window at prompt p (nil: the call ended) and
// gives it the events that happened since the previous cut.
func (x *execution) cut(p *simulate.Prompt, t *simulate.Transcript) {
	for i := x.frozen; i < len(x.steps); i++ {
		evs := x.steps[i].Events
		x.cur.events = append(x.cur.events, evs[x.consumed[i]:]...)
		x.consumed[i] = len(evs)
	}
	// Only the latest TwiML document's step, and requests after it, can
	// still collect events.
	for i := len(x.steps) - 1; i >= x.frozen; i-- {
		if r := x.steps[i].Request; r != nil && slices.Contains(twimlKinds, r.Kind) {
			x.frozen = i
			break
		}
	}
	x.cur.prompt = p
	x.cur.t = t
}

// Next implements simulate.Caller: it closes the step that just ended,
// checks it, and plays the next step's action.
func (x *execution) Next(ctx context.Context, p simulate.Prompt) (simulate.Action, error) {
	if ctx.Err() != nil {
		return simulate.Action{Hangup: true}, nil
	}
	x.ctx = ctx
	x.cut(&p, nil)
	x.check(x.cur)
	if len(x.failures) > 0 {
		return x.stop()
	}
	if x.next >= len(x.sc.Steps) {
		if x.sc.OnRunOut == "fail" {
			last := x.sc.Steps[len(x.sc.Steps)-1]
			x.failures = append(x.failures, &Failure{
				Step: last.N, StepLine: last.Pos.Line, Action: last.Action.String(), Key: "when_steps_run_out",
				Line: x.sc.OnRunOutPos.Line, Column: x.sc.OnRunOutPos.Column,
				Message: fmt.Sprintf("the app is waiting on %s after the last step (when_steps_run_out: fail); add a step for it", describePrompt(p)),
				Want:    "the end of the call", Got: describePrompt(p), Diff: diff("the end of the call", describePrompt(p)),
			})
			return x.stop()
		}
		x.open(&StepSpec{N: -1})
		return simulate.Action{Hangup: true}, nil
	}
	st := x.sc.Steps[x.next]
	x.next++
	x.played++
	x.open(st)
	act, problem := st.Action.answer(p)
	if problem != "" {
		x.failures = append(x.failures, &Failure{
			Step: st.N, StepLine: st.Pos.Line, Action: st.Action.String(), Key: st.Action.Kind,
			Line: st.Action.Pos.Line, Column: st.Action.Pos.Column,
			Message: problem, Want: "<" + strings.Join(answers[st.Action.Kind], "> or <") + ">", Got: "<" + p.Verb + ">",
			Diff: diff("<"+strings.Join(answers[st.Action.Kind], "> or <")+">", "<"+p.Verb+">"),
		})
		return x.stop()
	}
	return act, nil
}

// stop ends the call after a failure: the caller hangs up, and the
// transcript says why.
func (x *execution) stop() (simulate.Action, error) {
	x.stopped = true
	f := x.failures[0]
	what := "the scenario"
	if f.Step > 0 {
		what = fmt.Sprintf("step %d", f.Step)
	}
	return simulate.Action{}, fmt.Errorf("callsim hangs up: %s failed (%s)", what, f.Key)
}

// check runs a closed window's expectations.
func (x *execution) check(w *window) {
	st := w.step
	if st == nil || st.Expect == nil {
		return
	}
	w.ctx = x.ctx
	for _, c := range st.Expect.checks {
		if f := c.run(w); f != nil {
			x.failures = append(x.failures, x.locate(f, st, "expect.", c))
		}
	}
}

func (x *execution) locate(f *Failure, st *StepSpec, prefix string, c check) *Failure {
	if st != nil && st.N > 0 {
		f.Step, f.StepLine, f.Action = st.N, st.Pos.Line, st.Action.String()
	}
	if f.Key == "" {
		f.Key = prefix + c.key()
	}
	if f.Line == 0 {
		f.Line, f.Column = c.pos().Line, c.pos().Column
	}
	return f
}

// finish checks the last step, the steps never reached and expect_end.
func (x *execution) finish(t *simulate.Transcript) {
	x.check(x.cur)
	if len(x.failures) > 0 {
		return
	}
	if x.next < len(x.sc.Steps) {
		st := x.sc.Steps[x.next]
		left := len(x.sc.Steps) - x.next
		more := ""
		if left > 1 {
			more = fmt.Sprintf(" (and %d more after it)", left-1)
		}
		x.failures = append(x.failures, &Failure{
			Step: st.N, StepLine: st.Pos.Line, Action: st.Action.String(), Key: st.Action.Kind,
			Line: st.Action.Pos.Line, Column: st.Action.Pos.Column,
			Message: fmt.Sprintf("the call ended before this step%s: %s (CallStatus=%s)", more, t.EndReason, t.Status),
			Want:    "a <" + strings.Join(answers[st.Action.Kind], "> or <") + "> to answer", Got: "the end of the call",
		})
		x.failures[len(x.failures)-1].Diff = diff(x.failures[len(x.failures)-1].Want, "the end of the call")
		return
	}
	w := &window{t: t, requests: t.Steps, ctx: x.ctx}
	hasErrors := false
	if x.sc.End != nil {
		for _, c := range x.sc.End.checks {
			hasErrors = hasErrors || c.key() == "errors"
			if f := c.run(w); f != nil {
				x.failures = append(x.failures, x.locate(f, nil, "expect_end.", c))
			}
		}
	}
	if !hasErrors {
		if f := defaultErrors(t); f != nil {
			x.failures = append(x.failures, f)
		}
	}
}
