package load

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callsim/callsim/internal/demoapp"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// Many concurrent voice AI calls against the demo's agent and echo: every
// session is counted and every caller turn has its latency percentiles.
func TestLoadVoiceAI(t *testing.T) {
	t.Parallel()
	app := &demoapp.App{AuthToken: token}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	const calls = 40
	sum, err := Run(context.Background(), Config{
		Calls: calls, Concurrency: 20,
		Flows: []Flow{{
			Spec:    contract.CallSpec{Seed: 1},
			Options: simulate.Options{URL: srv.URL + demoapp.AIPath, AuthToken: token, Sessions: simulate.SessionOptions{Fast: true}},
			NewCaller: func(int64) simulate.Caller {
				return &simulate.ScriptCaller{Speech: []string{"opening hours?", "bye"}}
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Calls.Failed != 0 {
		t.Fatalf("%d calls failed: %+v", sum.Calls.Failed, sum.ByCode)
	}
	v := sum.VoiceAI
	if v == nil || v.RelaySessions != calls || v.StreamSessions != calls || v.Unanswered != 0 {
		t.Fatalf("voice AI summary %+v", v)
	}
	if len(v.FirstToken) != 2 || v.FirstToken[0].Count != calls || v.FirstToken[1].Count != calls || v.FirstToken[0].P50 <= 0 {
		t.Errorf("first token rows %+v", v.FirstToken)
	}
	if v.LastToken[0].P50 < v.FirstToken[0].P50 {
		t.Errorf("turn 1: last token p50 %v before first token p50 %v", v.LastToken[0].P50, v.FirstToken[0].P50)
	}
	var b strings.Builder
	writeVoiceAI(&b, v)
	for _, want := range []string{"40 ConversationRelay sessions, 40 media streams", "turn 1 first token", "turn 2 last token"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
