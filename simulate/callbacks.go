package simulate

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/webhook"
)

var statusEvents = []string{"initiated", "ringing", "answered", "completed"}

// StatusEvents lists the events Twilio can report to a status callback.
func StatusEvents() []string { return slices.Clone(statusEvents) }

// endOfCall is the seed's last request: the first URL again with CallStatus=completed.
func (r *run) endOfCall(ctx context.Context, initial webhook.Target) {
	params := r.call.Params("completed", false)
	if r.call.Profile.StatusCallbacks {
		params = params.Set("CallDuration", strconv.Itoa(callSeconds(r.t.Duration)))
	}
	r.request(ctx, "end", initial, params)
}

// request makes a request whose answer is not TwiML to run (end of call,
// status callbacks): only its HTTP outcome counts.
func (r *run) request(ctx context.Context, kind string, target webhook.Target, params contract.Params) *Step {
	step, req := r.begin(kind, target, params)
	if req == nil {
		return step
	}
	resp, terr := r.signer.Send(ctx, r.client, req)
	step.Response = resp
	if terr != nil {
		r.fail(step, terr)
	}
	r.notify(step)
	return step
}

func (r *run) statusCallback(ctx context.Context, event, status string) {
	r.reportEnd(event, status)
	if r.opt.StatusCallback == "" {
		return
	}
	events := r.opt.StatusEvents
	if len(events) == 0 {
		events = []string{"completed"}
	}
	if !slices.Contains(events, event) {
		return
	}
	at := r.t.StartedAt.Add(r.clock).Format(contract.TimestampFormat)
	params := r.call.Params(status, false).
		Merge(contract.StatusCallbackFields(r.call.Profile, event, status, callSeconds(r.t.Duration), r.answered, r.sequence, at))
	r.sequence++
	r.request(ctx, "status-callback", webhook.Target{URL: r.signer.PublicURL(r.opt.StatusCallback), Method: r.opt.StatusCallbackMethod}, params)
}

// callSeconds is a duration as Twilio reports it: whole seconds, rounded up.
func callSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
