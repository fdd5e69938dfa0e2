package simulate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

func (r *run) prompt(ctx context.Context, verb string, v *twiml.Node, p Prompt) (Action, bool) {
	p.Verb, p.Node, p.Heard, p.Step = verb, v, r.heard, len(r.t.Steps)
	r.heard = nil
	act, err := r.caller.Next(ctx, p)
	if err != nil || act.Hangup {
		text, reason := "the caller hung up", "the caller hung up"
		if act.Reason != "" {
			text, reason = act.Reason, act.Reason
		}
		if err != nil {
			text = err.Error()
		}
		r.event(r.lastStep, Event{Kind: EventCallerHangup, Verb: verb, Line: v.Line, Text: text})
		r.finish("completed", reason)
		return act, false
	}
	return act, true
}

func (r *run) gather(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	for _, c := range v.Children {
		r.audio(step, c)
	}
	input := strings.Fields(v.Attr("input"))
	if !r.call.Profile.E164 && slices.Contains(input, "speech") && !slices.Contains(input, "dtmf") {
		r.event(step, Event{Kind: EventWarning, Verb: "Gather", Line: v.Line,
			Text: "the first-generation API (--api-version legacy) had no speech input: the caller can only press keys"})
	}
	act, ok := r.prompt(ctx, "Gather", v, Prompt{Input: input})
	if !ok {
		return nil, nil, false
	}
	timeout, _ := v.Int("timeout")
	target := webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}
	if !v.Has("action") {
		target.URL = r.docURL
	}
	var extra contract.Params
	switch {
	case act.Digits != "":
		digits, finished := gatherDigits(act.Digits, v)
		r.event(step, Event{Kind: EventPress, Verb: "Gather", Line: v.Line, Text: act.Digits, Sent: digits, Finish: finished, Seconds: float64(len(act.Digits)) * 0.3})
		if digits == "" && !v.Bool("actionOnEmptyResult") {
			return nil, nil, false // only the finishing key: Twilio treats it as no input
		}
		extra = contract.GatherDigitsFields(r.call.Profile, digits, finished)
	case act.Speech != "" && !r.call.Profile.E164:
		r.event(step, Event{Kind: EventWarning, Verb: "Gather", Line: v.Line, Text: fmt.Sprintf("%q is not heard: the first-generation API (--api-version legacy) had no speech input", act.Speech)})
		r.event(step, Event{Kind: EventNoInput, Verb: "Gather", Line: v.Line, Text: fmt.Sprintf("no input within %d s", timeout), Seconds: float64(timeout)})
		if !v.Bool("actionOnEmptyResult") {
			return nil, nil, false
		}
	case act.Speech != "":
		r.event(step, Event{Kind: EventSpeak, Verb: "Gather", Line: v.Line, Text: act.Speech, Seconds: speechSeconds(act.Speech)})
		r.partialResults(ctx, v, act.Speech)
		extra = contract.GatherSpeechFields(act.Speech, act.Confidence).Merge(contract.GatherLanguageField(v.Attr("language")))
	default:
		r.event(step, Event{Kind: EventNoInput, Verb: "Gather", Line: v.Line, Text: fmt.Sprintf("no input within %d s", timeout), Seconds: float64(timeout)})
		if !v.Bool("actionOnEmptyResult") {
			return nil, nil, false
		}
	}
	next, doc := r.next(ctx, "gather", target, extra)
	return next, doc, true
}

// gatherDigits applies numDigits and finishOnKey: the finishing key is not
// sent, and keys after numDigits are not heard.
func gatherDigits(pressed string, v *twiml.Node) (digits, finished string) {
	finish := v.Attr("finishOnKey")
	max, limited := v.Int("numDigits")
	for _, k := range pressed {
		if finish != "" && strings.ContainsRune(finish, k) {
			return digits, string(k)
		}
		digits += string(k)
		if limited && max > 0 && utf8.RuneCountInString(digits) >= max {
			return digits, ""
		}
	}
	return digits, ""
}

// maxPartialResults bounds the partialResultCallback requests of one
// utterance: one per word as recognition firms up, the last ones merged.
const maxPartialResults = 8

// partialResults sends partialResultCallback requests while the caller
// speaks: the words recognised so far, growing, with rising stability.
// Twilio ignores the answers.
func (r *run) partialResults(ctx context.Context, v *twiml.Node, speech string) {
	if !v.Has("partialResultCallback") {
		return
	}
	words := strings.Fields(speech)
	n := min(len(words), maxPartialResults)
	for i := 1; i <= n; i++ {
		upto := len(words) * i / n
		stability := float64(int(float64(i)/float64(n)*90)) / 100
		fields := contract.PartialResultFields(strings.Join(words[:upto], " "), stability, i-1)
		r.callback(ctx, "partial-result", r.attrTarget(v, "partialResultCallback", "partialResultCallbackMethod"), r.call.Params("in-progress", false).Merge(fields))
	}
}
