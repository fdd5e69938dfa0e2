package simulate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	step, terr, sent := r.send(ctx, kind, target, params)
	if !sent {
		return step
	}
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
	numberOnly := r.call.Direction == contract.Inbound && r.call.Profile.NumberCallbackEndOnly
	if numberOnly {
		events = []string{"completed"}
	}
	if !slices.Contains(events, event) {
		return
	}
	at := r.t.StartedAt.Add(r.clock).Format(contract.TimestampFormat)
	params := r.call.Params(status, false).
		Merge(contract.StatusCallbackFields(r.call.Profile, event, status, callSeconds(r.t.Duration), r.answered, r.sequence, at))
	if event == "completed" && r.call.AnsweredBy != "" && r.call.Profile.StatusCallbacks {
		params = params.Set("AnsweredBy", r.call.AnsweredBy)
	}
	r.sequence++
	step := r.callback(ctx, "status-callback", webhook.Target{URL: r.signer.PublicURL(r.opt.StatusCallback), Method: r.opt.StatusCallbackMethod}, params)
	if numberOnly && slices.ContainsFunc(r.opt.StatusEvents, func(e string) bool { return e != "completed" }) {
		r.event(step, Event{Kind: EventWarning, Text: "status events " + strings.Join(r.opt.StatusEvents, ", ") + " apply to calls placed through the REST API (outbound) and to <Dial> nouns; " +
			"a phone number's status callback has no event selection and receives only the end of the call"})
	}
}

// unanswered is a 2010-04-01 outbound call nobody picks up: Twilio fetches
// the Url only when the call connects, so the app hears of it through the
// status callback alone.
func (r *run) unanswered(ctx context.Context) {
	status := r.call.DialStatus
	r.statusCallback(ctx, "initiated", "initiated")
	if status == "no-answer" || status == "canceled" { // a busy line or an unroutable number never rings
		r.statusCallback(ctx, "ringing", "ringing")
	}
	r.finish(status, "the call was not answered: "+status+" (Twilio requests the Url only when a call connects)")
	r.statusCallback(ctx, "completed", status)
}

// asyncAMD reports asynchronous answering machine detection: the call has
// gone on with the app's TwiML while detection ran, and its result goes to
// the AsyncAmdStatusCallback with only these fields.
func (r *run) asyncAMD(ctx context.Context) {
	if !r.call.AsyncAMD || r.opt.AsyncAMDStatusCallback == "" {
		return
	}
	params := contract.AsyncAMDFields(r.call.CallSid, r.call.AccountSid, r.call.AnsweredBy, r.call.MachineDetectionMillis())
	r.callback(ctx, "amd-callback", webhook.Target{URL: r.signer.PublicURL(r.opt.AsyncAMDStatusCallback), Method: r.opt.AsyncAMDStatusCallbackMethod}, params)
}

// callback sends a request whose answer Twilio ignores (status, detection,
// recording, transcription and partial-result callbacks, a dialled leg's
// status). Its failure does not fail the call: Twilio logs a
// warning (15003 for a 4xx or 5xx answer) and the call goes on.
func (r *run) callback(ctx context.Context, kind string, target webhook.Target, params contract.Params) *Step {
	step, terr, sent := r.send(ctx, kind, target, params)
	if !sent {
		return step
	}
	if terr != nil {
		code, text := terr.Code, terr.Message
		if resp := step.Response; resp != nil && resp.Status >= 400 {
			code = contract.ErrCallbackResponse
			text = fmt.Sprintf("%s: got HTTP %d from the %s; the call is unaffected", contract.ErrorWords(code), resp.Status, kind)
		} else {
			text += "; the call is unaffected"
		}
		r.event(step, Event{Kind: EventWarning, Code: code, Text: text})
	}
	r.notify(step)
	return step
}

// send builds and sends a request whose answer is not TwiML to run; sent is
// false when it could not be built (begin has recorded why on the step).
func (r *run) send(ctx context.Context, kind string, target webhook.Target, params contract.Params) (step *Step, terr *contract.TwilioError, sent bool) {
	step, req := r.begin(kind, target, params)
	if req == nil {
		return step, nil, false
	}
	step.Response, terr = r.signer.Send(ctx, r.client, req)
	return step, terr, true
}

// callSeconds is a duration as Twilio reports it: whole seconds, rounded up.
func callSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
