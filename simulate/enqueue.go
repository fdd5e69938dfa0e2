package simulate

import (
	"context"
	"fmt"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// defaultMaxQueueSize is a queue's capacity unless <Enqueue maxQueueSize>
// or the queue resource says otherwise.
const defaultMaxQueueSize = 100

// holdSeconds is how long the caller waits on Twilio's default hold music
// before an agent takes the call.
const holdSeconds = 30

// enqueue puts the caller in a queue. The waitUrl document (if any) is
// fetched with the queue's fields and played; a <Leave> in it takes the
// caller out (QueueResult=leave), a <Hangup> ends the call (hangup);
// otherwise an agent dequeues the caller (bridged) and, when that call
// ends, Twilio requests the action URL, or goes on with the next verb.
func (r *run) enqueue(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	name := strings.TrimSpace(v.Text)
	if name == "" {
		name = v.Attr("workflowSid")
	}
	q := contract.Queue{Sid: contract.NewSID("QU", r.rnd), Position: 1, Size: 1, Average: holdSeconds, MaxSize: defaultMaxQueueSize}
	if n, ok := v.Int("maxQueueSize"); ok && n > 0 {
		q.MaxSize = n
	}
	start := r.clock
	r.event(step, Event{Kind: EventPause, Verb: "Enqueue", Line: v.Line, Text: fmt.Sprintf("the caller waits in queue %q", name)})
	result := "bridged"
	if v.Has("waitUrl") {
		result = r.wait(ctx, step, v, q)
	} else {
		r.event(step, Event{Kind: EventPlay, Verb: "Enqueue", Line: v.Line, Text: "Twilio's default hold music", Seconds: holdSeconds})
	}
	waited := callSeconds(r.clock - start)
	switch result {
	case "hangup":
		r.finish("completed", "<Hangup> in the Enqueue waitUrl")
	case "bridged":
		secs := 20 + r.rnd.IntN(100)
		// On the latest request (the hold music's), so the transcript
		// reads in order.
		r.event(r.lastStep, Event{Kind: EventDial, Verb: "Enqueue", Line: v.Line, Text: fmt.Sprintf("queue %q (an agent's <Dial><Queue> takes the caller)", name), Outcome: "bridged", Seconds: float64(secs)})
	}
	if !v.Has("action") {
		return nil, nil, r.ended
	}
	extra := contract.EnqueueActionFields(result, q.Sid, waited)
	target := r.attrTarget(v, "action", "method")
	if r.ended {
		// The call is over; Twilio still reports how it left the queue.
		next, _ := r.fetch(ctx, "enqueue", target, r.call.Params("completed", false).Merge(extra))
		return next, nil, true
	}
	next, doc := r.next(ctx, "enqueue", target, extra)
	return next, doc, true
}

// wait fetches and plays the waitUrl document once; it returns the
// QueueResult its verbs lead to.
func (r *run) wait(ctx context.Context, step *Step, v *twiml.Node, q contract.Queue) string {
	docURL := r.docURL
	defer func() { r.docURL = docURL }()
	method := v.Attr("waitUrlMethod")
	if method == "" {
		method = "POST"
	}
	ws, doc := r.fetch(ctx, "enqueue-wait", webhook.Target{URL: r.resolve(v.Attr("waitUrl")), Method: method},
		r.call.Params("in-progress", false).Merge(contract.EnqueueWaitFields(q)))
	if ws.Error != nil {
		r.event(step, Event{Kind: EventWarning, Verb: "Enqueue", Line: v.Line, Code: ws.Error.Code, Text: "the waitUrl failed: Twilio plays nothing while the caller waits"})
		return "bridged"
	}
	if doc == nil {
		return "bridged"
	}
	for _, w := range doc.Verbs() {
		switch w.Name {
		case "Say", "Play", "Pause":
			r.audio(ws, w)
		case "Leave":
			r.event(ws, Event{Kind: EventRedirect, Verb: "Leave", Line: w.Line, Text: "the caller leaves the queue"})
			return "leave"
		case "Hangup":
			r.event(ws, Event{Kind: EventHangup, Verb: "Hangup", Line: w.Line, Text: "the wait document hung up"})
			return "hangup"
		default:
			r.event(ws, Event{Kind: EventNotSimulated, Verb: w.Name, Line: w.Line, Text: fmt.Sprintf("<%s> in a waitUrl document is not simulated", w.Name)})
		}
	}
	return "bridged"
}

// dequeueWhisper requests a <Dial><Queue url>: TwiML played to the caller
// taken out of the queue before the two calls are bridged. It is that
// caller who hears it, not this one.
func (r *run) dequeueWhisper(ctx context.Context, step *Step, dial *twiml.Node) {
	for _, c := range dial.Children {
		if c.Name != "Queue" || !c.Has("url") {
			continue
		}
		docURL, heard := r.docURL, r.heard
		fields := contract.DequeueFields(contract.NewSID("QU", r.rnd), contract.NewSID("CA", r.rnd), r.call.CallSid, holdSeconds)
		ws, doc := r.fetch(ctx, "dequeue-whisper", r.attrTarget(c, "url", "method"), r.call.Params("in-progress", false).Merge(fields))
		if ws.Error != nil {
			r.event(step, Event{Kind: EventWarning, Verb: "Queue", Line: c.Line, Code: ws.Error.Code, Text: "the <Queue url> failed: the dequeued caller hears nothing before the bridge"})
		}
		if doc != nil {
			for _, w := range doc.Verbs() {
				if w.Name == "Say" || w.Name == "Play" || w.Name == "Pause" {
					r.audio(ws, w)
				}
			}
		}
		r.docURL, r.heard = docURL, heard
	}
}
