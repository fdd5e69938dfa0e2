package scenarios

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlayViaAPI replays direction: outbound-api scenarios: the call comes
// from an in-process callsim serve's REST API, and the steps still answer
// the app's prompts.
func TestPlayViaAPI(t *testing.T) {
	t.Parallel()
	_, env := newIVR(t)
	const head = "url: ${APP_URL}/ivr\nstatus_callback: ${APP_URL}/status\nstatus_events: [initiated, ringing, answered, completed]\n"
	for _, c := range []struct {
		name, yaml string
		keys       []string
	}{
		{"answered", head + `call: {direction: outbound-api, to: "+14155550123", from: "+14155550100"}
steps:
  - expect: {say: Press 1, request: {CallStatus: in-progress, Direction: outbound-api, ApiVersion: 2010-04-01, To: "+14155550123"}}
  - press: "3"
    expect: {redirect: /ivr}
  - press: "1"
    expect: {dial: "+14155550100"}
  - dial_outcome: busy
    expect: {say: Sales is busy, hangup: true}
expect_end: {call_status: completed, status_callbacks: [initiated, ringing, answered, completed], errors: []}
`, nil},
		{"expectation fails", head + "call: {direction: outbound-api}\nsteps:\n  - expect: {say: Press 7}\n", []string{"1:expect.say"}},
		{"busy", head + "call: {direction: outbound-api, dial_status: busy}\nexpect_end: {call_status: busy}\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sc := load(t, env, c.yaml)[0]
			if !sc.ViaAPI {
				t.Fatal("ViaAPI not set")
			}
			a := Play(context.Background(), sc, http.DefaultClient)
			if d := cmp.Diff(c.keys, keysOf(a.Failures)); d != "" {
				for _, f := range a.Failures {
					t.Log(f.Message)
				}
				t.Errorf("failures (-want +got):\n%s", d)
			}
			if a.Transcript == nil || a.Transcript.Direction != "outbound-api" || !strings.HasPrefix(a.Transcript.CallSid, "CA") {
				t.Errorf("transcript: %+v", a.Transcript)
			}
		})
	}
}

func TestAPIStartChecks(t *testing.T) {
	t.Parallel()
	_, env := newIVR(t)
	for yaml, want := range map[string]string{
		"url: ${APP_URL}/ivr\ncall: {direction: outbound-api, api_version: legacy}\n":                "call.api_version",
		"url: ${APP_URL}/ivr\ncall: {direction: outbound-api, params: {X: y}}\n":                     "call.params",
		"url: ${APP_URL}/ivr\nsigning_url: https://x.example/ivr\ncall: {direction: outbound-api}\n": "signing_url",
	} {
		_, err := (&Parser{Env: env}).Parse("t.yaml", []byte(yaml))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one about %s", yaml, err, want)
		}
	}
}
