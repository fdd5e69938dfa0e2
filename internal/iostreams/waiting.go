package iostreams

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Waiting shows on a terminal's standard error that callsim is waiting on
// something slow (a webhook that takes seconds to answer): a spinner, what
// it waits for and for how long, on one line it erases when done. It shows
// nothing until Delay has passed, so fast answers do not flicker. A nil
// *Waiting does nothing, which is what Waiting returns off a terminal.
type Waiting struct {
	w        io.Writer
	Delay    time.Duration
	Interval time.Duration

	mu    sync.Mutex
	stop  chan struct{}
	done  chan struct{}
	shown bool
}

// Waiting returns the indicator for standard error, or nil when progress
// is not shown there (not a terminal, TERM=dumb, --progress never).
func (s *IOStreams) Waiting() *Waiting {
	if !s.ProgressEnabled() {
		return nil
	}
	return NewWaiting(s.ErrOut)
}

// NewWaiting draws on w whatever w is.
func NewWaiting(w io.Writer) *Waiting {
	return &Waiting{w: w, Delay: 300 * time.Millisecond, Interval: 100 * time.Millisecond}
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// Start shows label (after Delay) until Stop; a running indicator is
// stopped first.
func (wt *Waiting) Start(label string) {
	if wt == nil {
		return
	}
	wt.Stop()
	wt.mu.Lock()
	defer wt.mu.Unlock()
	stop, done := make(chan struct{}), make(chan struct{})
	wt.stop, wt.done = stop, done
	start := time.Now()
	go func() {
		defer close(done)
		timer := time.NewTimer(wt.Delay)
		defer timer.Stop()
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		tick := time.NewTicker(wt.Interval)
		defer tick.Stop()
		for i := 0; ; i++ {
			wt.mu.Lock()
			wt.shown = true
			fmt.Fprintf(wt.w, "\r\x1b[K%s %s (%s)", spinner[i%len(spinner)], label, time.Since(start).Truncate(100*time.Millisecond))
			wt.mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
}

// Stop erases the indicator, if it was shown, and waits until it is gone,
// so that what is written next starts on a clean line.
func (wt *Waiting) Stop() {
	if wt == nil {
		return
	}
	wt.mu.Lock()
	stop, done := wt.stop, wt.done
	wt.stop, wt.done = nil, nil
	wt.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if wt.shown {
		fmt.Fprint(wt.w, "\r\x1b[K")
		wt.shown = false
	}
}
