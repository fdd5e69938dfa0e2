package report_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/webhook"
)

func TestHints(t *testing.T) {
	t.Parallel()
	signed := &webhook.Request{Kind: "initial", Signature: "abc="}
	unsigned := &webhook.Request{Kind: "initial"}
	cases := []struct {
		name string
		step simulate.Step
		want []string
	}{
		{"403 signed", simulate.Step{Request: signed, Response: &webhook.Response{Status: 403}},
			[]string{"the app rejected the signature: check the token, or run `callsim verify`"}},
		{"400 unsigned", simulate.Step{Request: unsigned, Response: &webhook.Response{Status: 400}},
			[]string{"the request was not signed and the app may check X-Twilio-Signature: pass --auth-token"}},
		{"400 signed", simulate.Step{Request: signed, Response: &webhook.Response{Status: 400}}, nil},
		{"slow", simulate.Step{Request: signed, Response: &webhook.Response{Status: 200, Latency: 17200 * time.Millisecond}},
			[]string{"the app took 17.2s: Twilio would have failed this with 11200 (it waits 15s at most)"}},
		{"fast", simulate.Step{Request: signed, Response: &webhook.Response{Status: 200, Latency: 14 * time.Second}}, nil},
		{"12100", simulate.Step{Request: signed, Response: &webhook.Response{Status: 200, Body: "<Response>\n  <Gather>\n    <Say>Sales & support</Say>\n  </Gather>\n</Response>"},
			Error: &contract.TwilioError{Code: 12100, Message: "document parse failure"}},
			[]string{"line 3, in <Say>: <Say>Sales & support</Say>"}},
		{"12100 mismatched", simulate.Step{Request: signed, Response: &webhook.Response{Status: 200, Body: "<Response>\n<Say>hi</Sai>\n</Response>"},
			Error: &contract.TwilioError{Code: 12100, Message: "document parse failure"}},
			[]string{"line 2, in <Say>: <Say>hi</Sai>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.want, report.Hints(&tc.step)); d != "" {
				t.Errorf("hints (-want +got):\n%s", d)
			}
		})
	}
}

// The hint is in the report, under the step.
func TestReportShowsSignatureHint(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad signature", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: srv.URL + "/voice", AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	report.WriteText(&b, tr, report.Options{})
	if !strings.Contains(b.String(), "    hint: the app rejected the signature: check the token, or run `callsim verify`\n") {
		t.Errorf("no hint:\n%s", b.String())
	}
}
