package simulate_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// lifecycleApp is a voice app that answers every TwiML request with one
// Say and every callback with 204 (or the status given for it).
func lifecycleApp(t *testing.T, callbackStatus int) *testApp {
	t.Helper()
	callback := func(w http.ResponseWriter, r *http.Request) {
		if callbackStatus == 0 {
			callbackStatus = http.StatusNoContent
		}
		w.WriteHeader(callbackStatus)
	}
	return newApp(t, map[string]http.HandlerFunc{
		"/voice":  twimlRoute(resp(`<Say>hello</Say>`)),
		"/status": callback,
		"/amd":    callback,
	})
}

func runCall(t *testing.T, spec contract.CallSpec, opt simulate.Options) *simulate.Transcript {
	t.Helper()
	call, err := contract.NewCall(spec)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := simulate.Run(context.Background(), call, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// requestsTo are the requests the app received at path.
func requestsTo(app *testApp, path string) []received {
	var out []received
	for _, r := range app.requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func warnings(tr *simulate.Transcript) []string {
	var out []string
	for _, s := range tr.Steps {
		for _, e := range s.Events {
			if e.Kind == simulate.EventWarning {
				out = append(out, e.Text)
			}
		}
	}
	return out
}

// legacy: the first request carries DialStatus, and the end of the call is
// the first URL again with CallStatus=completed. 2010-04-01: the end goes
// to the status callback only.
func TestEndOfCallPerProfile(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		api       string
		wantPaths []string
	}{
		{"legacy", []string{"POST /voice in-progress", "POST /voice completed", "POST /status completed"}},
		{"2010-04-01", []string{"POST /voice ringing", "POST /status completed"}},
	} {
		app := lifecycleApp(t, 0)
		tr := runCall(t, contract.CallSpec{APIVersion: c.api, Seed: 3}, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: app.URL + "/status"})
		if d := cmp.Diff(c.wantPaths, app.paths()); d != "" || tr.Failed {
			t.Errorf("%s: requests (-want +got):\n%s failed %v", c.api, d, tr.Errors)
		}
		for _, r := range app.requests() {
			if !r.ValidSig {
				t.Errorf("%s: %s %s not validly signed", c.api, r.Method, r.Path)
			}
		}
		first := app.requests()[0].Params
		if _, ok := first.Get("DialStatus"); ok != (c.api == "legacy") {
			t.Errorf("%s: DialStatus on the first request: %v", c.api, ok)
		}
	}
}

// A 2010-04-01 outbound call nobody answers fetches no TwiML: the status
// callback hears initiated, ringing where the phone rang, and the
// terminal status with CallDuration=0 and the SIP code.
func TestUnansweredOutbound2010(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status, sip string
		events      []string
	}{
		{"busy", "486", []string{"initiated", "busy"}},
		{"no-answer", "487", []string{"initiated", "ringing", "no-answer"}},
		{"failed", "404", []string{"initiated", "failed"}},
		{"canceled", "487", []string{"initiated", "ringing", "canceled"}},
	} {
		app := lifecycleApp(t, 0)
		tr := runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, DialStatus: c.status, Seed: 5},
			simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: app.URL + "/status", StatusEvents: simulate.StatusEvents()})
		if got := requestsTo(app, "/voice"); len(got) != 0 {
			t.Errorf("%s: the voice URL was requested: %v", c.status, app.paths())
		}
		var events []string
		for _, r := range requestsTo(app, "/status") {
			events = append(events, r.Params.Value("CallStatus"))
			if !r.ValidSig || r.Params.Value("Direction") != "outbound-api" {
				t.Errorf("%s: callback %v (valid %v)", c.status, r.Params, r.ValidSig)
			}
		}
		if d := cmp.Diff(c.events, events); d != "" {
			t.Errorf("%s: status callbacks (-want +got):\n%s", c.status, d)
		}
		last := requestsTo(app, "/status")[len(events)-1].Params
		for k, want := range map[string]string{"CallDuration": "0", "Duration": "0", "SipResponseCode": c.sip, "SequenceNumber": strconv.Itoa(len(events) - 1)} {
			if got := last.Value(k); got != want {
				t.Errorf("%s: terminal callback %s = %q, want %q", c.status, k, got, want)
			}
		}
		if tr.Failed || tr.Status != c.status || tr.Duration != 0 {
			t.Errorf("%s: transcript status %q duration %v failed %v", c.status, tr.Status, tr.Duration, tr.Failed)
		}
	}
	// The first API knew no canceled.
	if _, err := contract.NewCall(contract.CallSpec{Direction: contract.Outbound, DialStatus: "canceled"}); err == nil || !strings.Contains(err.Error(), "2010-04-01") {
		t.Errorf("legacy canceled: %v", err)
	}
}

// A phone number's status callback has no event selection: an inbound
// 2010-04-01 call reports only its end, and events asked for are a warning.
func TestInboundStatusCallbackHearsOnlyTheEnd(t *testing.T) {
	t.Parallel()
	app := lifecycleApp(t, 0)
	tr := runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Seed: 8},
		simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: app.URL + "/status", StatusEvents: []string{"initiated", "answered", "completed"}})
	if d := cmp.Diff([]string{"POST /voice ringing", "POST /status completed"}, app.paths()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	w := warnings(tr)
	if len(w) != 1 || !strings.Contains(w[0], "initiated, answered, completed apply to calls placed through the REST API (outbound) and to <Dial> nouns") || tr.Warnings != 1 || tr.Failed {
		t.Errorf("warnings %q (count %d), failed %v", w, tr.Warnings, tr.Failed)
	}
	// The same events on an outbound call are all sent, without a warning.
	app = lifecycleApp(t, 0)
	tr = runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, Seed: 8},
		simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: app.URL + "/status", StatusEvents: []string{"initiated", "answered", "completed"}})
	if d := cmp.Diff([]string{"POST /status initiated", "POST /voice in-progress", "POST /status in-progress", "POST /status completed"}, app.paths()); d != "" || tr.Warnings != 0 {
		t.Errorf("outbound requests (-want +got):\n%s warnings %d", d, tr.Warnings)
	}
}

// Synchronous detection: AnsweredBy and MachineDetectionDuration on the
// first request, AnsweredBy on the completed status callback, for every
// value Twilio produces.
func TestAnsweringMachineDetection(t *testing.T) {
	t.Parallel()
	for _, who := range contract.AnsweredByValues() {
		app := lifecycleApp(t, 0)
		tr := runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, AnsweredBy: who, Seed: 9},
			simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: app.URL + "/status", StatusEvents: []string{"answered", "completed"}})
		first := requestsTo(app, "/voice")[0].Params
		if first.Value("AnsweredBy") != who || first.Value("MachineDetectionDuration") == "" || first.Value("CallStatus") != "in-progress" {
			t.Errorf("%s: first request %v", who, first)
		}
		cbs := requestsTo(app, "/status")
		if len(cbs) != 2 || cbs[1].Params.Value("AnsweredBy") != who {
			t.Errorf("%s: status callbacks %v", who, app.paths())
		} else if _, ok := cbs[0].Params.Get("AnsweredBy"); ok {
			t.Errorf("%s: AnsweredBy on the answered event, before detection ended", who)
		}
		if tr.Failed || tr.Duration <= 0 {
			t.Errorf("%s: failed %v duration %v", who, tr.Errors, tr.Duration)
		}
	}
	// The first API says it through DialStatus, as before.
	app := lifecycleApp(t, 0)
	runCall(t, contract.CallSpec{Direction: contract.Outbound, DialStatus: "answered-machine", Seed: 9}, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken})
	first := requestsTo(app, "/voice")[0].Params
	if _, ok := first.Get("AnsweredBy"); ok || first.Value("DialStatus") != "answered-machine" {
		t.Errorf("legacy machine: %v", first)
	}
	for _, c := range []struct {
		spec contract.CallSpec
		want string
	}{
		{contract.CallSpec{Direction: contract.Outbound, AnsweredBy: "human"}, "answered-by: the legacy API reports a machine through --dial-status"},
		{contract.CallSpec{APIVersion: "2010-04-01", AnsweredBy: "human"}, "answered-by: answering machine detection applies to outbound calls"},
		{contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, AnsweredBy: "robot"}, `answered-by: unknown AnsweredBy "robot"`},
		{contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, AnsweredBy: "human", DialStatus: "busy"}, "give either --answered-by or --dial-status busy"},
		{contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, AsyncAMD: true}, "async-amd: asynchronous detection needs a detection result"},
	} {
		if _, err := contract.NewCall(c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.spec, err, c.want)
		}
	}
}

// Asynchronous detection: the call starts without AnsweredBy, and the
// AsyncAmdStatusCallback gets exactly the call, AnsweredBy and
// MachineDetectionDuration, signed.
func TestAsyncAnsweringMachineDetection(t *testing.T) {
	t.Parallel()
	app := lifecycleApp(t, 0)
	tr := runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, AnsweredBy: "machine_end_silence", AsyncAMD: true, Seed: 11},
		simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, AsyncAMDStatusCallback: app.URL + "/amd", StatusCallback: app.URL + "/status"})
	if d := cmp.Diff([]string{"POST /voice in-progress", "POST /amd", "POST /status completed"}, app.paths()); d != "" || tr.Failed {
		t.Fatalf("requests (-want +got):\n%s failed %v", d, tr.Errors)
	}
	if _, ok := requestsTo(app, "/voice")[0].Params.Get("AnsweredBy"); ok {
		t.Error("AnsweredBy on the first request of an asynchronous detection")
	}
	amd := requestsTo(app, "/amd")[0]
	var keys []string
	for _, kv := range amd.Params {
		keys = append(keys, kv.Key)
	}
	slices.Sort(keys)
	if d := cmp.Diff([]string{"AccountSid", "AnsweredBy", "CallSid", "MachineDetectionDuration"}, keys); d != "" || !amd.ValidSig ||
		amd.Params.Value("AnsweredBy") != "machine_end_silence" || amd.Params.Value("CallSid") != tr.CallSid {
		t.Errorf("detection callback %v (valid %v):\n%s", amd.Params, amd.ValidSig, d)
	}
	if got := requestsTo(app, "/status")[0].Params.Value("AnsweredBy"); got != "machine_end_silence" {
		t.Errorf("completed callback AnsweredBy %q", got)
	}
}

// A 4xx or 5xx answer to a status or detection callback is Twilio's
// warning 15003: the call goes on and does not fail. A legacy end-of-call
// request that fails still fails the call (it is the voice URL).
func TestCallbackErrorsAreWarnings(t *testing.T) {
	t.Parallel()
	for _, status := range []int{404, 500} {
		app := lifecycleApp(t, status)
		tr := runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, AnsweredBy: "human", AsyncAMD: true, Seed: 12},
			simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: app.URL + "/status", StatusEvents: simulate.StatusEvents(),
				AsyncAMDStatusCallback: app.URL + "/amd"})
		var codes []int
		for _, s := range tr.Steps {
			for _, e := range s.Events {
				if e.Kind == simulate.EventWarning {
					codes = append(codes, e.Code)
				}
			}
		}
		if tr.Failed || len(tr.Errors) != 0 || len(codes) != 5 || tr.Warnings != 5 || slices.ContainsFunc(codes, func(c int) bool { return c != contract.ErrCallbackResponse }) {
			t.Errorf("%d: failed %v errors %v warnings %v (%d)", status, tr.Failed, tr.Errors, codes, tr.Warnings)
		}
	}
	// A status callback nobody listens on is a warning too, with its code.
	app := lifecycleApp(t, 0)
	tr := runCall(t, contract.CallSpec{APIVersion: "2010-04-01", Seed: 12},
		simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, StatusCallback: closedURL(t) + "/status"})
	w := warnings(tr)
	if tr.Failed || len(w) != 1 || !strings.Contains(w[0], "connection refused; the call is unaffected") {
		t.Errorf("refused callback: failed %v warnings %q", tr.Failed, w)
	}
}

// closedURL is a loopback address nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	app := newApp(t, nil)
	u := app.URL
	app.Close()
	return u
}
