package simulate

import (
	"encoding/json"
	"math"
	"time"

	"github.com/callsim/callsim/simulate/webhook"
)

// MarshalJSON writes the transcript with its durations in whole
// milliseconds (duration_ms, elapsed_ms): the simulated length adds up
// float seconds, and nanoseconds would show their rounding (94699999999).
func (t *Transcript) MarshalJSON() ([]byte, error) {
	type plain Transcript
	return webhook.MarshalPlain(struct {
		*plain
		DurationNS *struct{} `json:"duration_ns,omitempty"` // hides the field's own name
		ElapsedNS  *struct{} `json:"elapsed_ns,omitempty"`
		DurationMS int64     `json:"duration_ms"`
		ElapsedMS  int64     `json:"elapsed_ms"`
	}{plain: (*plain)(t), DurationMS: webhook.Milliseconds(t.Duration), ElapsedMS: webhook.Milliseconds(t.Elapsed)})
}

// MarshalJSON writes how long the event took in whole milliseconds
// (duration_ms) instead of float seconds.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return webhook.MarshalPlain(struct {
		plain
		Seconds    *struct{} `json:"seconds,omitempty"`
		DurationMS int64     `json:"duration_ms,omitempty"`
	}{plain: plain(e), DurationMS: int64(math.Round(e.Seconds * 1000))})
}

// MarshalJSON writes the step without HTML escaping of bodies.
func (s *Step) MarshalJSON() ([]byte, error) {
	type plain Step
	return webhook.MarshalPlain((*plain)(s))
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Transcript) UnmarshalJSON(data []byte) error {
	type plain Transcript
	var v struct {
		*plain
		DurationMS int64 `json:"duration_ms"`
		ElapsedMS  int64 `json:"elapsed_ms"`
	}
	v.plain = (*plain)(t)
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	t.Duration = time.Duration(v.DurationMS) * time.Millisecond
	t.Elapsed = time.Duration(v.ElapsedMS) * time.Millisecond
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Event) UnmarshalJSON(data []byte) error {
	type plain Event
	var v struct {
		*plain
		DurationMS int64 `json:"duration_ms"`
	}
	v.plain = (*plain)(e)
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	e.Seconds = float64(v.DurationMS) / 1000
	return nil
}

// MarshalJSON writes an agent's answer times in whole milliseconds
// (first_token_ms, last_token_ms, first_audio_ms), as every duration in
// callsim's JSON.
func (l *Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) *int64 { // a measured time under half a millisecond is 0, not absent
		if d == 0 {
			return nil
		}
		v := webhook.Milliseconds(d)
		return &v
	}
	return webhook.MarshalPlain(latencyJSON{FirstToken: ms(l.FirstToken), LastToken: ms(l.LastToken), FirstAudio: ms(l.FirstAudio)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Latency) UnmarshalJSON(data []byte) error {
	var v latencyJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	d := func(ms *int64) time.Duration {
		if ms == nil {
			return 0
		}
		return time.Duration(*ms) * time.Millisecond
	}
	l.FirstToken, l.LastToken, l.FirstAudio = d(v.FirstToken), d(v.LastToken), d(v.FirstAudio)
	return nil
}

type latencyJSON struct {
	FirstToken *int64 `json:"first_token_ms,omitempty"`
	LastToken  *int64 `json:"last_token_ms,omitempty"`
	FirstAudio *int64 `json:"first_audio_ms,omitempty"`
}
