package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/webhook"
)

func TestMermaidDetails(t *testing.T) {
	t.Parallel()
	long := "http://localhost:3000/" + strings.Repeat("very-long-segment/", 6) + "menu"
	tr := &simulate.Transcript{
		Status: "completed", EndReason: "application error 12100",
		Steps: []*simulate.Step{{
			N:        1,
			Request:  &webhook.Request{Method: "POST", URL: long, Params: contract.Params{{Key: "CallStatus", Value: "in-progress"}, {Key: "Digits", Value: "12#"}}},
			Response: &webhook.Response{Status: 200, ContentType: "text/xml"},
			Error:    &contract.TwilioError{Code: 12100, Message: "bad XML", Line: 3},
			Events:   []simulate.Event{{Kind: simulate.EventSay, Text: "We are sorry, an application error has occurred. Goodbye.", Code: 12100}},
		}},
	}
	var b bytes.Buffer
	if err := report.WriteMermaid(&b, tr); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Digits=12#35;", // the caller's keys, whole, with Mermaid's #
		"Twilio->>Caller: Say We are sorry, an application error has occurred. Goodbye.", // the verb, and the text whole
		"very-long-segment…", // only the path is clipped
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diagram lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "＃") || strings.Contains(out, "...") {
		t.Errorf("diagram has a stand-in for # or a clipped value:\n%s", out)
	}
}
