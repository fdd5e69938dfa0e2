package simulate

import (
	"context"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

func dialTargets(v *twiml.Node) []string {
	var out []string
	if t := strings.TrimSpace(v.Text); t != "" {
		out = append(out, t)
	}
	for _, c := range v.Children {
		t := strings.TrimSpace(c.Text)
		switch c.Name {
		case "Client":
			t = "client:" + t
		case "Conference":
			t = "conference " + t
		case "Queue":
			t = "queue " + t
		case "Sip", "Number", "Sim", "Application", "WhatsApp":
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

func (r *run) dial(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	targets := dialTargets(v)
	act, ok := r.prompt(ctx, "Dial", v, Prompt{Dial: targets})
	if !ok {
		return nil, nil, false
	}
	outcome := act.DialOutcome
	if outcome == "" {
		outcome = "completed"
	}
	var secs int
	if outcome == "completed" {
		secs = 20 + r.rnd.IntN(100)
		if limit, ok := v.Int("timeLimit"); ok && limit > 0 && secs > limit {
			secs = limit
		}
	} else if outcome == "no-answer" {
		ring, _ := v.Int("timeout")
		r.clock += time.Duration(ring) * time.Second
	}
	r.event(step, Event{Kind: EventDial, Verb: "Dial", Line: v.Line, Text: strings.Join(targets, ", "), Outcome: outcome, Seconds: float64(secs)})
	if !v.Has("action") {
		return nil, nil, false
	}
	extra := contract.DialFields(r.call.Profile, outcome, contract.NewSID("CA", r.rnd), secs)
	if rec := v.Attr("record"); outcome == "completed" && rec != "" && rec != "do-not-record" && rec != "false" {
		extra = extra.Add("RecordingUrl", contract.RecordingURL(r.call.AccountSid, contract.NewSID("RE", r.rnd)))
	}
	next, doc := r.next(ctx, "dial", webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}, extra)
	return next, doc, true
}
