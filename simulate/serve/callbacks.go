package serve

import (
	"context"
	"strconv"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/restapi"
	"github.com/callsim/callsim/simulate/webhook"
)

// The callbacks the engine does not make itself: the REST API's own
// recording (Record=true) and asynchronous answering-machine detection.

// amdDuration is how long detection takes before the resource shows its result.
const amdDuration = 2500 * time.Millisecond

// onAnswer starts what runs beside the answered call.
func (lc *liveCall) onAnswer(ctx context.Context) {
	req := lc.req
	if req.Record && contains(req.RecordingStatusCallbackEvent, "in-progress") {
		lc.recordingCallback(ctx, "in-progress", 0)
	}
	if req.MachineDetection != "" && req.AsyncAmd {
		lc.asyncAmd(ctx)
	}
}

// afterCall sends the end-of-recording callback.
func (lc *liveCall) afterCall(ctx context.Context, call *contract.Call, t *simulate.Transcript) {
	if !lc.req.Record || !lc.answered {
		return
	}
	secs := int((t.Duration + time.Second - 1) / time.Second)
	event := "completed"
	if secs == 0 {
		event = "absent"
	}
	if contains(lc.req.RecordingStatusCallbackEvent, event) {
		lc.recordingCallback(ctx, event, secs)
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func (lc *liveCall) recordingSid() string {
	return contract.NewSID("RE", contract.NewRandStream(seedOf(lc.req.Sid), 7))
}

func (lc *liveCall) recordingCallback(ctx context.Context, status string, secs int) {
	req := lc.req
	if req.RecordingStatusCallback == "" {
		return
	}
	sid := lc.recordingSid()
	channels := "1"
	if req.RecordingChannels == "dual" {
		channels = "2"
	}
	params := contract.Params{
		{Key: "AccountSid", Value: req.AccountSid},
		{Key: "CallSid", Value: req.Sid},
		{Key: "RecordingSid", Value: sid},
		{Key: "RecordingUrl", Value: contract.RecordingURL(req.AccountSid, sid)},
		{Key: "RecordingStatus", Value: status},
		{Key: "RecordingDuration", Value: strconv.Itoa(secs)},
		{Key: "RecordingChannels", Value: channels},
		{Key: "RecordingStartTime", Value: restapi.FormatTime(req.Created.Add(lc.answeredAt))},
		{Key: "RecordingSource", Value: "OutboundAPI"},
		{Key: "RecordingTrack", Value: req.RecordingTrack},
		{Key: "ErrorCode", Value: "0"},
	}
	lc.send(ctx, time.Time{}, "recording-status-callback", webhook.Target{URL: req.RecordingStatusCallback, Method: req.RecordingStatusCallbackMethod}, params)
}

// asyncAmd shows the detection result on the call resource once detection
// is over (the engine sends the AsyncAmdStatusCallback).
func (lc *liveCall) asyncAmd(ctx context.Context) {
	req := lc.req
	var at time.Time // read here: the engine moves the clock meanwhile
	if lc.d.cfg.Scale != 1 {
		at = req.Created.Add(lc.answeredAt + amdDuration)
	}
	go func() {
		if scale := lc.d.cfg.Scale; scale > 0 {
			t := time.NewTimer(time.Duration(float64(amdDuration) * scale))
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
		// An error means the call ended before detection finished.
		lc.api.Report(restapi.Progress{Status: restapi.StatusInProgress, At: at, AnsweredBy: req.Outcome.AnsweredBy})
	}()
}

// send makes one signed callback request whose answer is not TwiML and
// logs it as a step; at is the event's time, zero for the call's clock.
func (lc *liveCall) send(ctx context.Context, at time.Time, kind string, target webhook.Target, params contract.Params) {
	s, err := webhook.NewSender(lc.d.authToken, target.URL, "", lc.d.cfg.WebhookTimeout)
	if err != nil {
		lc.emit(Event{Kind: EventError, Time: at, Message: err.Error()})
		return
	}
	step := &simulate.Step{}
	req, err := s.Build(kind, target, params, contract.NewRandStream(seedOf(lc.req.Sid), 8))
	if err != nil {
		lc.emit(Event{Kind: EventError, Time: at, Message: kind + ": " + err.Error()})
		return
	}
	step.Request = req
	resp, terr := s.Send(ctx, lc.d.http, req)
	step.Response, step.Error = resp, terr
	lc.emit(Event{Kind: EventStep, Time: at, Step: step})
}
