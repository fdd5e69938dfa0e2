package example

import (
	"math/rand/v2"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// exampleMessage is the transcribed voicemail of the examples.
const exampleMessage = "Hi, this is Sam about order 1234, please call me back."

// verbRequest builds the fields of the requests TwiML asks for besides the
// action URLs, as the engine sends them (simulate/record.go, childleg.go,
// enqueue.go, gather.go).
func verbRequest(kind string, call *contract.Call, r *rand.Rand, now time.Time) contract.Params {
	p := call.Profile
	at := now.UTC().Format(contract.TimestampFormat)
	switch kind {
	case "recording-status":
		secs := 3 + r.IntN(40)
		return contract.RecordingStatusFields(contract.Recording{AccountSid: call.AccountSid, CallSid: call.CallSid, Sid: contract.NewSID("RE", r),
			Status: "completed", Seconds: secs, StartTime: now.Add(-time.Duration(secs) * time.Second).UTC().Format(contract.TimestampFormat),
			Source: contract.RecordingSourceRecordVerb})
	case "transcription":
		return call.Params("completed", false).
			Merge(contract.TranscriptionFields(call.AccountSid, contract.NewSID("TR", r), contract.NewSID("RE", r), exampleMessage))
	case "partial-result":
		return call.Params("in-progress", false).Merge(contract.PartialResultFields("I'd like to talk", 0.72, 2))
	case "dial-leg-status", "whisper":
		leg := contract.ChildLeg{AccountSid: call.AccountSid, CallSid: contract.NewSID("CA", r), ParentCallSid: call.CallSid,
			From: call.Caller.Format(p), To: "+14155550100"}
		if kind == "whisper" {
			return contract.ChildLegParams(p, leg, "in-progress")
		}
		secs := 20 + r.IntN(100)
		return contract.ChildLegParams(p, leg, "completed").Merge(contract.StatusCallbackFields(p, "completed", "completed", secs, true, 3, at))
	case "enqueue-wait":
		return call.Params("in-progress", false).Merge(contract.EnqueueWaitFields(contract.Queue{
			Sid: contract.NewSID("QU", r), Position: 1 + r.IntN(4), Seconds: r.IntN(120), Average: 30 + r.IntN(90), Size: 5, MaxSize: 100}))
	case "enqueue":
		return call.Params("in-progress", false).Merge(contract.EnqueueActionFields("bridged", contract.NewSID("QU", r), r.IntN(300)))
	case "dequeue-whisper":
		return call.Params("in-progress", false).
			Merge(contract.DequeueFields(contract.NewSID("QU", r), contract.NewSID("CA", r), call.CallSid, r.IntN(300)))
	}
	return nil
}
