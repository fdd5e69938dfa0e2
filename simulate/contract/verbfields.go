package contract

import (
	"strconv"
)

// The fields of the requests TwiML asks for besides the action URLs:
// recording and transcription callbacks, speech partial results, the
// dialled leg's status callbacks and whisper, and the queue requests. The
// engine and `callsim example` both build them here.

// Record end reasons, as --record-end and the scenario key `ends` name them.
const (
	RecordEndKey       = "key"        // the caller pressed one of finishOnKey
	RecordEndSilence   = "silence"    // timeout seconds of silence
	RecordEndMaxLength = "max-length" // maxLength reached
	RecordEndHangup    = "hangup"     // the caller hung up
)

// RecordEnds lists the ways a recording can end.
func RecordEnds() []string {
	return []string{RecordEndKey, RecordEndSilence, RecordEndMaxLength, RecordEndHangup}
}

// RecordEndFields are a Record action's fields for a recording that ended
// the given way: Digits is the key, "hangup", or absent when silence or
// maxLength ended it (Twilio documents no key then; empty vs absent is
// unconfirmed, and absent is what an app can test for).
func RecordEndFields(p *Profile, accountSid, recordingSid string, seconds int, end, key string) Params {
	switch end {
	case RecordEndHangup:
		key = "hangup"
	case RecordEndSilence, RecordEndMaxLength:
		key = ""
	}
	out := Params{
		{"RecordingUrl", RecordingURL(accountSid, recordingSid)},
		{p.RecordingDuration, strconv.Itoa(seconds)},
	}
	if key != "" {
		out = out.Add("Digits", key)
	}
	if p.E164 {
		out = out.Add("RecordingSid", recordingSid)
	}
	return out
}

// Recording sources as RecordingSource reports them.
const (
	RecordingSourceRecordVerb = "RecordVerb"
	RecordingSourceDialVerb   = "DialVerb"
)

// Recording is one recording a call made, for its status callback.
type Recording struct {
	AccountSid, CallSid, Sid string
	Status                   string // in-progress, completed or absent
	Seconds                  int
	Channels                 int    // 1, or 2 for a dual-channel Dial recording
	StartTime                string // RFC 2822
	Source                   string // RecordVerb, DialVerb
	Track                    string // both, inbound, outbound
}

// RecordingStatusFields are the whole body of a recordingStatusCallback
// request: Twilio sends these fields only, not the call's.
func RecordingStatusFields(rec Recording) Params {
	out := Params{
		{"AccountSid", rec.AccountSid},
		{"CallSid", rec.CallSid},
		{"RecordingSid", rec.Sid},
		{"RecordingUrl", RecordingURL(rec.AccountSid, rec.Sid)},
		{"RecordingStatus", rec.Status},
	}
	if rec.Status == "completed" {
		out = out.Add("RecordingDuration", strconv.Itoa(rec.Seconds))
	}
	channels := rec.Channels
	if channels == 0 {
		channels = 1
	}
	track := rec.Track
	if track == "" {
		track = "both"
	}
	out = out.Add("RecordingChannels", strconv.Itoa(channels)).
		Add("RecordingStartTime", rec.StartTime).
		Add("RecordingSource", rec.Source).
		Add("RecordingTrack", track)
	if rec.Status == "absent" {
		out = out.Add("ErrorCode", "0")
	}
	return out
}

// TranscriptionFields are a transcribeCallback's fields, added to the
// call's. An empty text is reported as a failed transcription.
func TranscriptionFields(accountSid, transcriptionSid, recordingSid, text string) Params {
	status := "completed"
	if text == "" {
		status = "failed"
	}
	return Params{
		{"TranscriptionSid", transcriptionSid},
		{"TranscriptionText", text},
		{"TranscriptionStatus", status},
		{"TranscriptionUrl", "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Transcriptions/" + transcriptionSid},
		{"RecordingSid", recordingSid},
		{"RecordingUrl", RecordingURL(accountSid, recordingSid)},
	}
}

// GatherLanguageField is the Language field observed on speech results.
func GatherLanguageField(language string) Params {
	if language == "" {
		language = "en-US"
	}
	return Params{{"Language", language}}
}

// PartialResultFields are one partialResultCallback request's fields,
// added to the call's: the words recognised so far.
func PartialResultFields(unstable string, stability float64, sequence int) Params {
	return Params{
		{"UnstableSpeechResult", unstable},
		{"Stability", strconv.FormatFloat(stability, 'f', -1, 64)},
		{"SequenceNumber", strconv.Itoa(sequence)},
	}
}

// ConferenceDialFields are a Dial action's fields when the caller was in a
// conference: answered, and no DialCallSid or DialCallDuration.
func ConferenceDialFields(p *Profile) Params {
	out := Params{{p.DialResult, "answered"}}
	if p.DialDetails {
		out = out.Add("DialBridged", "true")
	}
	return out
}

// ChildLeg is the call <Dial> places to a <Number>, <Client> or <Sip>.
type ChildLeg struct {
	AccountSid, CallSid, ParentCallSid string
	From, To                           string
}

// ChildLegParams are the fields of a request about the dialled leg (its
// status callbacks and its whisper URL): its own CallSid, the parent's as
// ParentCallSid, Direction outbound-dial.
func ChildLegParams(p *Profile, leg ChildLeg, status string) Params {
	version := p.Name
	if !p.StatusCallbacks {
		version = v20100401.Name // child-leg callbacks came with today's API
	}
	return Params{
		{"AccountSid", leg.AccountSid},
		{"CallSid", leg.CallSid},
		{"ParentCallSid", leg.ParentCallSid},
		{"From", leg.From},
		{"To", leg.To},
		{"Caller", leg.From},
		{"Called", leg.To},
		{"CallStatus", status},
		{"Direction", "outbound-dial"},
		{"ApiVersion", version},
	}
}

// Queue is the state of a queue the call waits in.
type Queue struct {
	Sid      string
	Position int // 1 = next to be dequeued
	Seconds  int // how long this call has waited
	Average  int // average wait of the queue, seconds
	Size     int // calls in the queue
	MaxSize  int // the queue's capacity
}

// EnqueueWaitFields are the queue fields of a waitUrl request.
func EnqueueWaitFields(q Queue) Params {
	return Params{
		{"QueuePosition", strconv.Itoa(q.Position)},
		{"QueueSid", q.Sid},
		{"QueueTime", strconv.Itoa(q.Seconds)},
		{"AvgQueueTime", strconv.Itoa(q.Average)},
		{"CurrentQueueSize", strconv.Itoa(q.Size)},
		{"MaxQueueSize", strconv.Itoa(q.MaxSize)},
	}
}

// Enqueue results (QueueResult).
var queueResults = []string{"bridged", "bridging-in-process", "error", "hangup", "leave", "redirected", "redirected-from-bridged", "queue-full", "system-error"}

// QueueResults lists the values of QueueResult.
func QueueResults() []string { return append([]string(nil), queueResults...) }

// EnqueueActionFields are an Enqueue action's fields when the call leaves
// the queue.
func EnqueueActionFields(result, queueSid string, seconds int) Params {
	return Params{{"QueueResult", result}, {"QueueSid", queueSid}, {"QueueTime", strconv.Itoa(seconds)}}
}

// DequeueFields are the fields of a <Queue url> request: the TwiML played
// to the caller taken out of the queue, before the two are bridged.
func DequeueFields(queueSid, dequeuedCallSid, dequeuingCallSid string, seconds int) Params {
	return Params{
		{"QueueSid", queueSid},
		{"CallSid", dequeuedCallSid},
		{"QueueTime", strconv.Itoa(seconds)},
		{"DequeingCallSid", dequeuingCallSid},
	}
}

// verbCallbackFields documents the fields of the requests above, for
// `callsim fields` and `callsim example --format markdown`.
var verbCallbackFields = []CallbackField{
	{Name: "Language", Kinds: []string{"gather"}, When: "speech input", Sample: "en-US", Applies: isE164,
		Meaning: "The language the speech was recognised in (the Gather's language), as observed on Twilio's requests."},
	{Name: "Digits", Kinds: []string{"record"}, When: "a key or a hang-up ended the recording",
		Meaning: "The key that ended the recording, or hangup when the caller hung up (then CallStatus is completed). Absent when silence or maxLength ended it."},
	{Name: "RecordingStatus", Kinds: []string{"recording-status"},
		Meaning: "in-progress, completed or absent (nothing was recorded), per recordingStatusCallbackEvent."},
	{Name: "RecordingSid", Kinds: []string{"recording-status", "transcription"}, Meaning: "The recording: RE followed by 32 hex digits."},
	{Name: "RecordingUrl", Kinds: []string{"recording-status", "transcription"}, Meaning: "URL of the recording (WAV; add .mp3 for MP3)."},
	{Name: "RecordingDuration", Kinds: []string{"recording-status"}, When: "RecordingStatus completed", Meaning: "Length of the recording in seconds."},
	{Name: "RecordingChannels", Kinds: []string{"recording-status"}, Meaning: "1, or 2 for a dual-channel <Dial> recording."},
	{Name: "RecordingStartTime", Kinds: []string{"recording-status"}, Meaning: "When the recording started: RFC 2822 date in UTC."},
	{Name: "RecordingSource", Kinds: []string{"recording-status"}, Meaning: "What made the recording: RecordVerb (<Record>), DialVerb (<Dial record>), OutboundAPI …"},
	{Name: "RecordingTrack", Kinds: []string{"recording-status"}, Meaning: "The audio recorded: both, inbound or outbound."},
	{Name: "TranscriptionSid", Kinds: []string{"transcription"}, Meaning: "The transcription: TR followed by 32 hex digits."},
	{Name: "TranscriptionText", Kinds: []string{"transcription"}, Meaning: "The text of the recording (empty when the transcription failed)."},
	{Name: "TranscriptionStatus", Kinds: []string{"transcription"}, Meaning: "completed or failed."},
	{Name: "TranscriptionUrl", Kinds: []string{"transcription"}, Meaning: "The transcription resource in the REST API."},
	{Name: "UnstableSpeechResult", Kinds: []string{"partial-result"}, Meaning: "The words recognised so far; they may still change."},
	{Name: "Stability", Kinds: []string{"partial-result"}, Meaning: "How likely the partial result is to stay as it is, 0.0 to 1.0."},
	{Name: "SequenceNumber", Kinds: []string{"partial-result"}, Meaning: "Order of this partial result within the utterance: 0, 1, 2…"},
	{Name: "ParentCallSid", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "The call whose <Dial> placed this leg."},
	{Name: "CallSid", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "The dialled leg's own CallSid (not the caller's)."},
	{Name: "Direction", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "outbound-dial: a leg placed by <Dial>."},
	// These requests postdate the first API: they use today's names on
	// every profile.
	{Name: "AccountSid", Kinds: []string{"recording-status", "dial-leg-status", "whisper"}, Meaning: "Your account: AC followed by 32 hex digits."},
	{Name: "CallSid", Kinds: []string{"recording-status"}, Meaning: "The call that was recorded."},
	{Name: "From", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "The caller ID of the dialled leg: the Dial's callerId, else the caller's number."},
	{Name: "To", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "The number, client or SIP address dialled."},
	{Name: "Caller", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "Same as From."},
	{Name: "Called", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "Same as To."},
	{Name: "CallStatus", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "The dialled leg's status: initiated, ringing, in-progress, then completed, busy, no-answer, failed or canceled."},
	{Name: "ApiVersion", Kinds: []string{"dial-leg-status", "whisper"}, Meaning: "API version of the call."},
	{Name: "QueuePosition", Kinds: []string{"enqueue-wait"}, Meaning: "The caller's place in the queue; 1 is next."},
	{Name: "QueueSid", Kinds: []string{"enqueue-wait", "enqueue", "dequeue-whisper"}, Meaning: "The queue: QU followed by 32 hex digits."},
	{Name: "QueueTime", Kinds: []string{"enqueue-wait", "enqueue", "dequeue-whisper"}, Meaning: "Seconds the caller has waited in the queue."},
	{Name: "AvgQueueTime", Kinds: []string{"enqueue-wait"}, Meaning: "Average seconds callers wait in this queue."},
	{Name: "CurrentQueueSize", Kinds: []string{"enqueue-wait"}, Meaning: "Calls in the queue now."},
	{Name: "MaxQueueSize", Kinds: []string{"enqueue-wait"}, Meaning: "How many calls the queue holds."},
	{Name: "QueueResult", Kinds: []string{"enqueue"},
		Meaning: "How the caller left the queue: bridged, bridging-in-process, error, hangup, leave, redirected, redirected-from-bridged, queue-full or system-error."},
	{Name: "CallSid", Kinds: []string{"dequeue-whisper"}, Meaning: "The caller taken out of the queue."},
	{Name: "DequeingCallSid", Kinds: []string{"dequeue-whisper"}, Meaning: "The call whose <Dial><Queue> took the caller out of the queue (Twilio's spelling)."},
}
