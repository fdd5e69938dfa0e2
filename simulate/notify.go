package simulate

import (
	"fmt"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// attrTarget is the URL and method a verb names in two attributes,
// resolved against the current document.
func (r *run) attrTarget(v *twiml.Node, urlAttr, methodAttr string) webhook.Target {
	return webhook.Target{URL: r.resolve(v.Attr(urlAttr)), Method: v.Attr(methodAttr)}
}

// at is the wall-clock time of the simulated call's present moment, as
// Twilio writes it in callbacks.
func (r *run) at() string {
	return r.t.StartedAt.Add(r.clock).Format(contract.TimestampFormat)
}

// maxCall bounds every simulated wait: no call lasts longer than a day
// (Twilio's largest timeLimit), so absurd attribute values cannot overflow
// the call's clock into a negative CallDuration.
const maxCall = 24 * time.Hour

// boundedInt reads an integer attribute for simulation. A value above
// limit (or one too large to read) is clamped to limit with a warning
// carrying the attribute's Twilio code; the TwiML validation has already
// reported values outside the documented range.
func (r *run) boundedInt(step *Step, v *twiml.Node, name string, limit int, code int) (int, bool) {
	n, ok := v.Int(name)
	if !ok && v.Has(name) && isDigits(strings.TrimSpace(v.Attr(name))) {
		n, ok = limit+1, true // too many digits for an int
	}
	if !ok {
		return 0, false
	}
	if n > limit {
		r.event(step, Event{Kind: EventWarning, Verb: v.Name, Line: v.Line, Code: code,
			Text: fmt.Sprintf("%s=%q is beyond what a call can last; simulated as %d", name, v.Attr(name), limit)})
		n = limit
	}
	return n, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
