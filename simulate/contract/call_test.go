package contract_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/webhook"
)

func keys(p contract.Params) []string {
	var out []string
	for _, kv := range p {
		out = append(out, kv.Key)
	}
	return out
}

func TestLegacyInboundPayload(t *testing.T) {
	t.Parallel()
	call, err := contract.NewCall(contract.CallSpec{From: "+1 415 867 5309", To: "(415) 555-1212", Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	got := call.Params(call.FirstStatus(), true)
	want := contract.Params{
		{Key: "CallGuid", Value: call.CallSid},
		{Key: "Caller", Value: "4158675309"},
		{Key: "Called", Value: "4155551212"},
		{Key: "AccountGuid", Value: call.AccountSid},
		{Key: "CallStatus", Value: "in-progress"},
		{Key: "DialStatus", Value: "answered"},
		{Key: "CallerCity", Value: "San Francisco"}, {Key: "CallerState", Value: "CA"}, {Key: "CallerZip", Value: "94102"}, {Key: "CallerCountry", Value: "US"},
		{Key: "CalledCity", Value: "San Francisco"}, {Key: "CalledState", Value: "CA"}, {Key: "CalledZip", Value: "94102"}, {Key: "CalledCountry", Value: "US"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("first request (-want +got):\n%s", d)
	}
	if !contract.ValidSID("CA", call.CallSid) || len(call.CallSid) != 34 || strings.ToLower(call.CallSid[2:]) != call.CallSid[2:] {
		t.Errorf("CallGuid %q", call.CallSid)
	}
	later := call.Params("in-progress", false)
	if _, ok := later.Get("DialStatus"); ok {
		t.Error("DialStatus sent after the first request")
	}
}

func TestOutboundRolesAndStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		api, dial  string
		wantStatus string
		wantFields map[string]string
		absent     []string
	}{
		{"legacy", "busy", "busy", map[string]string{"DialStatus": "busy", "Caller": "4158675309", "Called": "2125550100"}, nil},
		{"legacy", "answered-machine", "in-progress", map[string]string{"DialStatus": "answered-machine"}, nil},
		{"2010-04-01", "answered", "in-progress", map[string]string{"Direction": "outbound-api", "From": "+14158675309", "To": "+12125550100", "ApiVersion": "2010-04-01"}, []string{"DialStatus", "AnsweredBy"}},
		{"2010-04-01", "answered-machine", "in-progress", map[string]string{"AnsweredBy": "machine_start"}, []string{"DialStatus"}},
		{"2010-04-01", "no-answer", "no-answer", map[string]string{"CallStatus": "no-answer"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.api+"/"+tt.dial, func(t *testing.T) {
			t.Parallel()
			call, err := contract.NewCall(contract.CallSpec{Direction: contract.Outbound, APIVersion: tt.api, DialStatus: tt.dial, From: "+14158675309", To: "+12125550100"})
			if err != nil {
				t.Fatal(err)
			}
			if call.FirstStatus() != tt.wantStatus {
				t.Errorf("FirstStatus = %q, want %q", call.FirstStatus(), tt.wantStatus)
			}
			p := call.Params(call.FirstStatus(), true)
			for k, v := range tt.wantFields {
				if got := p.Value(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := p.Get(k); ok {
					t.Errorf("%s present", k)
				}
			}
		})
	}
}

func TestInbound2010FieldSet(t *testing.T) {
	t.Parallel()
	call, _ := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Seed: 5})
	p := call.Params(call.FirstStatus(), true)
	want := []string{"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction", "Caller", "Called",
		"FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry",
		"CallerCity", "CallerState", "CallerZip", "CallerCountry", "CalledCity", "CalledState", "CalledZip", "CalledCountry",
		"CallToken", "StirVerstat"}
	if d := cmp.Diff(want, keys(p)); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	if v := p.Value("StirVerstat"); v != "TN-Validation-Passed-A" {
		t.Errorf("StirVerstat %q", v)
	}
	if v := p.Value("CallToken"); !strings.HasPrefix(v, `{"parentCallInfoToken":"`) || strings.Count(v, ".") != 2 {
		t.Errorf("CallToken %q", v)
	}
	out, _ := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Direction: contract.Outbound, Seed: 5})
	for _, k := range []string{"CallToken", "StirVerstat"} {
		if _, ok := out.Params("in-progress", true).Get(k); ok {
			t.Errorf("outbound call carries %s", k)
		}
	}
	if p.Value("CallStatus") != "ringing" || p.Value("Direction") != "inbound" {
		t.Errorf("CallStatus %q Direction %q", p.Value("CallStatus"), p.Value("Direction"))
	}
	if !strings.HasPrefix(p.Value("From"), "+1") {
		t.Errorf("From %q not E.164", p.Value("From"))
	}
}

func TestDefaultsShowEverySeedField(t *testing.T) {
	t.Parallel()
	for seed := uint64(0); seed < 50; seed++ {
		call, err := contract.NewCall(contract.CallSpec{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		p := call.Params(call.FirstStatus(), true)
		if len(p) != 14 {
			t.Fatalf("seed %d: %d fields, want all 14 seed fields: %v", seed, len(p), keys(p))
		}
		if p.Value("Caller") == p.Value("Called") {
			t.Errorf("seed %d: caller and called are the same number", seed)
		}
	}
}

func TestSeedIsReproducible(t *testing.T) {
	t.Parallel()
	a, _ := contract.NewCall(contract.CallSpec{Seed: 77})
	b, _ := contract.NewCall(contract.CallSpec{Seed: 77})
	c, _ := contract.NewCall(contract.CallSpec{Seed: 78})
	if d := cmp.Diff(a.Params("in-progress", true), b.Params("in-progress", true)); d != "" {
		t.Errorf("same seed differs:\n%s", d)
	}
	if a.CallSid == c.CallSid {
		t.Error("different seeds gave the same CallGuid")
	}
}

func TestNoGeoAndParamOverrides(t *testing.T) {
	t.Parallel()
	call, _ := contract.NewCall(contract.CallSpec{NoGeo: true, Params: contract.Params{{Key: "CallStatus", Value: "queued"}, {Key: "ForwardedFrom", Value: "+14155550000"}}})
	p := call.Params("in-progress", true)
	for _, kv := range p {
		if strings.HasSuffix(kv.Key, "City") || strings.HasSuffix(kv.Key, "Zip") {
			t.Errorf("geo field %s with --no-geo", kv.Key)
		}
	}
	if p.Value("CallStatus") != "queued" || p.Value("ForwardedFrom") != "+14155550000" {
		t.Errorf("overrides not applied: %v", p)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec  contract.CallSpec
		field string
		msg   string
	}{
		{contract.CallSpec{From: "12"}, "from", "not a valid phone number"},
		{contract.CallSpec{To: "hello"}, "to", "not a phone number"},
		{contract.CallSpec{Direction: contract.Outbound, DialStatus: "maybe"}, "dial-status", "allowed: answered, busy, failed, no-answer, canceled, answered-machine, answered-human, hangup-machine"},
		{contract.CallSpec{DialStatus: "busy"}, "dial-status", "inbound calls are always answered"},
		{contract.CallSpec{APIVersion: "2099"}, "api-version", "allowed: 2010-04-01, legacy"},
		{contract.CallSpec{AccountSid: "AC123"}, "account-sid", "32 hex digits"},
	}
	for _, tt := range tests {
		_, err := contract.NewCall(tt.spec)
		var ie *contract.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%+v: error %v, want InputError", tt.spec, err)
			continue
		}
		if ie.Field != tt.field || !strings.Contains(ie.Msg, tt.msg) {
			t.Errorf("%+v: got %s: %s; want field %s containing %q", tt.spec, ie.Field, ie.Msg, tt.field, tt.msg)
		}
	}
}

func TestNonNumberCallerIDs(t *testing.T) {
	t.Parallel()
	call, err := contract.NewCall(contract.CallSpec{From: "client:alice", To: "+14155551212", APIVersion: "2010-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	p := call.Params("ringing", true)
	if p.Value("From") != "client:alice" {
		t.Errorf("From %q", p.Value("From"))
	}
	if _, ok := p.Get("FromCity"); ok {
		t.Error("geo for a client identity")
	}
}

func BenchmarkBuildAndSign(b *testing.B) {
	call, _ := contract.NewCall(contract.CallSpec{Seed: 1, APIVersion: "2010-04-01"})
	signer, _ := webhook.NewSender(testToken, "https://example.com/voice", "", 0)
	r := contract.NewRand(1)
	b.ReportAllocs()
	for b.Loop() {
		params := call.Params(call.FirstStatus(), true)
		if _, err := signer.Build("initial", webhook.Target{URL: "https://example.com/voice"}, params, r); err != nil {
			b.Fatal(err)
		}
	}
}

// testToken signs the requests of these tests.
const testToken = "test-auth-token-0123456789abcdef"
