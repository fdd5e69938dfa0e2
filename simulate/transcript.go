package simulate

import (
	"fmt"
	"time"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// Event kinds: what the caller experienced, and what callsim noticed.
const (
	EventSay          = "say"
	EventPlay         = "play"
	EventPause        = "pause"
	EventGather       = "gather"
	EventPress        = "press"
	EventSpeak        = "speak"
	EventNoInput      = "no-input"
	EventRecord       = "record"
	EventDial         = "dial"
	EventRedirect     = "redirect"
	EventHangup       = "hangup"
	EventReject       = "reject"
	EventCallerHangup = "caller-hangup"
	EventNotSimulated = "not-simulated"
	EventWarning      = "warning"
	EventError        = "error"
	EventFallback     = "fallback"
)

// Event is one thing that happened on the call while TwiML ran.
type Event struct {
	Kind    string  `json:"kind"`
	Verb    string  `json:"verb,omitempty"`
	Text    string  `json:"text,omitempty"`
	Line    int     `json:"line,omitempty"`
	Code    int     `json:"code,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	Outcome string  `json:"outcome,omitempty"`
	// Latency is an agent's answer time in a WebSocket session (connect.go).
	Latency *Latency `json:"latency,omitempty"`
}

// Icon is the symbol the transcript shows for the event.
func (e Event) Icon() string {
	switch e.Kind {
	case EventSay:
		return "🗣"
	case EventPlay:
		return "▶"
	case EventPause:
		return "⏸"
	case EventGather, EventNoInput:
		return "👂"
	case EventPress:
		return "⌨"
	case EventSpeak:
		return "💬"
	case EventRecord:
		return "⏺"
	case EventDial:
		return "☎"
	case EventRedirect:
		return "↪"
	case EventHangup, EventReject, EventCallerHangup:
		return "📴"
	case EventNotSimulated:
		return "⏭"
	case EventWarning:
		return "⚠"
	case EventError:
		return "✖"
	case EventFallback:
		return "⛑"
	case EventCallerTurn:
		return "💬"
	case EventAgent:
		return "🤖"
	case EventSession, EventStream:
		return "🔌"
	}
	return "•"
}

// Step is one HTTP request of the call, its answer, and what its TwiML did.
type Step struct {
	N        int                   `json:"n"`
	Request  *webhook.Request      `json:"request"`
	Response *webhook.Response     `json:"response,omitempty"`
	Error    *contract.TwilioError `json:"error,omitempty"`
	Problems []twiml.Problem       `json:"problems,omitempty"`
	Events   []Event               `json:"events,omitempty"`
	// Document is the parsed TwiML, for expectations; not serialised.
	Document *twiml.Document `json:"-"`
	// Sessions are the WebSocket sessions its TwiML opened, for
	// expectations (Transcript.Sessions serialises them).
	Sessions []*Session `json:"-"`
}

// Transcript is the record of one whole simulated call.
type Transcript struct {
	CallSid    string  `json:"call_sid"`
	AccountSid string  `json:"account_sid"`
	APIVersion string  `json:"api_version"`
	Direction  string  `json:"direction"`
	From       string  `json:"from"`
	To         string  `json:"to"`
	Steps      []*Step `json:"steps"`
	Status     string  `json:"status"`     // final CallStatus
	EndReason  string  `json:"end_reason"` // how the call ended, in words
	// Duration is the simulated length of the call (speech, pauses, waits,
	// recordings and dialled legs), as Twilio would bill it.
	Duration time.Duration `json:"duration_ns"`
	// Elapsed is the real time the simulation took.
	Elapsed   time.Duration           `json:"elapsed_ns"`
	Failed    bool                    `json:"failed"` // an endpoint failed: exit code 1
	Rescued   bool                    `json:"rescued_by_fallback,omitempty"`
	Errors    []*contract.TwilioError `json:"errors,omitempty"`
	Warnings  int                     `json:"warnings"`
	StartedAt time.Time               `json:"started_at"`
	// Sessions are the WebSocket sessions TwiML opened (connect.go).
	Sessions []*Session `json:"sessions,omitempty"`
}

// Summary is the one-line outcome of the call.
func (t *Transcript) Summary() string {
	s := fmt.Sprintf("%d request", len(t.Steps))
	if len(t.Steps) != 1 {
		s += "s"
	}
	s += fmt.Sprintf(", %s of call, ended: %s (CallStatus=%s)", t.Duration.Round(time.Second), t.EndReason, t.Status)
	if t.Warnings > 0 {
		s += fmt.Sprintf(", %d warning", t.Warnings)
		if t.Warnings != 1 {
			s += "s"
		}
	}
	if len(t.Errors) > 0 {
		s += fmt.Sprintf(", error %s", t.Errors[0])
	}
	if t.Rescued {
		s += ", rescued by the fallback URL"
	}
	return s
}
