package scenarios

import (
	"context"
	"fmt"

	"github.com/callsim/callsim/simulate"
)

// Check is one call of a scenario with its expectations checked as Play
// checks them, for callers that place the call themselves (callsim load):
// it is the call's Caller, it sees every step (Step), and End says what
// failed. Like Play, it hangs up at the first failure.
type Check struct{ x *execution }

// Check returns a fresh check for one call of the scenario.
func (sc *Scenario) Check() *Check { return &Check{newExecution(sc)} }

// Next implements simulate.Caller.
func (c *Check) Next(ctx context.Context, p simulate.Prompt) (simulate.Action, error) {
	return c.x.Next(ctx, p)
}

// Step gives the check a step as soon as the engine has its outcome.
func (c *Check) Step(s *simulate.Step) { c.x.onStep(s) }

// End checks what is left once the call is over. It returns one line per
// failure, "file:line:col: step N key: message"; none when the scenario
// passed.
func (c *Check) End(t *simulate.Transcript) []string {
	var out []string
	for _, f := range c.x.end(t) {
		out = append(out, fmt.Sprintf("%s:%d:%d: %s", c.x.sc.File, f.Line, f.Column, shortFailure(f)))
	}
	return out
}
