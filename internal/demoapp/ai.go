package demoapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/callsim/callsim/simulate/connect"
	"github.com/callsim/callsim/simulate/contract"
)

// The voice AI half of the demo: a rule-based ConversationRelay agent (no
// AI service: keywords pick the answer) and a Media Streams echo, so that
// `callsim demo --ai` shows both protocols with no network.

// AIPath is the voice URL of the AI demo.
const AIPath = "/ai"

// AgentPath is a voice URL with the agent only (no streams), for load
// runs that measure ConversationRelay sessions alone.
const AgentPath = "/ai/agent"

// EchoGap is the pause after which the echo takes the caller to have
// finished, and EchoMax the most of the caller's audio it repeats.
const (
	EchoGap = 250 * time.Millisecond
	EchoMax = 3 * time.Second
)

func (a *App) aiRoutes(mux *http.ServeMux) {
	mux.HandleFunc(AIPath, a.twiml(a.aiWelcome))
	mux.HandleFunc(AIPath+"/after-agent", a.twiml(a.afterAgent))
	mux.HandleFunc(AgentPath, a.twiml(a.agentOnly))
	mux.HandleFunc(AIPath+"/after-echo", a.twiml(a.goodbye))
	mux.HandleFunc(AIPath+"/relay", a.socket(a.agent))
	mux.HandleFunc(AIPath+"/echo", a.socket(a.echo))
	mux.HandleFunc(AIPath+"/monitor", a.socket(a.monitor))
}

func (a *App) aiWelcome(contract.Params) string {
	return `  <Start>
    <Stream name="monitor" url="/ai/monitor" statusCallback="/status"/>
  </Start>
  <Connect action="/ai/after-agent">
    <ConversationRelay url="/ai/relay" welcomeGreeting="Hi, I am the callsim demo assistant. Ask me about opening hours, ask for a person, or say goodbye." dtmfDetection="true">
      <Parameter name="plan" value="demo"/>
    </ConversationRelay>
  </Connect>
`
}

func (a *App) agentOnly(contract.Params) string {
	return `  <Connect action="/ai/after-echo">
    <ConversationRelay url="/ai/relay" welcomeGreeting="Hi, I am the callsim demo assistant."/>
  </Connect>
`
}

// afterAgent is the <Connect action>: a caller who asked for a person is
// put through to sales; everyone else tries the echo stream.
func (a *App) afterAgent(p contract.Params) string {
	var handoff struct{ Reason string }
	json.Unmarshal([]byte(p.Value("HandoffData")), &handoff)
	if handoff.Reason == "person" {
		return say("Putting you through to sales.") + "  <Dial>" + SalesNumber + "</Dial>\n"
	}
	return say("Now an echo test: what you say comes back.") +
		"  <Connect action=\"/ai/after-echo\">\n    <Stream url=\"/ai/echo\"/>\n  </Connect>\n"
}

// socket validates the handshake signature, as Twilio's docs ask apps to,
// then hands the connection to serve.
func (a *App) socket(serve func(context.Context, *websocket.Conn)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		full := "ws://" + r.Host + r.URL.RequestURI()
		sig := r.Header.Get(connect.SignatureHeader)
		rec := Received{Method: r.Method, Path: r.URL.Path, URL: full, Signature: sig}
		if a.AuthToken != "" {
			if s, err := connect.HandshakeStringToSign(full, false); err == nil {
				rec.Valid = connect.HMACSigner(a.AuthToken)(s) == sig
			}
		}
		a.mu.Lock()
		a.received = append(a.received, rec)
		a.mu.Unlock()
		if a.AuthToken != "" && !rec.Valid {
			http.Error(w, "invalid X-Twilio-Signature", http.StatusForbidden)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		serve(r.Context(), c)
	}
}

func send(ctx context.Context, c *websocket.Conn, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Write(ctx, websocket.MessageText, data)
}

// reply streams an answer word by word, as a language model would.
func reply(ctx context.Context, c *websocket.Conn, text string) {
	words := strings.Fields(text)
	for i, w := range words {
		if i < len(words)-1 {
			w += " "
		}
		send(ctx, c, map[string]any{"type": "text", "token": w, "last": i == len(words)-1})
	}
}

// answer is the agent's rule book: what it says to a prompt, and the
// handoff reason when the answer ends the session.
func answer(prompt string) (text, end string) {
	p := strings.ToLower(prompt)
	switch {
	case strings.Contains(p, "bye"):
		return "Goodbye, and thanks for calling.", "goodbye"
	case strings.Contains(p, "person") || strings.Contains(p, "human") || strings.Contains(p, "sales"):
		return "Sure, let me put you through.", "person"
	case strings.Contains(p, "hour") || strings.Contains(p, "open"):
		return "We are open Monday to Friday, nine to five.", ""
	}
	return "Sorry, I can only tell you our opening hours. Say goodbye to finish.", ""
}

func (a *App) agent(ctx context.Context, c *websocket.Conn) {
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var m struct{ Type, VoicePrompt, Digit string }
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "prompt":
			text, end := answer(m.VoicePrompt)
			reply(ctx, c, text)
			if end != "" {
				handoff, _ := json.Marshal(map[string]string{"reason": end})
				send(ctx, c, map[string]any{"type": "end", "handoffData": string(handoff)})
			}
		case "dtmf":
			reply(ctx, c, "You pressed "+m.Digit+".")
		}
	}
}

// echo repeats what the caller said once the caller stops (no audio for
// EchoGap), up to EchoMax of it, marks the end of the repeat and closes the
// stream when the mark comes back (the repeat has played).
func (a *App) echo(ctx context.Context, c *websocket.Conn) {
	type frame struct {
		event, sid, payload, mark string
	}
	frames := make(chan frame)
	go func() {
		defer close(frames)
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m struct {
				Event, StreamSid string
				Media            struct{ Payload string }
				Mark             struct{ Name string }
			}
			if json.Unmarshal(data, &m) == nil {
				select {
				case frames <- frame{m.Event, m.StreamSid, m.Media.Payload, m.Mark.Name}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var heard []string
	sid, last := "", ""
	repeats := 0
	gap := time.NewTimer(time.Hour)
	defer gap.Stop()
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return
			}
			switch f.event {
			case "start":
				sid = f.sid
			case "media":
				if len(heard) < int(EchoMax/connect.FrameDuration) {
					heard = append(heard, f.payload)
				}
				// The caller is still talking (a stall on a busy machine made an
				// early repeat): that repeat's mark no longer ends the stream.
				last = ""
				gap.Reset(EchoGap)
			case "mark":
				// Only the mark of a repeat after which the caller said
				// nothing more ends the stream.
				if last != "" && f.mark == last {
					c.Close(websocket.StatusNormalClosure, "echo done")
					return
				}
			case "stop":
				return
			}
		case <-gap.C:
			for _, p := range heard {
				send(ctx, c, map[string]any{"event": "media", "streamSid": sid, "media": map[string]string{"payload": p}})
			}
			heard = nil
			repeats++
			last = fmt.Sprintf("echo-%d", repeats)
			send(ctx, c, map[string]any{"event": "mark", "streamSid": sid, "mark": map[string]string{"name": last}})
		}
	}
}

// monitor is a forked stream's listener: it reads until `stop`.
func (a *App) monitor(ctx context.Context, c *websocket.Conn) {
	for {
		_, data, err := c.Read(ctx)
		if err != nil || strings.Contains(string(data), `"event":"stop"`) {
			return
		}
	}
}
