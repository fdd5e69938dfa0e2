package connect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// StreamAppMessage is one validated message from a Media Streams app.
type StreamAppMessage struct {
	Event string
	Audio []byte // media: decoded µ-law
	Mark  string // mark: name
}

// ParseStreamMessage validates one text frame from a bidirectional Media
// Streams app (reference §4): non-JSON, an unknown event, a missing or extra
// field or another stream's SID are what Twilio flags with 31951.
func ParseStreamMessage(data []byte, streamSid string) (StreamAppMessage, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&top); err != nil || top == nil {
		if err == nil {
			err = errors.New("null")
		}
		return StreamAppMessage{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if dec.More() {
		return StreamAppMessage{}, errors.New("more than one JSON value in the message")
	}
	var event, sid string
	if err := stringField(top, "event", &event); err != nil {
		return StreamAppMessage{}, err
	}
	if err := stringField(top, "streamSid", &sid); err != nil {
		return StreamAppMessage{}, err
	}
	if sid != streamSid {
		return StreamAppMessage{}, fmt.Errorf("streamSid %q is not this stream's (%s)", sid, streamSid)
	}
	allowed := map[string][]string{"media": {"media"}, "mark": {"mark"}, "clear": nil}
	body, ok := allowed[event]
	if !ok {
		return StreamAppMessage{}, fmt.Errorf("unknown event %q (want media, mark or clear)", event)
	}
	for k := range top {
		if k != "event" && k != "streamSid" && !slices.Contains(body, k) {
			return StreamAppMessage{}, fmt.Errorf("%s message has an extra field %q", event, k)
		}
	}
	m := StreamAppMessage{Event: event}
	switch event {
	case "media":
		var media map[string]json.RawMessage
		if err := objectField(top, "media", &media); err != nil {
			return StreamAppMessage{}, err
		}
		var payload string
		if err := stringField(media, "payload", &payload); err != nil {
			return StreamAppMessage{}, fmt.Errorf("media.%v", err)
		}
		for k := range media {
			if k != "payload" {
				return StreamAppMessage{}, fmt.Errorf("media message has an extra field media.%s", k)
			}
		}
		audio, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			return StreamAppMessage{}, fmt.Errorf("media.payload is not base64: %v", err)
		}
		m.Audio = audio
	case "mark":
		var mark map[string]json.RawMessage
		if err := objectField(top, "mark", &mark); err != nil {
			return StreamAppMessage{}, err
		}
		if err := stringField(mark, "name", &m.Mark); err != nil {
			return StreamAppMessage{}, fmt.Errorf("mark.%v", err)
		}
		for k := range mark {
			if k != "name" {
				return StreamAppMessage{}, fmt.Errorf("mark message has an extra field mark.%s", k)
			}
		}
	}
	return m, nil
}

func stringField(obj map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := obj[name]
	if !ok {
		return fmt.Errorf("missing %q", name)
	}
	if err := json.Unmarshal(raw, dst); err != nil || string(raw) == "null" {
		return fmt.Errorf("%q must be a string", name)
	}
	return nil
}

func objectField(obj map[string]json.RawMessage, name string, dst *map[string]json.RawMessage) error {
	raw, ok := obj[name]
	if !ok {
		return fmt.Errorf("missing %q", name)
	}
	if err := json.Unmarshal(raw, dst); err != nil || *dst == nil {
		return fmt.Errorf("%q must be an object", name)
	}
	return nil
}

// Messages callsim sends to a Media Streams app (reference §3).
type (
	connectedMsg struct {
		Event    string `json:"event"`
		Protocol string `json:"protocol"`
		Version  string `json:"version"`
	}
	mediaFormat struct {
		Encoding   string `json:"encoding"`
		SampleRate int    `json:"sampleRate"`
		Channels   int    `json:"channels"`
	}
	startBody struct {
		StreamSid        string            `json:"streamSid"`
		AccountSid       string            `json:"accountSid"`
		CallSid          string            `json:"callSid"`
		Tracks           []string          `json:"tracks"`
		CustomParameters map[string]string `json:"customParameters"`
		MediaFormat      mediaFormat       `json:"mediaFormat"`
	}
	mediaBody struct {
		Track     string `json:"track"`
		Chunk     string `json:"chunk"`
		Timestamp string `json:"timestamp"`
		Payload   string `json:"payload"`
	}
	dtmfBody struct {
		Track string `json:"track"`
		Digit string `json:"digit"`
	}
	markBody struct {
		Name string `json:"name"`
	}
	stopBody struct {
		AccountSid string `json:"accountSid"`
		CallSid    string `json:"callSid"`
	}
	streamMsg struct {
		Event          string     `json:"event"`
		SequenceNumber string     `json:"sequenceNumber"`
		StreamSid      string     `json:"streamSid"`
		Start          *startBody `json:"start,omitempty"`
		Media          *mediaBody `json:"media,omitempty"`
		DTMF           *dtmfBody  `json:"dtmf,omitempty"`
		Mark           *markBody  `json:"mark,omitempty"`
		Stop           *stopBody  `json:"stop,omitempty"`
	}
)
