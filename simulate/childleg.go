package simulate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// legNouns are the <Dial> nouns that place a call leg of their own, with
// its own CallSid, status callbacks and whisper URL.
var legNouns = []string{"Number", "Client", "Sip"}

// childLeg is one leg <Dial> places.
type childLeg struct {
	node    *twiml.Node
	leg     contract.ChildLeg
	outcome string // completed, busy, no-answer, failed, canceled
	seq     int
}

// childLegs lists the legs of a <Dial>'s nouns that ask for requests of
// their own (statusCallback or url). The first leg takes the caller's dial
// outcome; when it answers, Twilio cancels the others.
func (r *run) childLegs(dial *twiml.Node, outcome string) []*childLeg {
	from := strings.TrimSpace(dial.Attr("callerId"))
	if from == "" {
		from = r.call.Caller.Format(r.call.Profile)
	}
	var out []*childLeg
	first := true
	for _, c := range dial.Children {
		if !slices.Contains(legNouns, c.Name) {
			continue
		}
		o := outcome
		if !first && outcome == "completed" {
			o = "canceled"
		}
		first = false
		if !c.Has("statusCallback") && !c.Has("url") {
			continue
		}
		to := strings.TrimSpace(c.Text)
		if c.Name == "Client" && !strings.HasPrefix(to, "client:") {
			to = "client:" + to
		}
		out = append(out, &childLeg{node: c, outcome: o, leg: contract.ChildLeg{
			AccountSid: r.call.AccountSid, CallSid: contract.NewSID("CA", r.rnd), ParentCallSid: r.call.CallSid, From: from, To: to}})
	}
	return out
}

// legEvent sends the leg's status callback for event, if its
// statusCallbackEvent asks for it (completed by default).
func (r *run) legEvent(ctx context.Context, l *childLeg, event, status string, seconds int) {
	if !l.node.Has("statusCallback") {
		return
	}
	events := strings.FieldsFunc(l.node.Attr("statusCallbackEvent"), func(c rune) bool { return c == ' ' || c == ',' })
	if !slices.Contains(events, event) {
		return
	}
	params := contract.ChildLegParams(r.call.Profile, l.leg, status).
		Merge(contract.StatusCallbackFields(r.call.Profile, event, status, seconds, l.outcome == "completed", l.seq, r.at()))
	l.seq++
	r.callback(ctx, "dial-leg-status", r.attrTarget(l.node, "statusCallback", "statusCallbackMethod"), params)
}

// legStart reports the leg dialling and ringing.
func (r *run) legStart(ctx context.Context, l *childLeg) {
	r.legEvent(ctx, l, "initiated", "initiated", 0)
	if l.outcome != "failed" {
		r.legEvent(ctx, l, "ringing", "ringing", 0)
	}
}

// legAnswered reports the answer and runs the whisper; false when the
// whisper hung up on the called party, so the legs are not bridged.
func (r *run) legAnswered(ctx context.Context, step *Step, l *childLeg) bool {
	r.legEvent(ctx, l, "answered", "in-progress", 0)
	if !l.node.Has("url") {
		return true
	}
	return r.whisper(ctx, step, l)
}

// legEnd reports the leg's end.
func (r *run) legEnd(ctx context.Context, l *childLeg, seconds int) {
	if l.outcome != "completed" {
		seconds = 0
	}
	r.legEvent(ctx, l, "completed", l.outcome, seconds)
}

// whisper fetches the <Number url> TwiML for the called party and plays
// it to them before the legs are bridged. The request carries the child
// leg's fields. The caller hears ringing meanwhile, so nothing of it is
// added to what the caller heard.
func (r *run) whisper(ctx context.Context, step *Step, l *childLeg) bool {
	docURL, heard := r.docURL, r.heard
	defer func() { r.docURL, r.heard = docURL, heard }()
	target := webhook.Target{URL: r.resolve(l.node.Attr("url")), Method: l.node.Attr("method")}
	ws, doc := r.fetch(ctx, "whisper", target, contract.ChildLegParams(r.call.Profile, l.leg, "in-progress"))
	if ws.Error != nil {
		r.event(step, Event{Kind: EventWarning, Verb: l.node.Name, Line: l.node.Line, Code: ws.Error.Code,
			Text: "the whisper URL failed: Twilio hangs up the called party, and the legs are not bridged"})
		return false
	}
	if doc == nil {
		return true
	}
	for _, v := range doc.Verbs() {
		switch v.Name {
		case "Say", "Play", "Pause":
			r.audio(ws, v)
		case "Gather":
			for _, c := range v.Children {
				r.audio(ws, c)
			}
			r.event(ws, Event{Kind: EventNoInput, Verb: "Gather", Line: v.Line, Text: "the called party's input is not simulated: no keys pressed"})
		case "Hangup", "Reject":
			r.event(ws, Event{Kind: EventHangup, Verb: v.Name, Line: v.Line,
				Text: "the whisper hung up on the called party: the legs are not bridged"})
			return false
		default:
			r.event(ws, Event{Kind: EventNotSimulated, Verb: v.Name, Line: v.Line, Text: fmt.Sprintf("<%s> in a whisper is not simulated", v.Name)})
		}
	}
	return true
}
