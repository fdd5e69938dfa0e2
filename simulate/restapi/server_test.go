package restapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCallLifecycleGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.CallerIDs = map[string]string{"+14155550100": "PN0123456789abcdef0123456789abcdef"}
		c.Rules = Rules{
			mustRule(t, "+14155550102 busy"),
			mustRule(t, "+14155550103 no-answer"),
			mustRule(t, "+14155550104 failed"),
			mustRule(t, "+14155550105 machine as=machine_end_beep ring=4s"),
		}
	})
	base := vals("From", "+14155550100", "Url", "https://app.example.com/voice",
		"StatusCallback", "https://app.example.com/status",
		"StatusCallbackEvent", "initiated", "StatusCallbackEvent", "ringing", "StatusCallbackEvent", "answered", "StatusCallbackEvent", "completed")
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	created := e.do(http.MethodPost, callsPath, with("To", "(415) 555-0101"))
	golden(t, "create.json", created)

	got := map[string]any{}
	for _, c := range []struct{ name, to string }{
		{"completed", "+14155550101"}, {"busy", "+14155550102"}, {"no-answer", "+14155550103"},
		{"failed", "+14155550104"}, {"machine", "+14155550105"},
	} {
		sid := created.Body.(map[string]any)["sid"].(string)
		if c.name != "completed" {
			sid = e.create(with("To", c.to, "MachineDetection", "Enable")).Sid
		}
		e.wait(sid)
		got[c.name] = e.do(http.MethodGet, callPath(sid), nil)
	}
	golden(t, "fetch.json", got)

	req := e.dialer.requestOf(created.Body.(map[string]any)["sid"].(string))
	req.Params = nil
	golden(t, "callrequest.json", req)
}

func mustRule(t *testing.T, s string) Rule {
	t.Helper()
	r, err := ParseRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.Applications = map[string]Application{"AP00000000000000000000000000000001": {
			VoiceUrl: "https://app.example.com/app", VoiceMethod: "get", StatusCallback: "https://app.example.com/app-status",
		}}
	})
	all := vals("To", "client:alice", "From", "+14155550100", "Url", "http://localhost:3000/voice", "Method", "get",
		"Twiml", "<Response><Say>ignored</Say></Response>",
		"FallbackUrl", "https://app.example.com/fallback", "FallbackMethod", "GET",
		"StatusCallback", "https://app.example.com/status", "StatusCallbackMethod", "GET",
		"StatusCallbackEvent", "ringing answered", "SendDigits", "ww1234#", "Timeout", "900", "TimeLimit", "120",
		"Record", "true", "RecordingChannels", "dual", "RecordingStatusCallback", "https://app.example.com/rec",
		"RecordingStatusCallbackMethod", "GET", "RecordingStatusCallbackEvent", "in-progress",
		"RecordingStatusCallbackEvent", "completed", "RecordingTrack", "inbound", "Trim", "do-not-trim",
		"MachineDetection", "DetectMessageEnd", "MachineDetectionTimeout", "10", "MachineDetectionSpeechThreshold", "3000",
		"MachineDetectionSpeechEndThreshold", "900", "MachineDetectionSilenceTimeout", "4000",
		"AsyncAmd", "true", "AsyncAmdStatusCallback", "https://app.example.com/amd", "AsyncAmdStatusCallbackMethod", "GET",
		"CallerId", "+14155550199", "SipAuthUsername", "u", "SipAuthPassword", "p",
		"Byoc", "BY0123456789abcdef0123456789abcdef", "CallReason", "reminder", "CallToken", "tok",
		"ClientNotificationUrl", "https://app.example.com/push", "Unknown", "kept in Params")
	c := e.create(all)
	e.wait(c.Sid) // Start has run
	got := e.dialer.requestOf(c.Sid)
	want := CallRequest{
		Sid: c.Sid, AccountSid: testAccount, Created: epoch,
		To: "client:alice", From: "+14155550100", Url: "http://localhost:3000/voice", Method: "GET",
		FallbackUrl: "https://app.example.com/fallback", FallbackMethod: "GET",
		StatusCallback: "https://app.example.com/status", StatusCallbackMethod: "GET",
		StatusCallbackEvent: []string{"ringing", "answered"}, SendDigits: "ww1234#", Timeout: 600, TimeLimit: 120,
		Record: true, RecordingChannels: "dual", RecordingStatusCallback: "https://app.example.com/rec",
		RecordingStatusCallbackMethod: "GET", RecordingStatusCallbackEvent: []string{"in-progress", "completed"},
		RecordingTrack: "inbound", Trim: "do-not-trim",
		MachineDetection:        "", // SendDigits turns detection off, as on Twilio
		MachineDetectionTimeout: 10, MachineDetectionSpeechThreshold: 3000, MachineDetectionSpeechEndThreshold: 900,
		MachineDetectionSilenceTimeout: 4000, AsyncAmd: true, AsyncAmdStatusCallback: "https://app.example.com/amd",
		AsyncAmdStatusCallbackMethod: "GET", CallerId: "+14155550199", SipAuthUsername: "u", SipAuthPassword: "p",
		Byoc: "BY0123456789abcdef0123456789abcdef", CallReason: "reminder", CallToken: "tok",
		ClientNotificationUrl: "https://app.example.com/push", Outcome: DefaultOutcome(), Params: all,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CallRequest (-want +got):\n%s", d)
	}

	// Defaults, Twiml without Url, and a number in national notation.
	c = e.create(vals("To", "415-555-0101", "From", "client:bob", "Twiml", "<Response/>"))
	e.wait(c.Sid)
	got = e.dialer.requestOf(c.Sid)
	got.Params = nil
	want = CallRequest{
		Sid: c.Sid, AccountSid: testAccount, Created: epoch, To: "+14155550101", From: "client:bob",
		Twiml: "<Response/>", Method: "POST", FallbackMethod: "POST", StatusCallbackMethod: "POST",
		StatusCallbackEvent: []string{"completed"}, Timeout: 60, TimeLimit: DefaultTimeLimit,
		RecordingChannels: "mono", RecordingStatusCallbackMethod: "POST", RecordingStatusCallbackEvent: []string{"completed"},
		RecordingTrack: "both", Trim: "trim-silence", MachineDetectionTimeout: 30, MachineDetectionSpeechThreshold: 2400,
		MachineDetectionSpeechEndThreshold: 1200, MachineDetectionSilenceTimeout: 5000, AsyncAmdStatusCallbackMethod: "POST",
		Outcome: DefaultOutcome(),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CallRequest with defaults (-want +got):\n%s", d)
	}

	// An application's settings replace the request's.
	c = e.create(vals("To", "+14155550101", "From", "+14155550100", "ApplicationSid", "AP00000000000000000000000000000001",
		"StatusCallback", "https://ignored.example.com/", "StatusCallbackEvent", "ringing"))
	e.wait(c.Sid)
	got = e.dialer.requestOf(c.Sid)
	if got.Url != "https://app.example.com/app" || got.Method != "GET" || got.StatusCallback != "https://app.example.com/app-status" ||
		!cmp.Equal(got.StatusCallbackEvent, []string{"completed"}) {
		t.Errorf("application call: Url %q Method %q StatusCallback %q events %v", got.Url, got.Method, got.StatusCallback, got.StatusCallbackEvent)
	}
}

// TestErrorsGolden checks every error answer's status and body.
func TestErrorsGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.CallerIDs = map[string]string{"+14155550100": ""}
		c.Applications = map[string]Application{"AP00000000000000000000000000000002": {}}
	})
	ok := vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	unknown := callPath("CA00000000000000000000000000000000")
	type req struct {
		user, pass, method, path string
		params                   url.Values
	}
	cases := []struct {
		name string
		req
	}{
		{"no credentials", req{"", "", "GET", callsPath, nil}},
		{"wrong token", req{testAccount, "nope", "GET", callsPath, nil}},
		{"wrong API key secret", req{testKey, "nope", "GET", callsPath, nil}},
		{"unknown user", req{"ACffffffffffffffffffffffffffffffff", testToken, "GET", callsPath, nil}},
		{"another account's path", req{testAccount, testToken, "GET", "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Calls.json", nil}},
		{"test credentials fetch", req{testTestAcc, testTestTok, "GET", "/2010-04-01/Accounts/" + testTestAcc + "/Calls.json", nil}},
		{"test credentials other From", req{testTestAcc, testTestTok, "POST", "/2010-04-01/Accounts/" + testTestAcc + "/Calls.json", with("From", "+14155550100")}},
		{"unknown call", req{testAccount, testToken, "GET", unknown, nil}},
		{"update unknown call", req{testAccount, testToken, "POST", unknown, vals("Status", "completed")}},
		{"delete unknown call", req{testAccount, testToken, "DELETE", unknown, nil}},
		{"no .json", req{testAccount, testToken, "GET", strings.TrimSuffix(callsPath, ".json"), nil}},
		{"other resource", req{testAccount, testToken, "GET", "/2010-04-01/Accounts/" + testAccount + "/Messages.json", nil}},
		{"bad call SID", req{testAccount, testToken, "GET", callPath("CAxyz"), nil}},
		{"method", req{testAccount, testToken, "DELETE", callsPath, nil}},
		{"no To", req{testAccount, testToken, "POST", callsPath, with("To", "")}},
		{"invalid To", req{testAccount, testToken, "POST", callsPath, with("To", "+15551234567")}},
		{"letters in To", req{testAccount, testToken, "POST", callsPath, with("To", "call-me")}},
		{"no From", req{testAccount, testToken, "POST", callsPath, with("From", "")}},
		{"invalid From", req{testAccount, testToken, "POST", callsPath, with("From", "12")}},
		{"client From to a number is fine, sip From is not", req{testAccount, testToken, "POST", callsPath, with("From", "sip:a@b.example.com")}},
		{"From not the account's", req{testAccount, testToken, "POST", callsPath, with("From", "+14155550111")}},
		{"magic To 21217", req{testAccount, testToken, "POST", callsPath, with("To", "+15005550001")}},
		{"magic To 21214", req{testAccount, testToken, "POST", callsPath, with("To", "+15005550002")}},
		{"magic To 21215", req{testAccount, testToken, "POST", callsPath, with("To", "+15005550003")}},
		{"magic To 21216", req{testAccount, testToken, "POST", callsPath, with("To", "+15005550004")}},
		{"magic From 21212", req{testAccount, testToken, "POST", callsPath, with("From", "+15005550001")}},
		{"no instructions", req{testAccount, testToken, "POST", callsPath, with("Url", "")}},
		{"relative Url", req{testAccount, testToken, "POST", callsPath, with("Url", "/voice")}},
		{"ftp Url", req{testAccount, testToken, "POST", callsPath, with("Url", "ftp://app.example.com/voice")}},
		{"long Twiml", req{testAccount, testToken, "POST", callsPath, with("Url", "", "Twiml", "<Response>"+strings.Repeat("<Pause/>", 500)+"</Response>")}},
		{"unknown application", req{testAccount, testToken, "POST", callsPath, with("Url", "", "ApplicationSid", "AP00000000000000000000000000000009")}},
		{"application without VoiceUrl", req{testAccount, testToken, "POST", callsPath, with("Url", "", "ApplicationSid", "AP00000000000000000000000000000002")}},
		{"bad Method", req{testAccount, testToken, "POST", callsPath, with("Method", "PUT")}},
		{"bad StatusCallback", req{testAccount, testToken, "POST", callsPath, with("StatusCallback", "https://my_app.example.com/status")}},
		{"bad StatusCallbackEvent", req{testAccount, testToken, "POST", callsPath, with("StatusCallbackEvent", "hungup")}},
		{"bad StatusCallbackMethod", req{testAccount, testToken, "POST", callsPath, with("StatusCallbackMethod", "PATCH")}},
		{"bad SendDigits", req{testAccount, testToken, "POST", callsPath, with("SendDigits", "12x")}},
		{"bad Timeout", req{testAccount, testToken, "POST", callsPath, with("Timeout", "-1")}},
		{"bad TimeLimit", req{testAccount, testToken, "POST", callsPath, with("TimeLimit", "soon")}},
		{"bad Record", req{testAccount, testToken, "POST", callsPath, with("Record", "yes")}},
		{"bad RecordingChannels", req{testAccount, testToken, "POST", callsPath, with("RecordingChannels", "stereo")}},
		{"bad RecordingStatusCallbackEvent", req{testAccount, testToken, "POST", callsPath, with("RecordingStatusCallbackEvent", "paused")}},
		{"bad MachineDetection", req{testAccount, testToken, "POST", callsPath, with("MachineDetection", "Always")}},
		{"bad MachineDetectionSpeechThreshold", req{testAccount, testToken, "POST", callsPath, with("MachineDetectionSpeechThreshold", "100")}},
		{"bad AsyncAmd", req{testAccount, testToken, "POST", callsPath, with("AsyncAmd", "1")}},
		{"bad Byoc", req{testAccount, testToken, "POST", callsPath, with("Byoc", "trunk")}},
		{"list bad Status", req{testAccount, testToken, "GET", callsPath, vals("Status", "initiated")}},
		{"list bad StartTime", req{testAccount, testToken, "GET", callsPath, vals("StartTime>", "yesterday")}},
		{"list bad PageSize", req{testAccount, testToken, "GET", callsPath, vals("PageSize", "1001")}},
		{"list bad Page", req{testAccount, testToken, "GET", callsPath, vals("Page", "-1")}},
		{"list bad PageToken", req{testAccount, testToken, "GET", callsPath, vals("PageToken", "XX")}},
	}
	got := map[string]any{}
	for _, c := range cases {
		r := e.doAs(c.user, c.pass, c.method, c.path, c.params)
		if r.Status < 400 {
			t.Errorf("%s: status %d, want an error", c.name, r.Status)
		}
		got[c.name] = r
	}
	golden(t, "errors.json", got)
	e.do("GET", callsPath, nil) // the server still answers
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	params := vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")
	for _, c := range []struct{ user, pass string }{{testAccount, testToken}, {testKey, testSecret}} {
		r := e.doAs(c.user, c.pass, "POST", callsPath, params)
		if r.Status != http.StatusCreated {
			t.Errorf("%s: create %d %s", c.user, r.Status, r.raw)
		}
		if r := e.doAs(c.user, c.pass, "GET", callsPath, nil); r.Status != http.StatusOK {
			t.Errorf("%s: list %d %s", c.user, r.Status, r.raw)
		}
	}
	// Test credentials create without running or storing the call.
	testPath := "/2010-04-01/Accounts/" + testTestAcc + "/Calls.json"
	r := e.doAs(testTestAcc, testTestTok, "POST", testPath, vals("To", "+14155550101", "From", "+15005550006", "Url", "https://app.example.com/voice"))
	if r.Status != http.StatusCreated {
		t.Fatalf("test credentials: %d %s", r.Status, r.raw)
	}
	body := r.Body.(map[string]any)
	if body["account_sid"] != testTestAcc || body["status"] != "queued" {
		t.Errorf("test credentials: account_sid %v status %v", body["account_sid"], body["status"])
	}
	if _, ok := e.srv.Get(body["sid"].(string)); ok {
		t.Error("a call created with test credentials was stored")
	}
	// The 401 asks for Basic credentials, as a browser or curl expects.
	req, err := http.NewRequest("GET", e.http.URL+callsPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Basic realm="Twilio API"` {
		t.Errorf("no credentials: %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	now := epoch
	var mu sync.Mutex
	e := newEnv(t, func(c *Config) {
		c.Rules = Rules{mustRule(t, "+14155550102 busy")}
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	var sids []string // oldest first
	for i := range 7 {
		mu.Lock()
		now = epoch.Add(time.Duration(i) * 24 * time.Hour)
		mu.Unlock()
		to := "+14155550101"
		if i%3 == 0 {
			to = "+14155550102"
		}
		c := e.create(vals("To", to, "From", "+14155550100", "Url", "https://app.example.com/voice"))
		e.wait(c.Sid)
		sids = append(sids, c.Sid)
	}
	newestFirst := func(idx ...int) []string {
		var out []string
		for i := len(sids) - 1; i >= 0; i-- {
			if len(idx) == 0 || contains(idx, i) {
				out = append(out, sids[i])
			}
		}
		return out
	}

	first := e.do("GET", callsPath, vals("PageSize", "2", "To", "+1 415 555 0101"))
	golden(t, "list.json", first)

	// Following next_page_uri visits every call once, newest first.
	walk := func(params url.Values) (got []string, pages []map[string]any) {
		uri := callsPath + "?" + params.Encode()
		for uri != "" {
			r := e.do("GET", uri, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", uri, r.Status, r.raw)
			}
			page := r.Body.(map[string]any)
			pages = append(pages, page)
			for _, c := range page["calls"].([]any) {
				got = append(got, c.(map[string]any)["sid"].(string))
			}
			uri, _ = page["next_page_uri"].(string)
		}
		return got, pages
	}
	got, pages := walk(vals("PageSize", "3"))
	if d := cmp.Diff(newestFirst(), got); d != "" {
		t.Errorf("paging (-want +got):\n%s", d)
	}
	if len(pages) != 3 || pages[2]["start"] != 6.0 || pages[2]["end"] != 6.0 || pages[1]["page"] != 1.0 {
		t.Errorf("page envelopes: %d pages, last start %v end %v", len(pages), pages[2]["start"], pages[2]["end"])
	}
	// previous_page_uri of page 1 gives page 0 back.
	prev := e.do("GET", pages[1]["previous_page_uri"].(string), nil).Body.(map[string]any)
	if d := cmp.Diff(pages[0]["calls"], prev["calls"]); d != "" {
		t.Errorf("previous page (-want +got):\n%s", d)
	}
	// A call created after the first page does not shift the next one.
	mu.Lock()
	now = epoch.Add(30 * 24 * time.Hour)
	mu.Unlock()
	e.wait(e.create(vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")).Sid)
	next := e.do("GET", pages[0]["next_page_uri"].(string), nil).Body.(map[string]any)
	if d := cmp.Diff(pages[1]["calls"], next["calls"]); d != "" {
		t.Errorf("next page after a create (-want +got):\n%s", d)
	}

	filterCases := []struct {
		params url.Values
		want   []string
	}{
		{vals("Status", "busy"), newestFirst(0, 3, 6)},
		{vals("To", "4155550102", "From", "+14155550100"), newestFirst(0, 3, 6)},
		{vals("StartTime", "2026-12-01"), newestFirst(2)},
		{vals("StartTime>", "2026-12-03", "StartTime<", "2026-12-05"), newestFirst(4, 5)},
		{vals("StartTime>", "2026-12-03T00:00:00Z", "StartTime<", "2026-12-05T00:00:00Z"), newestFirst(4, 5)},
		{vals("EndTime<", "2026-12-03"), newestFirst(1, 2)}, // busy calls have no end_time
		{vals("ParentCallSid", "CA00000000000000000000000000000000"), nil},
	}
	for _, c := range filterCases {
		got, _ := walk(c.params)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%v (-want +got):\n%s", c.params, d)
		}
	}
	empty := e.do("GET", callsPath, vals("To", "+14155550199"))
	golden(t, "list_empty.json", empty)
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.dialer.hold["+14155550101"] = StatusInProgress
	e.dialer.hold["+14155550102"] = StatusRinging
	e.dialer.hold["+14155550103"] = StatusQueued
	create := func(to string) string {
		return e.create(vals("To", to, "From", "+14155550100", "Url", "https://app.example.com/voice")).Sid
	}

	// A live call: redirect with Url, then with Twiml, then settings, then hang up.
	sid := create("+14155550101")
	e.waitStatus(sid, StatusInProgress)
	steps := []struct {
		params url.Values
		status int
	}{
		{vals("Url", "https://app.example.com/next", "Method", "GET"), 200},
		{vals("Twiml", "<Response><Say>Bye</Say></Response>", "StatusCallback", "https://app.example.com/s2"), 200},
		{vals("Url", "https://app.example.com/a", "Twiml", "<Response/>"), 400},
		{vals("Status", "canceled"), 200}, // no effect once answered
		{vals("TimeLimit", "30"), 200},
		{vals(), 200},
		{vals("Status", "busy"), 400},
	}
	for _, s := range steps {
		r := e.do("POST", callPath(sid), s.params)
		if r.Status != s.status {
			t.Errorf("update %v: %d %s", s.params, r.Status, r.raw)
		}
		if s.status == 200 && r.Body.(map[string]any)["status"] != "in-progress" {
			t.Errorf("update %v: status %v", s.params, r.Body.(map[string]any)["status"])
		}
	}
	if r := e.do("DELETE", callPath(sid), nil); r.Status != http.StatusBadRequest {
		t.Errorf("delete a live call: %d %s", r.Status, r.raw)
	}
	hungUp := e.do("POST", callPath(sid), vals("Status", "completed"))
	if hungUp.Status != 200 || hungUp.Body.(map[string]any)["status"] != "completed" || hungUp.Body.(map[string]any)["duration"] != "10" {
		t.Errorf("hang up: %d %s", hungUp.Status, hungUp.raw)
	}
	thirty := 30
	wantChanges := []Change{
		{Kind: Redirect, Url: "https://app.example.com/next", Method: "GET"},
		{Kind: Redirect, Twiml: "<Response><Say>Bye</Say></Response>", Settings: CallSettings{StatusCallback: strp("https://app.example.com/s2")}},
		{Kind: Settings, Settings: CallSettings{TimeLimit: &thirty}},
		{Kind: Hangup},
	}
	if d := cmp.Diff(wantChanges, e.dialer.changesOf(sid)); d != "" {
		t.Errorf("changes the engine received (-want +got):\n%s", d)
	}
	ended := map[string]any{}
	for name, p := range map[string]url.Values{
		"redirect": vals("Url", "https://app.example.com/next"),
		"hangup":   vals("Status", "completed"),
		"cancel":   vals("Status", "canceled"),
		"settings": vals("StatusCallback", "https://app.example.com/s3"),
	} {
		ended[name] = e.do("POST", callPath(sid), p)
	}
	golden(t, "update_ended.json", ended)
	if r := e.do("DELETE", callPath(sid), nil); r.Status != http.StatusNoContent || len(r.raw) != 0 {
		t.Errorf("delete: %d %q", r.Status, r.raw)
	}
	if r := e.do("GET", callPath(sid), nil); r.Status != http.StatusNotFound {
		t.Errorf("fetch after delete: %d", r.Status)
	}

	// A ringing call: no redirect, but cancel works.
	sid = create("+14155550102")
	e.waitStatus(sid, StatusRinging)
	if r := e.do("POST", callPath(sid), vals("Url", "https://app.example.com/next")); r.Status != 400 {
		t.Errorf("redirect while ringing: %d %s", r.Status, r.raw)
	}
	canceled := e.do("POST", callPath(sid), vals("Status", "canceled"))
	golden(t, "update_cancel.json", canceled)

	// A queued call hung up with Status=completed ends canceled.
	sid = create("+14155550103")
	r := e.do("POST", callPath(sid), vals("Status", "completed"))
	if r.Body.(map[string]any)["status"] != "canceled" {
		t.Errorf("hang up a queued call: %s", r.raw)
	}
	if d := cmp.Diff([]Change{{Kind: Hangup}}, e.dialer.changesOf(sid)); d != "" {
		t.Errorf("queued call's changes (-want +got):\n%s", d)
	}
	if len(e.dialer.errs) > 0 {
		t.Errorf("engine errors: %v", e.dialer.errs)
	}
}

func TestEviction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxCalls = 3 })
	params := vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")
	var sids []string
	for range 3 {
		c := e.create(params)
		e.wait(c.Sid)
		sids = append(sids, c.Sid)
	}
	sids = append(sids, e.create(params).Sid)
	if r := e.do("GET", callPath(sids[0]), nil); r.Status != http.StatusNotFound {
		t.Errorf("oldest call after eviction: %d", r.Status)
	}
	for _, sid := range sids[1:] {
		if r := e.do("GET", callPath(sid), nil); r.Status != http.StatusOK {
			t.Errorf("%s: %d", sid, r.Status)
		}
	}

	// When every stored call is live, creating one more is refused.
	h := newEnv(t, func(c *Config) { c.MaxCalls = 2 })
	h.dialer.hold["+14155550101"] = StatusInProgress
	first := h.create(params).Sid
	h.create(params)
	r := h.do("POST", callsPath, params)
	golden(t, "full.json", r)
	// Ending one frees its place.
	h.do("POST", callPath(first), vals("Status", "completed"))
	if r := h.do("POST", callsPath, params); r.Status != http.StatusCreated {
		t.Errorf("create after a call ended: %d %s", r.Status, r.raw)
	}
}

// reportDialer runs a scripted list of reports and records their errors.
type reportDialer struct {
	steps []Progress
	mu    sync.Mutex
	errs  []string
}

func (d *reportDialer) Start(_ context.Context, _ CallRequest, call *Live) {
	for _, p := range d.steps {
		err := call.Report(p)
		d.mu.Lock()
		d.errs = append(d.errs, fmt.Sprint(err))
		d.mu.Unlock()
	}
}

func TestReportTransitions(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return epoch.Add(time.Duration(s) * time.Second) }
	cases := []struct {
		name       string
		steps      []Progress
		wantErrs   []string
		wantStatus Status
		answeredBy any
	}{
		{"skips allowed", []Progress{{Status: StatusInProgress, At: at(1)}, {Status: StatusCompleted, At: at(5)}}, []string{"<nil>", "<nil>"}, StatusCompleted, nil},
		{"async AMD after answer", []Progress{{Status: StatusInProgress, At: at(1)}, {Status: StatusInProgress, At: at(3), AnsweredBy: "machine_start"}, {Status: StatusCompleted, At: at(5)}}, []string{"<nil>", "<nil>", "<nil>"}, StatusCompleted, "machine_start"},
		{"backwards", []Progress{{Status: StatusRinging, At: at(1)}, {Status: StatusInitiated, At: at(2)}, {Status: StatusBusy, At: at(3)}}, []string{"<nil>", "call SID: cannot go from ringing back to initiated", "<nil>"}, StatusBusy, nil},
		{"complete unanswered", []Progress{{Status: StatusRinging, At: at(1)}, {Status: StatusCompleted, At: at(2)}}, []string{"<nil>", "call SID: cannot complete a call that was not answered (ringing); use busy, no-answer, failed or canceled"}, StatusFailed, nil},
		{"busy after answer", []Progress{{Status: StatusInProgress, At: at(1)}, {Status: StatusBusy, At: at(2)}, {Status: StatusCompleted, At: at(3)}}, []string{"<nil>", "call SID: an answered call cannot end busy", "<nil>"}, StatusCompleted, nil},
		{"after the end", []Progress{{Status: StatusFailed, At: at(1)}, {Status: StatusRinging, At: at(2)}}, []string{"<nil>", "call SID: call has ended (failed)"}, StatusFailed, nil},
		{"unknown status", []Progress{{Status: "answered", At: at(1)}}, []string{`call SID: unknown status "answered"`}, StatusFailed, nil},
		{"engine returns early", nil, nil, StatusFailed, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := &reportDialer{steps: c.steps}
			e := newEnv(t, func(cfg *Config) { cfg.Dialer = d })
			sid := e.create(vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")).Sid
			got := e.wait(sid)
			d.mu.Lock()
			errs := d.errs
			d.mu.Unlock()
			for i := range errs {
				errs[i] = strings.ReplaceAll(errs[i], sid, "SID")
			}
			if d := cmp.Diff(c.wantErrs, errs); d != "" {
				t.Errorf("Report errors (-want +got):\n%s", d)
			}
			if got.Status != c.wantStatus {
				t.Errorf("status %s, want %s", got.Status, c.wantStatus)
			}
			var by any
			if got.AnsweredBy != nil {
				by = *got.AnsweredBy
			}
			if by != c.answeredBy {
				t.Errorf("answered_by %v, want %v", by, c.answeredBy)
			}
		})
	}
	if !errors.Is(fmt.Errorf("x: %w", ErrEnded), ErrEnded) {
		t.Fatal("ErrEnded does not wrap")
	}
}

func TestCloseEndsRunningCalls(t *testing.T) {
	t.Parallel()
	d := newFakeDialer()
	d.hold["+14155550101"] = StatusInProgress
	cfg := baseConfig(d)
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, dialer: d}
	hs := newLoopback(t, srv)
	e.http = hs
	sid := e.create(vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")).Sid
	e.waitStatus(sid, StatusInProgress)
	srv.Close()
	if c, _ := srv.Get(sid); c.Status != StatusFailed {
		t.Errorf("after Close: %s, want failed", c.Status)
	}
	r := e.do("POST", callsPath, vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice"))
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("create after Close: %d %s", r.Status, r.raw)
	}
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]func(*Config){
		`AccountSid "ACxyz": want AC and 32 hex digits`:                                                        func(c *Config) { c.AccountSid = "ACxyz" },
		"AuthToken: want letters and digits only (twilio-go refuses others)":                                   func(c *Config) { c.AuthToken = "a-b" },
		`APIKeys "SK1": want SK and 32 hex digits with a secret of letters and digits`:                         func(c *Config) { c.APIKeys = map[string]string{"SK1": "x"} },
		"TestAccountSid/TestAuthToken: want an AC SID other than AccountSid and a token of letters and digits": func(c *Config) { c.TestAccountSid = testAccount },
		`CallerIDs "4155550100": want a phone number in E.164`:                                                 func(c *Config) { c.CallerIDs = map[string]string{"4155550100": ""} },
		`Applications "APx": want AP and 32 hex digits`:                                                        func(c *Config) { c.Applications = map[string]Application{"APx": {}} },
		"Dialer: required": func(c *Config) { c.Dialer = nil },
		"MaxCalls, TimeLimit, ChangeWait: must not be negative": func(c *Config) { c.MaxCalls = -1 },
	}
	for want, edit := range cases {
		cfg := baseConfig(newFakeDialer())
		edit(&cfg)
		if _, err := New(cfg); err == nil || err.Error() != "restapi config: "+want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxCalls = 100; c.Now = time.Now; c.Seed = 0 })
	params := vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")
	var wg sync.WaitGroup
	sids := make(chan string, 400)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				r := e.do("POST", callsPath, params)
				if r.Status != http.StatusCreated {
					t.Errorf("create: %d %s", r.Status, r.raw)
					return
				}
				sid := r.Body.(map[string]any)["sid"].(string)
				sids <- sid
				e.do("GET", callPath(sid), nil)
				e.do("GET", callsPath, vals("PageSize", "5", "Status", "completed"))
				e.do("POST", callPath(sid), vals("Status", "completed"))
			}
		}()
	}
	wg.Wait()
	close(sids)
	seen := map[string]bool{}
	for sid := range sids {
		if seen[sid] {
			t.Errorf("SID %s given twice", sid)
		}
		seen[sid] = true
	}
	if len(seen) != 400 {
		t.Errorf("%d calls created, want 400", len(seen))
	}
	page := e.do("GET", callsPath, vals("PageSize", "1000")).Body.(map[string]any)
	if n := len(page["calls"].([]any)); n != 100 {
		t.Errorf("%d calls kept, want MaxCalls 100", n)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []Access
	e := newEnv(t, func(c *Config) {
		c.OnRequest = func(a Access) {
			a.Elapsed = 0
			mu.Lock()
			got = append(got, a)
			mu.Unlock()
		}
	})
	sid := e.create(vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice")).Sid
	e.wait(sid)
	e.do("GET", callPath(sid), nil)
	e.do("POST", callsPath, vals("From", "+14155550100"))
	e.doAs(testAccount, "wrong", "GET", callsPath+"?PageSize=5", nil)
	e.do("DELETE", callPath(sid), nil)
	want := []Access{
		{Time: epoch, Method: "POST", Path: callsPath, Status: 201, CallSid: sid},
		{Time: epoch, Method: "GET", Path: callPath(sid), Status: 200, CallSid: sid},
		{Time: epoch, Method: "POST", Path: callsPath, Status: 400, Code: 21201, Message: "A 'To' phone number is required."},
		{Time: epoch, Method: "GET", Path: callsPath + "?PageSize=5", Status: 401, Code: 20003, Message: "Authenticate"},
		{Time: epoch, Method: "DELETE", Path: callPath(sid), Status: 204, CallSid: sid},
	}
	mu.Lock()
	defer mu.Unlock()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("access log (-want +got):\n%s", d)
	}
}
