package scenarios

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/internal/demoapp"
)

// TestPlayVoiceAI replays voice AI scenarios against the demo's agent and
// echo: caller turns in a ConversationRelay session, agent answers and
// latencies, the handoff and the <Connect action> request, and media
// stream figures; one that passes and one per kind of failure.
func TestPlayVoiceAI(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	srv := httptest.NewServer((&demoapp.App{AuthToken: token}).Handler())
	t.Cleanup(srv.Close)
	env := envOf(map[string]string{"APP_URL": srv.URL, "TOKEN": token})
	head := "name: ai\nurl: ${APP_URL}/ai\nauth_token: ${TOKEN}\n"
	turns := `steps:
  - expect: {agent: /demo assistant/, audio_back: 500ms}
  - speak: what are your opening hours
    expect: {agent: /nine to five/, first_token_under: 5s, last_token_under: 5s}
  - speak: thanks, goodbye
    expect:
      agent: Goodbye
      handoff: /goodbye/
      session_status: ended
      action_fields: {SessionStatus: ended, HandoffData: /goodbye/, SessionId: "/^VX[0-9a-f]{32}$/"}
`
	for _, c := range []struct {
		name, yaml string
		keys       []string
		msg        string
	}{
		{"passes", head + turns, nil, ""},
		{"agent answer", head + strings.Replace(turns, "/nine to five/", "/ten to six/", 1), []string{"2:expect.agent"}, "does not match"},
		{"first token", head + strings.Replace(turns, "first_token_under: 5s", "first_token_under: 1ns", 1), []string{"2:expect.first_token_under"}, "over 1ns"},
		{"handoff", head + strings.Replace(turns, "handoff: /goodbye/", "handoff: /person/", 1), []string{"3:expect.handoff"}, "handoffData"},
		{"action fields", head + strings.Replace(turns, "{SessionStatus: ended,", "{SessionStatus: completed,", 1), []string{"3:expect.action_fields"}, "differ"},
		{"audio back", head + strings.Replace(turns, "audio_back: 500ms", "audio_back: 5s", 1), []string{"1:expect.audio_back"}, "2.00 s"},
		{"turn after the session", head + turns + "  - speak: are you still there\n", []string{"4:speak"}, ""},
		{"wrong action in a session", head + "steps:\n  - record: 5\n", []string{"1:record"}, "the call ended before this step"},
		{"no session", "name: ivr\nurl: ${APP_URL}/voice\nauth_token: ${TOKEN}\nsteps:\n  - expect: {agent: hello}\n", []string{"1:expect.agent"}, "no ConversationRelay session"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sc := load(t, env, c.yaml)[0]
			sc.Options.Sessions.Fast = true
			a := Play(context.Background(), sc, nil)
			if d := cmp.Diff(c.keys, keysOf(a.Failures)); d != "" {
				var b strings.Builder
				for _, f := range a.Failures {
					fmt.Fprintf(&b, "  %s: %s\n%s", f.Key, f.Message, f.Diff)
				}
				t.Fatalf("failures (-want +got):\n%s%s", d, b.String())
			}
			if a.Passed != (c.keys == nil) {
				t.Errorf("Passed = %v", a.Passed)
			}
			if c.msg != "" && !strings.Contains(a.Failures[0].Message, c.msg) {
				t.Errorf("message %q lacks %q", a.Failures[0].Message, c.msg)
			}
		})
	}
}

func TestParseVoiceAIErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ yaml, want string }{
		{"steps:\n  - expect: {session_status: done}\n", `"done" is not a SessionStatus`},
		{"steps:\n  - expect: {first_token_under: fast}\n", "first_token_under"},
		{"steps:\n  - expect: {action_fields: {}}\n", "empty"},
	} {
		_, err := (&Parser{}).Parse("t.yaml", []byte("name: x\nurl: http://127.0.0.1:1/voice\n"+c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
}
