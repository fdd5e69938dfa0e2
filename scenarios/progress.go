package scenarios

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Progress shows results on a terminal as they come: a line per scenario,
// or, for many scenarios, a bar with the failures printed above it. Its
// Result method is a Replayer.OnResult.
type Progress struct {
	mu                      sync.Mutex
	out                     io.Writer
	opts                    TextOptions
	total, n                int
	passed, failed, skipped int
	barShown                bool
}

// ProgressBarAbove is the number of scenarios from which a bar replaces the
// lines: past it the lines would scroll the failures away.
const ProgressBarAbove = 30

// NewProgress shows the progress of total scenarios on out.
func NewProgress(out io.Writer, total int, opts TextOptions) *Progress {
	return &Progress{out: out, total: total, opts: opts}
}

// Result records one finished scenario.
func (p *Progress) Result(r *Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	switch r.Status {
	case Passed:
		p.passed++
	case Failed:
		p.failed++
	default:
		p.skipped++
	}
	if p.total <= ProgressBarAbove || r.Status == Failed {
		p.clear()
		fmt.Fprintln(p.out, ResultLine(r, p.opts))
	}
	if p.total > ProgressBarAbove {
		const width = 30
		filled := width * p.n / max(1, p.total)
		fmt.Fprintf(p.out, "\r[%s%s] %d/%d  ✔ %d  ✘ %d  ↷ %d", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.n, p.total, p.passed, p.failed, p.skipped)
		p.barShown = true
	}
}

// Done clears the bar, so that the report starts on a clean line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *Progress) clear() {
	if p.barShown {
		fmt.Fprint(p.out, "\r\033[K")
		p.barShown = false
	}
}
