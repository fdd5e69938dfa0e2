package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate/connect"
	"github.com/coder/websocket"
)

// agent is a tiny ConversationRelay app: it repeats each prompt, and ends
// the session when the caller says goodbye.
func agent(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	say := func(v any) {
		data, _ := json.Marshal(v)
		c.Write(r.Context(), websocket.MessageText, data)
	}
	for {
		_, data, err := c.Read(r.Context())
		if err != nil {
			return
		}
		var m struct{ Type, VoicePrompt string }
		json.Unmarshal(data, &m)
		if m.Type != "prompt" {
			continue
		}
		if strings.Contains(m.VoicePrompt, "goodbye") {
			say(map[string]any{"type": "text", "token": "Bye!", "last": true})
			say(map[string]any{"type": "end", "handoffData": `{"resolved":true}`})
			continue
		}
		say(map[string]any{"type": "text", "token": "Echo: "})
		say(map[string]any{"type": "text", "token": m.VoicePrompt, "last": true})
	}
}

// The engine's side of <Connect action="/after"><ConversationRelay url=…>:
// parse the noun, open the session, play the caller's turns, then send the
// action request with the session's fields.
func ExampleDialRelay() {
	srv := httptest.NewServer(http.HandlerFunc(agent))
	defer srv.Close()
	cfg, err := connect.ParseRelayConfig(map[string]string{"url": "ws" + srv.URL[4:] + "/relay"},
		[]connect.Field{{Name: "customer", Value: "42"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := &connect.Dialer{Sign: connect.HMACSigner("the account's auth token")}
	call := connect.Call{AccountSid: "AC…", CallSid: "CA…", From: "+14155550100", To: "+14155550199", Direction: "inbound"}
	ctx := context.Background()
	r, err := connect.DialRelay(ctx, d, cfg, call, connect.RelayOptions{})
	if err != nil {
		fmt.Println(err) // an *connect.Error with code 64102
		return
	}
	for _, said := range []string{"what are your opening hours", "thanks, goodbye"} {
		turn, err := r.Say(ctx, said, connect.SayOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("caller: %s\nagent:  %s\n", turn.Caller, turn.Agent())
	}
	res := r.Finish(ctx, time.Second)
	for _, f := range res.ActionFields()[1:] {
		if f.Name != "SessionDuration" {
			fmt.Printf("%s=%s\n", f.Name, f.Value)
		}
	}
	// Output:
	// caller: what are your opening hours
	// agent:  Echo: what are your opening hours
	// caller: thanks, goodbye
	// agent:  Bye!
	// SessionStatus=ended
	// HandoffData={"resolved":true}
}
