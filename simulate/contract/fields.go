package contract

import (
	"slices"
)

// CallbackField documents a field that is not in a profile's table: the
// verb-specific fields of action requests and the status callback fields.
// With the profile tables it is the one source of field meanings, for
// `callsim fields` and `callsim example --format markdown`.
type CallbackField struct {
	Name    string
	Kinds   []string            // example kinds whose request carries it
	When    string              // the condition, when it is not always sent
	Sample  string              // example value when no generated example has it
	Applies func(*Profile) bool // nil: every profile
	Meaning string              // empty: the profile table's meaning
}

func isE164(p *Profile) bool       { return p.E164 }
func hasAMD(p *Profile) bool       { return len(p.AMD) > 0 }
func hasCallbacks(p *Profile) bool { return p.StatusCallbacks }

// CallbackFields lists the fields documented outside the profile tables.
func CallbackFields() []CallbackField { return slices.Concat(callbackFields, verbCallbackFields) }

var callbackFields = []CallbackField{
	{Name: "Digits", Kinds: []string{"gather"},
		Meaning: "Keys the caller pressed, without the key that finished the input (1234# is sent as 1234)."},
	{Name: "FinishedOnKey", Kinds: []string{"gather"}, Applies: isE164,
		Meaning: "The key that finished the input (one of finishOnKey), or empty when numDigits or the timeout did."},
	{Name: "SpeechResult", Kinds: []string{"gather"}, When: "speech input", Sample: "I'd like to talk to sales", Applies: isE164,
		Meaning: "What the caller said, transcribed by speech recognition; sent instead of Digits."},
	{Name: "Confidence", Kinds: []string{"gather"}, When: "speech input", Sample: "0.92", Applies: isE164,
		Meaning: "How sure speech recognition is of SpeechResult, 0.0 to 1.0 (may be absent)."},
	{Name: "RecordingUrl", Kinds: []string{"record"},
		Meaning: "URL of the recording (WAV; add .mp3 for MP3). It may not be fetchable the moment the request arrives."},
	{Name: "RecordingUrl", Kinds: []string{"dial"}, When: "<Dial record=…>", Applies: isE164,
		Meaning: "URL of the recording of the dialled call, when <Dial> records it."},
	{Name: "RecordingDuration", Kinds: []string{"record"}, Applies: func(p *Profile) bool { return p.RecordingDuration == "RecordingDuration" },
		Meaning: "Length of the recording in seconds."},
	{Name: "Duration", Kinds: []string{"record"}, Applies: func(p *Profile) bool { return p.RecordingDuration == "Duration" },
		Meaning: "Length of the recording in seconds."},
	{Name: "Digits", Kinds: []string{"record"},
		Meaning: "The key that ended the recording, or hangup when the caller hung up."},
	{Name: "RecordingSid", Kinds: []string{"record"}, Applies: isE164,
		Meaning: "The recording: RE followed by 32 hex digits."},
	{Name: "DialCallStatus", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialResult == "DialCallStatus" },
		Meaning: "How the dialled call went: completed, answered (conference), busy, no-answer, failed or canceled."},
	{Name: "DialStatus", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialResult == "DialStatus" },
		Meaning: "How the dialled call went: answered, busy, no-answer or failed."},
	{Name: "DialCallSid", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialDetails },
		Meaning: "The dialled call leg: CA followed by 32 hex digits (not sent for a conference)."},
	{Name: "DialCallDuration", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialDetails },
		Meaning: "Seconds the dialled call lasted (not sent for a conference)."},
	{Name: "DialBridged", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialDetails },
		Meaning: "true when the caller was connected to the dialled party, else false."},
	{Name: "CallDuration", Kinds: []string{"completed", "status-callback", "no-answer"},
		Meaning: "Length of the call in seconds (sent when the call has ended; 0 when it was not answered)."},
	{Name: "Duration", Kinds: []string{"status-callback", "no-answer"}, Applies: hasCallbacks,
		Meaning: "Billed minutes, rounded up (49 s is 1); 0 when the call was not answered."},
	{Name: "SipResponseCode", Kinds: []string{"status-callback", "no-answer"}, Applies: hasCallbacks,
		Meaning: "Final SIP response of the call: 200 answered, 486 busy, 487 no answer or canceled, 404 unreachable."},
	{Name: "Timestamp", Kinds: []string{"status-callback", "no-answer"}, Applies: hasCallbacks,
		Meaning: "When the event happened: RFC 2822 date in UTC."},
	{Name: "CallbackSource", Kinds: []string{"status-callback", "no-answer"}, Applies: hasCallbacks,
		Meaning: "Always call-progress-events."},
	{Name: "SequenceNumber", Kinds: []string{"status-callback", "no-answer"}, Applies: hasCallbacks,
		Meaning: "Order of this callback within the call: 0, 1, 2… Callbacks are separate requests and may arrive out of order."},
	{Name: "AnsweredBy", Kinds: []string{"outbound"}, When: "answering-machine detection", Sample: "human", Applies: hasAMD},
	{Name: "MachineDetectionDuration", Kinds: []string{"outbound"}, When: "answering-machine detection", Sample: "2400", Applies: hasAMD},
	{Name: "AnsweredBy", Kinds: []string{"status-callback"}, When: "answering-machine detection (completed event)", Sample: "machine_end_beep", Applies: hasAMD,
		Meaning: "What answering machine detection found on an outbound call: human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax or unknown."},
	{Name: "AnsweredBy", Kinds: []string{"amd-callback"}, Applies: hasAMD,
		Meaning: "What asynchronous answering machine detection found: human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax or unknown. The call's TwiML was already running."},
	{Name: "MachineDetectionDuration", Kinds: []string{"amd-callback"}, Applies: hasAMD,
		Meaning: "Milliseconds the detection took."},
	{Name: "ErrorCode", When: "requests to the fallback URL", Sample: "11217",
		Meaning: "Twilio error code of the failure that made Twilio request the fallback URL, e.g. 11217 (the app answered 4xx or 5xx), 11205 (no answer in time), 11200 (other retrieval failure)."},
	{Name: "ErrorUrl", When: "requests to the fallback URL", Sample: "https://example.com/voice",
		Meaning: "The URL whose request failed."},
}

// AppliesTo reports whether profile p sends the field.
func (f CallbackField) AppliesTo(p *Profile) bool { return f.Applies == nil || f.Applies(p) }

// FieldMeaning is what a request field means in a profile, in one line, or
// "" for a field callsim does not know.
func FieldMeaning(p *Profile, name string) string { return KindFieldMeaning(p, "", name) }

// KindFieldMeaning prefers the meaning a field has in requests of the given
// example kind (Digits of a Gather is not Digits of a Record).
func KindFieldMeaning(p *Profile, kind, name string) string {
	if kind != "" {
		for _, f := range CallbackFields() {
			if f.Name == name && f.Meaning != "" && f.AppliesTo(p) && slices.Contains(f.Kinds, kind) {
				return f.Meaning
			}
		}
	}
	if f, ok := p.Field(name); ok {
		return f.Meaning
	}
	for _, f := range CallbackFields() {
		if f.Name == name && f.Meaning != "" && f.AppliesTo(p) {
			return f.Meaning
		}
	}
	return ""
}

// FirstKind is the first kind the field is documented for, or "".
func (f CallbackField) FirstKind() string {
	if len(f.Kinds) == 0 {
		return ""
	}
	return f.Kinds[0]
}
