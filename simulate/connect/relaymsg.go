package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// AppMessage is one message a ConversationRelay app sent, validated.
type AppMessage struct {
	Type string `json:"type"`
	// text
	Token         string `json:"token,omitempty"`
	Last          bool   `json:"last,omitempty"`
	Lang          string `json:"lang,omitempty"`
	Interruptible *bool  `json:"interruptible,omitempty"`
	Preemptible   *bool  `json:"preemptible,omitempty"`
	// play
	Source string `json:"source,omitempty"`
	Loop   int    `json:"loop,omitempty"`
	// sendDigits
	Digits string `json:"digits,omitempty"`
	// language
	TTSLanguage           string `json:"ttsLanguage,omitempty"`
	TranscriptionLanguage string `json:"transcriptionLanguage,omitempty"`
	// end
	HandoffData *string `json:"handoffData,omitempty"`
}

// wireRelay mirrors the JSON with pointers so that missing, null and wrongly
// typed fields can be told apart.
type wireRelay struct {
	Type                  *string `json:"type"`
	Token                 *string `json:"token"`
	Last                  *bool   `json:"last"`
	Lang                  *string `json:"lang"`
	Interruptible         *bool   `json:"interruptible"`
	Preemptible           *bool   `json:"preemptible"`
	Source                *string `json:"source"`
	Loop                  *int    `json:"loop"`
	Digits                *string `json:"digits"`
	TTSLanguage           *string `json:"ttsLanguage"`
	TranscriptionLanguage *string `json:"transcriptionLanguage"`
	HandoffData           *string `json:"handoffData"`
}

// ParseRelayMessage validates one text frame from a ConversationRelay app as
// Twilio does (reference §7.3). The error is the description Twilio would put
// in its `error` reply; unknown extra fields are ignored.
func ParseRelayMessage(data []byte) (AppMessage, error) {
	var w wireRelay
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&w); err != nil {
		return AppMessage{}, jsonProblem(err)
	}
	if dec.More() {
		return AppMessage{}, errors.New("invalid JSON: more than one value in the message")
	}
	if w.Type == nil {
		return AppMessage{}, errors.New(`missing "type"`)
	}
	m := AppMessage{Type: *w.Type, Interruptible: w.Interruptible, Preemptible: w.Preemptible}
	switch m.Type {
	case "text":
		if w.Token == nil {
			return AppMessage{}, errors.New(`text message without "token" (null or missing)`)
		}
		m.Token = *w.Token
		m.Last = w.Last != nil && *w.Last
		m.Lang = deref(w.Lang)
	case "play":
		if w.Source == nil || *w.Source == "" {
			return AppMessage{}, errors.New(`play message without "source"`)
		}
		m.Source = *w.Source
		m.Loop = 1
		if w.Loop != nil {
			if *w.Loop < 0 {
				return AppMessage{}, fmt.Errorf(`play message: "loop" %d is negative`, *w.Loop)
			}
			m.Loop = *w.Loop
		}
	case "sendDigits":
		if w.Digits == nil || *w.Digits == "" {
			return AppMessage{}, errors.New(`sendDigits message without "digits"`)
		}
		if i := strings.IndexFunc(*w.Digits, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r == 'w' || r == '#' || r == '*')
		}); i >= 0 {
			return AppMessage{}, fmt.Errorf(`sendDigits message: %q is not a digit (0-9, w, #, *)`, (*w.Digits)[i:i+1])
		}
		m.Digits = *w.Digits
	case "language":
		m.TTSLanguage, m.TranscriptionLanguage = deref(w.TTSLanguage), deref(w.TranscriptionLanguage)
		if m.TTSLanguage == "" && m.TranscriptionLanguage == "" {
			return AppMessage{}, errors.New(`language message without "ttsLanguage" or "transcriptionLanguage"`)
		}
	case "end":
		m.HandoffData = w.HandoffData
	case "":
		return AppMessage{}, errors.New(`empty "type"`)
	default:
		return AppMessage{}, fmt.Errorf("unknown message type %q (want text, play, sendDigits, language or end)", m.Type)
	}
	return m, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonProblem turns a decoding error into the line Twilio's `error` carries.
func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("message is JSON %s, not an object", te.Value)
		}
		return fmt.Errorf("field %q is a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "ptr", "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int":
		return "an integer"
	}
	return k
}

// Messages callsim sends to a ConversationRelay app (reference §7.2).
type (
	setupMsg struct {
		Type             string            `json:"type"`
		SessionID        string            `json:"sessionId"`
		AccountSid       string            `json:"accountSid"`
		ParentCallSid    string            `json:"parentCallSid"`
		CallSid          string            `json:"callSid"`
		From             string            `json:"from"`
		To               string            `json:"to"`
		ForwardedFrom    string            `json:"forwardedFrom"`
		CallType         string            `json:"callType"`
		CallerName       string            `json:"callerName"`
		Direction        string            `json:"direction"`
		CallStatus       string            `json:"callStatus"`
		CustomParameters map[string]string `json:"customParameters"`
	}
	promptMsg struct {
		Type        string `json:"type"`
		VoicePrompt string `json:"voicePrompt"`
		Lang        string `json:"lang"`
		Last        bool   `json:"last"`
	}
	dtmfMsg struct {
		Type  string `json:"type"`
		Digit string `json:"digit"`
	}
	interruptMsg struct {
		Type                     string `json:"type"`
		UtteranceUntilInterrupt  string `json:"utteranceUntilInterrupt"`
		DurationUntilInterruptMs int64  `json:"durationUntilInterruptMs"`
	}
	errorMsg struct {
		Type        string `json:"type"`
		Description string `json:"description"`
	}
)
