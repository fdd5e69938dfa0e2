package simulate

import (
	"fmt"
	"strings"
	"time"

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
		n, _ := r.boundedInt(step, v, "length", int(maxCall/time.Second), 13910)
		r.event(step, Event{Kind: EventPause, Verb: "Pause", Line: v.Line, Seconds: float64(n), Text: fmt.Sprintf("%d s", n)})
	}
}

func (r *run) say(step *Step, v *twiml.Node) {
	loops := loopCount(v)
	text := v.Text
	secs := speechSeconds(text) * float64(loops)
	text = loopText(v, text, loops)
	r.event(step, Event{Kind: EventSay, Verb: "Say", Line: v.Line, Text: text, Seconds: secs})
}

func (r *run) play(step *Step, v *twiml.Node) {
	loops := loopCount(v)
	text := strings.TrimSpace(v.Text)
	if d := v.Attr("digits"); d != "" && text == "" {
		text = "DTMF " + d
	}
	text = loopText(v, text, loops)
	r.event(step, Event{Kind: EventPlay, Verb: "Play", Line: v.Line, Text: text, Seconds: 5 * float64(loops)})
}

// maxLoops is Twilio's cap on <Say>/<Play> loop, and what loop="0"
// (until the caller hangs up) comes to when nobody does.
const maxLoops = 1000

// loopCount is how many times Twilio plays the element: loop="0" repeats
// up to the cap, like any larger value.
func loopCount(v *twiml.Node) int {
	n, ok := v.Int("loop")
	if !ok && isDigits(strings.TrimSpace(v.Attr("loop"))) {
		return maxLoops // too many digits for an int
	}
	if !ok || n < 0 {
		return 1
	}
	if n == 0 {
		return maxLoops
	}
	return min(n, maxLoops)
}

func loopText(v *twiml.Node, text string, loops int) string {
	switch {
	case strings.TrimSpace(v.Attr("loop")) == "0":
		return fmt.Sprintf("%s (×%d: loop=\"0\" repeats until the caller hangs up, at most %d times)", text, loops, maxLoops)
	case loops > 1:
		return fmt.Sprintf("%s (×%d)", text, loops)
	}
	return text
}

// speechSeconds estimates how long text-to-speech takes (about 2.5 words/s).
func speechSeconds(text string) float64 {
	words := len(strings.Fields(text))
	if words == 0 {
		return 0
	}
	return float64(words)/2.5 + 0.5
}
