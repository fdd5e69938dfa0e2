package report_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/webhook"
)

// JSON durations are whole milliseconds (no float artefacts), request and
// response headers have one shape, and bodies keep their & < >.
func TestJSONShape(t *testing.T) {
	t.Parallel()
	tr := &simulate.Transcript{
		Duration: 94699999999, Elapsed: 1500 * time.Microsecond,
		Steps: []*simulate.Step{{
			N:        1,
			Request:  &webhook.Request{Kind: "initial", Method: "POST", Body: "a=1&b=2", Headers: contract.Params{{Key: "X-Twilio-Signature", Value: "abc"}}},
			Response: &webhook.Response{Status: 200, Body: "<Response/>", Latency: 2400 * time.Microsecond, Headers: http.Header{"Content-Type": {"text/xml"}, "X-B": {"1", "2"}}},
			Events:   []simulate.Event{{Kind: "press", Text: "1234", Seconds: 4 * 0.3}, {Kind: "say", Latency: &simulate.Latency{FirstToken: 1500 * time.Microsecond, FirstAudio: 200 * time.Microsecond}}},
		}},
		EndReason: "<Hangup>",
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, tr); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`"duration_ms": 94700`, `"elapsed_ms": 2`, `"latency_ms": 2`, `"duration_ms": 1200`, `"body": "a=1&b=2"`, `"body": "<Response/>"`, `"end_reason": "<Hangup>"`, `"first_token_ms": 2`, `"first_audio_ms": 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	for _, bad := range []string{`\u0026`, `\u003c`, `_ns"`, `"seconds"`, `99999`} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON has %s:\n%s", bad, out)
		}
	}
	var doc struct {
		Steps []struct {
			Request  struct{ Headers []contract.Param } `json:"request"`
			Response struct{ Headers []contract.Param } `json:"response"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("headers are not one shape: %v", err)
	}
	want := []contract.Param{{Key: "Content-Type", Value: "text/xml"}, {Key: "X-B", Value: "1"}, {Key: "X-B", Value: "2"}}
	if d := cmp.Diff(want, doc.Steps[0].Response.Headers); d != "" {
		t.Errorf("response headers (-want +got):\n%s", d)
	}
	var back simulate.Transcript
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Duration != 94700*time.Millisecond || back.Steps[0].Response.Headers.Get("X-B") != "1" || back.Steps[0].Events[0].Seconds != 1.2 {
		t.Errorf("round trip: %+v", back)
	}
}
