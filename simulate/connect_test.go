package simulate_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/connect"
	"github.com/callsim/callsim/simulate/contract"
)

// wsSigned accepts a WebSocket only with a valid handshake signature, as
// Twilio's validators do.
func wsSigned(t *testing.T, w http.ResponseWriter, r *http.Request) *websocket.Conn {
	t.Helper()
	s, err := connect.HandshakeStringToSign("ws://"+r.Host+r.URL.RequestURI(), false)
	if err != nil || connect.HMACSigner(testToken)(s) != r.Header.Get(connect.SignatureHeader) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return nil
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		t.Errorf("accept: %v", err)
		return nil
	}
	return c
}

func wsSend(ctx context.Context, c *websocket.Conn, v any) {
	data, _ := json.Marshal(v)
	c.Write(ctx, websocket.MessageText, data)
}

// relayAgent answers prompts; "bye" ends the session with handoff data.
func relayAgent(t *testing.T, setup *atomic.Value) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := wsSigned(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(data, &m)
			switch m["type"] {
			case "setup":
				setup.Store(m)
			case "prompt":
				p, _ := m["voicePrompt"].(string)
				if strings.Contains(p, "bye") {
					wsSend(ctx, c, map[string]any{"type": "text", "token": "Goodbye!", "last": true})
					wsSend(ctx, c, map[string]any{"type": "end", "handoffData": `{"reason":"done"}`})
					continue
				}
				wsSend(ctx, c, map[string]any{"type": "text", "token": "You said "})
				wsSend(ctx, c, map[string]any{"type": "text", "token": p, "last": true})
			case "dtmf":
				wsSend(ctx, c, map[string]any{"type": "text", "token": "Key " + m["digit"].(string), "last": true})
			}
		}
	}
}

func TestConnectRelay(t *testing.T) {
	t.Parallel()
	var setup atomic.Value
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Connect action="/after"><ConversationRelay url="/relay" welcomeGreeting="Hello there" dtmfDetection="true"><Parameter name="customer" value="42"/></ConversationRelay></Connect><Say>not reached</Say>`)),
		"/relay": relayAgent(t, &setup),
		"/after": twimlRoute(resp(`<Say>Thanks</Say>`)),
	})
	call, err := contract.NewCall(contract.CallSpec{Seed: 7, APIVersion: "2010-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true,
		Caller: &simulate.ScriptCaller{Speech: []string{"opening hours", "ok bye"}, Digits: []string{"5"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Failed {
		t.Fatalf("call failed: %v", tr.Errors)
	}
	if d := cmp.Diff([]string{"POST /voice ringing", "GET /relay", "POST /after in-progress"}, app.paths()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	after := app.requests()[2]
	if !after.ValidSig {
		t.Error("the action request is not validly signed")
	}
	sess := tr.Sessions[0]
	want := map[string]string{"SessionId": sess.Relay.SessionID, "SessionStatus": "ended", "HandoffData": `{"reason":"done"}`, "CallSid": call.CallSid}
	for k, v := range want {
		if got := after.Params.Value(k); got != v {
			t.Errorf("action %s = %q, want %q (%v)", k, got, v, after.Params)
		}
	}
	if after.Params.Value("SessionDuration") == "" {
		t.Error("action request has no SessionDuration")
	}
	got, _ := setup.Load().(map[string]any)
	if got["callSid"] != call.CallSid || got["from"] != tr.From || got["customParameters"].(map[string]any)["customer"] != "42" {
		t.Errorf("setup = %v", got)
	}
	var agent []string
	var timed int
	for _, e := range tr.Steps[0].Events {
		if e.Kind == simulate.EventAgent || e.Kind == simulate.EventCallerTurn {
			agent = append(agent, e.Kind+": "+e.Text)
		}
		if e.Latency != nil && e.Latency.FirstToken > 0 && e.Latency.LastToken >= e.Latency.FirstToken {
			timed++
		}
	}
	wantTurns := []string{"agent: (welcome greeting) Hello there", "caller: opening hours", "agent: You said opening hours", "caller: ok bye", "agent: Goodbye!"}
	if d := cmp.Diff(wantTurns, agent); d != "" {
		t.Errorf("turns (-want +got):\n%s", d)
	}
	if timed != 2 {
		t.Errorf("%d answers with first/last token times, want 2", timed)
	}
	if kinds := eventKinds(tr.Steps[1]); !cmp.Equal(kinds, []string{"say"}) {
		t.Errorf("after the session: %v, want the action's <Say>", kinds)
	}
	if len(sess.Relay.Messages) == 0 || sess.Relay.Messages[0].At.IsZero() {
		t.Error("session messages are not recorded with timestamps")
	}
}

// A caller who runs out of things to say hangs up: the action request is
// still made with CallStatus=completed, and the call ends.
func TestConnectRelayCallerHangsUp(t *testing.T) {
	t.Parallel()
	var setup atomic.Value
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Connect action="/after"><ConversationRelay url="/relay"/></Connect><Say>not reached</Say>`)),
		"/relay": relayAgent(t, &setup),
		"/after": twimlRoute(resp(`<Say>not played</Say>`)),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, _ := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true,
		Sessions: simulate.SessionOptions{Grace: 50 * time.Millisecond},
		Caller:   &simulate.ScriptCaller{Speech: []string{"hello"}}})
	reqs := app.requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/after" || last.Params.Value("CallStatus") != "completed" || last.Params.Value("SessionStatus") != "completed" {
		t.Errorf("last request %s CallStatus=%s SessionStatus=%s", last.Path, last.Params.Value("CallStatus"), last.Params.Value("SessionStatus"))
	}
	if len(tr.Steps) != 2 || len(tr.Steps[1].Events) != 0 {
		t.Errorf("the action's TwiML ran after the caller hung up: %d steps", len(tr.Steps))
	}
}

func TestConnectRelayUnreachable(t *testing.T) {
	t.Parallel()
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Connect action="/after"><ConversationRelay url="/nothing-here"/></Connect>`)),
		"/after": twimlRoute(resp(`<Hangup/>`)),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, _ := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true})
	if !tr.Failed {
		t.Error("a relay that cannot connect does not fail the call")
	}
	last := app.requests()[len(app.requests())-1]
	if last.Path != "/after" || last.Params.Value("SessionStatus") != "failed" || last.Params.Value("ErrorCode") != "64102" {
		t.Errorf("action request %s: %v", last.Path, last.Params)
	}
}

// echoStream echoes caller audio (after delay), then marks its end and closes the socket
// once the mark comes back.
func echoStream(t *testing.T, frames int, delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := wsSigned(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		n := 0
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m struct {
				Event, StreamSid string
				Media            struct{ Payload string }
			}
			json.Unmarshal(data, &m)
			switch m.Event {
			case "media":
				time.Sleep(delay)
				wsSend(ctx, c, map[string]any{"event": "media", "streamSid": m.StreamSid, "media": map[string]any{"payload": m.Media.Payload}})
				if n++; n == frames {
					wsSend(ctx, c, map[string]any{"event": "mark", "streamSid": m.StreamSid, "mark": map[string]any{"name": "echoed"}})
				}
			case "mark":
				c.Close(websocket.StatusNormalClosure, "")
				return
			}
		}
	}
}

// forkApp counts the frames of a unidirectional stream.
func forkApp(t *testing.T, frames *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := wsSigned(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		for {
			_, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if strings.Contains(string(data), `"event":"media"`) {
				frames.Add(1)
			}
		}
	}
}

func TestConnectStreams(t *testing.T) {
	t.Parallel()
	var forked atomic.Int32
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice":         twimlRoute(resp(`<Start><Stream name="rec" url="/fork" statusCallback="/stream-status"/></Start><Say>hello</Say><Stop><Stream name="rec"/></Stop><Connect action="/after"><Stream url="/echo"/></Connect>`)),
		"/fork":          forkApp(t, &forked),
		"/echo":          echoStream(t, 50, 0), // marks after the whole second the caller sends, so the close cannot cut it short,
		"/after":         twimlRoute(resp(`<Hangup/>`)),
		"/stream-status": twimlRoute(""),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 3})
	tr, _ := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true,
		Sessions: simulate.SessionOptions{Fast: true, Silence: time.Second}})
	if tr.Failed {
		t.Fatalf("call failed: %v", tr.Errors)
	}
	var paths []string
	for _, r := range app.requests() {
		p := r.Method + " " + r.Path
		if ev := r.Params.Value("StreamEvent"); ev != "" {
			p += " " + ev
			if !r.ValidSig {
				t.Errorf("%s is not validly signed", p)
			}
		}
		paths = append(paths, p)
	}
	want := []string{"POST /voice", "GET /fork", "POST /stream-status stream-started", "POST /stream-status stream-stopped", "GET /echo", "POST /after"}
	if d := cmp.Diff(want, paths); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if got := forked.Load(); got != 50 {
		t.Errorf("fork got %d frames, want 50 (1 s)", got)
	}
	if len(tr.Sessions) != 2 {
		t.Fatalf("%d sessions, want 2", len(tr.Sessions))
	}
	bidi := tr.Sessions[1].Stream
	if !bidi.ClosedByApp || bidi.SentSeconds != 1 || bidi.ReceivedSeconds < 0.5 || len(bidi.Marks) != 1 {
		t.Errorf("bidirectional stream: closed %v, sent %.2f s, received %.2f s, marks %v, first audio %v",
			bidi.ClosedByApp, bidi.SentSeconds, bidi.ReceivedSeconds, bidi.Marks, bidi.HasFirstAudioBack)
	}
	if tr.EndReason != "<Hangup>" {
		t.Errorf("ended: %s", tr.EndReason)
	}
}

// A fork still running when the call ends is stopped with it.
func TestStartStreamStoppedAtHangup(t *testing.T) {
	t.Parallel()
	var forked atomic.Int32
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice":         twimlRoute(resp(`<Start><Stream url="/fork" statusCallback="/stream-status"/></Start><Say>bye</Say>`)),
		"/fork":          forkApp(t, &forked),
		"/stream-status": twimlRoute(""),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 3})
	tr, _ := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true,
		Sessions: simulate.SessionOptions{Fast: true, Silence: 200 * time.Millisecond}})
	var events []string
	for _, r := range app.requests() {
		if ev := r.Params.Value("StreamEvent"); ev != "" {
			events = append(events, ev)
		}
	}
	if d := cmp.Diff([]string{"stream-started", "stream-stopped"}, events); d != "" {
		t.Errorf("stream events (-want +got):\n%s", d)
	}
	if s := tr.Sessions[0].Stream; s.StreamSid == "" || s.SentSeconds != 0.2 {
		t.Errorf("fork result %+v", s)
	}
}

// In real time, the first audio back is timed from the end of the caller's
// audio.
func TestConnectStreamFirstAudioBack(t *testing.T) {
	t.Parallel()
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Connect><Stream url="/echo"/></Connect>`)),
		"/echo":  echoStream(t, 5, 30*time.Millisecond),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 3})
	tr, _ := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, NoEnd: true,
		Sessions: simulate.SessionOptions{Silence: 100 * time.Millisecond}})
	s := tr.Sessions[0].Stream
	if !s.HasFirstAudioBack || s.FirstAudioBack <= 0 || s.FirstAudioBack > time.Second {
		t.Errorf("first audio back %v (%v)", s.FirstAudioBack, s.HasFirstAudioBack)
	}
	if tr.EndReason != "no more verbs" || tr.Failed {
		t.Errorf("ended: %s, failed %v", tr.EndReason, tr.Failed)
	}
}
