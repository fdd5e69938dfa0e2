package simulate_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// menuIVR is the most common menu shape: a Gather, "we did not hear you",
// and a Redirect back to itself.
func menuIVR(t *testing.T) *testApp {
	return newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Gather numDigits="1" action="/menu"><Say>Press 1 for sales.</Say></Gather><Say>We did not hear you.</Say><Redirect>/voice</Redirect>`)),
		"/menu":  twimlRoute(resp(`<Say>Thanks.</Say><Hangup/>`)),
	})
}

func TestCallerHangsUpWhenTheScriptRunsOut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		script    simulate.ScriptCaller
		wantPaths []string
		reason    string
	}{
		{"no digits, hang up after 2", simulate.ScriptCaller{HangupAfter: 2},
			[]string{"POST /voice in-progress", "POST /voice in-progress", "POST /voice in-progress", "POST /voice completed"},
			"no more --digits: the caller hung up"},
		{"hang up after 1", simulate.ScriptCaller{HangupAfter: 1},
			[]string{"POST /voice in-progress", "POST /voice in-progress", "POST /voice completed"},
			"no more --digits: the caller hung up"},
		{"digits answer the menu", simulate.ScriptCaller{HangupAfter: 2, Digits: []string{"1"}},
			[]string{"POST /voice in-progress", "POST /menu in-progress", "POST /voice completed"},
			"<Hangup>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := menuIVR(t)
			call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
			script := tc.script
			tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", Caller: &script})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.wantPaths, app.paths()); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
			if tr.EndReason != tc.reason || tr.Failed || tr.Status != "completed" {
				t.Errorf("ended %q failed=%v status=%s, want %q", tr.EndReason, tr.Failed, tr.Status, tc.reason)
			}
		})
	}
}

// Without HangupAfter the loop guard still ends the call: it is for loops
// the app makes on its own.
func TestNoHangupLeavesTheLoopGuard(t *testing.T) {
	t.Parallel()
	app := menuIVR(t)
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", Caller: &simulate.ScriptCaller{}, MaxSteps: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Failed || len(tr.Steps) != 6 { // 5 and the end-of-call request
		t.Errorf("failed=%v steps=%d (%s), want the loop guard after 5", tr.Failed, len(tr.Steps), tr.EndReason)
	}
}

// A new prompt is not a repeat: the caller only hangs up on a prompt it
// has already left unanswered HangupAfter times.
func TestHangupCountsEachPrompt(t *testing.T) {
	t.Parallel()
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Gather numDigits="1"><Say>Main menu.</Say></Gather><Redirect>/other</Redirect>`)),
		"/other": twimlRoute(resp(`<Gather numDigits="1"><Say>Other menu.</Say></Gather><Redirect>/voice</Redirect>`)),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", Caller: &simulate.ScriptCaller{HangupAfter: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /voice in-progress", "POST /other in-progress", "POST /voice in-progress", "POST /voice completed"}
	if d := cmp.Diff(want, app.paths()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if tr.Failed {
		t.Errorf("failed: %s", tr.EndReason)
	}
}
