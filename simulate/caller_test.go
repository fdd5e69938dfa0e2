package simulate_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
)

func TestPromptCallerDrivesTheCall(t *testing.T) {
	t.Parallel()
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Gather action="/menu" numDigits="1"><Say>Press 1 for sales</Say></Gather>`)),
		"/menu":  twimlRoute(resp(`<Say>Leave a message</Say><Record action="/rec"/>`)),
		"/rec":   twimlRoute(resp(`<Dial action="/dial">+14155550100</Dial>`)),
		"/dial":  twimlRoute(resp(`<Gather action="/again"><Say>Anything else?</Say></Gather>`)),
	})
	var screen bytes.Buffer
	caller := simulate.NewPromptCaller(strings.NewReader("1\n7\nbusy\nhangup\n"), &screen)
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, Caller: caller})
	if err != nil {
		t.Fatal(err)
	}
	got := app.requests()
	if len(got) != 5 || got[1].Params.Value("Digits") != "1" || got[2].Params.Value("Duration") != "7" || got[3].Params.Value("DialStatus") != "busy" {
		t.Fatalf("requests: %v", app.paths())
	}
	if tr.EndReason != "the caller hung up" {
		t.Errorf("EndReason %q", tr.EndReason)
	}
	for _, want := range []string{"🗣 Press 1 for sales", "⌨  Gather (dtmf)", "⏺  Record", "☎  Dial +14155550100", "🗣 Anything else?"} {
		if !strings.Contains(screen.String(), want) {
			t.Errorf("prompt screen lacks %q:\n%s", want, screen.String())
		}
	}
}

func TestScriptCallerValidate(t *testing.T) {
	t.Parallel()
	for _, s := range []simulate.ScriptCaller{{Digits: []string{"12a"}}, {DialOutcomes: []string{"maybe"}}, {RecordSeconds: -1}} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

func TestTwiMLWarningsAreReportedWithLines(t *testing.T) {
	t.Parallel()
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(xmlHead + "<Response>\n<Gather numDigits=\"abc\" colour=\"red\"><Say>hi</Say></Gather>\n<say>lower case</say>\n</Response>"),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", NoEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, p := range tr.Steps[0].Problems {
		codes = append(codes, p.Code)
		if p.Line < 2 {
			t.Errorf("problem without its line: %+v", p)
		}
	}
	if len(codes) != 3 || tr.Warnings != 3 {
		t.Errorf("codes %v, warnings %d; want 13314, 12200, 12200", codes, tr.Warnings)
	}
	var b bytes.Buffer
	report.WriteText(&b, tr, report.Options{})
	if !strings.Contains(b.String(), "⚠ 13314 line 2") {
		t.Errorf("report lacks the inline warning:\n%s", b.String())
	}
}
