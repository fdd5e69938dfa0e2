package restapi

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// toLocal sends the SDK's requests for any *.twilio.com host to the local
// server, the hook the reference documents for twilio-go.
type toLocal struct {
	target *url.URL
	next   http.RoundTripper
}

func (t toLocal) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h == "twilio.com" || strings.HasSuffix(h, ".twilio.com") {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
		r.Host = t.target.Host
	}
	return t.next.RoundTrip(r)
}

func sdkClient(t *testing.T, e *env, user, pass string) *openapi.ApiService {
	t.Helper()
	target, err := url.Parse(e.http.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{
		Credentials: client.NewCredentials(user, pass),
		HTTPClient:  &http.Client{Transport: toLocal{target, e.http.Client().Transport}},
	}
	c.SetAccountSid(testAccount)
	return openapi.NewApiServiceWithClient(c)
}

func TestTwilioGoClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.dialer.hold["+14155550102"] = StatusInProgress
	api := sdkClient(t, e, testAccount, testToken)

	params := (&openapi.CreateCallParams{}).SetTo("+14155550101").SetFrom("+14155550100").
		SetUrl("https://app.example.com/voice").SetStatusCallback("https://app.example.com/status").
		SetStatusCallbackEvent([]string{"initiated", "answered", "completed"}).SetMachineDetection("Enable").SetTimeout(20)
	created, err := api.CreateCall(params)
	if err != nil {
		t.Fatal(err)
	}
	if *created.Status != "queued" || *created.Direction != "outbound-api" || created.Duration != nil {
		t.Errorf("created: status %s direction %s duration %v", *created.Status, *created.Direction, created.Duration)
	}
	e.wait(*created.Sid)
	req := e.dialer.requestOf(*created.Sid)
	if d := cmp.Diff([]string{"initiated", "answered", "completed"}, req.StatusCallbackEvent); d != "" {
		t.Errorf("StatusCallbackEvent as the SDK sends it (-want +got):\n%s", d)
	}
	if req.MachineDetection != "Enable" || req.Timeout != 20 {
		t.Errorf("MachineDetection %q Timeout %d", req.MachineDetection, req.Timeout)
	}

	fetched, err := api.FetchCall(*created.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *fetched.Status != "completed" || *fetched.Duration != "31" || *fetched.AnsweredBy != "human" || *fetched.Sid != *created.Sid {
		t.Errorf("fetched: status %s duration %s answered_by %s", *fetched.Status, *fetched.Duration, *fetched.AnsweredBy)
	}

	// A live call redirected with inline TwiML, then hung up.
	live, err := api.CreateCall((&openapi.CreateCallParams{}).SetTo("+14155550102").SetFrom("+14155550100").
		SetTwiml("<Response><Pause length=\"60\"/></Response>"))
	if err != nil {
		t.Fatal(err)
	}
	e.waitStatus(*live.Sid, StatusInProgress)
	if _, err := api.UpdateCall(*live.Sid, (&openapi.UpdateCallParams{}).SetTwiml("<Response><Say>Changed</Say></Response>")); err != nil {
		t.Fatal(err)
	}
	ended, err := api.UpdateCall(*live.Sid, (&openapi.UpdateCallParams{}).SetStatus("completed"))
	if err != nil {
		t.Fatal(err)
	}
	if *ended.Status != "completed" {
		t.Errorf("after hang-up: %s", *ended.Status)
	}
	if got := e.dialer.changesOf(*live.Sid); len(got) != 2 || got[0].Twiml != "<Response><Say>Changed</Say></Response>" || got[1].Kind != Hangup {
		t.Errorf("changes: %+v", got)
	}
	var restErr *client.TwilioRestError
	_, err = api.UpdateCall(*live.Sid, (&openapi.UpdateCallParams{}).SetUrl("https://app.example.com/late"))
	if !errors.As(err, &restErr) || restErr.Code != 21220 || restErr.Status != 400 {
		t.Errorf("redirect of an ended call: %v", err)
	}

	// Listing with the SDK's paging follows next_page_uri back to this server.
	for range 5 {
		e.wait(e.create(vals("To", "+14155550103", "From", "+14155550100", "Url", "https://app.example.com/voice")).Sid)
	}
	all, err := api.ListCall((&openapi.ListCallParams{}).SetPageSize(2).SetTo("+14155550103"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Errorf("ListCall: %d calls, want 5", len(all))
	}
	completed, err := api.ListCall((&openapi.ListCallParams{}).SetStatus("completed").SetStartTimeAfter(epoch).SetLimit(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(completed) != 3 {
		t.Errorf("ListCall with a limit: %d calls, want 3", len(completed))
	}

	if err := api.DeleteCall(*live.Sid, nil); err != nil {
		t.Errorf("DeleteCall: %v", err)
	}
	_, err = api.FetchCall(*live.Sid, nil)
	if !errors.As(err, &restErr) || restErr.Code != 20404 {
		t.Errorf("fetch after delete: %v", err)
	}

	// Twilio's errors reach the SDK as TwilioRestError.
	_, err = api.CreateCall((&openapi.CreateCallParams{}).SetTo("12").SetFrom("+14155550100").SetUrl("https://app.example.com/voice"))
	if !errors.As(err, &restErr) || restErr.Code != 21211 || restErr.Status != 400 {
		t.Errorf("bad To: %v", err)
	}
	_, err = sdkClient(t, e, testAccount, "wrongtoken").FetchCall(*created.Sid, nil)
	if !errors.As(err, &restErr) || restErr.Code != 20003 || restErr.Status != 401 {
		t.Errorf("bad credentials: %v", err)
	}
	// An API key works as the SDK sends it: key SID as user, account SID in the path.
	if _, err := sdkClient(t, e, testKey, testSecret).FetchCall(*created.Sid, nil); err != nil {
		t.Errorf("API key: %v", err)
	}
}
