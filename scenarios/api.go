package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/restapi"
	"github.com/callsim/callsim/simulate/serve"
)

// DirectionAPI is the call.direction of a scenario whose call is created
// through the REST API, as Twilio names such calls.
const DirectionAPI = "outbound-api"

// apiStart reads direction: outbound-api. Such a call is placed as an
// outbound call of the 2010-04-01 API: the scenario runner starts a callsim
// serve in process and creates the call with a REST request (To, From, Url,
// Method, StatusCallback …), so the app sees what a call its SDK created
// would bring. dial_status picks the outcome.
func (p *parser) apiStart(spec *contract.CallSpec, sc *Scenario, m *mapping) bool {
	if spec.Direction != DirectionAPI {
		return false
	}
	spec.Direction = contract.Outbound
	at := m.node
	if n := p.at["call.direction"]; n != nil {
		at = n
	}
	switch spec.APIVersion {
	case "", contract.V20100401().Name:
		spec.APIVersion = contract.V20100401().Name
	default:
		p.errorf(at, "call.api_version", "a call created through the REST API (direction: outbound-api) uses API version 2010-04-01, not %q", spec.APIVersion)
	}
	if len(spec.Params) > 0 {
		p.errorf(at, "call.params", "extra request fields cannot be added to a call created through the REST API (direction: outbound-api)")
	}
	if sc.Options.SigningURL != "" {
		p.errorf(at, "signing_url", "does not apply to a call created through the REST API (direction: outbound-api): callsim serve signs the URLs it is given")
	}
	return true
}

// apiOutcome is the outcome rule and MachineDetection a dial_status asks for.
func apiOutcome(dialStatus string) (rule, amd string) {
	switch dialStatus {
	case "busy", "failed", "no-answer":
		return "* " + dialStatus, ""
	case "answered-human":
		return "* answered as=human", "Enable"
	case "answered-machine":
		return "* machine as=machine_start", "Enable"
	case "hangup-machine":
		return "* machine as=machine_end_other", "Enable"
	}
	return "* answered", ""
}

// playAPI replays a direction: outbound-api scenario: an in-process callsim
// serve, the call created through its REST API, the scenario as the callee.
func playAPI(ctx context.Context, sc *Scenario, client *http.Client) *Attempt {
	start := time.Now()
	x := newExecution(sc)
	x.ctx = ctx
	a := &Attempt{}
	fail := func(msg string) *Attempt {
		a.Failures = append(x.failures, &Failure{Key: "call.direction", Message: msg})
		a.Elapsed = time.Since(start)
		return a
	}
	rule, amd := apiOutcome(sc.Call.DialStatus)
	var rules restapi.Rules
	if err := rules.Set(rule); err != nil {
		return fail(err.Error())
	}
	// The API's own credentials are the runner's; the webhooks are signed
	// with the scenario's auth token, as the app expects.
	var b [16]byte
	rand.Read(b[:])
	apiToken := hex.EncodeToString(b[:])
	done := make(chan *simulate.Transcript, 1)
	srv, err := serve.New(serve.Config{
		API:            restapi.Config{AccountSid: sc.Call.AccountSid, AuthToken: apiToken, Rules: rules, Seed: sc.Call.Seed | 1},
		WebhookToken:   sc.Options.AuthToken,
		HTTP:           client,
		WebhookTimeout: sc.Options.Timeout,
		MaxSteps:       sc.Options.MaxSteps,
		NewCaller:      func(restapi.CallRequest) simulate.Caller { return x },
		OnEvent: func(e serve.Event) {
			switch {
			case e.Kind == serve.EventStep && engineKinds[e.Step.Request.Kind]:
				x.onStep(e.Step) // from the engine's goroutine, in order
			case e.Kind == serve.EventCall:
				done <- e.Transcript
			}
		},
	})
	if err != nil {
		return fail("callsim serve: " + err.Error())
	}
	base, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return fail("callsim serve: " + err.Error())
	}
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(shutdown)
	}()

	o := sc.Options
	form := url.Values{"To": {sc.Call.Called.E164}, "From": {sc.Call.Caller.E164}, "Url": {o.URL}}
	set := func(k, v string) {
		if v != "" {
			form.Set(k, v)
		}
	}
	set("Method", o.Method)
	set("FallbackUrl", o.FallbackURL)
	set("FallbackMethod", o.FallbackMethod)
	set("StatusCallback", o.StatusCallback)
	set("StatusCallbackMethod", o.StatusCallbackMethod)
	set("MachineDetection", amd)
	if o.StatusCallback != "" {
		for _, e := range o.StatusEvents {
			form.Add("StatusCallbackEvent", e)
		}
	}
	if _, err := createCall(ctx, base, sc.Call.AccountSid, apiToken, form); err != nil {
		return fail(err.Error())
	}
	var t *simulate.Transcript
	select {
	case t = <-done:
	case <-ctx.Done():
		return fail("interrupted before the call ended")
	}
	a.Transcript = t
	a.Failures = x.end(t)
	a.Passed = len(a.Failures) == 0
	a.Steps = x.played
	if sc.Steps[0].N > 0 {
		a.Steps++
	}
	a.Requests = len(t.Steps)
	a.Elapsed = time.Since(start)
	return a
}

// engineKinds are the steps the engine makes (and the scenario checks);
// serve's own callbacks (recording, async AMD) are not among them.
var engineKinds = map[string]bool{
	"initial": true, "gather": true, "redirect": true, "record": true, "dial": true,
	"fallback": true, "end": true, "status-callback": true, "live-redirect": true, "amd-callback": true,
}

// createCall is the REST request an SDK would make; it returns the CallSid.
func createCall(ctx context.Context, base, account, token string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/2010-04-01/Accounts/"+account+"/Calls.json", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(account, token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("creating the call through the REST API: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var call struct {
		Sid     string `json:"sid"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	json.Unmarshal(body, &call)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("the REST API refused the call: %d %s (%d)", resp.StatusCode, call.Message, call.Code)
	}
	return call.Sid, nil
}
