package load

import (
	"fmt"
	"strings"

	"github.com/callsim/callsim/simulate"
)

// maxTurns bounds the per-turn rows: conversations longer than this share
// the last row, so a run's memory does not grow with what the app says.
const maxTurns = 10

// aiStats are the voice AI figures of a run: per caller turn, how long
// agents took to their first and last token; per stream, how long until
// the first audio came back.
type aiStats struct {
	relays, streams, unanswered int64
	first, last                 [maxTurns]*Histogram // by turn, 0 = turn 1
	firstAudio                  *Histogram
}

func (a *aiStats) record(t *simulate.Transcript) {
	for _, s := range t.Sessions {
		switch {
		case s.Relay != nil:
			a.relays++
			for _, turn := range s.Relay.Turns {
				if turn.Index == 0 || (turn.Caller == "" && turn.Digits == "") {
					continue
				}
				if !turn.Answered {
					a.unanswered++
					continue
				}
				i := min(turn.Index, maxTurns) - 1
				hist(&a.first[i]).Record(turn.FirstToken)
				hist(&a.last[i]).Record(turn.LastToken)
			}
		case s.Stream != nil && s.Stream.Bidirectional:
			a.streams++
			if s.Stream.HasFirstAudioBack {
				hist(&a.firstAudio).Record(s.Stream.FirstAudioBack)
			}
		}
	}
}

func hist(h **Histogram) *Histogram {
	if *h == nil {
		*h = NewHistogram()
	}
	return *h
}

func (a *aiStats) merge(o *aiStats) {
	a.relays += o.relays
	a.streams += o.streams
	a.unanswered += o.unanswered
	for i := range maxTurns {
		if o.first[i] != nil {
			hist(&a.first[i]).Merge(o.first[i])
			hist(&a.last[i]).Merge(o.last[i])
		}
	}
	if o.firstAudio != nil {
		hist(&a.firstAudio).Merge(o.firstAudio)
	}
}

// VoiceAI is the summary of the WebSocket sessions of a run.
type VoiceAI struct {
	RelaySessions  int64 `json:"relay_sessions"`
	StreamSessions int64 `json:"stream_sessions"`
	// Unanswered counts caller turns the agent did not answer in time.
	Unanswered int64 `json:"unanswered_turns"`
	// FirstToken and LastToken are per caller turn (Kind "turn 1"…; the
	// last row also holds every later turn).
	FirstToken []LatencyStats `json:"first_token"`
	LastToken  []LatencyStats `json:"last_token"`
	// FirstAudio is the time from the end of the caller's audio to the
	// app's first audio on <Connect><Stream>.
	FirstAudio *LatencyStats `json:"first_audio,omitempty"`
}

func (a *aiStats) summary() *VoiceAI {
	if a.relays == 0 && a.streams == 0 {
		return nil
	}
	v := &VoiceAI{RelaySessions: a.relays, StreamSessions: a.streams, Unanswered: a.unanswered,
		FirstToken: []LatencyStats{}, LastToken: []LatencyStats{}}
	for i := range maxTurns {
		if a.first[i] == nil {
			continue
		}
		label := fmt.Sprintf("turn %d", i+1)
		if i == maxTurns-1 {
			label += "+"
		}
		v.FirstToken = append(v.FirstToken, latencyOf(label, label, a.first[i], 0))
		v.LastToken = append(v.LastToken, latencyOf(label, label, a.last[i], 0))
	}
	if a.firstAudio != nil {
		l := latencyOf("first audio", "first audio back", a.firstAudio, 0)
		v.FirstAudio = &l
	}
	return v
}

func writeVoiceAI(b *strings.Builder, v *VoiceAI) {
	if v == nil {
		return
	}
	fmt.Fprintf(b, "\nvoice AI  %d ConversationRelay sessions, %d media streams, %d caller turns unanswered\n", v.RelaySessions, v.StreamSessions, v.Unanswered)
	if len(v.FirstToken) > 0 {
		rows := [][]string{{"agent answer", "turns", "p50", "p90", "p99", "max"}}
		for i, l := range v.FirstToken {
			rows = append(rows, []string{"  " + l.Label + " first token", fmt.Sprint(l.Count), Human(l.P50), Human(l.P90), Human(l.P99), Human(l.Max)})
			t := v.LastToken[i]
			rows = append(rows, []string{"  " + t.Label + " last token", fmt.Sprint(t.Count), Human(t.P50), Human(t.P90), Human(t.P99), Human(t.Max)})
		}
		writeTable(b, rows)
	}
	if l := v.FirstAudio; l != nil {
		rows := [][]string{{"stream", "streams", "p50", "p90", "p99", "max"}, {"  first audio back", fmt.Sprint(l.Count), Human(l.P50), Human(l.P90), Human(l.P99), Human(l.Max)}}
		writeTable(b, rows)
	}
}
