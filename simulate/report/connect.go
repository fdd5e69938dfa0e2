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
