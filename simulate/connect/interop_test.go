package connect

import (
	"bufio"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var interop = flag.Bool("interop", false, "run sessions against testdata/interop/agent.js (Node's ws + twilio's validateRequest); needs node and `npm install --prefix testdata/interop`")

// TestInterop plays a ConversationRelay conversation and a bidirectional
// Media Stream against apps written with Twilio's own Node library, which
// validate the handshake signature and every message's fields. Run it with
//
//	npm install --prefix simulate/connect/testdata/interop
//	go test ./simulate/connect -run Interop -args -interop
func TestInterop(t *testing.T) {
	if !*interop {
		t.Skip("needs -interop")
	}
	if _, err := os.Stat(filepath.Join("testdata", "interop", "node_modules", "twilio")); err != nil {
		t.Fatalf("-interop: run `npm install --prefix testdata/interop` first: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "interop", "agent.js"), testToken)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("agent.js did not print its port: %v", err)
	}
	base := "ws://127.0.0.1:" + strings.TrimSpace(port)
	params := []Field{{"tier", "gold"}}

	t.Run("relay", func(t *testing.T) {
		cfg, _ := ParseRelayConfig(map[string]string{"url": base + "/relay", "dtmfDetection": "true"}, params)
		d := testDialer()
		d.NewSID = nil // the app checks for real hex SIDs
		r, err := DialRelay(ctx, d, cfg, testCall, RelayOptions{ReplyTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		turn, err := r.Say(ctx, "I would like to book a table", SayOptions{})
		if err != nil || turn.Agent() != "You said: I would like to book a table" {
			t.Fatalf("turn %q, %v", turn.Agent(), err)
		}
		if turn, err := r.Press(ctx, "7", SayOptions{BargeIn: 500 * time.Millisecond}); err != nil || turn.Agent() != "Key 7." {
			t.Fatalf("dtmf turn %q, %v", turn.Agent(), err)
		}
		if _, err := r.Say(ctx, "thanks, bye", SayOptions{}); err != nil {
			t.Fatal(err)
		}
		res := r.Finish(ctx, 5*time.Second)
		if res.Status != SessionStatusEnded || res.HandoffData == nil || !strings.Contains(*res.HandoffData, "thanks, bye") || len(res.Problems) > 0 {
			t.Errorf("result %s %v %q problems %v", res.Status, res.HandoffData, res.ErrorMessage, res.Problems)
		}
		t.Logf("turn latencies: first token %v, last token %v; action fields %v", res.Turns[0].FirstToken, res.Turns[0].LastToken, res.ActionFields())
	})

	t.Run("relay bad signature", func(t *testing.T) {
		cfg, _ := ParseRelayConfig(map[string]string{"url": base + "/relay"}, params)
		_, err := DialRelay(ctx, &Dialer{Sign: HMACSigner("wrong")}, cfg, testCall, RelayOptions{})
		if e, ok := err.(*Error); !ok || e.Code != CodeRelayConnect {
			t.Errorf("err = %v, want 64102", err)
		}
	})

	t.Run("media", func(t *testing.T) {
		cfg, err := ParseStreamConfig(map[string]string{"url": base + "/media"}, params, true)
		if err != nil {
			t.Fatal(err)
		}
		s := NewStream(&Dialer{Sign: HMACSigner(testToken)}, cfg, testCall, StreamOptions{Speed: 10})
		if err := s.Open(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SendAudio(ctx, Silence(time.Second)); err != nil {
			t.Fatal(err)
		}
		s.SendDTMF(ctx, "9") // the app marks it and closes when the mark comes back
		if !s.Wait(ctx, 10*time.Second) {
			t.Fatal("the app did not close the stream")
		}
		res := s.Result()
		if !res.ClosedByApp || len(res.Problems) > 0 || len(res.Marks) != 1 || res.Marks[0].Echoed.IsZero() || res.ReceivedSeconds != 1 {
			t.Errorf("result closed=%v problems=%v marks=%+v received=%vs", res.ClosedByApp, res.Problems, res.Marks, res.ReceivedSeconds)
		}
		t.Logf("first audio back %v after the caller's audio; %d frames each way", res.FirstAudioBack, res.MediaSent)
	})
}
