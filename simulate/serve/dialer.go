package serve

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"sync"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/restapi"
)

// DefaultRing is how long a phone rings before an answer, busy or machine
// when the outcome rule gives no ring=.
const DefaultRing = 3 * time.Second

// dialer is the restapi.Dialer on the call engine.
type dialer struct {
	cfg       *Config
	authToken string
	http      *http.Client
}

// Start implements restapi.Dialer.
func (d *dialer) Start(ctx context.Context, req restapi.CallRequest, api *restapi.Live) {
	lc := &liveCall{d: d, req: req, api: api, ctx: ctx, wake: make(chan struct{}, 1), done: make(chan struct{})}
	lc.timeLimit = time.Duration(req.TimeLimit) * time.Second
	go lc.watch(ctx)
	defer close(lc.done)

	lc.emit(Event{Kind: EventStatus, Status: string(restapi.StatusQueued), Outcome: describe(req.Outcome)})
	spec := contract.CallSpec{
		Direction: contract.Outbound, APIVersion: contract.V20100401().Name,
		From: req.From, To: req.To, AccountSid: req.AccountSid, CallSid: req.Sid,
		DialStatus: lc.dialStatus(), Seed: seedOf(req.Sid),
	}
	if req.MachineDetection != "" && lc.answers() {
		// The engine sends AnsweredBy on the first request (synchronous
		// detection) or to the AsyncAmdStatusCallback, and in the
		// completed status callback.
		spec.AnsweredBy, spec.AsyncAMD = req.Outcome.AnsweredBy, req.AsyncAmd
	}
	call, err := contract.NewCall(spec)
	if err != nil {
		lc.fail(fmt.Sprintf("callsim cannot place this call: %v", err))
		return
	}
	url, twiml := req.Url, ""
	if url == "" {
		twiml = req.Twiml
	}
	rn, err := simulate.NewRunner(simulate.Options{
		URL: url, Method: req.Method, Twiml: twiml,
		AuthToken: d.authToken, Timeout: d.cfg.WebhookTimeout,
		FallbackURL: req.FallbackUrl, FallbackMethod: req.FallbackMethod,
		StatusCallback: req.StatusCallback, StatusCallbackMethod: req.StatusCallbackMethod,
		StatusEvents:           req.StatusCallbackEvent,
		AsyncAMDStatusCallback: req.AsyncAmdStatusCallback, AsyncAMDStatusCallbackMethod: req.AsyncAmdStatusCallbackMethod,
		NoEnd:    true, // 2010-04-01 reports the end to the status callback only
		MaxSteps: d.cfg.MaxSteps,
		HTTP:     d.http,
	})
	if err != nil {
		lc.fail(fmt.Sprintf("callsim cannot run this call: %v", err))
		return
	}
	// Reported before the engine sends the matching status callbacks, so an
	// app that fetches the call on a callback sees at least that step.
	lc.report(restapi.StatusInitiated, "")
	if req.Outcome.Kind != restapi.Failed {
		lc.report(restapi.StatusRinging, "")
	}
	var caller simulate.Caller = &simulate.ScriptCaller{Digits: req.Outcome.Digits, Speech: req.Outcome.Speech}
	if d.cfg.NewCaller != nil {
		caller = d.cfg.NewCaller(req)
	}
	t := rn.Run(ctx, call, simulate.CallHooks{
		Caller: caller,
		OnStep: func(s *simulate.Step) {
			lc.flush()
			lc.emit(Event{Kind: EventStep, Step: s})
			lc.step, lc.shown = s, len(s.Events)
		},
		Live: lc,
	})
	lc.flush()
	lc.afterCall(ctx, call, t)
	lc.emit(Event{Kind: EventCall, Transcript: t, Status: t.Status})
}

// seedOf makes a call's generated values (recording SIDs) follow from its SID.
func seedOf(sid string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(sid))
	return h.Sum64()
}

// describe is the outcome as the log shows it.
func describe(o restapi.Outcome) string {
	s := string(o.Kind)
	if o.Rule != "" {
		s += " (rule " + o.Rule + ")"
	}
	return s
}

// liveCall is one running call: the engine's simulate.Live, fed by the
// API's changes.
type liveCall struct {
	d   *dialer
	req restapi.CallRequest
	api *restapi.Live
	ctx context.Context // the call's, for End, which the engine calls without one

	// clock is the call's time since creation on the simulated clock;
	// answeredAt is its value at the answer (-1 before).
	clock, answeredAt time.Duration
	answered          bool
	rang              bool // Ring was called
	// step is the latest webhook step; shown counts its events already logged.
	step  *simulate.Step
	shown int

	mu        sync.Mutex
	pending   *simulate.Change
	timeLimit time.Duration
	wake      chan struct{}
	done      chan struct{}
}

// answers reports whether the outcome picks up the phone.
func (lc *liveCall) answers() bool {
	o := lc.req.Outcome
	if o.Kind != restapi.Answered && o.Kind != restapi.Machine {
		return false
	}
	return o.Ring == 0 || o.Ring < time.Duration(lc.req.Timeout)*time.Second
}

// dialStatus is the engine's result of the call attempt.
func (lc *liveCall) dialStatus() string {
	o := lc.req.Outcome
	switch {
	case o.Kind == restapi.Busy || o.Kind == restapi.Failed:
		return string(o.Kind)
	case !lc.answers():
		return "no-answer"
	}
	return "answered"
}

// ringTime is how long the phone rings before the outcome.
func (lc *liveCall) ringTime() time.Duration {
	o := lc.req.Outcome
	switch {
	case o.Kind == restapi.Failed:
		return 0
	case o.Kind == restapi.NoAnswer || !lc.answers() && o.Kind != restapi.Busy:
		return time.Duration(lc.req.Timeout) * time.Second
	case o.Ring > 0:
		return o.Ring
	case o.Kind == restapi.Busy:
		return 0
	}
	return DefaultRing
}

// watch hands the API's changes to the engine until the call is over.
func (lc *liveCall) watch(ctx context.Context) {
	for {
		select {
		case ch := <-lc.api.Changes():
			lc.mu.Lock()
			switch ch.Kind {
			case restapi.Redirect:
				if lc.pending == nil || !lc.pending.Hangup {
					lc.pending = &simulate.Change{URL: ch.Url, Method: ch.Method, Twiml: ch.Twiml}
				}
			case restapi.Hangup, restapi.Cancel:
				lc.pending = &simulate.Change{Hangup: true, Reason: "hung up through the REST API (Status=" + hangupStatus(ch.Kind) + ")"}
			case restapi.Settings:
				if ch.Settings.TimeLimit != nil {
					lc.timeLimit = time.Duration(*ch.Settings.TimeLimit) * time.Second
				}
			}
			lc.mu.Unlock()
			if st := ch.Settings; ch.Kind == restapi.Settings && (st.StatusCallback != nil || st.StatusCallbackMethod != nil || st.FallbackUrl != nil || st.FallbackMethod != nil) {
				lc.emit(Event{Time: time.Now(), Kind: EventError, Message: "the update's StatusCallback/FallbackUrl settings are stored by Twilio for the running call; callsim serve keeps the ones the call was created with"})
			}
			// The wall clock: the engine goroutine owns the call's clock.
			lc.emit(Event{Time: time.Now(), Kind: EventChange, Change: ch.Kind.String()})
			select {
			case lc.wake <- struct{}{}:
			default:
			}
		case <-lc.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

func hangupStatus(k restapi.ChangeKind) string {
	if k == restapi.Cancel {
		return "canceled"
	}
	return "completed"
}

func (lc *liveCall) take() *simulate.Change {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	c := lc.pending
	lc.pending = nil
	return c
}

// sleep lets d of call time pass: at once on the simulated clock, scaled
// on a real one. It stops early when a change arrives.
func (lc *liveCall) sleep(ctx context.Context, d time.Duration) (time.Duration, *simulate.Change) {
	scale := lc.d.cfg.Scale
	if scale <= 0 || d <= 0 {
		return d, lc.take()
	}
	began := time.Now()
	timer := time.NewTimer(time.Duration(float64(d) * scale))
	defer timer.Stop()
	select {
	case <-timer.C:
		return d, lc.take()
	case <-lc.wake:
		spent := min(d, time.Duration(float64(time.Since(began))/scale))
		return spent, lc.take()
	case <-ctx.Done():
		return d, &simulate.Change{Hangup: true, Reason: "callsim serve is shutting down"}
	}
}

// at is the time of the current step: on the simulated clock, or the wall
// clock (zero: the API's Now) in real time.
func (lc *liveCall) at() time.Time {
	if lc.d.cfg.Scale == 1 {
		return time.Time{}
	}
	return lc.req.Created.Add(lc.clock)
}

func (lc *liveCall) report(st restapi.Status, answeredBy string) {
	if err := lc.api.Report(restapi.Progress{Status: st, At: lc.at(), AnsweredBy: answeredBy}); err != nil {
		lc.emit(Event{Kind: EventError, Message: err.Error()})
		return
	}
	lc.emit(Event{Kind: EventStatus, Status: string(st), AnsweredBy: answeredBy})
}

// Ring implements simulate.Live.
func (lc *liveCall) Ring(ctx context.Context) *simulate.Change {
	lc.rang = true
	ring := lc.ringTime()
	spent, c := lc.sleep(ctx, ring)
	lc.clock += spent
	if c != nil && c.Hangup || !lc.answers() {
		return c
	}
	lc.answered, lc.answeredAt = true, lc.clock
	by := ""
	if lc.req.MachineDetection != "" && !lc.req.AsyncAmd {
		by = lc.req.Outcome.AnsweredBy
	}
	lc.report(restapi.StatusInProgress, by)
	if lc.req.SendDigits != "" {
		// Heard by the callee only; nothing the app receives changes.
		lc.emit(Event{Kind: EventVerb, Verb: &simulate.Event{Kind: simulate.EventPress, Text: "SendDigits " + lc.req.SendDigits + " dialled to the callee after the answer"}})
	}
	lc.onAnswer(ctx)
	return c
}

// flush logs what the call did since the last step or flush: the engine
// adds a step's events while it plays them.
func (lc *liveCall) flush() {
	if lc.step == nil {
		return
	}
	for _, e := range lc.step.Events[lc.shown:] {
		lc.emit(Event{Kind: EventVerb, Verb: &e})
	}
	lc.shown = len(lc.step.Events)
}

// Elapse implements simulate.Live; it also ends the call at its TimeLimit.
func (lc *liveCall) Elapse(ctx context.Context, d time.Duration) (time.Duration, *simulate.Change) {
	lc.flush()
	lc.mu.Lock()
	left := lc.timeLimit - (lc.clock - lc.answeredAt)
	lc.mu.Unlock()
	limited := lc.answered && d >= left
	if limited {
		d = max(left, 0)
	}
	spent, c := lc.sleep(ctx, d)
	lc.clock += spent
	if c == nil && limited && spent == d {
		c = &simulate.Change{Hangup: true, Reason: fmt.Sprintf("TimeLimit of %d s reached", lc.req.TimeLimit)}
	}
	return spent, c
}

// End implements simulate.Live.
func (lc *liveCall) End(status string, connected time.Duration) {
	lc.flush()
	if !lc.rang {
		// An engine that ends an unanswered call without ringing it (busy,
		// no-answer) still takes the ringing time before the end.
		lc.rang = true
		spent, _ := lc.sleep(lc.ctx, lc.ringTime())
		lc.clock += spent
	}
	st := restapi.Status(status)
	if lc.answered {
		lc.clock = lc.answeredAt + connected
		if st != restapi.StatusCompleted {
			// A call rejected after the API saw it answered still ends completed there.
			st = restapi.StatusCompleted
		}
	} else if st == restapi.StatusCompleted {
		st = restapi.StatusCanceled
	}
	lc.report(st, "")
}

// fail ends a call the engine could not place.
func (lc *liveCall) fail(msg string) {
	lc.emit(Event{Kind: EventError, Message: msg})
	lc.report(restapi.StatusInitiated, "")
	lc.report(restapi.StatusFailed, "")
	t := &simulate.Transcript{
		CallSid: lc.req.Sid, AccountSid: lc.req.AccountSid, APIVersion: contract.V20100401().Name,
		Direction: "outbound-api", From: lc.req.From, To: lc.req.To,
		Status: string(restapi.StatusFailed), EndReason: msg, Failed: true, StartedAt: lc.req.Created,
	}
	lc.emit(Event{Kind: EventCall, Transcript: t, Status: t.Status})
}

func (lc *liveCall) emit(e Event) {
	if lc.d.cfg.OnEvent == nil {
		return
	}
	e.CallSid = lc.req.Sid
	if e.Time.IsZero() {
		e.Time = lc.req.Created.Add(lc.clock)
		if lc.d.cfg.Scale == 1 {
			e.Time = time.Now()
		}
	}
	lc.d.cfg.OnEvent(e)
}
