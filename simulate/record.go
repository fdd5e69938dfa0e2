package simulate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// transcribeMaxLength is Record's default and largest maxLength when the
// recording is transcribed.
const transcribeMaxLength = 120

func (r *run) record(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document) {
	act, ok := r.prompt(ctx, "Record", v, Prompt{})
	if !ok {
		return nil, nil
	}
	transcribe := v.Bool("transcribe") || v.Has("transcribeCallback")
	maxLen, _ := r.boundedInt(step, v, "maxLength", 86400, 13612)
	if transcribe && (!v.Has("maxLength") || maxLen > transcribeMaxLength) {
		maxLen = transcribeMaxLength
	}
	secs := act.RecordSeconds
	end, key := act.RecordEnd, act.Digits
	if end == "" {
		end = contract.RecordEndKey
	}
	if end == contract.RecordEndMaxLength || (maxLen > 0 && secs >= maxLen) {
		end = contract.RecordEndMaxLength
		if maxLen > 0 {
			secs = maxLen
		}
	}
	if end == contract.RecordEndKey {
		end, key = r.recordKey(step, v, secs, key)
	}
	rec := contract.Recording{AccountSid: r.call.AccountSid, CallSid: r.call.CallSid, Source: contract.RecordingSourceRecordVerb, StartTime: r.at()}
	if secs > 0 {
		rec.Sid = contract.NewSID("RE", r.rnd)
		rec.Status = "in-progress"
		r.recordingStatus(ctx, v, rec)
	}
	how := recordEndText(v, end, key, maxLen)
	r.event(step, Event{Kind: EventRecord, Verb: "Record", Line: v.Line, Text: fmt.Sprintf("recorded %d s, %s", secs, how), Seconds: float64(secs)})
	if end == contract.RecordEndSilence {
		silence, _ := r.boundedInt(step, v, "timeout", 3600, 13611)
		r.event(step, Event{Kind: EventNoInput, Verb: "Record", Line: v.Line, Text: fmt.Sprintf("%d s of silence end the recording", silence), Seconds: float64(silence)})
		if v.Attr("trim") == "do-not-trim" {
			secs += silence
		}
	}
	if secs == 0 {
		r.event(step, Event{Kind: EventNoInput, Verb: "Record", Line: v.Line, Text: "empty recording: Twilio moves to the next verb"})
		rec.Status = "absent"
		r.recordingStatus(ctx, v, rec)
		if end == contract.RecordEndHangup {
			r.event(step, Event{Kind: EventCallerHangup, Verb: "Record", Line: v.Line, Text: "the caller hung up"})
			r.finish("completed", "the caller hung up")
		}
		return nil, nil
	}
	rec.Seconds = secs
	extra := contract.RecordEndFields(r.call.Profile, r.call.AccountSid, rec.Sid, secs, end, key)
	target := webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}
	if !v.Has("action") {
		target.URL = r.docURL
	}
	var next *Step
	var doc *twiml.Document
	if end == contract.RecordEndHangup {
		// The caller is gone, yet Twilio still posts the recording to the
		// action URL; whatever TwiML it answers is not run.
		r.event(step, Event{Kind: EventCallerHangup, Verb: "Record", Line: v.Line, Text: "the caller hung up while recording; Twilio still requests the action with Digits=hangup"})
		r.finish("completed", "the caller hung up during <Record>")
		next, _ = r.fetch(ctx, "record", target, r.call.Params("completed", false).Merge(extra))
	} else {
		next, doc = r.next(ctx, "record", target, extra)
	}
	rec.Status = "completed"
	r.recordingStatus(ctx, v, rec)
	if transcribe {
		r.transcription(ctx, step, v, rec, act.Transcription)
	}
	return next, doc
}

// recordKey settles which key ended a recording: the one pressed, or by
// default the last of finishOnKey. A key finishOnKey does not list is not
// heard, and the recording runs on until silence.
func (r *run) recordKey(step *Step, v *twiml.Node, secs int, key string) (end, k string) {
	fk := v.Attr("finishOnKey")
	if key == "" {
		if fk == "" || secs == 0 {
			return contract.RecordEndSilence, ""
		}
		return contract.RecordEndKey, fk[len(fk)-1:]
	}
	if !strings.Contains(fk, key) {
		r.event(step, Event{Kind: EventWarning, Verb: "Record", Line: v.Line,
			Text: fmt.Sprintf("key %s does not end this recording (finishOnKey=%q): Twilio records on until silence", key, fk)})
		return contract.RecordEndSilence, ""
	}
	return contract.RecordEndKey, key
}

func recordEndText(v *twiml.Node, end, key string, maxLen int) string {
	switch end {
	case contract.RecordEndKey:
		return "ended with " + key
	case contract.RecordEndSilence:
		return fmt.Sprintf("ended by silence (timeout %s s)", v.Attr("timeout"))
	case contract.RecordEndMaxLength:
		return fmt.Sprintf("ended at maxLength (%d s)", maxLen)
	}
	return "ended by the caller hanging up"
}

// recordingStatus sends the recordingStatusCallback for the events the
// verb asked for (completed by default).
func (r *run) recordingStatus(ctx context.Context, v *twiml.Node, rec contract.Recording) {
	if !v.Has("recordingStatusCallback") {
		return
	}
	events := strings.FieldsFunc(v.Attr("recordingStatusCallbackEvent"), func(c rune) bool { return c == ' ' || c == ',' })
	if !slices.Contains(events, rec.Status) {
		return
	}
	if rec.Status == "absent" && rec.Sid == "" {
		rec.Sid = contract.NewSID("RE", r.rnd)
	}
	r.callback(ctx, "recording-status", r.attrTarget(v, "recordingStatusCallback", "recordingStatusCallbackMethod"), contract.RecordingStatusFields(rec))
}

// transcription sends the transcribeCallback, with the text the caller's
// script gives; without one Twilio's transcription is reported failed.
func (r *run) transcription(ctx context.Context, step *Step, v *twiml.Node, rec contract.Recording, text string) {
	if !v.Has("transcribeCallback") {
		r.event(step, Event{Kind: EventNotSimulated, Verb: "Record", Line: v.Line, Text: "transcribe=\"true\" without transcribeCallback: the text is only stored in the account"})
		return
	}
	if text == "" {
		r.event(step, Event{Kind: EventWarning, Verb: "Record", Line: v.Line, Text: "no transcription text given (--transcription or the scenario's transcription): sent as TranscriptionStatus=failed"})
	}
	fields := contract.TranscriptionFields(r.call.AccountSid, contract.NewSID("TR", r.rnd), rec.Sid, text)
	r.callback(ctx, "transcription", r.attrTarget(v, "transcribeCallback", "transcribeCallbackMethod"), r.call.Params("completed", false).Merge(fields))
}
