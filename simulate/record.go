package simulate

import (
	"context"
	"fmt"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

func (r *run) record(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document) {
	act, ok := r.prompt(ctx, "Record", v, Prompt{})
	if !ok {
		return nil, nil
	}
	secs := act.RecordSeconds
	if max, ok := v.Int("maxLength"); ok && max > 0 && secs > max {
		secs = max
	}
	key := act.Digits
	if key == "" && secs > 0 {
		if fk := v.Attr("finishOnKey"); fk != "" {
			key = string([]rune(fk)[len([]rune(fk))-1])
		}
	}
	r.event(step, Event{Kind: EventRecord, Verb: "Record", Line: v.Line, Text: fmt.Sprintf("recorded %d s", secs), Seconds: float64(secs)})
	if secs == 0 {
		r.event(step, Event{Kind: EventNoInput, Verb: "Record", Line: v.Line, Text: "empty recording: Twilio moves to the next verb"})
		return nil, nil
	}
	extra := contract.RecordFields(r.call.Profile, r.call.AccountSid, contract.NewSID("RE", r.rnd), secs, key)
	target := webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}
	if !v.Has("action") {
		target.URL = r.docURL
	}
	return r.next(ctx, "record", target, extra)
}
