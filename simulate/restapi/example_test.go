package restapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate/restapi"
)

// An engine answers each call after two seconds of ringing on a simulated
// clock and lets it last until the API hangs up or 30 s pass; the app's
// SDK (here plain HTTP) creates the call and fetches it.
func Example() {
	engine := restapi.DialerFunc(func(ctx context.Context, req restapi.CallRequest, call *restapi.Live) {
		clock := req.Created
		step := func(st restapi.Status, after time.Duration) {
			clock = clock.Add(after)
			_ = call.Report(restapi.Progress{Status: st, At: clock})
		}
		step(restapi.StatusInitiated, 0)
		step(restapi.StatusRinging, 0)
		if req.Outcome.Kind != restapi.Answered {
			step(restapi.StatusBusy, 2*time.Second)
			return
		}
		step(restapi.StatusInProgress, 2*time.Second)
		// A real engine fetches req.Url here and runs the TwiML, watching
		// call.Changes() between verbs for redirects.
		step(restapi.StatusCompleted, 30*time.Second)
	})
	busy, _ := restapi.ParseRule("+14155550102 busy")
	srv, err := restapi.New(restapi.Config{
		AccountSid: "AC0123456789abcdef0123456789abcdef",
		AuthToken:  "token123",
		Dialer:     engine,
		Rules:      restapi.Rules{busy},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	for _, to := range []string{"+14155550101", "+14155550102"} {
		form := url.Values{"To": {to}, "From": {"+14155550100"}, "Url": {"https://app.example.com/voice"}}
		req, _ := http.NewRequest("POST", hs.URL+"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("AC0123456789abcdef0123456789abcdef", "token123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var created restapi.Call
		_ = json.NewDecoder(resp.Body).Decode(&created)
		resp.Body.Close()
		ended, _ := srv.Wait(context.Background(), created.Sid)
		duration := "null"
		if ended.Duration != nil {
			duration = *ended.Duration
		}
		fmt.Println(resp.StatusCode, created.Status, "→", ended.Status, "duration", duration)
	}
	// Output:
	// 201 queued → completed duration 30
	// 201 queued → busy duration null
}
