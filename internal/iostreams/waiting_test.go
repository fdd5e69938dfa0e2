package iostreams

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWaitingShowsAfterDelayAndErases(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	w := NewWaiting(&buf)
	w.Delay, w.Interval = 10*time.Millisecond, 5*time.Millisecond
	w.Start("waiting for POST /voice")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "waiting for POST /voice") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	w.Stop()
	got := buf.String()
	if !strings.Contains(got, "waiting for POST /voice (") {
		t.Fatalf("indicator never shown: %q", got)
	}
	if !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("indicator not erased at Stop: %q", got)
	}
}

func TestWaitingFastAnswerShowsNothing(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	w := NewWaiting(&buf)
	w.Delay = time.Hour
	w.Start("waiting")
	w.Stop()
	w.Stop()
	if buf.String() != "" {
		t.Errorf("wrote %q for an answer faster than Delay", buf.String())
	}
}

func TestWaitingOffATerminalIsNil(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	w := s.Waiting()
	if w != nil {
		t.Fatal("Waiting on a non-terminal standard error")
	}
	w.Start("x") // a nil indicator does nothing
	w.Stop()
	s.SetStderrTTY(true)
	if s.Waiting() == nil {
		t.Error("no Waiting on a terminal standard error")
	}
}
