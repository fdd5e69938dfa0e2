package report_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callsim/callsim/internal/demoapp"
	"github.com/callsim/callsim/internal/golden"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
)

// demoTranscript walks the demo IVR with a fixed seed and clock.
func demoTranscript(t *testing.T, spec contract.CallSpec, script simulate.ScriptCaller) (*simulate.Transcript, string) {
	t.Helper()
	app := &demoapp.App{AuthToken: testToken}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	call, err := contract.NewCall(spec)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := simulate.Run(context.Background(), call, simulate.Options{
		URL: srv.URL + "/voice", AuthToken: testToken, Caller: &script,
		StatusCallback: srv.URL + "/status",
		Now:            func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range app.Requests() {
		if !r.Valid {
			t.Errorf("demo app rejected the signature of %s %s", r.Method, r.Path)
		}
	}
	if tr.Failed {
		t.Fatalf("demo call failed: %v", tr.Errors)
	}
	return tr, srv.URL
}

var sigRE = regexp.MustCompile(`[A-Za-z0-9+/]{27}=`)

// stable removes what differs between runs: the server's port, timings,
// response headers, and signatures (which cover the port).
func stable(t *simulate.Transcript, base string, out []byte) []byte {
	s := strings.ReplaceAll(string(out), base, "http://demo.test")
	s = sigRE.ReplaceAllString(s, "<signature>")
	return []byte(s)
}

func scrub(t *simulate.Transcript) {
	t.Elapsed = 0
	for _, s := range t.Steps {
		if s.Response != nil {
			s.Response.Latency = 0
			s.Response.Headers = nil
		}
	}
}

func TestGoldenTranscripts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		spec   contract.CallSpec
		script simulate.ScriptCaller
	}{
		{"demo-legacy", contract.CallSpec{Seed: 1}, simulate.ScriptCaller{Digits: []string{"3", "2", "1"}}},
		{"demo-2010-busy", contract.CallSpec{Seed: 2, APIVersion: "2010-04-01"}, simulate.ScriptCaller{Digits: []string{"1"}, DialOutcomes: []string{"busy"}}},
		{"demo-speech-timeout", contract.CallSpec{Seed: 3, APIVersion: "2010-04-01", Direction: contract.Outbound, From: "+14158675309", To: "+442071234567"}, simulate.ScriptCaller{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, base := demoTranscript(t, tc.spec, tc.script)
			scrub(tr)
			var text, js, mm bytes.Buffer
			if err := report.WriteText(&text, tr, report.Options{StableTimes: true}); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteJSON(&js, tr); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteMermaid(&mm, tr); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("..", "..", "testdata", "transcripts/"+tc.name+".txt"), stable(tr, base, text.Bytes()))
			golden.Check(t, filepath.Join("..", "..", "testdata", "transcripts/"+tc.name+".json"), stable(tr, base, js.Bytes()))
			golden.Check(t, filepath.Join("..", "..", "testdata", "transcripts/"+tc.name+".mmd"), stable(tr, base, mm.Bytes()))
		})
	}
}

func TestColourOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	tr, _ := demoTranscript(t, contract.CallSpec{Seed: 1}, simulate.ScriptCaller{})
	var plain, coloured bytes.Buffer
	report.WriteText(&plain, tr, report.Options{})
	report.WriteText(&coloured, tr, report.Options{Color: true})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("escape codes without Color")
	}
	if !strings.Contains(coloured.String(), "\x1b[") {
		t.Error("no escape codes with Color")
	}
}

func TestRedactorHidesTokenEverywhere(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	r := redact.NewRedactor(&b, testToken)
	r.AddURL("https://user:s3cret-pass@example.com/voice")
	r.Write([]byte("token " + testToken + " url https://user:s3cret-pass@example.com/voice"))
	if strings.Contains(b.String(), testToken) || strings.Contains(b.String(), "s3cret-pass") {
		t.Errorf("secret printed: %s", b.String())
	}
}

// testToken signs the requests of these tests.
const testToken = "test-auth-token-0123456789abcdef"
