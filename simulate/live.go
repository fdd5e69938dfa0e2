package simulate

import (
	"context"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// Live is a controller outside the engine that watches a running call and
// may change it, as Twilio's REST API does (callsim serve): it sees the
// phone ring and the call's clock move, and hands the engine redirects and
// hang-ups, which the engine takes before the next verb.
type Live interface {
	// Ring is called once the call is placed, before it is answered and
	// before the first TwiML request. It returns when the ringing is over
	// (at once on a simulated clock); a Change that hangs up ends the call
	// unanswered, as canceled.
	Ring(ctx context.Context) *Change
	// Elapse is called each time the call's clock moves forward by d
	// (speech, pauses, waits for input, recordings). It may take d of real
	// time; it returns the time that passed (less than d when a change cut
	// it short) and a change received meanwhile, or nil.
	Elapse(ctx context.Context, d time.Duration) (time.Duration, *Change)
	// End is told the call's final status and how long it was connected,
	// right before the completed status callback goes out.
	End(status string, connected time.Duration)
}

// Change is an outside change of a running call.
type Change struct {
	Hangup bool   // end the call now
	Reason string // why, in words, for the transcript
	// A redirect drops the current TwiML and continues with URL (with
	// Method) or, when URL is empty, with the inline document Twiml.
	URL, Method string
	Twiml       string
}

// liveRun is the engine's side of a Live: the context to wait in and the
// change not yet taken.
type liveRun struct {
	ctx     context.Context
	l       Live
	pending *Change
	ended   bool
}

func newLiveRun(ctx context.Context, l Live) *liveRun {
	if l == nil {
		return nil
	}
	return &liveRun{ctx: ctx, l: l}
}

// keep stores a change; a hang-up wins over a redirect, and a later
// redirect over an earlier one, as on Twilio.
func (lr *liveRun) keep(c *Change) {
	if c == nil || lr.pending != nil && lr.pending.Hangup {
		return
	}
	lr.pending = c
}

// elapse lets the controller see time pass; without one the clock just moves.
func (r *run) elapse(d time.Duration) time.Duration {
	if r.live == nil || d <= 0 {
		return d
	}
	spent, c := r.live.l.Elapse(r.live.ctx, d)
	r.live.keep(c)
	return spent
}

// ring lets the phone ring; it reports true when the call was hung up
// before it was answered, and has then ended it.
func (r *run) ring(ctx context.Context) bool {
	if r.live == nil {
		return false
	}
	c := r.live.l.Ring(ctx)
	if c == nil || !c.Hangup {
		r.live.keep(c)
		return false
	}
	r.finish("canceled", orReason(c.Reason, "hung up through the REST API before it was answered"))
	r.statusCallback(ctx, "completed", "canceled")
	return true
}

// first gets the call's first document: inline TwiML when the options
// carry it, else the voice URL.
func (r *run) first(ctx context.Context, initial webhook.Target, params contract.Params) (*Step, *twiml.Document) {
	if r.opt.Twiml == "" {
		return r.fetch(ctx, "initial", initial, params)
	}
	return r.inline("initial", params, r.opt.Twiml)
}

// inline runs a document that was handed over rather than fetched (the
// REST API's Twiml parameter): the step shows it as the answer to a
// request that was never sent.
func (r *run) inline(kind string, params contract.Params, doc string) (*Step, *twiml.Document) {
	r.requests++
	step := &Step{N: len(r.t.Steps) + 1}
	r.t.Steps = append(r.t.Steps, step)
	step.Request = &webhook.Request{Kind: kind, Method: "TWIML", URL: "(inline TwiML, no request)", Params: params}
	step.Response = &webhook.Response{Status: 200, ContentType: "text/xml", Body: doc, Size: len(doc)}
	d := r.parse(step, step.Response)
	r.notify(step)
	return step, d
}

// takeChange applies a pending outside change before the next verb: it
// reports true when it did, with the step and document to go on with
// (nil when the call ended).
func (r *run) takeChange(ctx context.Context, step *Step) (*Step, *twiml.Document, bool) {
	if r.live == nil || r.live.pending == nil || r.ended {
		return nil, nil, false
	}
	c := r.live.pending
	r.live.pending = nil
	if step == nil {
		step = r.lastStep
	}
	if c.Hangup {
		reason := orReason(c.Reason, "hung up through the REST API")
		r.event(step, Event{Kind: EventHangup, Text: reason})
		r.finish("completed", reason)
		return nil, nil, true
	}
	if c.URL == "" {
		r.event(step, Event{Kind: EventRedirect, Text: "inline TwiML through the REST API"})
		next, doc := r.inline("live-redirect", r.call.Params("in-progress", false), c.Twiml)
		return next, doc, true // a document that does not parse is an application error, as execute reports
	}
	r.event(step, Event{Kind: EventRedirect, Text: webhook.WithoutUser(c.URL) + " through the REST API"})
	next, doc := r.next(ctx, "live-redirect", webhook.Target{URL: c.URL, Method: c.Method}, nil)
	return next, doc, true
}

// reportEnd tells the controller how the call ended, once.
func (r *run) reportEnd(event, status string) {
	if r.live == nil || event != "completed" || r.live.ended {
		return
	}
	r.live.ended = true
	connected := r.t.Duration
	if !r.answered && !r.call.Answered() {
		connected = 0
	}
	r.live.l.End(status, connected)
}

func orReason(reason, def string) string {
	if reason == "" {
		return def
	}
	return reason
}
