package connect

import (
	"encoding/json"
	"testing"
)

func FuzzParseRelayMessage(f *testing.F) {
	for _, s := range []string{`{"type":"text","token":"Hi ","last":false}`, `{"type":"text","token":null}`,
		`{"type":"play","source":"https://x/a.mp3","loop":0}`, `{"type":"sendDigits","digits":"12w#"}`,
		`{"type":"language","ttsLanguage":"fr-FR"}`, `{"type":"end","handoffData":"{\"a\":1}"}`, `not json`, `[]`, `{"type":7}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseRelayMessage(data)
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error")
			}
			return
		}
		// An accepted message is valid JSON of a known type whose required
		// fields are present.
		if !json.Valid(data) {
			t.Errorf("accepted invalid JSON %q", data)
		}
		switch m.Type {
		case "text", "end":
		case "play":
			if m.Source == "" || m.Loop < 0 {
				t.Errorf("play %+v", m)
			}
		case "sendDigits":
			if m.Digits == "" {
				t.Errorf("sendDigits %+v", m)
			}
		case "language":
			if m.TTSLanguage == "" && m.TranscriptionLanguage == "" {
				t.Errorf("language %+v", m)
			}
		default:
			t.Errorf("accepted type %q", m.Type)
		}
	})
}

func FuzzParseStreamMessage(f *testing.F) {
	const sid = "MZ00000000000000000000000000000001"
	for _, s := range []string{`{"event":"media","streamSid":"` + sid + `","media":{"payload":"/w=="}}`,
		`{"event":"mark","streamSid":"` + sid + `","mark":{"name":"x"}}`, `{"event":"clear","streamSid":"` + sid + `"}`,
		`{"event":"clear","streamSid":"MZ1"}`, `{"event":"mark","streamSid":"` + sid + `","mark":{"name":null}}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseStreamMessage(data, sid)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Errorf("accepted invalid JSON %q", data)
		}
		if m.Event != "media" && m.Event != "mark" && m.Event != "clear" {
			t.Errorf("accepted event %q", m.Event)
		}
	})
}
