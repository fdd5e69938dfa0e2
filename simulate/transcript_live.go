package simulate

import (
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// NewTranscript is the transcript of call before its first request: the
// header fields a live report shows while the call goes on (the engine
// fills in the rest).
func NewTranscript(call *contract.Call, start time.Time) *Transcript {
	return &Transcript{
		CallSid: call.CallSid, AccountSid: call.AccountSid, APIVersion: call.Profile.Name,
		Direction: call.DirectionValue(), From: call.Caller.Format(call.Profile), To: call.Called.Format(call.Profile),
		StartedAt: start.UTC(),
		Steps:     []*Step{}, // an unanswered 2010-04-01 call has none: [] in JSON, not null
	}
}

// Retries is how many requests of the call were sent again after a failed
// attempt (#rc): each is one more HTTP request the app saw, or tried to.
func (t *Transcript) Retries() int {
	n := 0
	for _, s := range t.Steps {
		if s.Request != nil {
			n += s.Request.Retries
		}
	}
	return n
}
