package simulate_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// verbCall runs one call against a validating loopback app and checks that
// every request it received was signed correctly.
func verbCall(t *testing.T, api string, routes map[string]http.HandlerFunc, script simulate.ScriptCaller, method string) (*simulate.Transcript, *testApp) {
	t.Helper()
	app := newApp(t, routes)
	call, err := contract.NewCall(contract.CallSpec{APIVersion: api, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", Method: method, AuthToken: testToken, Caller: &script, NoEnd: true,
		Now: func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range app.requests() {
		if !r.ValidSig {
			t.Errorf("request %d (%s %s) failed signature validation", i+1, r.Method, r.Path)
		}
	}
	return tr, app
}

// byPath is the first request the app received on path.
func byPath(t *testing.T, app *testApp, path string) contract.Params {
	t.Helper()
	for _, r := range app.requests() {
		if r.Path == path {
			return r.Params
		}
	}
	t.Fatalf("no request to %s; got %v", path, app.paths())
	return nil
}

func allOn(app *testApp, path string) []contract.Params {
	var out []contract.Params
	for _, r := range app.requests() {
		if r.Path == path {
			out = append(out, r.Params)
		}
	}
	return out
}

func TestVoicemailHangUpStillRequestsTheRecordAction(t *testing.T) {
	t.Parallel()
	voicemail := resp(`<Say>Leave a message</Say><Record action="/saved" maxLength="60" transcribe="true" transcribeCallback="/transcribed" recordingStatusCallback="/recording" recordingStatusCallbackEvent="in-progress completed"/><Say>unreachable</Say>`)
	for _, api := range []string{"2010-04-01", "legacy"} {
		t.Run(api, func(t *testing.T) {
			t.Parallel()
			tr, app := verbCall(t, api, map[string]http.HandlerFunc{
				"/voice": twimlRoute(voicemail), "/saved": twimlRoute(resp(`<Say>Thanks</Say>`)),
				"/recording": twimlRoute(""), "/transcribed": twimlRoute(""),
			}, simulate.ScriptCaller{RecordSeconds: 12, RecordEnds: []string{"hangup"}, Transcription: "call me back"}, "")
			want := []string{"POST /voice", "POST /recording in-progress", "POST /saved completed", "POST /recording completed", "POST /transcribed completed"}
			if api == "legacy" {
				want[0] = "POST /voice in-progress"
			} else {
				want[0] = "POST /voice ringing"
			}
			got := app.paths()
			for i := range got { // recording callbacks carry RecordingStatus, not CallStatus
				if strings.HasPrefix(got[i], "POST /recording") {
					got[i] = "POST /recording " + app.requests()[i].Params.Value("RecordingStatus")
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("requests (-want +got):\n%s", d)
			}
			saved := byPath(t, app, "/saved")
			dur := "RecordingDuration"
			if api == "legacy" {
				dur = "Duration"
			}
			if saved.Value("Digits") != "hangup" || saved.Value(dur) != "12" || saved.Value("RecordingUrl") == "" {
				t.Errorf("Record action fields: %v", saved)
			}
			if _, ok := saved.Get("RecordingSid"); ok != (api != "legacy") {
				t.Errorf("RecordingSid present = %v for %s", ok, api)
			}
			if tr.EndReason != "the caller hung up during <Record>" || tr.Status != "completed" {
				t.Errorf("ended %q %q", tr.Status, tr.EndReason)
			}
			if e := lastEvent(tr, simulate.EventSay); e.Text != "Leave a message" {
				t.Errorf("the action's TwiML ran after the hang-up: last said %q", e.Text)
			}
			rec := allOn(app, "/recording")[1]
			wantRec := []string{"AccountSid", "CallSid", "RecordingSid", "RecordingUrl", "RecordingStatus", "RecordingDuration", "RecordingChannels", "RecordingStartTime", "RecordingSource", "RecordingTrack"}
			var keys []string
			for _, kv := range rec {
				keys = append(keys, kv.Key)
			}
			sort.Strings(wantRec) // the app parses a form: order is lost
			sort.Strings(keys)
			if d := cmp.Diff(wantRec, keys); d != "" {
				t.Errorf("recording status fields (-want +got):\n%s", d)
			}
			if rec.Value("RecordingSource") != "RecordVerb" || rec.Value("RecordingDuration") != "12" || rec.Value("RecordingSid") != saved.Value("RecordingSid") && api != "legacy" {
				t.Errorf("recording status: %v", rec)
			}
			tx := byPath(t, app, "/transcribed")
			if tx.Value("TranscriptionText") != "call me back" || tx.Value("TranscriptionStatus") != "completed" || !strings.HasPrefix(tx.Value("TranscriptionSid"), "TR") || tx.Value("RecordingUrl") != saved.Value("RecordingUrl") {
				t.Errorf("transcription: %v", tx)
			}
		})
	}
}

func TestRecordEnds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, twiml string
		script      simulate.ScriptCaller
		wantDigits  string // "-" = absent
		wantSecs    string
	}{
		{"default key is the last of finishOnKey", `<Record action="/a"/>`, simulate.ScriptCaller{RecordSeconds: 7}, "#", "7"},
		{"chosen key", `<Record action="/a" finishOnKey="*5"/>`, simulate.ScriptCaller{RecordSeconds: 7, RecordEnds: []string{"key:5"}}, "5", "7"},
		{"key not in finishOnKey records on until silence", `<Record action="/a" finishOnKey="#"/>`, simulate.ScriptCaller{RecordSeconds: 7, RecordEnds: []string{"key:1"}}, "-", "7"},
		{"silence carries no key", `<Record action="/a"/>`, simulate.ScriptCaller{RecordSeconds: 9, RecordEnds: []string{"silence"}}, "-", "9"},
		{"silence untrimmed counts the silence", `<Record action="/a" timeout="3" trim="do-not-trim"/>`, simulate.ScriptCaller{RecordSeconds: 9, RecordEnds: []string{"silence"}}, "-", "12"},
		{"maxLength carries no key", `<Record action="/a" maxLength="30"/>`, simulate.ScriptCaller{RecordSeconds: 200}, "-", "30"},
		{"max-length asked for", `<Record action="/a" maxLength="30"/>`, simulate.ScriptCaller{RecordSeconds: 5, RecordEnds: []string{"max-length"}}, "-", "30"},
		{"transcribe makes maxLength 120", `<Record action="/a" transcribe="true"/>`, simulate.ScriptCaller{RecordSeconds: 600}, "-", "120"},
		{"transcribe caps maxLength at 120", `<Record action="/a" transcribe="true" maxLength="3600"/>`, simulate.ScriptCaller{RecordSeconds: 600}, "-", "120"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{"/voice": twimlRoute(resp(tc.twiml)), "/a": twimlRoute(resp(`<Hangup/>`))}, tc.script, "")
			a := byPath(t, app, "/a")
			d, ok := a.Get("Digits")
			if !ok {
				d = "-"
			}
			if d != tc.wantDigits || a.Value("RecordingDuration") != tc.wantSecs || a.Value("CallStatus") != "in-progress" {
				t.Errorf("Digits %q RecordingDuration %q CallStatus %q, want %q %q in-progress", d, a.Value("RecordingDuration"), a.Value("CallStatus"), tc.wantDigits, tc.wantSecs)
			}
		})
	}
}

func TestRecordEndPerRecordLastRepeats(t *testing.T) {
	t.Parallel()
	s := &simulate.ScriptCaller{RecordSeconds: 4, RecordEnds: []string{"key:*", "hangup"}}
	var got []string
	for range 3 {
		a, _ := s.Next(context.Background(), simulate.Prompt{Verb: "Record"})
		got = append(got, a.RecordEnd+" "+a.Digits)
	}
	if d := cmp.Diff([]string{"key *", "hangup ", "hangup "}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestDialConferenceIsAnswered(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"2010-04-01", "legacy"} {
		t.Run(api, func(t *testing.T) {
			t.Parallel()
			_, app := verbCall(t, api, map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Dial action="/after"><Conference>standup</Conference></Dial>`)), "/after": twimlRoute(resp(`<Hangup/>`)),
			}, simulate.ScriptCaller{DialOutcomes: []string{"busy"}}, "")
			a := byPath(t, app, "/after")
			result := "DialCallStatus"
			if api == "legacy" {
				result = "DialStatus"
			}
			if a.Value(result) != "answered" {
				t.Errorf("%s = %q, want answered", result, a.Value(result))
			}
			for _, k := range []string{"DialCallSid", "DialCallDuration"} {
				if _, ok := a.Get(k); ok {
					t.Errorf("%s sent for a conference", k)
				}
			}
		})
	}
}

func TestDialNumberLegCallbacksAndWhisper(t *testing.T) {
	t.Parallel()
	tr, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice":   twimlRoute(resp(`<Dial action="/after" record="record-from-answer-dual" recordingStatusCallback="/rec"><Number statusCallback="/leg" statusCallbackEvent="initiated ringing answered completed" url="/whisper">+14155550100</Number></Dial>`)),
		"/whisper": twimlRoute(resp(`<Say>Call from the support line</Say>`)),
		"/leg":     twimlRoute(""), "/rec": twimlRoute(""), "/after": twimlRoute(resp(`<Hangup/>`)),
	}, simulate.ScriptCaller{}, "")
	var statuses []string
	legs := allOn(app, "/leg")
	for _, p := range legs {
		statuses = append(statuses, p.Value("CallStatus"))
	}
	if d := cmp.Diff([]string{"initiated", "ringing", "in-progress", "completed"}, statuses); d != "" {
		t.Errorf("leg statuses (-want +got):\n%s", d)
	}
	leg := legs[3]
	parent := tr.CallSid
	if leg.Value("ParentCallSid") != parent || leg.Value("CallSid") == parent || !strings.HasPrefix(leg.Value("CallSid"), "CA") ||
		leg.Value("Direction") != "outbound-dial" || leg.Value("To") != "+14155550100" || leg.Value("CallDuration") == "" || leg.Value("SequenceNumber") != "3" {
		t.Errorf("completed leg callback: %v", leg)
	}
	w := byPath(t, app, "/whisper")
	if w.Value("CallSid") != leg.Value("CallSid") || w.Value("ParentCallSid") != parent || w.Value("CallStatus") != "in-progress" {
		t.Errorf("whisper request: %v", w)
	}
	after := byPath(t, app, "/after")
	if after.Value("DialCallStatus") != "completed" || after.Value("RecordingUrl") == "" {
		t.Errorf("dial action: %v", after)
	}
	rec := byPath(t, app, "/rec")
	if rec.Value("RecordingSource") != "DialVerb" || rec.Value("RecordingChannels") != "2" || !strings.HasSuffix(after.Value("RecordingUrl"), rec.Value("RecordingSid")) {
		t.Errorf("dial recording callback: %v", rec)
	}
	if got := app.paths(); got[len(got)-1] != "POST /after in-progress" {
		t.Errorf("the action is not the last request: %v", got)
	}
}

func TestWhisperHangUpLeavesTheLegsUnbridged(t *testing.T) {
	t.Parallel()
	_, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice":   twimlRoute(resp(`<Dial action="/after"><Number url="/whisper">+14155550100</Number></Dial>`)),
		"/whisper": twimlRoute(resp(`<Hangup/>`)), "/after": twimlRoute(resp(`<Hangup/>`)),
	}, simulate.ScriptCaller{}, "")
	if a := byPath(t, app, "/after"); a.Value("DialBridged") != "false" {
		t.Errorf("dial action after a whisper hang-up: %v", a)
	}
}

func TestEnqueueWaitURLAndAction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ wait, result string }{{`<Play>http://x.test/music.mp3</Play>`, "bridged"}, {`<Say>Sorry</Say><Leave/>`, "leave"}} {
		t.Run(tc.result, func(t *testing.T) {
			t.Parallel()
			tr, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
				"/voice": twimlRoute(resp(`<Enqueue waitUrl="/wait" action="/left">support</Enqueue>`)),
				"/wait":  twimlRoute(resp(tc.wait)), "/left": twimlRoute(resp(`<Say>Goodbye</Say>`)),
			}, simulate.ScriptCaller{}, "")
			w := byPath(t, app, "/wait")
			for _, k := range []string{"QueuePosition", "QueueSid", "QueueTime", "AvgQueueTime", "CurrentQueueSize", "MaxQueueSize"} {
				if w.Value(k) == "" {
					t.Errorf("waitUrl request lacks %s: %v", k, w)
				}
			}
			left := byPath(t, app, "/left")
			if left.Value("QueueResult") != tc.result || left.Value("QueueSid") != w.Value("QueueSid") || left.Value("QueueTime") == "" {
				t.Errorf("Enqueue action: %v", left)
			}
			if e := lastEvent(tr, simulate.EventSay); e.Text != "Goodbye" {
				t.Errorf("the action's TwiML did not run: last said %q", e.Text)
			}
		})
	}
}

func TestDialQueueURLIsRequested(t *testing.T) {
	t.Parallel()
	tr, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice":            twimlRoute(resp(`<Dial><Queue url="/about-to-connect">support</Queue></Dial>`)),
		"/about-to-connect": twimlRoute(resp(`<Say>You are connected to an agent</Say>`)),
	}, simulate.ScriptCaller{}, "")
	p := byPath(t, app, "/about-to-connect")
	if p.Value("DequeingCallSid") != tr.CallSid || p.Value("CallSid") == tr.CallSid || !strings.HasPrefix(p.Value("QueueSid"), "QU") || p.Value("QueueTime") == "" {
		t.Errorf("<Queue url> request: %v", p)
	}
}

func TestSpeechPartialResultsAndLanguage(t *testing.T) {
	t.Parallel()
	tr, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice":   twimlRoute(resp(`<Gather input="speech" language="fr-FR" action="/heard" partialResultCallback="/partial"/>`)),
		"/partial": twimlRoute(""), "/heard": twimlRoute(resp(`<Hangup/>`)),
	}, simulate.ScriptCaller{Speech: []string{"je voudrais parler"}}, "")
	var partial []string
	for _, p := range allOn(app, "/partial") {
		partial = append(partial, p.Value("SequenceNumber")+":"+p.Value("UnstableSpeechResult"))
		if p.Value("Stability") == "" || p.Value("CallSid") != tr.CallSid {
			t.Errorf("partial result: %v", p)
		}
	}
	if d := cmp.Diff([]string{"0:je", "1:je voudrais", "2:je voudrais parler"}, partial); d != "" {
		t.Errorf("partial results (-want +got):\n%s", d)
	}
	if h := byPath(t, app, "/heard"); h.Value("Language") != "fr-FR" || h.Value("SpeechResult") != "je voudrais parler" {
		t.Errorf("speech action: %v", h)
	}
}

func TestLegacyHasNoSpeechInput(t *testing.T) {
	t.Parallel()
	tr, app := verbCall(t, "legacy", map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Gather input="speech" action="/heard"/>`)),
	}, simulate.ScriptCaller{Speech: []string{"sales"}}, "")
	if got := app.paths(); len(got) != 1 {
		t.Errorf("speech reached the legacy app: %v", got)
	}
	if e := lastEvent(tr, simulate.EventWarning); !strings.Contains(e.Text, "no speech input") {
		t.Errorf("no warning: %+v", tr.Steps[0].Events)
	}
}

func TestAbsurdLengthsDoNotOverflowTheCall(t *testing.T) {
	t.Parallel()
	tr, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Pause length="1000000000000"/><Pause length="99999999999999999999999"/><Say loop="0">Hi</Say><Play loop="5000">http://x.test/a.mp3</Play>`)),
	}, simulate.ScriptCaller{}, "")
	if tr.Duration <= 0 || tr.Duration > 3*24*time.Hour {
		t.Errorf("Duration = %v", tr.Duration)
	}
	var codes []int
	for _, e := range tr.Steps[0].Events {
		if e.Kind == simulate.EventWarning {
			codes = append(codes, e.Code)
		}
	}
	if d := cmp.Diff([]int{13910, 13910}, codes); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	say := lastEvent(tr, simulate.EventSay)
	play := lastEvent(tr, simulate.EventPlay)
	if say.Seconds != 1000*(1/2.5+0.5) || play.Seconds != 5*1000 {
		t.Errorf("loops: say %v s, play %v s", say.Seconds, play.Seconds)
	}
	_ = app
}

func TestDialTimeoutBelowMinimumWarns(t *testing.T) {
	t.Parallel()
	tr, _ := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Dial timeout="2">+14155550100</Dial>`)),
	}, simulate.ScriptCaller{DialOutcomes: []string{"no-answer"}}, "")
	w := lastEvent(tr, simulate.EventWarning)
	if w.Code != 13212 || !strings.Contains(w.Text, "minimum of 5 s") {
		t.Errorf("warning %+v", w)
	}
	if tr.Duration != 5*time.Second {
		t.Errorf("rang %v, want 5s", tr.Duration)
	}
}

func TestGETGatherDefaultActionIsTheConfiguredURL(t *testing.T) {
	t.Parallel()
	_, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("Digits") == "" {
				twimlRoute(resp(`<Gather numDigits="1"/>`))(w, r)
				return
			}
			twimlRoute(resp(`<Hangup/>`))(w, r)
		},
	}, simulate.ScriptCaller{Digits: []string{"3"}}, "GET")
	got := app.requests()
	if len(got) != 2 {
		t.Fatalf("requests: %v", app.paths())
	}
	if n := len(got[1].Params); n != len(got[0].Params)+2 { // + Digits, FinishedOnKey
		t.Errorf("second request has %d fields, first %d: fields piled up: %v", n, len(got[0].Params), got[1].Params)
	}
}

func TestDigitsAreWhatACallerCanPress(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"12w3", "W", "A", "1 2"} {
		err := (&simulate.ScriptCaller{Digits: []string{d}}).Validate()
		if err == nil || !strings.Contains(err.Error(), "digits") {
			t.Errorf("--digits %q: %v", d, err)
		}
	}
	if err := (&simulate.ScriptCaller{Digits: []string{"0123456789*#"}}).Validate(); err != nil {
		t.Error(err)
	}
	for _, e := range []string{"key:w", "key:12", "silence:1", "forever"} {
		if err := (&simulate.ScriptCaller{RecordEnds: []string{e}}).Validate(); err == nil || !strings.Contains(err.Error(), "record-end") {
			t.Errorf("--record-end %q: %v", e, err)
		}
	}
}

func TestPromptCallerRecordEnd(t *testing.T) {
	t.Parallel()
	var screen strings.Builder
	pc := simulate.NewPromptCaller(strings.NewReader("12 hangup\n8 key:*\n3 forever\n"), &screen)
	var got []simulate.Action
	for range 3 {
		a, err := pc.Next(context.Background(), simulate.Prompt{Verb: "Record"})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	want := []simulate.Action{{RecordSeconds: 12, RecordEnd: "hangup"}, {RecordSeconds: 8, RecordEnd: "key", Digits: "*"}, {RecordSeconds: 3}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !strings.Contains(screen.String(), `unknown way for a recording to end "forever"`) {
		t.Errorf("screen:\n%s", screen.String())
	}
}

func TestSecondLegIsCanceledWhenTheFirstAnswers(t *testing.T) {
	t.Parallel()
	_, app := verbCall(t, "2010-04-01", map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Dial><Client statusCallback="/a">alice</Client><Sip statusCallback="/b">sip:bob@example.com</Sip></Dial>`)),
		"/a":     twimlRoute(""), "/b": twimlRoute(""),
	}, simulate.ScriptCaller{}, "")
	a, b := byPath(t, app, "/a"), byPath(t, app, "/b")
	if a.Value("To") != "client:alice" || a.Value("CallStatus") != "completed" {
		t.Errorf("client leg: %v", a)
	}
	if b.Value("To") != "sip:bob@example.com" || b.Value("CallStatus") != "canceled" || b.Value("CallDuration") != "0" {
		t.Errorf("sip leg: %v", b)
	}
	if a.Value("CallSid") == b.Value("CallSid") {
		t.Error("both legs share a CallSid")
	}
}

func TestEmptyRecordingReportsAbsent(t *testing.T) {
	t.Parallel()
	call, _ := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Seed: 2})
	app := newApp(t, map[string]http.HandlerFunc{
		"/voice": twimlRoute(resp(`<Record action="/a" recordingStatusCallback="/rec" recordingStatusCallbackEvent="absent completed"/><Say>next verb</Say>`)),
		"/rec":   twimlRoute(""),
	})
	caller := &emptyRecorder{}
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: app.URL + "/voice", AuthToken: testToken, Caller: caller, NoEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"POST /voice ringing", "POST /rec"}, app.paths()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if rec := byPath(t, app, "/rec"); rec.Value("RecordingStatus") != "absent" || !app.requests()[1].ValidSig {
		t.Errorf("absent callback: %v", rec)
	}
	if e := lastEvent(tr, simulate.EventSay); e.Text != "next verb" {
		t.Errorf("an empty recording did not go on to the next verb: %q", e.Text)
	}
}

// emptyRecorder says nothing at a Record.
type emptyRecorder struct{}

func (emptyRecorder) Next(context.Context, simulate.Prompt) (simulate.Action, error) {
	return simulate.Action{RecordSeconds: 0}, nil
}
