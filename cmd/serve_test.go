package cmd

import (
	"encoding/json"
	"github.com/callsim/callsim/simulate/restapi"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdTwilioAPI is "twapi [-wait] FILE METHOD URL USER:PASS [Key=Value ...]":
// one request to a Calls API (callsim serve) with Basic auth and a form
// body, the JSON answer written to FILE and its "sid", if any, set as $SID.
// With -wait it asks again until the call has ended (10 s at most).
func cmdTwilioAPI(ts *testscript.TestScript, neg bool, args []string) {
	wait := len(args) > 0 && args[0] == "-wait"
	if wait {
		args = args[1:]
	}
	if neg || len(args) < 4 {
		ts.Fatalf("usage: twapi [-wait] FILE METHOD URL USER:PASS [Key=Value ...]")
	}
	form := url.Values{}
	for _, kv := range args[4:] {
		k, v, _ := strings.Cut(kv, "=")
		form.Add(k, v)
	}
	user, pass, _ := strings.Cut(args[3], ":")
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, err := http.NewRequest(args[1], args[2], strings.NewReader(form.Encode()))
		ts.Check(err)
		req.SetBasicAuth(user, pass)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Check(err)
		var call struct{ Sid, Status string }
		json.Unmarshal(body, &call)
		ended := call.Status != "" && !strings.Contains(" queued ringing in-progress ", " "+call.Status+" ")
		if !wait || ended || time.Now().After(deadline) {
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), body, 0o644))
			if call.Sid != "" {
				ts.Setenv("SID", call.Sid)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cmdFreeAddr is "freeaddr VAR": set $VAR to a free loopback address.
func cmdFreeAddr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeaddr VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], ln.Addr().String())
	ln.Close()
}

func TestOutcomeRule(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+14155550100=busy":                      "+14155550100 busy",
		"+1415555*=machine as=machine_end_beep":  "+1415555* machine as=machine_end_beep",
		"*=answered digits=1 speech=\"yes sir\"": "* answered digits=1 speech=\"yes sir\"",
		"+14155550100 busy ring=2s":              "+14155550100 busy ring=2s",
	} {
		if d := cmp.Diff(want, outcomeRule(in)); d != "" {
			t.Errorf("outcomeRule(%q) (-want +got):\n%s", in, d)
		}
	}
}

func TestServeFlags(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["TWILIO_ACCOUNT_SID"] = "AC0123456789abcdef0123456789abcdef"
	c.env["TWILIO_AUTH_TOKEN"] = "envtoken1"
	c.write("rules.txt", "# busy line\n+14155550100 busy\n")
	o, code, errOut := parse(t, c, NewCmdServe, "serve", "--addr", "127.0.0.1:0", "--real-time",
		"--rules", "rules.txt", "--outcome", "*=machine as=fax",
		"--api-key", "SKfedcba9876543210fedcba9876543210:keysecret1", "--max-calls", "7", "--timeout", "2s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	api := o.Config.API
	if api.AccountSid != "AC0123456789abcdef0123456789abcdef" || api.AuthToken != "envtoken1" || o.Generated {
		t.Errorf("credentials from the environment: %s %s generated %v", api.AccountSid, api.AuthToken, o.Generated)
	}
	if o.Config.Scale != 1 || api.MaxCalls != 7 || o.Config.WebhookTimeout != 2*time.Second {
		t.Errorf("scale %v max calls %d timeout %s", o.Config.Scale, api.MaxCalls, o.Config.WebhookTimeout)
	}
	var rules []string
	for _, r := range api.Rules {
		rules = append(rules, r.Pattern+" "+string(r.Outcome.Kind)+" "+r.Outcome.AnsweredBy)
	}
	if d := cmp.Diff([]string{"+14155550100 busy ", "* machine fax"}, rules); d != "" {
		t.Errorf("rules: the file's, then --outcome (-want +got):\n%s", d)
	}
	if api.APIKeys["SKfedcba9876543210fedcba9876543210"] != "keysecret1" {
		t.Errorf("API keys: %v", api.APIKeys)
	}

	// Without credentials a pair is made up, valid for twilio-go.
	c2 := newCLI(t)
	o, code, errOut = parse(t, c2, NewCmdServe, "serve")
	if code != 0 || !o.Generated || len(o.Config.API.AccountSid) != 34 || !restapi.ValidSecret(o.Config.API.AuthToken) || o.Config.Scale != 0 {
		t.Errorf("made-up credentials: exit %d %q %+v", code, errOut, o.Config.API)
	}
}
