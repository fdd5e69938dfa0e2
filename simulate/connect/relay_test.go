package connect

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
)

const testToken = "12345"

var testCall = Call{AccountSid: "AC" + strings.Repeat("a", 32), CallSid: "CA" + strings.Repeat("b", 32),
	From: "+14155550100", To: "+14155550199", Direction: "inbound"}

func testDialer() *Dialer {
	n := 0
	var mu sync.Mutex
	return &Dialer{Sign: HMACSigner(testToken), NewSID: func(prefix string) string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return prefix + strings.Repeat("0", 31) + string(rune('0'+n))
	}}
}

// validSignature checks X-Twilio-Signature the way Twilio's TAC validators
// do, written out independently of the package: ws:// + host + path, then
// the query parameters sorted, as name+value.
func validSignature(r *http.Request, token string) bool {
	s := "ws://" + r.Host + r.URL.Path
	q := r.URL.Query()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range q[k] {
			s += k + v
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(r.Header.Get(SignatureHeader)), []byte(want))
}

// agentLog is what a test agent received.
type agentLog struct {
	mu   sync.Mutex
	msgs []map[string]any
}

func (l *agentLog) add(m map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, m)
}

func (l *agentLog) all() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.msgs...)
}

func (l *agentLog) ofType(typ string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, m := range l.msgs {
		if m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

// relayAgent is a rule-based ConversationRelay app: it validates the
// handshake signature, answers each final prompt and dtmf, and ends on "bye".
// misbehave, when set, is sent raw before the answer to a prompt.
func relayAgent(t testing.TB, log *agentLog, misbehave func(p string) []string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validSignature(r, testToken) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		say := func(v any) {
			data, _ := json.Marshal(v)
			c.Write(ctx, websocket.MessageText, data)
		}
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				log.add(map[string]any{"type": "(closed)", "code": int(websocket.CloseStatus(err))})
				return
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Errorf("agent got invalid JSON %q", data)
				return
			}
			log.add(m)
			switch m["type"] {
			case "prompt":
				if m["last"] != true {
					continue
				}
				p := m["voicePrompt"].(string)
				if misbehave != nil {
					for _, raw := range misbehave(p) {
						c.Write(ctx, websocket.MessageText, []byte(raw))
					}
				}
				switch {
				case strings.Contains(p, "bye"):
					say(map[string]any{"type": "text", "token": "Goodbye!", "last": true})
					say(map[string]any{"type": "end", "handoffData": `{"reason":"caller said bye"}`})
				case strings.Contains(p, "français"):
					say(map[string]any{"type": "language", "ttsLanguage": "fr-FR", "transcriptionLanguage": "fr-FR"})
					say(map[string]any{"type": "text", "token": "D'accord.", "lang": "fr-FR", "last": true, "interruptible": false})
				case strings.Contains(p, "mumble"):
					say(map[string]any{"type": "text", "token": "hmm"})
				case strings.Contains(p, "close"):
					c.Close(websocket.StatusNormalClosure, "")
					return
				case strings.Contains(p, "long"):
					for _, tok := range strings.SplitAfter("one two three four five six seven eight", " ") {
						say(map[string]any{"type": "text", "token": tok})
					}
					say(map[string]any{"type": "text", "token": "", "last": true, "interruptible": true})
				default:
					say(map[string]any{"type": "text", "token": "You said "})
					say(map[string]any{"type": "text", "token": p + "."})
					say(map[string]any{"type": "text", "token": "", "last": true})
				}
			case "dtmf":
				say(map[string]any{"type": "play", "source": "https://example.com/beep.mp3"})
				say(map[string]any{"type": "text", "token": "You pressed " + m["digit"].(string), "last": true})
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

func TestHMACSignerVector(t *testing.T) {
	t.Parallel()
	// twilio-voice.md §6, vector 11, with its published string to sign.
	s := "https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212"
	if got := HMACSigner("12345")(s); got != "L/OH5YylLD5NRKLltdqwSvS0BnU=" {
		t.Errorf("signature = %s", got)
	}
}

func TestHandshakeStringToSign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url   string
		asWSS bool
		want  string
	}{
		{"wss://example.com/relay", false, "wss://example.com/relay"},
		{"wss://example.com:8443/relay?b=2&a=1&a=0", false, "wss://example.com:8443/relaya0a1b2"},
		{"ws://127.0.0.1:8080/x?k=v%20w", false, "ws://127.0.0.1:8080/xkv w"},
		{"ws://127.0.0.1:8080/x", true, "wss://127.0.0.1:8080/x"},
	} {
		got, err := HandshakeStringToSign(tc.url, tc.asWSS)
		if err != nil || got != tc.want {
			t.Errorf("HandshakeStringToSign(%q, %v) = %q, %v; want %q", tc.url, tc.asWSS, got, err, tc.want)
		}
	}
}

func TestRelayConversation(t *testing.T) {
	t.Parallel()
	log := &agentLog{}
	srv := relayAgent(t, log, nil)
	cfg, err := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay?tenant=acme"), "welcomeGreeting": "Hi, how can I help?",
		"dtmfDetection": "true", "interruptible": "speech"}, []Field{{"customer", "42"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	turn, err := r.Say(ctx, "hello there", SayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := turn.Agent(); got != "You said hello there." || !turn.Answered {
		t.Errorf("turn 1 agent = %q answered=%v", got, turn.Answered)
	}
	if turn.FirstToken <= 0 || turn.LastToken < turn.FirstToken {
		t.Errorf("latencies first=%v last=%v", turn.FirstToken, turn.LastToken)
	}
	turn, err = r.Press(ctx, "5", SayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := turn.Agent(); got != "You pressed 5" || len(turn.Plays) != 1 {
		t.Errorf("dtmf turn = %q plays=%v", got, turn.Plays)
	}
	if _, err := r.Say(ctx, "tell me something long", SayOptions{}); err != nil {
		t.Fatal(err)
	}
	// 8 words take 3.2 s; the caller cuts in after 1 s, having heard 2 words.
	if _, err := r.Say(ctx, "stop, bye", SayOptions{BargeIn: time.Second}); err != nil {
		t.Fatal(err)
	}
	res := r.Finish(ctx, 5*time.Second)

	setup := log.ofType("setup")
	wantSetup := []map[string]any{{"type": "setup", "sessionId": r.SessionID(), "accountSid": testCall.AccountSid, "parentCallSid": "",
		"callSid": testCall.CallSid, "from": testCall.From, "to": testCall.To, "forwardedFrom": "", "callType": "PSTN",
		"callerName": "", "direction": "inbound", "callStatus": "IN-PROGRESS", "customParameters": map[string]any{"customer": "42"}}}
	if d := cmp.Diff(wantSetup, setup); d != "" {
		t.Errorf("setup (-want +got):\n%s", d)
	}
	wantInterrupt := []map[string]any{{"type": "interrupt", "utteranceUntilInterrupt": "one two", "durationUntilInterruptMs": 1000.0}}
	if d := cmp.Diff(wantInterrupt, log.ofType("interrupt")); d != "" {
		t.Errorf("interrupt (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]map[string]any{{"type": "dtmf", "digit": "5"}}, log.ofType("dtmf")); d != "" {
		t.Errorf("dtmf (-want +got):\n%s", d)
	}
	if n := len(log.ofType("prompt")); n != 3 {
		t.Errorf("%d prompts, want 3", n)
	}

	var agent []string
	for _, tr := range res.Turns {
		agent = append(agent, tr.Caller+tr.Digits+" → "+tr.Agent())
	}
	wantTurns := []string{" → Hi, how can I help?", "hello there → You said hello there.", "5 → You pressed 5",
		"tell me something long → one two three four five six seven eight", "stop, bye → Goodbye!"}
	if d := cmp.Diff(wantTurns, agent); d != "" {
		t.Errorf("turns (-want +got):\n%s", d)
	}
	if res.Turns[3].Interrupted == nil {
		t.Error("turn 3 not marked interrupted")
	}
	// Simulated speaking: greeting (5 words, 2 s) + 3 answers fully heard
	// (4+3 words) + 1 s of the long answer: at least 5 s although the test
	// took milliseconds.
	if res.Duration < 5*time.Second {
		t.Errorf("simulated duration %v, want ≥ 5s", res.Duration)
	}
	want := []Field{{"SessionId", r.SessionID()}, {"SessionStatus", "ended"}, {"SessionDuration", res.ActionFields()[2].Value},
		{"HandoffData", `{"reason":"caller said bye"}`}}
	if d := cmp.Diff(want, res.ActionFields()); d != "" {
		t.Errorf("action fields (-want +got):\n%s", d)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	if data, err := json.Marshal(res); err != nil || !json.Valid(data) {
		t.Errorf("result does not marshal for --json: %v", err)
	}
	// Every message is kept, in both directions, with valid JSON.
	var sent, received int
	for _, m := range res.Messages {
		if m.At.IsZero() || !json.Valid(m.Data) {
			t.Errorf("message %+v", m)
		}
		if m.Dir == "sent" {
			sent++
		} else {
			received++
		}
	}
	if sent != 6 || received != 16 {
		t.Errorf("messages sent %d received %d, want 6 and 16", sent, received)
	}
}

func TestRelaySignatureRejected(t *testing.T) {
	t.Parallel()
	srv := relayAgent(t, &agentLog{}, nil)
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay")}, nil)
	d := testDialer()
	d.Sign = HMACSigner("wrong token")
	_, err := DialRelay(context.Background(), d, cfg, testCall, RelayOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeRelayConnect || !strings.Contains(e.Message, "HTTP 403") {
		t.Fatalf("err = %v, want 64102 naming HTTP 403", err)
	}
	res := FailedRelay(d, err)
	if res.Status != SessionStatusFailed || res.ErrorCode != CodeRelayConnect {
		t.Errorf("FailedRelay = %+v", res)
	}
}

func TestRelayProtocolErrors(t *testing.T) {
	t.Parallel()
	log := &agentLog{}
	srv := relayAgent(t, log, func(p string) []string {
		switch p {
		case "hello":
			return []string{`not json`, `{"type":"shout"}`, `{"type":"text"}`}
		case "twice":
			return []string{`{"type":"text","token":"First.","last":true}`, `{"type":"text","token":"Second.","last":true}`, `{"type":"end"}`}
		}
		return nil
	})
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay")}, nil)
	ctx := context.Background()
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	turn, err := r.Say(ctx, "hello", SayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if turn.Agent() != "You said hello." {
		t.Errorf("session did not continue: %q", turn.Agent())
	}
	// A second talk cycle after last:true is kept as a second utterance.
	if _, err := r.Say(ctx, "twice", SayOptions{}); err != nil {
		t.Fatal(err)
	}
	res := r.Result()
	if got := res.Turns[len(res.Turns)-1].Agent(); got != "First. Second." {
		t.Errorf("last turn %q", got)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"error 64107: invalid JSON: invalid character 'o' in literal null (expecting 'u')",
		`error 64107: unknown message type "shout" (want text, play, sendDigits, language or end)`,
		`error 64107: text message without "token" (null or missing)`,
		`warning 64107: text token "Second." after last:true in turn 2: spoken as a new utterance`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if n := len(log.ofType("error")); n != 3 {
		t.Errorf("app got %d error messages, want 3", n)
	}
	if res.Status != SessionStatusEnded || res.CallStatus != "in-progress" {
		t.Errorf("status %s/%s, want ended/in-progress", res.Status, res.CallStatus)
	}
}

func TestRelayTooManyMalformed(t *testing.T) {
	t.Parallel()
	log := &agentLog{}
	srv := relayAgent(t, log, func(string) []string {
		return strings.Split(strings.Repeat("{},", MaxConsecutiveMalformed), ",")[:MaxConsecutiveMalformed]
	})
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay")}, nil)
	ctx := context.Background()
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.Say(ctx, "hello", SayOptions{})
	res := r.Result()
	if res.Status != SessionStatusFailed || res.ErrorCode != CodeRelayServerClosed || res.ErrorMessage != CloseMalformedReason {
		t.Errorf("result %s %d %q", res.Status, res.ErrorCode, res.ErrorMessage)
	}
	if _, err := r.Say(ctx, "more", SayOptions{}); !errors.Is(err, ErrSessionEnded) {
		t.Errorf("Say after the end: %v", err)
	}
	// Nine error replies, then the close.
	for deadline := time.Now().Add(5 * time.Second); len(log.ofType("(closed)")) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := len(log.ofType("error")); n != MaxConsecutiveMalformed-1 {
		t.Errorf("%d error replies", n)
	}
	if d := cmp.Diff([]map[string]any{{"type": "(closed)", "code": int(CloseMalformed)}}, log.ofType("(closed)")); d != "" {
		t.Errorf("close seen by the app (-want +got):\n%s", d)
	}
}

func TestRelayAppCloses(t *testing.T) {
	t.Parallel()
	srv := relayAgent(t, &agentLog{}, nil)
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay")}, nil)
	ctx := context.Background()
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.Say(ctx, "please close", SayOptions{})
	res := r.Result()
	want := []Field{{"SessionId", r.SessionID()}, {"SessionStatus", "failed"}, {"SessionDuration", "1"},
		{"ErrorCode", "64105"}, {"ErrorMessage", "the app closed the WebSocket (code 1000) without sending end"}}
	if d := cmp.Diff(want, res.ActionFields()); d != "" {
		t.Errorf("action fields (-want +got):\n%s", d)
	}
}

func TestRelayCancel(t *testing.T) {
	t.Parallel()
	// An agent that never answers: the caller's context ends the wait and
	// the session.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/")}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := r.Say(ctx, "hello?", SayOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Say = %v, want context.Canceled", err)
	}
	res := r.Result()
	if res.Status != SessionStatusFailed || !strings.Contains(res.ErrorMessage, "cancelled") {
		t.Errorf("result %s %q", res.Status, res.ErrorMessage)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestRelayUnanswered(t *testing.T) {
	t.Parallel()
	srv := relayAgent(t, &agentLog{}, nil)
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay")}, nil)
	ctx := context.Background()
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	turn, err := r.Press(ctx, "1", SayOptions{})
	if err != nil || turn.NotSent == "" || turn.Answered {
		t.Errorf("Press without dtmfDetection = %+v, %v", turn, err)
	}
	// The agent's talk cycle never completes within the reply timeout.
	turn, err = r.Say(ctx, "mumble", SayOptions{})
	if err != nil || turn.Answered || turn.FirstToken <= 0 {
		t.Errorf("unanswered turn = %+v, %v", turn, err)
	}
	res := r.Hangup()
	if res.Status != SessionStatusCompleted || res.CallStatus != "completed" {
		t.Errorf("hang-up result %s/%s", res.Status, res.CallStatus)
	}
}

func TestParseRelayConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attrs map[string]string
		err   string
	}{
		{map[string]string{}, `<ConversationRelay> needs a "url" attribute`},
		{map[string]string{"url": "wss://x/", "interruptible": "sometimes"}, `<ConversationRelay interruptible="sometimes">: want none, dtmf, speech, any, true or false`},
		{map[string]string{"url": "wss://x/", "dtmfDetection": "yes"}, `<ConversationRelay dtmfDetection="yes">: want true or false`},
	} {
		_, err := ParseRelayConfig(tc.attrs, nil)
		if err == nil || err.Error() != tc.err {
			t.Errorf("ParseRelayConfig(%v) = %v, want %s", tc.attrs, err, tc.err)
		}
	}
	c, err := ParseRelayConfig(map[string]string{"url": "wss://x/", "interruptible": "false", "language": "fr-FR"}, nil)
	if err != nil || c.Interruptible != "none" || c.Language != "fr-FR" || c.WelcomeGreetingInterruptible != "any" {
		t.Errorf("config %+v %v", c, err)
	}
}

// TestRelayCallerOptions: partial prompts, a language switch, an utterance
// the agent made non-interruptible, and a real-time barge-in on the greeting.
func TestRelayCallerOptions(t *testing.T) {
	t.Parallel()
	log := &agentLog{}
	srv := relayAgent(t, log, nil)
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay"), "partialPrompts": "true",
		"welcomeGreeting": "Hello and welcome to the shop", "welcomeGreetingInterruptible": "speech"}, nil)
	ctx := context.Background()
	r, err := DialRelay(ctx, testDialer(), cfg, testCall, RelayOptions{ReplyTimeout: 5 * time.Second, RealTime: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// 400 ms into the greeting, one word (2.5 a second) has been heard.
	if _, err := r.Say(ctx, "en français", SayOptions{BargeIn: 400 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Errorf("real-time barge-in after %v", el)
	}
	// The French answer is not interruptible: the caller waits until it has
	// played (one word, 400 ms) and no interrupt is sent.
	start = time.Now()
	turn, err := r.Say(ctx, "merci au revoir bye", SayOptions{BargeIn: 100 * time.Millisecond})
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("the caller cut a non-interruptible utterance after %v", el)
	}
	if err != nil {
		t.Fatal(err)
	}
	res := r.Finish(ctx, 5*time.Second)
	if turn.Agent() != "Goodbye!" {
		t.Errorf("last turn %q", turn.Agent())
	}
	want := []map[string]any{
		{"type": "interrupt", "utteranceUntilInterrupt": "Hello", "durationUntilInterruptMs": 400.0},
	}
	if d := cmp.Diff(want, log.ofType("interrupt")); d != "" {
		t.Errorf("interrupts (-want +got):\n%s", d)
	}
	var prompts []string
	for _, m := range log.ofType("prompt") {
		prompts = append(prompts, fmt.Sprintf("%s|%s|%v", m["voicePrompt"], m["lang"], m["last"]))
	}
	wantPrompts := []string{"en|en-US|false", "en français|en-US|true",
		"merci|fr-FR|false", "merci au|fr-FR|false", "merci au revoir|fr-FR|false", "merci au revoir bye|fr-FR|true"}
	if d := cmp.Diff(wantPrompts, prompts); d != "" {
		t.Errorf("prompts (-want +got):\n%s", d)
	}
	fr := res.Turns[1]
	if d := cmp.Diff([]string{"tts=fr-FR", "transcription=fr-FR"}, fr.Languages); d != "" {
		t.Errorf("languages (-want +got):\n%s", d)
	}
	if u := fr.Utterances[0]; u.Interruptible != "none" || u.Lang != "fr-FR" || fr.Interrupted != nil {
		t.Errorf("French utterance %+v interrupted %v", u, fr.Interrupted)
	}
	if res.Turns[0].Interrupted == nil {
		t.Error("greeting not marked interrupted")
	}
}
