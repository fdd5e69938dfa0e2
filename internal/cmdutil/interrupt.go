package cmdutil

import (
	"context"
	"fmt"
	"sync"
)

// InterruptContext is parent, cancelled by the first Ctrl-C so that a run,
// a load or a call can stop cleanly and report what it has; a second Ctrl-C
// ends the process at once with exit status 130. stop ends the watch.
func (f *Factory) InterruptContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	if f.Signals == nil {
		return ctx, cancel
	}
	sigs, stopSignals := f.Signals()
	done := make(chan struct{})
	// A signal that arrives after stop may still win select's random choice
	// against done, so stopped() is asked again before acting on it.
	stopped := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	go func() {
		select {
		case <-sigs:
			if stopped() {
				return
			}
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			if stopped() {
				return
			}
			fmt.Fprintln(f.IOStreams.ErrOut, "callsim: interrupted twice: stopped at once")
			f.Exit(ExitInterrupted)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			close(done)
			stopSignals()
			cancel()
		})
	}
}
