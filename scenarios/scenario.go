package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// Pos is a place in a scenario file (1-based).
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Suite is every scenario file loaded for one run, in the order given.
type Suite struct {
	Files []*File
}

// Scenarios lists every scenario of the suite in file order.
func (s *Suite) Scenarios() []*Scenario {
	var out []*Scenario
	for _, f := range s.Files {
		out = append(out, f.Scenarios...)
	}
	return out
}

// File is one scenario file.
type File struct {
	Path      string
	Scenarios []*Scenario
}

// Scenario is one call to replay and what the app must do during it. A
// loaded scenario is immutable: it may run many times, concurrently.
type Scenario struct {
	File        string // path of the file, as given
	Name        string
	Description string
	Pos         Pos // where the scenario starts in the file
	Index       int // 0-based position in its file
	Skip        string

	Call    *contract.Call
	Options simulate.Options // Caller, OnStep and HTTP are set per run
	// ViaAPI is direction: outbound-api: the call is created through the
	// REST API of an in-process callsim serve (api.go).
	ViaAPI bool
	// Steps are the steps as written, after an implicit empty first step
	// when the file's first step already has an action: Steps[0] never has
	// one, Steps[i>0] always does.
	Steps []*StepSpec
	// OnRunOut is what the caller does at a prompt when no step is left:
	// "hangup" (default) or "fail".
	OnRunOut    string
	OnRunOutPos Pos     // where when_steps_run_out is written
	End         *Expect // expect_end; nil when absent
	// Secrets are values no report may show (auth tokens).
	Secrets []string
}

// ID names the scenario in reports: file and name.
func (s *Scenario) ID() string { return s.File + ": " + s.Name }

// StepSpec is one step of a scenario as written: what the caller does at a prompt and
// what the app must do until the next prompt.
type StepSpec struct {
	N      int // 1-based number as written; 0 for the implicit first step
	Pos    Pos
	Name   string
	Action Action
	Expect *Expect // nil: nothing checked

	unknownKeys bool // the step had unknown keys (reported; no second error for them)
}

// Actions a step can take; the YAML keys of the same names.
const (
	ActPress       = "press"
	ActSpeak       = "speak"
	ActWait        = "wait"
	ActRecord      = "record"
	ActDialOutcome = "dial_outcome"
	ActHangup      = "hangup"
)

// Action is what the caller does at a prompt.
type Action struct {
	Kind       string // one of the Act* constants; "" for the first step
	Pos        Pos
	Digits     string
	Speech     string
	Confidence float64
	Seconds    int
	Outcome    string
	// record: how the recording ends (RecordEnd, with the key in Digits)
	// and the text transcribed from it.
	RecordEnd     string
	Transcription string
}

func (a Action) String() string {
	switch a.Kind {
	case ActPress:
		return "press: " + strconv.Quote(a.Digits)
	case ActSpeak:
		return "speak: " + strconv.Quote(a.Speech)
	case ActWait:
		return "wait: true"
	case ActRecord:
		if a.RecordEnd != "" || a.Transcription != "" {
			s := "record: {seconds: " + strconv.Itoa(a.Seconds)
			if a.RecordEnd != "" {
				end := a.RecordEnd
				if a.Digits != "" {
					end += ":" + a.Digits
				}
				s += ", ends: " + end
			}
			if a.Transcription != "" {
				s += ", transcription: " + strconv.Quote(a.Transcription)
			}
			return s + "}"
		}
		return "record: " + strconv.Itoa(a.Seconds)
	case ActDialOutcome:
		return "dial_outcome: " + a.Outcome
	case ActHangup:
		return "hangup: true"
	}
	return ""
}

// answers lists the prompts (TwiML verbs) each action can answer.
var answers = map[string][]string{
	ActPress:       {"Gather"},
	ActSpeak:       {"Gather"},
	ActWait:        {"Gather"},
	ActRecord:      {"Record"},
	ActDialOutcome: {"Dial"},
	ActHangup:      {"Gather", "Record", "Dial"},
}

// actionsFor lists the actions that answer a verb, for messages.
func actionsFor(verb string) string {
	var out []string
	for _, k := range []string{ActPress, ActSpeak, ActWait, ActRecord, ActDialOutcome, ActHangup} {
		for _, v := range answers[k] {
			if v == verb {
				out = append(out, k)
			}
		}
	}
	if len(out) > 1 {
		return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
	}
	return strings.Join(out, ", ")
}

// answer turns the action into what the engine's caller does at prompt p;
// problem explains why it cannot answer p.
func (a Action) answer(p simulate.Prompt) (act simulate.Action, problem string) {
	ok := false
	for _, v := range answers[a.Kind] {
		ok = ok || v == p.Verb
	}
	if !ok {
		return simulate.Action{}, fmt.Sprintf("the app is waiting on %s, not a <%s>: %s answers it", describePrompt(p), strings.Join(answers[a.Kind], "> or <"), actionsFor(p.Verb))
	}
	listens := func(mode string) bool {
		for _, in := range p.Input {
			if in == mode {
				return true
			}
		}
		return false
	}
	switch a.Kind {
	case ActHangup:
		return simulate.Action{Hangup: true}, ""
	case ActPress:
		if !listens("dtmf") {
			return simulate.Action{}, fmt.Sprintf("the app's %s listens for %s only: keys pressed would not be heard", describePrompt(p), strings.Join(p.Input, " "))
		}
		return simulate.Action{Digits: a.Digits}, ""
	case ActSpeak:
		if !listens("speech") {
			return simulate.Action{}, fmt.Sprintf("the app's %s listens for %s only: speech would not be heard (add input=\"dtmf speech\")", describePrompt(p), strings.Join(p.Input, " "))
		}
		return simulate.Action{Speech: a.Speech, Confidence: a.Confidence}, ""
	case ActWait:
		return simulate.Action{}, ""
	case ActRecord:
		return simulate.Action{RecordSeconds: a.Seconds, RecordEnd: a.RecordEnd, Digits: a.Digits, Transcription: a.Transcription}, ""
	case ActDialOutcome:
		return simulate.Action{DialOutcome: a.Outcome}, ""
	}
	return simulate.Action{Hangup: true}, ""
}

// describePrompt: `<Gather> (TwiML line 3)`, `<Dial> (TwiML line 4, dialling +14155550100)`.
func describePrompt(p simulate.Prompt) string {
	s := "<" + p.Verb + ">"
	var extra []string
	if p.Node != nil && p.Node.Line > 0 {
		extra = append(extra, fmt.Sprintf("TwiML line %d", p.Node.Line))
	}
	if p.Verb == "Dial" && len(p.Dial) > 0 {
		extra = append(extra, "dialling "+strings.Join(p.Dial, ", "))
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}
