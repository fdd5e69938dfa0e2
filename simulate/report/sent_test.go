package report_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
)

// The report says what was really sent: what a Gather consumed of the keys
// pressed, fields that went away, and requests sent again (#rc).
func TestReportSaysWhatWasSent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		switch r.URL.Path {
		case "/voice":
			fmt.Fprint(w, `<Response><Gather numDigits="1" action="/menu"/></Response>`)
		case "/menu":
			fmt.Fprint(w, `<Response><Gather finishOnKey="#" action="/pin"/></Response>`)
		case "/pin":
			fmt.Fprint(w, `<Response><Redirect>/bye</Redirect></Response>`)
		case "/bye":
			fmt.Fprint(w, `<Response><Hangup/></Response>`)
		}
	}))
	t.Cleanup(srv.Close)
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{
		URL: srv.URL + "/voice", NoEnd: true,
		Caller: &simulate.ScriptCaller{Digits: []string{"2345", "12#9"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	report.WriteText(&b, tr, report.Options{})
	out := b.String()
	for _, want := range []string{
		`⌨  pressed "2345": Digits=2 sent, "345" dropped`,
		`⌨  pressed "12#9": Digits=12 sent, "#" ended the input, "9" dropped`,
		"removed: Digits",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestRetriesAreCounted(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<Response><Hangup/></Response>`)
	}))
	t.Cleanup(srv.Close)
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: srv.URL + "/voice#rc=3&rp=5xx", NoEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	report.WriteText(&b, tr, report.Options{})
	out := b.String()
	for _, want := range []string{"↻ sent 3 times: 2 retries after failed attempts (#rc)", "✔ 3 requests (2 of them retries)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
