package report

import (
	"fmt"
	"strings"

	"github.com/callsim/callsim/simulate"
)

// writeLatency adds an agent's answer times under its event: what decides
// whether a caller of a voice AI app stays on the line.
func writeLatency(b *strings.Builder, e simulate.Event, pal palette, o Options) {
	l := e.Latency
	if l == nil {
		return
	}
	var parts []string
	if l.FirstToken > 0 || l.LastToken > 0 {
		parts = append(parts, "first token "+o.latency(l.FirstToken), "last token "+o.latency(l.LastToken))
	}
	if l.FirstAudio > 0 {
		parts = append(parts, "first audio back "+o.latency(l.FirstAudio)+" after the caller's audio ended")
	}
	if len(parts) > 0 {
		fmt.Fprintf(b, "       %s\n", pal.dim.Sprint("⏱ "+strings.Join(parts, " · ")))
	}
}

// mermaidSession draws a WebSocket session's events: the caller's turns
// reach the app through Twilio, the agent's answers come back spoken.
func mermaidSession(b *strings.Builder, e simulate.Event, q func(string) string) {
	switch e.Kind {
	case simulate.EventCallerTurn:
		fmt.Fprintf(b, "    Caller->>Twilio: %s\n", q(e.Text))
		fmt.Fprintf(b, "    Twilio-)App: prompt\n")
	case simulate.EventAgent:
		if e.Latency != nil {
			fmt.Fprintf(b, "    App-)Twilio: text tokens\n")
		}
		fmt.Fprintf(b, "    Twilio->>Caller: %s\n", q(e.Text))
	case simulate.EventSession, simulate.EventStream:
		fmt.Fprintf(b, "    Note over Twilio,App: %s\n", q(e.Text))
	}
}
