package simulate_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
	"github.com/callsim/callsim/simulate/webhook"
)

const xmlHead = `<?xml version="1.0" encoding="UTF-8"?>`

func resp(verbs string) string { return xmlHead + "<Response>" + verbs + "</Response>" }

// flowCase is one app and call; the want* fields are checked after the call.
type flowCase struct {
	name       string
	routes     map[string]http.HandlerFunc
	spec       contract.CallSpec
	script     simulate.ScriptCaller
	opts       func(base string, o *simulate.Options)
	wantPaths  []string
	wantStatus string
	wantReason string
	wantFailed bool
	wantCode   int
	check      func(t *testing.T, tr *simulate.Transcript, app *testApp)
}

func TestFlows(t *testing.T) {
	t.Parallel()
	menu := resp(`<Gather numDigits="1" action="/menu"><Say>Press 1 for sales, 2 for support.</Say></Gather><Say>No input.</Say><Hangup/>`)
	cases := []flowCase{
		{
			name: "IVR menu with digits",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(menu),
				"/menu": func(w http.ResponseWriter, r *http.Request) {
					r.ParseForm()
					w.Header().Set("Content-Type", "text/xml")
					fmt.Fprint(w, resp(`<Say>You chose `+r.PostForm.Get("Digits")+`</Say>`))
				},
			},
			script:     simulate.ScriptCaller{Digits: []string{"2"}},
			wantPaths:  []string{"POST /voice in-progress", "POST /menu in-progress", "POST /voice completed"},
			wantStatus: "completed", wantReason: "no more verbs",
			check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
				if got := app.requests()[1].Params.Value("Digits"); got != "2" {
					t.Errorf("Digits = %q, want 2", got)
				}
				say := lastEvent(tr, simulate.EventSay)
				if say.Text != "You chose 2" {
					t.Errorf("last said %q", say.Text)
				}
			},
		},
		{
			name:       "Gather timeout falls through to the next verb",
			routes:     map[string]http.HandlerFunc{"/voice": twimlRoute(menu)},
			wantPaths:  []string{"POST /voice in-progress", "POST /voice completed"},
			wantStatus: "completed", wantReason: "<Hangup>",
			check: func(t *testing.T, tr *simulate.Transcript, _ *testApp) {
				kinds := eventKinds(tr.Steps[0])
				want := []string{"say", "no-input", "say", "hangup"}
				if d := cmp.Diff(want, kinds); d != "" {
					t.Errorf("events (-want +got):\n%s", d)
				}
			},
		},
		{
			name: "actionOnEmptyResult requests the action without Digits",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Gather actionOnEmptyResult="true" action="/empty"><Say>Say something</Say></Gather>`)),
				"/empty": twimlRoute(resp(`<Say>Nothing?</Say>`)),
			},
			wantPaths:  []string{"POST /voice in-progress", "POST /empty in-progress", "POST /voice completed"},
			wantStatus: "completed",
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				if _, ok := app.requests()[1].Params.Get("Digits"); ok {
					t.Error("Digits sent on an empty result")
				}
			},
		},
		{
			name: "finishOnKey is not sent and numDigits cuts input",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Gather action="/a" finishOnKey="#"><Say>PIN then pound</Say></Gather>`)),
				"/a":     twimlRoute(resp(`<Gather action="/b" numDigits="2"/>`)),
				"/b":     twimlRoute(resp(`<Hangup/>`)),
			},
			spec:       contract.CallSpec{APIVersion: "2010-04-01"},
			script:     simulate.ScriptCaller{Digits: []string{"1234#", "987"}},
			wantPaths:  []string{"POST /voice ringing", "POST /a in-progress", "POST /b in-progress"}, // 2010-04-01: no end-of-call request
			wantStatus: "completed", wantReason: "<Hangup>",
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				got := app.requests()
				if d := got[1].Params.Value("Digits"); d != "1234" {
					t.Errorf("Digits = %q, want 1234", d)
				}
				if k := got[1].Params.Value("FinishedOnKey"); k != "#" {
					t.Errorf("FinishedOnKey = %q, want #", k)
				}
				if d := got[2].Params.Value("Digits"); d != "98" {
					t.Errorf("Digits = %q, want 98 (numDigits=2)", d)
				}
			},
		},
		{
			name: "speech input",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Gather input="speech" action="/heard"><Say>What do you need?</Say></Gather>`)),
				"/heard": twimlRoute(resp(`<Hangup/>`)),
			},
			spec:      contract.CallSpec{APIVersion: "2010-04-01"},
			script:    simulate.ScriptCaller{Speech: []string{"billing please"}},
			wantPaths: []string{"POST /voice ringing", "POST /heard in-progress"},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				p := app.requests()[1].Params
				if p.Value("SpeechResult") != "billing please" || p.Value("Confidence") == "" || p.Value("Language") != "en-US" {
					t.Errorf("speech fields: %v", p)
				}
			},
		},
		{
			name: "Redirect chain with relative URLs and GET",
			routes: map[string]http.HandlerFunc{
				"/voice":     twimlRoute(resp(`<Redirect>step/one</Redirect>`)),
				"/step/one":  twimlRoute(resp(`<Redirect method="GET">two?x=1</Redirect>`)),
				"/step/two":  twimlRoute(resp(`<Redirect>/final</Redirect><Say>unreachable</Say>`)),
				"/final":     twimlRoute(resp(`<Say>done</Say>`)),
				"/unrelated": twimlRoute(resp(``)),
			},
			wantPaths: []string{"POST /voice in-progress", "POST /step/one in-progress", "GET /step/two in-progress", "POST /final in-progress", "POST /voice completed"},
			check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
				if got := app.requests()[2].Params.Value("x"); got != "1" {
					t.Errorf("existing query kept: x = %q", got)
				}
				for _, s := range tr.Steps {
					for _, e := range s.Events {
						if e.Text == "unreachable" {
							t.Error("verb after Redirect ran")
						}
					}
				}
			},
		},
		{
			name:   "Redirect loop stops at max steps",
			routes: map[string]http.HandlerFunc{"/voice": twimlRoute(resp(`<Redirect>/voice</Redirect>`))},
			opts:   func(_ string, o *simulate.Options) { o.MaxSteps = 5 },
			check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
				if n := len(app.requests()); n != 6 { // 5 TwiML requests + end of call
					t.Errorf("%d requests, want 6", n)
				}
				if !strings.Contains(tr.EndReason, "--max-steps") {
					t.Errorf("end reason %q", tr.EndReason)
				}
			},
			wantFailed: true, wantStatus: "completed",
		},
		{
			name: "Record action (legacy Duration)",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Say>After the beep</Say><Record action="/rec" maxLength="10"/><Say>unreachable</Say>`)),
				"/rec":   twimlRoute(resp(`<Say>Thanks</Say>`)),
			},
			script:    simulate.ScriptCaller{RecordSeconds: 30},
			wantPaths: []string{"POST /voice in-progress", "POST /rec in-progress", "POST /voice completed"},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				p := app.requests()[1].Params
				if p.Value("Duration") != "10" || !strings.HasPrefix(p.Value("RecordingUrl"), "https://api.twilio.com/2010-04-01/Accounts/AC") {
					t.Errorf("record fields: %v", p)
				}
			},
		},
		{
			name: "Record without action posts to the document URL",
			routes: map[string]http.HandlerFunc{
				"/voice": func(w http.ResponseWriter, r *http.Request) {
					r.ParseForm()
					w.Header().Set("Content-Type", "text/xml")
					if r.PostForm.Get("RecordingUrl") != "" {
						fmt.Fprint(w, resp(`<Hangup/>`))
						return
					}
					fmt.Fprint(w, resp(`<Record/>`))
				},
			},
			spec:      contract.CallSpec{APIVersion: "2010-04-01"},
			wantPaths: []string{"POST /voice ringing", "POST /voice in-progress"},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				p := app.requests()[1].Params
				if p.Value("RecordingDuration") != "5" || !strings.HasPrefix(p.Value("RecordingSid"), "RE") {
					t.Errorf("record fields: %v", p)
				}
			},
		},
		{
			name:      "Dial without action continues with the next verb",
			routes:    map[string]http.HandlerFunc{"/voice": twimlRoute(resp(`<Dial>+14155550100</Dial><Say>after dial</Say>`))},
			wantPaths: []string{"POST /voice in-progress", "POST /voice completed"},
			check: func(t *testing.T, tr *simulate.Transcript, _ *testApp) {
				if e := lastEvent(tr, simulate.EventSay); e.Text != "after dial" {
					t.Errorf("last said %q", e.Text)
				}
			},
		},
		{
			name: "Reject as first verb: not answered, no end request",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Reject reason="busy"/>`)),
			},
			wantPaths:  []string{"POST /voice in-progress"},
			wantStatus: "busy", wantReason: `<Reject reason="busy">`,
		},
		{
			name:       "500 without fallback",
			routes:     map[string]http.HandlerFunc{"/voice": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }},
			wantPaths:  []string{"POST /voice in-progress", "POST /voice completed"},
			wantFailed: true, wantCode: 11217, wantStatus: "completed", wantReason: "application error 11217",
		},
		{
			name: "500 rescued by the fallback URL",
			routes: map[string]http.HandlerFunc{
				"/voice":    func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
				"/fallback": twimlRoute(resp(`<Say>Sorry, we are having trouble.</Say>`)),
			},
			opts:       func(base string, o *simulate.Options) { o.FallbackURL = base + "/fallback" },
			wantPaths:  []string{"POST /voice in-progress", "POST /fallback in-progress", "POST /voice completed"},
			wantFailed: true, wantCode: 11217, wantStatus: "completed", wantReason: "no more verbs",
			check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
				p := app.requests()[1].Params
				if p.Value("ErrorCode") != "11217" || !strings.HasSuffix(p.Value("ErrorUrl"), "/voice") {
					t.Errorf("fallback fields: %v", p)
				}
				if !tr.Rescued {
					t.Error("not marked rescued")
				}
			},
		},
		{
			name:       "malformed XML is 12100",
			routes:     map[string]http.HandlerFunc{"/voice": twimlRoute(`<Response><Say>Tom & Jerry</Say></Response>`)},
			wantFailed: true, wantCode: 12100, wantReason: "application error 12100",
		},
		{
			name:       "root must be Response: 12102",
			routes:     map[string]http.HandlerFunc{"/voice": twimlRoute(`<Resp><Say>x</Say></Resp>`)},
			wantFailed: true, wantCode: 12102,
		},
		{
			name: "wrong content type is 12300",
			routes: map[string]http.HandlerFunc{"/voice": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"ok":true}`)
			}},
			wantFailed: true, wantCode: 12300,
		},
		{
			name: "plain text is read aloud then hang up",
			routes: map[string]http.HandlerFunc{"/voice": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				fmt.Fprint(w, "Hello there")
			}},
			wantPaths:  []string{"POST /voice in-progress", "POST /voice completed"},
			wantReason: "plain text response read aloud",
		},
		{
			name: "audio is played then hang up",
			routes: map[string]http.HandlerFunc{"/voice": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "audio/mpeg")
				w.Write(make([]byte, 100))
			}},
			wantReason: "audio response played",
		},
		{
			name: "body over 64 kB is 11750",
			routes: map[string]http.HandlerFunc{"/voice": twimlRoute(resp(
				`<Say>` + strings.Repeat("a", webhook.MaxBody) + `</Say>`))},
			wantFailed: true, wantCode: 11750,
		},
		{
			name: "slow endpoint against the timeout is 11205",
			routes: map[string]http.HandlerFunc{"/voice": func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(2 * time.Second):
				case <-r.Context().Done():
				}
				twimlRoute(resp(``))(w, r)
			}},
			opts:       func(_ string, o *simulate.Options) { o.Timeout = 200 * time.Millisecond; o.NoEnd = true },
			wantFailed: true, wantCode: 11205,
			check: func(t *testing.T, tr *simulate.Transcript, _ *testApp) {
				if !strings.Contains(tr.Errors[0].Message, "timed out") {
					t.Errorf("message %q", tr.Errors[0].Message)
				}
			},
		},
		{
			name: "connection overrides: rc=2 rp=5xx retries a 503, fragment never sent",
			routes: map[string]http.HandlerFunc{"/voice": func() http.HandlerFunc {
				n := 0
				return func(w http.ResponseWriter, r *http.Request) {
					n++
					if n < 3 {
						http.Error(w, "busy", http.StatusServiceUnavailable)
						return
					}
					twimlRoute(resp(`<Say>third time lucky</Say>`))(w, r)
				}
			}()},
			opts:      func(base string, o *simulate.Options) { o.URL = base + "/voice#rc=2&rp=5xx"; o.NoEnd = true },
			wantPaths: []string{"POST /voice in-progress", "POST /voice in-progress", "POST /voice in-progress"},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				for _, r := range app.requests() {
					if !r.ValidSig {
						t.Error("retry not validly signed")
					}
				}
			},
		},
		{
			name: "connection overrides: rt=100 times out",
			routes: map[string]http.HandlerFunc{"/voice": func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(time.Second):
				case <-r.Context().Done():
				}
			}},
			opts:       func(base string, o *simulate.Options) { o.URL = base + "/voice#rt=100&rc=0"; o.NoEnd = true },
			wantFailed: true, wantCode: 11205,
		},
		{
			name: "HTTP redirects are followed and re-signed",
			routes: map[string]http.HandlerFunc{
				"/voice": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
				},
				"/moved": twimlRoute(resp(`<Say>moved</Say>`)),
			},
			opts:      func(_ string, o *simulate.Options) { o.NoEnd = true },
			wantPaths: []string{"POST /voice in-progress", "POST /moved in-progress"},
		},
		{
			name: "more than 10 HTTP redirects is 11215",
			routes: map[string]http.HandlerFunc{
				"/voice": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/voice", http.StatusFound) },
			},
			opts:       func(_ string, o *simulate.Options) { o.NoEnd = true },
			wantFailed: true, wantCode: 11215,
		},
		{
			name: "a 302 after an action POST is a GET without the fields, re-signed",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Gather numDigits="1" action="/menu"/>`)),
				"/menu": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/menu2", http.StatusFound)
				},
				"/menu2": twimlRoute(resp(`<Hangup/>`)),
			},
			script:    simulate.ScriptCaller{Digits: []string{"5"}},
			opts:      func(_ string, o *simulate.Options) { o.NoEnd = true },
			wantPaths: []string{"POST /voice in-progress", "POST /menu in-progress", "GET /menu2"},
			check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
				got := app.requests()[2]
				if len(got.Params) != 0 {
					t.Errorf("redirected request fields = %v, want none", got.Params)
				}
				if tr.Steps[1].Response.URL == "" {
					t.Error("the final URL after the redirect is not reported")
				}
			},
		},
		{
			name: "a cookie set on a redirect is sent on the next hop",
			routes: map[string]http.HandlerFunc{
				"/voice": func(w http.ResponseWriter, r *http.Request) {
					http.SetCookie(w, &http.Cookie{Name: "session", Value: "hop", Path: "/"})
					http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
				},
				"/moved": twimlRoute(resp(`<Hangup/>`)),
			},
			opts:      func(_ string, o *simulate.Options) { o.NoEnd = true },
			wantPaths: []string{"POST /voice in-progress", "POST /moved in-progress"},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				if c := app.requests()[1].Cookie; c != "hop" {
					t.Errorf("cookie on the redirected request = %q, want hop", c)
				}
			},
		},
		{
			name: "cookies the app sets are sent back",
			routes: map[string]http.HandlerFunc{
				"/voice": func(w http.ResponseWriter, r *http.Request) {
					http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/"})
					twimlRoute(resp(`<Redirect>/next</Redirect>`))(w, r)
				},
				"/next": twimlRoute(resp(`<Hangup/>`)),
			},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				if c := app.requests()[1].Cookie; c != "abc" {
					t.Errorf("cookie on second request = %q", c)
				}
			},
		},
		{
			name: "outbound busy: first request carries the status, no TwiML, no end request",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Say>should not be heard</Say>`)),
			},
			spec:       contract.CallSpec{Direction: contract.Outbound, DialStatus: "busy"},
			wantPaths:  []string{"POST /voice busy"},
			wantStatus: "busy",
			check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
				if got := app.requests()[0].Params.Value("DialStatus"); got != "busy" {
					t.Errorf("DialStatus = %q", got)
				}
				if len(tr.Steps[0].Events) != 0 {
					t.Errorf("TwiML ran on an unanswered call: %v", tr.Steps[0].Events)
				}
			},
		},
		{
			name: "status callbacks for every event (2010-04-01)",
			routes: map[string]http.HandlerFunc{
				"/voice":  twimlRoute(resp(`<Say>hi</Say>`)),
				"/status": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			},
			spec: contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound},
			opts: func(base string, o *simulate.Options) {
				o.StatusCallback = base + "/status"
				o.StatusEvents = []string{"initiated", "ringing", "answered", "completed"}
			},
			wantPaths: []string{"POST /status initiated", "POST /status ringing", "POST /voice in-progress", "POST /status in-progress", "POST /status completed"},
			check: func(t *testing.T, _ *simulate.Transcript, app *testApp) {
				var seq []string
				for _, r := range app.requests() {
					if r.Path == "/status" {
						seq = append(seq, r.Params.Value("SequenceNumber"))
						if r.Params.Value("CallbackSource") != "call-progress-events" || r.Params.Value("Timestamp") == "" {
							t.Errorf("callback fields: %v", r.Params)
						}
					}
				}
				if d := cmp.Diff([]string{"0", "1", "2", "3"}, seq); d != "" {
					t.Errorf("SequenceNumber (-want +got):\n%s", d)
				}
				last := app.requests()[4].Params
				if last.Value("CallDuration") == "" || last.Value("Duration") != "1" {
					t.Errorf("completed callback: %v", last)
				}
			},
		},
		{
			name: "not simulated verbs are reported, Start of a transcription continues",
			routes: map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Start><Transcription/></Start><Say>hi</Say><Pay/><Say>unreachable</Say>`)),
			},
			wantReason: "<Pay> is not simulated",
			check: func(t *testing.T, tr *simulate.Transcript, _ *testApp) {
				want := []string{"not-simulated", "say", "not-simulated"}
				if d := cmp.Diff(want, eventKinds(tr.Steps[0])); d != "" {
					t.Errorf("events (-want +got):\n%s", d)
				}
			},
		},
	}
	for _, outcome := range simulate.DialOutcomes() {
		for _, api := range []string{"legacy", "2010-04-01"} {
			cases = append(cases, flowCase{
				name: "Dial action " + api + " " + outcome,
				routes: map[string]http.HandlerFunc{
					"/voice":  twimlRoute(resp(`<Dial action="/dialed" record="record-from-answer" timeLimit="60"><Number>+14155550100</Number><Client>alice</Client></Dial><Say>unreachable</Say>`)),
					"/dialed": twimlRoute(resp(`<Hangup/>`)),
				},
				spec:   contract.CallSpec{APIVersion: api},
				script: simulate.ScriptCaller{DialOutcomes: []string{outcome}},
				check: func(t *testing.T, tr *simulate.Transcript, app *testApp) {
					p := app.requests()[1].Params
					want := outcome
					field := "DialCallStatus"
					if api == "legacy" {
						field = "DialStatus"
						if outcome == "completed" {
							want = "answered"
						}
					}
					if got := p.Value(field); got != want {
						t.Errorf("%s = %q, want %q", field, got, want)
					}
					if api != "legacy" {
						secs := p.Value("DialCallDuration")
						if !contract.ValidSID("CA", p.Value("DialCallSid")) || (outcome == "completed") == (secs == "0") {
							t.Errorf("dial details: %v", p)
						}
						if n, _ := strconv.Atoi(secs); n > 60 {
							t.Errorf("DialCallDuration %s over timeLimit 60", secs)
						}
					}
					if _, rec := p.Get("RecordingUrl"); rec != (outcome == "completed") {
						t.Errorf("RecordingUrl present = %v for %s", rec, outcome)
					}
					e := lastEvent(tr, simulate.EventDial)
					if e.Outcome != outcome || e.Text != "+14155550100, client:alice" {
						t.Errorf("dial event %+v", e)
					}
				},
			})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := newApp(t, tc.routes)
			opts := simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, Caller: &tc.script,
				Now: func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }}
			if tc.opts != nil {
				tc.opts(app.URL, &opts)
			}
			spec := tc.spec
			spec.Seed = 42
			call, err := contract.NewCall(spec)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := simulate.Run(context.Background(), call, opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantPaths != nil {
				if d := cmp.Diff(tc.wantPaths, app.paths()); d != "" {
					t.Errorf("requests (-want +got):\n%s", d)
				}
			}
			for i, r := range app.requests() {
				if !r.ValidSig {
					t.Errorf("request %d (%s %s) failed signature validation", i+1, r.Method, r.Path)
				}
				if len(r.Params) == 0 {
					continue // a 302 turns the POST into a bodiless GET, as in a browser
				}
				if got := r.Params.Value("CallGuid") + r.Params.Value("CallSid"); got != call.CallSid {
					t.Errorf("request %d: call id %q, want %q", i+1, got, call.CallSid)
				}
			}
			if tr.Failed != tc.wantFailed {
				t.Errorf("Failed = %v, want %v (errors %v)", tr.Failed, tc.wantFailed, tr.Errors)
			}
			if tc.wantCode != 0 && (len(tr.Errors) == 0 || tr.Errors[0].Code != tc.wantCode) {
				t.Errorf("errors = %v, want code %d", tr.Errors, tc.wantCode)
			}
			if tc.wantStatus != "" && tr.Status != tc.wantStatus {
				t.Errorf("Status = %q, want %q", tr.Status, tc.wantStatus)
			}
			if tc.wantReason != "" && tr.EndReason != tc.wantReason {
				t.Errorf("EndReason = %q, want %q", tr.EndReason, tc.wantReason)
			}
			if tc.check != nil {
				tc.check(t, tr, app)
			}
		})
	}
}

func TestConnectionRefusedIs11202(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: "http://" + addr + "/voice"})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Failed || tr.Errors[0].Code != 11202 {
		t.Fatalf("errors = %v, want 11202", tr.Errors)
	}
	// The first request was tried twice (rc=1, rp=ct) and the end-of-call too.
	if got := len(tr.Steps); got != 2 {
		t.Errorf("%d steps, want 2", got)
	}
}

func TestGETSignsTheFullURLWithPort(t *testing.T) {
	t.Parallel()
	app := newApp(t, map[string]http.HandlerFunc{"/voice": twimlRoute(resp(`<Hangup/>`))})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 7, APIVersion: "2010-04-01"})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice?tenant=a%20b", Method: "GET", AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	got := app.requests()
	if len(got) != 1 || tr.Failed { // 2010-04-01: no end-of-call request
		t.Fatalf("requests %v, failed %v", app.paths(), tr.Errors)
	}
	for _, r := range got {
		if !r.ValidSig || r.Method != "GET" || r.Params.Value("tenant") != "a b" {
			t.Errorf("%+v", r)
		}
	}
}

func TestSigningURLSignsThePublicURL(t *testing.T) {
	t.Parallel()
	const public = "https://abc123.ngrok.example/voice"
	var sigOK bool
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			sigOK = signature.Validate(testToken, public, contract.ParamsFromValues(r.PostForm), r.Header.Get(signature.Header), nil)
			twimlRoute(resp(`<Redirect>/voice/next</Redirect>`))(w, r)
		},
		"/voice/next": twimlRoute(resp(`<Hangup/>`)),
	})
	call, _ := contract.NewCall(contract.CallSpec{Seed: 3})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", SigningURL: public, AuthToken: testToken, NoEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sigOK {
		t.Error("signature does not validate against the public URL")
	}
	if got := tr.Steps[1].Request.URL; got != "https://abc123.ngrok.example/voice/next" {
		t.Errorf("redirect resolved against %q, want the public URL", got)
	}
	if got := app.paths(); len(got) != 2 {
		t.Errorf("requests: %v", got)
	}
}

func eventKinds(s *simulate.Step) []string {
	var out []string
	for _, e := range s.Events {
		out = append(out, e.Kind)
	}
	return out
}

func lastEvent(tr *simulate.Transcript, kind string) simulate.Event {
	var last simulate.Event
	for _, s := range tr.Steps {
		for _, e := range s.Events {
			if e.Kind == kind {
				last = e
			}
		}
	}
	return last
}
