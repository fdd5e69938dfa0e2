package report_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/internal/demoapp"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
)

// The live report, written as the call goes, is the report written at the
// end, status callbacks included (they arrive while a document plays).
func TestLiveIsWriteText(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer((&demoapp.App{AuthToken: testToken}).Handler())
	t.Cleanup(srv.Close)
	call, err := contract.NewCall(contract.CallSpec{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var live bytes.Buffer
	o := report.Options{StableTimes: true}
	lv := report.NewLive(&live, simulate.NewTranscript(call, time.Time{}), o)
	tr, err := simulate.Run(context.Background(), call, simulate.Options{
		URL: srv.URL + "/voice", AuthToken: testToken, Caller: &simulate.ScriptCaller{Digits: []string{"3", "2", "1"}},
		StatusCallback: srv.URL + "/status", StatusEvents: []string{"initiated", "ringing", "answered", "completed"},
		OnStep: lv.Step, OnSend: func(*simulate.Step) { lv.Flush() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := lv.End(tr); err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	if err := report.WriteText(&whole, tr, o); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(whole.String(), live.String()); d != "" {
		t.Errorf("live report differs from the final one (-final +live):\n%s", d)
	}
}
