package scenarios

import (
	"context"

	"github.com/callsim/callsim/simulate"
)

// Replayer plays a scenario's actions without checking its expectations
// (callsim load): one step per prompt, as Play does. It hangs up when the
// steps run out or when the app asks for something the next step cannot
// answer, which Play would report as a failure.
type Replayer struct {
	steps []*Step
	next  int
}

// Replayer returns a fresh caller for one call of the scenario.
func (sc *Scenario) Replayer() *Replayer {
	return &Replayer{steps: sc.Steps, next: 1} // step 0 checks the first response; it has no action
}

// Next implements simulate.Caller.
func (r *Replayer) Next(ctx context.Context, p simulate.Prompt) (simulate.Action, error) {
	if ctx.Err() != nil || r.next >= len(r.steps) {
		return simulate.Action{Hangup: true}, nil
	}
	st := r.steps[r.next]
	r.next++
	act, problem := st.Action.answer(p)
	if problem != "" {
		return simulate.Action{Hangup: true}, nil
	}
	return act, nil
}
