package simulate

import (
	"fmt"
	"strings"

	"github.com/callsim/callsim/simulate/twiml"
)

// audio plays Say, Play and Pause, at the top level or nested in Gather.
func (r *run) audio(step *Step, v *twiml.Node) {
	switch v.Name {
	case "Say":
		r.say(step, v)
	case "Play":
		r.play(step, v)
	case "Pause":
		n, _ := v.Int("length")
		r.event(step, Event{Kind: EventPause, Verb: "Pause", Line: v.Line, Seconds: float64(n), Text: fmt.Sprintf("%d s", n)})
	}
}

func (r *run) say(step *Step, v *twiml.Node) {
	loops := loopCount(v)
	text := v.Text
	secs := speechSeconds(text) * float64(loops)
	if loops > 1 {
		text = fmt.Sprintf("%s (×%d)", text, loops)
	}
	r.event(step, Event{Kind: EventSay, Verb: "Say", Line: v.Line, Text: text, Seconds: secs})
}

func (r *run) play(step *Step, v *twiml.Node) {
	loops := loopCount(v)
	text := strings.TrimSpace(v.Text)
	if d := v.Attr("digits"); d != "" && text == "" {
		text = "DTMF " + d
	}
	if loops > 1 {
		text = fmt.Sprintf("%s (×%d)", text, loops)
	}
	r.event(step, Event{Kind: EventPlay, Verb: "Play", Line: v.Line, Text: text, Seconds: 5 * float64(loops)})
}

// loopCount treats loop="0" (until hang-up) as one pass: the caller would
// hang up eventually; callsim moves on.
func loopCount(v *twiml.Node) int {
	n, ok := v.Int("loop")
	if !ok || n < 1 {
		return 1
	}
	return min(n, 1000)
}

// speechSeconds estimates how long text-to-speech takes (about 2.5 words/s).
func speechSeconds(text string) float64 {
	words := len(strings.Fields(text))
	if words == 0 {
		return 0
	}
	return float64(words)/2.5 + 0.5
}
