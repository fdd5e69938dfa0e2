package simulate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// Twilio rings a dialled party for 5 to 600 s.
const (
	minDialTimeout = 5
	maxDialTimeout = 600
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

// conference is the <Conference> noun of a Dial, or nil.
func conference(v *twiml.Node) *twiml.Node {
	for _, c := range v.Children {
		if c.Name == "Conference" {
			return c
		}
	}
	return nil
}

func (r *run) dial(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	targets := dialTargets(v)
	act, ok := r.prompt(ctx, "Dial", v, Prompt{Dial: targets})
	if !ok {
		return nil, nil, false
	}
	ring := r.dialTimeout(step, v)
	if conf := conference(v); conf != nil {
		return r.dialConference(ctx, step, v, targets)
	}
	outcome := act.DialOutcome
	if outcome == "" {
		outcome = "completed"
	}
	legs := r.childLegs(v, outcome)
	for _, l := range legs {
		r.legStart(ctx, l)
	}
	if outcome == "completed" {
		for _, l := range legs {
			if l.outcome == "completed" && !r.legAnswered(ctx, step, l) {
				outcome, l.outcome = "no-answer", "no-answer"
			}
		}
	}
	var secs int
	if outcome == "completed" {
		secs = 20 + r.rnd.IntN(100)
		if limit, ok := v.Int("timeLimit"); ok && limit > 0 && secs > limit {
			secs = limit
		}
	} else if outcome == "no-answer" {
		r.clock += time.Duration(ring) * time.Second
	}
	r.event(step, Event{Kind: EventDial, Verb: "Dial", Line: v.Line, Text: strings.Join(targets, ", "), Outcome: outcome, Seconds: float64(secs)})
	for _, l := range legs {
		r.legEnd(ctx, l, secs)
	}
	if outcome == "completed" {
		r.dequeueWhisper(ctx, step, v)
	}
	var dialCallSid, recording string
	if v.Has("action") {
		dialCallSid = contract.NewSID("CA", r.rnd)
	}
	if rec := v.Attr("record"); outcome == "completed" && rec != "" && rec != "do-not-record" && rec != "false" {
		recording = contract.NewSID("RE", r.rnd)
		channels := 1
		if strings.HasSuffix(rec, "-dual") {
			channels = 2
		}
		r.recordingStatus(ctx, v, contract.Recording{AccountSid: r.call.AccountSid, CallSid: r.call.CallSid, Sid: recording, Status: "completed",
			Seconds: secs, Channels: channels, StartTime: r.at(), Source: contract.RecordingSourceDialVerb, Track: v.Attr("recordingTrack")})
	}
	if !v.Has("action") {
		return nil, nil, false
	}
	extra := contract.DialFields(r.call.Profile, outcome, dialCallSid, secs)
	if recording != "" {
		extra = extra.Add("RecordingUrl", contract.RecordingURL(r.call.AccountSid, recording))
	}
	next, doc := r.next(ctx, "dial", webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}, extra)
	return next, doc, true
}

// dialTimeout is how long the dialled party rings; below Twilio's minimum
// Twilio rings for the minimum.
func (r *run) dialTimeout(step *Step, v *twiml.Node) int {
	ring, _ := r.boundedInt(step, v, "timeout", maxDialTimeout, 13212)
	if v.Has("timeout") && ring < minDialTimeout {
		r.event(step, Event{Kind: EventWarning, Verb: "Dial", Line: v.Line, Code: 13212,
			Text: fmt.Sprintf("timeout=%q is below Twilio's minimum of %d s: the party rings for %d s", v.Attr("timeout"), minDialTimeout, minDialTimeout)})
		ring = minDialTimeout
	}
	return ring
}

// dialConference puts the caller in a conference: the caller takes part
// until they leave, and the action gets DialCallStatus=answered with no
// DialCallSid or DialCallDuration.
func (r *run) dialConference(ctx context.Context, step *Step, v *twiml.Node, targets []string) (*Step, *twiml.Document, bool) {
	secs := 20 + r.rnd.IntN(100)
	if limit, ok := v.Int("timeLimit"); ok && limit > 0 && secs > limit {
		secs = limit
	}
	r.event(step, Event{Kind: EventDial, Verb: "Dial", Line: v.Line, Text: strings.Join(targets, ", "), Outcome: "answered", Seconds: float64(secs)})
	if !v.Has("action") {
		return nil, nil, false
	}
	next, doc := r.next(ctx, "dial", webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}, contract.ConferenceDialFields(r.call.Profile))
	return next, doc, true
}
