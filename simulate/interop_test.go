package simulate_test

import (
	"bufio"
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/connect"
	"github.com/callsim/callsim/simulate/contract"
)

var interop = flag.Bool("interop", false, "run a whole call against ../simulate/connect/testdata/interop/agent.js (Node's ws + twilio's validateRequest); needs node and `npm install --prefix simulate/connect/testdata/interop`")

// TestInteropCall places a whole call whose TwiML hands it to apps written
// with Twilio's own Node library (they validate the handshake signature
// and every field of every message): a ConversationRelay conversation, its
// <Connect action>, then a bidirectional Media Stream. Run it with
//
//	npm install --prefix simulate/connect/testdata/interop
//	go test ./simulate -run InteropCall -args -interop
func TestInteropCall(t *testing.T) {
	if !*interop {
		t.Skip("needs -interop")
	}
	dir := filepath.Join("connect", "testdata", "interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "twilio")); err != nil {
		t.Fatalf("-interop: run `npm install --prefix simulate/connect/testdata/interop` first: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "agent.js"), testToken)
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
	ws := "ws://127.0.0.1:" + strings.TrimSpace(port)
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice":    twimlRoute(resp(`<Connect action="/after"><ConversationRelay url="` + ws + `/relay" dtmfDetection="true"><Parameter name="tier" value="gold"/></ConversationRelay></Connect>`)),
		"/after":    twimlRoute(resp(`<Say>Now the echo.</Say><Connect action="/after-ms"><Stream url="` + ws + `/media"><Parameter name="tier" value="gold"/></Stream></Connect>`)),
		"/after-ms": twimlRoute(resp(`<Hangup/>`)),
	})
	call, err := contract.NewCall(contract.CallSpec{Seed: 11, APIVersion: "2010-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := simulate.Run(ctx, call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true,
		Sessions: simulate.SessionOptions{Silence: time.Second},
		Caller:   &simulate.ScriptCaller{Speech: []string{"I would like to book a table", "thanks, bye"}, Digits: []string{"9"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Failed || tr.EndReason != "<Hangup>" || len(tr.Sessions) != 2 {
		t.Fatalf("call: failed %v, ended %q, %d sessions, errors %v", tr.Failed, tr.EndReason, len(tr.Sessions), tr.Errors)
	}
	relay, stream := tr.Sessions[0].Relay, tr.Sessions[1].Stream
	var first connect.Turn
	for _, turn := range relay.Turns {
		if turn.Index == 1 {
			first = turn
		}
	}
	if relay.Status != "ended" || len(relay.Problems) > 0 || first.Agent() != "You said: I would like to book a table" {
		t.Errorf("relay: %s, problems %v, turn 1 %q", relay.Status, relay.Problems, first.Agent())
	}
	if !stream.ClosedByApp || len(stream.Problems) > 0 || len(stream.Marks) != 1 || stream.ReceivedSeconds != 1 {
		t.Errorf("stream: closed %v, problems %v, marks %v, received %v s", stream.ClosedByApp, stream.Problems, stream.Marks, stream.ReceivedSeconds)
	}
	after := app.requests()
	for _, r := range after {
		if r.Path == "/after" && (r.Params.Value("SessionStatus") != "ended" || !strings.Contains(r.Params.Value("HandoffData"), "thanks, bye") || !r.ValidSig) {
			t.Errorf("action request %v (signature valid %v)", r.Params, r.ValidSig)
		}
	}
	t.Logf("turn 1: first token %v, last token %v; stream first audio back %v", first.FirstToken, first.LastToken, stream.FirstAudioBack)
}
