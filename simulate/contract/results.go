package contract

import (
	"fmt"
	"strconv"
)

// The verb-specific fields Twilio adds to an action request, per profile.
// The engine and `callsim example` both build them here.

// GatherDigitsFields are a Gather action's fields for keys pressed.
func GatherDigitsFields(p *Profile, digits, finishedOnKey string) Params {
	out := Params{{"Digits", digits}}
	if p.E164 {
		out = out.Add("FinishedOnKey", finishedOnKey)
	}
	return out
}

// GatherSpeechFields are a Gather action's fields for recognised speech.
func GatherSpeechFields(speech string, confidence float64) Params {
	if confidence == 0 {
		confidence = 0.9
	}
	return Params{{"SpeechResult", speech}, {"Confidence", strconv.FormatFloat(confidence, 'f', -1, 64)}}
}

// RecordingURL is where Twilio would store a recording.
func RecordingURL(accountSid, recordingSid string) string {
	return fmt.Sprintf("https://api.twilio.com/2010-04-01/Accounts/%s/Recordings/%s", accountSid, recordingSid)
}

// RecordFields are a Record action's fields; key is the key that ended the
// recording, or "hangup".
func RecordFields(p *Profile, accountSid, recordingSid string, seconds int, key string) Params {
	out := Params{
		{"RecordingUrl", RecordingURL(accountSid, recordingSid)},
		{p.RecordingDuration, strconv.Itoa(seconds)},
		{"Digits", key},
	}
	if p.E164 {
		out = out.Add("RecordingSid", recordingSid)
	}
	return out
}

// DialFields are a Dial action's fields for the dialled leg's outcome.
func DialFields(p *Profile, outcome, dialCallSid string, seconds int) Params {
	result := outcome
	if !p.DialDetails && outcome == "completed" {
		result = "answered" // the 2008 API's word for a bridged call
	}
	out := Params{{p.DialResult, result}}
	if p.DialDetails {
		out = out.Add("DialCallSid", dialCallSid).
			Add("DialCallDuration", strconv.Itoa(seconds)).
			Add("DialBridged", strconv.FormatBool(outcome == "completed"))
	}
	return out
}

// FallbackFields are added when Twilio requests the fallback URL.
func FallbackFields(code int, failedURL string) Params {
	return Params{{"ErrorCode", strconv.Itoa(code)}, {"ErrorUrl", failedURL}}
}

// StatusCallbackFields are a status callback's extra fields. seconds is the
// call's length so far, answered says whether it was billed, sequence
// counts callbacks from 0, at is the event's time.
func StatusCallbackFields(p *Profile, event, status string, seconds int, answered bool, sequence int, at string) Params {
	var out Params
	if event == "completed" {
		out = out.Add("CallDuration", strconv.Itoa(seconds))
		if p.StatusCallbacks {
			minutes := 0
			if answered {
				minutes = (seconds + 59) / 60
			}
			out = out.Add("Duration", strconv.Itoa(minutes)).Add("SipResponseCode", sipCode(status))
		}
	}
	if p.StatusCallbacks {
		out = out.Add("Timestamp", at).
			Add("CallbackSource", "call-progress-events").
			Add("SequenceNumber", strconv.Itoa(sequence))
	}
	return out
}

// AsyncAMDFields are what the AsyncAmdStatusCallback receives: the call,
// who answered and how long detection took (milliseconds); nothing else.
func AsyncAMDFields(callSid, accountSid, answeredBy string, millis int) Params {
	return Params{{"CallSid", callSid}, {"AccountSid", accountSid}, {"AnsweredBy", answeredBy}, {"MachineDetectionDuration", strconv.Itoa(millis)}}
}

// TimestampFormat is RFC 2822 as Twilio writes it in callbacks.
const TimestampFormat = "Mon, 02 Jan 2006 15:04:05 -0700"

// Merge sets every field of extra on p (extra wins).
func (p Params) Merge(extra Params) Params {
	for _, kv := range extra {
		p = p.Set(kv.Key, kv.Value)
	}
	return p
}

func sipCode(status string) string {
	switch status {
	case "busy":
		return "486"
	case "no-answer", "canceled":
		return "487"
	case "failed":
		return "404"
	}
	return "200"
}
