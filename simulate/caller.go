package simulate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
)

// Prompt is a moment where the call waits on the person at the other end:
// a Gather listening, a Record recording, a Dial ringing another party.
type Prompt struct {
	Verb  string      // Gather, Record or Dial
	Node  *twiml.Node // the element being executed
	Heard []Event     // what the caller heard since the previous prompt
	Step  int         // number of requests made so far in the call
	Input []string    // Gather: "dtmf", "speech"
	Dial  []string    // Dial: the numbers, clients or addresses being dialled
}

// Action is what the caller did at a prompt.
type Action struct {
	Digits        string  // keys pressed (Gather, and the key that ends a Record)
	Speech        string  // Gather speech result
	Confidence    float64 // speech confidence, 0 = default 0.9
	RecordSeconds int     // Record: length of the recording
	// RecordEnd says how a Record ends: contract.RecordEndKey (Digits, or
	// the last of finishOnKey), RecordEndSilence, RecordEndMaxLength or
	// RecordEndHangup; "" is a key.
	RecordEnd     string
	Transcription string // Record transcribe="true": the text Twilio transcribes
	DialOutcome   string // Dial: completed, busy, no-answer, failed, canceled
	Hangup        bool   // the caller hangs up now
}

// Caller plays the person on the phone. Implementations: a script of
// flags (ScriptCaller), the keyboard (PromptCaller), a scenario file.
type Caller interface {
	Next(ctx context.Context, p Prompt) (Action, error)
}

var dialOutcomes = []string{"completed", "busy", "no-answer", "failed", "canceled"}

// DialOutcomes lists the results a dialled leg can have.
func DialOutcomes() []string { return slices.Clone(dialOutcomes) }

// ScriptCaller answers from lists: one Digits entry per Gather (then
// speech), the same record length for every Record, one dial outcome per
// Dial (the last one repeats).
type ScriptCaller struct {
	Digits                []string
	Speech                []string
	RecordSeconds         int
	DialOutcomes          []string
	RecordEnds            []string // per Record, the last repeats: key, key:#, silence, max-length, hangup
	Transcription         string   // text of every transcribed recording
	digits, speech, dials int
	records               int
}

// ParseRecordEnd reads one --record-end value: key, key:<k>, silence,
// max-length or hangup.
func ParseRecordEnd(s string) (end, key string, err error) {
	end, key, hasKey := strings.Cut(strings.TrimSpace(s), ":")
	if !slices.Contains(contract.RecordEnds(), end) {
		return "", "", fmt.Errorf("unknown way for a recording to end %q (allowed: key, key:<0-9*#>, silence, max-length, hangup)", s)
	}
	if hasKey && end != contract.RecordEndKey {
		return "", "", fmt.Errorf("%q: only key takes a key (key:#)", s)
	}
	if hasKey && (len(key) != 1 || strings.Trim(key, callerKeys) != "") {
		return "", "", fmt.Errorf("%q: the key is one of 0-9, * and # (key:#)", s)
	}
	return end, key, nil
}

// callerKeys are what a caller can press; w and W (pauses) exist only in
// SendDigits and <Play digits>.
const callerKeys = "0123456789*#"

// Validate checks the script's values and names the bad flag.
func (s *ScriptCaller) Validate() error {
	for _, d := range s.Digits {
		if strings.Trim(d, callerKeys) != "" {
			return contract.NewInputError("digits", d, "%q: a caller presses only 0-9, * and # (w and W are pauses of SendDigits, not keys)", d)
		}
	}
	for _, o := range s.DialOutcomes {
		if !slices.Contains(dialOutcomes, o) {
			return contract.NewInputError("dial-outcome", o, "unknown dial outcome %q (allowed: %s)", o, strings.Join(dialOutcomes, ", "))
		}
	}
	for _, e := range s.RecordEnds {
		if _, _, err := ParseRecordEnd(e); err != nil {
			return contract.NewInputError("record-end", e, "%v", err)
		}
	}
	if s.RecordSeconds < 0 {
		return contract.NewInputError("record-seconds", fmt.Sprint(s.RecordSeconds), "must not be negative")
	}
	return nil
}

// Next implements Caller.
func (s *ScriptCaller) Next(_ context.Context, p Prompt) (Action, error) {
	switch p.Verb {
	case "Gather":
		if slices.Contains(p.Input, "dtmf") && s.digits < len(s.Digits) {
			s.digits++
			return Action{Digits: s.Digits[s.digits-1]}, nil
		}
		if slices.Contains(p.Input, "speech") && s.speech < len(s.Speech) {
			s.speech++
			return Action{Speech: s.Speech[s.speech-1]}, nil
		}
		return Action{}, nil
	case "Record":
		secs := s.RecordSeconds
		if secs == 0 {
			secs = 5
		}
		act := Action{RecordSeconds: secs, Transcription: s.Transcription}
		if len(s.RecordEnds) > 0 {
			i := min(s.records, len(s.RecordEnds)-1)
			s.records++
			act.RecordEnd, act.Digits, _ = ParseRecordEnd(s.RecordEnds[i])
		}
		return act, nil
	case "Dial":
		if len(s.DialOutcomes) == 0 {
			return Action{DialOutcome: "completed"}, nil
		}
		i := min(s.dials, len(s.DialOutcomes)-1)
		s.dials++
		return Action{DialOutcome: s.DialOutcomes[i]}, nil
	}
	return Action{}, nil
}

// PromptCaller asks a person at a terminal what to do at each prompt.
type PromptCaller struct {
	In  *bufio.Reader
	Out io.Writer
}

// NewPromptCaller reads answers from in and writes questions to out.
func NewPromptCaller(in io.Reader, out io.Writer) *PromptCaller {
	return &PromptCaller{In: bufio.NewReader(in), Out: out}
}

func (pc *PromptCaller) ask(question string) (string, bool) {
	fmt.Fprint(pc.Out, question)
	line, err := pc.In.ReadString('\n')
	if err != nil && line == "" {
		return "", false
	}
	return strings.TrimSpace(line), true
}

// Next implements Caller.
func (pc *PromptCaller) Next(_ context.Context, p Prompt) (Action, error) {
	for _, e := range p.Heard {
		if e.Kind == EventSay || e.Kind == EventPlay {
			fmt.Fprintf(pc.Out, "  %s %s\n", e.Icon(), e.Text)
		}
	}
	switch p.Verb {
	case "Gather":
		ans, ok := pc.ask(fmt.Sprintf("⌨  Gather (%s): keys to press, or \"say: words\", empty = wait, \"hangup\": ", strings.Join(p.Input, " ")))
		switch {
		case !ok || ans == "hangup":
			return Action{Hangup: true}, nil
		case strings.HasPrefix(ans, "say:"):
			return Action{Speech: strings.TrimSpace(strings.TrimPrefix(ans, "say:"))}, nil
		case strings.Trim(ans, "0123456789*#") != "":
			fmt.Fprintln(pc.Out, "  keys are 0-9, * and #; waiting instead")
			return Action{}, nil
		}
		return Action{Digits: ans}, nil
	case "Record":
		ans, ok := pc.ask("⏺  Record: seconds to record, then how it ends (key, key:#, silence, max-length, hangup), e.g. \"12 hangup\" (empty = 5 key; \"hangup\" = before a word): ")
		if !ok || ans == "hangup" {
			return Action{Hangup: true}, nil
		}
		n := 5
		f := strings.Fields(ans)
		if len(f) > 0 {
			fmt.Sscan(f[0], &n)
		}
		act := Action{RecordSeconds: max(n, 0)}
		if len(f) > 1 {
			end, key, err := ParseRecordEnd(f[1])
			if err != nil {
				fmt.Fprintf(pc.Out, "  %v; ending with a key instead\n", err)
			} else {
				act.RecordEnd, act.Digits = end, key
			}
		}
		return act, nil
	case "Dial":
		ans, ok := pc.ask(fmt.Sprintf("☎  Dial %s: outcome (%s; empty = completed): ", strings.Join(p.Dial, ", "), strings.Join(dialOutcomes, ", ")))
		if !ok || ans == "hangup" {
			return Action{Hangup: true}, nil
		}
		if !slices.Contains(dialOutcomes, ans) {
			ans = "completed"
		}
		return Action{DialOutcome: ans}, nil
	}
	return Action{}, nil
}
