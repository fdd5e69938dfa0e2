package load

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteText renders the summary for a person.
func WriteText(w io.Writer, s *Summary) error {
	var b strings.Builder
	mode := "keep-alive connections shared by all calls"
	if s.NewConnections {
		mode = "a new connection per call"
	}
	fmt.Fprintf(&b, "callsim load · %s · concurrency %d", s.URL, s.Concurrency)
	if s.Rate > 0 {
		fmt.Fprintf(&b, " · rate %s calls/s", trimFloat(s.Rate))
	}
	fmt.Fprintf(&b, " · %s · seed %d\n", mode, s.BaseSeed)
	if s.Interrupted {
		b.WriteString("interrupted: partial summary of the calls placed so far\n")
	}
	b.WriteString("\n")
	c := s.Calls
	fmt.Fprintf(&b, "calls     %d in %s (%.1f calls/s): %d completed, %d failed", c.Started, Human(s.Elapsed), s.CallsPerSecond, c.Completed, c.Failed)
	if c.Canceled > 0 || s.Interrupted {
		fmt.Fprintf(&b, ", %d canceled", c.Canceled)
	}
	b.WriteString("\n")
	if len(s.Flows) > 0 {
		head := []string{"  flow", "calls", "completed", "failed", "canceled"}
		if s.Unmet != nil {
			head = append(head, "expectations failed")
		}
		rows := [][]string{head}
		for _, f := range s.Flows {
			row := []string{"  " + f.Name, fmt.Sprint(f.Started), fmt.Sprint(f.Completed), fmt.Sprint(f.Failed), fmt.Sprint(f.Canceled)}
			if s.Unmet != nil {
				row = append(row, fmt.Sprint(f.Unmet))
			}
			rows = append(rows, row)
		}
		writeTable(&b, rows)
	}
	fmt.Fprintf(&b, "requests  %d (%.1f/s), %d failed (%s), %d over Twilio's 15 s limit (%s)\n",
		s.Requests, s.RequestsPerSecond, s.Errors, percent(s.Errors, s.Requests), s.OverLimit, percent(s.OverLimit, s.Requests))
	if s.CanceledRequests > 0 {
		fmt.Fprintf(&b, "          %d more aborted by the cancellation (not counted)\n", s.CanceledRequests)
	}
	if s.LateStarts > 0 {
		fmt.Fprintf(&b, "          %d calls started late: all %d workers were busy, the rate was not kept (raise --concurrency)\n", s.LateStarts, s.Concurrency)
	}
	if len(s.Latency) > 0 {
		b.WriteString("\n")
		rows := [][]string{{"latency", "count", "failed", "p50", "p90", "p99", "max"}}
		for _, l := range s.Latency {
			rows = append(rows, []string{l.Label, fmt.Sprint(l.Count), fmt.Sprint(l.Errors), Human(l.P50), Human(l.P90), Human(l.P99), Human(l.Max)})
		}
		writeTable(&b, rows)
	}
	writeVoiceAI(&b, s.VoiceAI)
	if len(s.ByCode) > 0 {
		b.WriteString("\nerrors by Twilio code\n")
		for _, e := range s.ByCode {
			fmt.Fprintf(&b, "  %d  %s: %d (%s of requests)\n", e.Code, e.Words, e.Count, percent(e.Count, s.Requests))
			fmt.Fprintf(&b, "         first in call %d (callsim inbound --seed %d replays it): %s\n", e.Call, e.Seed, oneLine(e.Example))
		}
	}
	if u := s.Unmet; u != nil {
		fmt.Fprintf(&b, "\nexpectations failed in %d calls (%s of calls)\n", u.Calls, percent(u.Calls, s.Calls.Started))
		fmt.Fprintf(&b, "  first in call %d: %s\n", u.Call, oneLine(u.Example))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTable writes rows with the first column left-aligned and the others
// right-aligned, two spaces apart.
func writeTable(b *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		for i, cell := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteString("\n")
	}
}

// ProgressLine is the one-line live view of a run.
func ProgressLine(p Progress) string {
	done := fmt.Sprint(p.Done)
	if p.Total > 0 {
		done = fmt.Sprintf("%d/%d", p.Done, p.Total)
	}
	return fmt.Sprintf("%s  calls %s done, %d in flight, %d failed · %d requests, %d errors · %.0f calls/s, %.0f req/s",
		Human(p.Elapsed), done, p.InFlight, p.Failed, p.Requests, p.Errors, p.CallRate, p.RequestRate)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

func percent(n, of int64) string {
	if of == 0 {
		return "0%"
	}
	v := 100 * float64(n) / float64(of)
	switch {
	case n == 0:
		return "0%"
	case v < 0.01:
		return "<0.01%"
	case v < 10:
		return fmt.Sprintf("%.2f%%", v)
	}
	return fmt.Sprintf("%.1f%%", v)
}

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}

// Human formats a duration with three significant digits: 87.3µs, 1.25ms, 2.40s.
func Human(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d)
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	case d < 100*time.Second:
		return sig3(d.Seconds()) + "s"
	}
	return d.Round(time.Second).String()
}

func sig3(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}
