package contract_test

import (
	"net/url"
	"testing"

	"github.com/callsim/callsim/simulate/contract"
)

// Parsers of user input must never panic, whatever they are given.

func FuzzParseOverrides(f *testing.F) {
	for _, s := range []string{"", "ct=1000&rt=2000", "rc=5&rp=ct,rt", "tt=99", "rp=nope", "%zz", "e=ashburn&sni=n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := contract.ParseOverrides(s)
		if err == nil && (o.RetryCount < 0 || o.RetryCount > 5) {
			t.Errorf("accepted retry count %d", o.RetryCount)
		}
	})
}

func FuzzParseParty(f *testing.F) {
	for _, s := range []string{"+14158675309", "(415) 867-5309", "client:alice", "sip:a@b", "anonymous", "+442071234567", "", "+", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := contract.ParseParty(s)
		if err == nil && p.E164 == "" {
			t.Errorf("accepted %q with no number", s)
		}
	})
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "CallSid=CA1&Digits=%231", "=&&=", "x=%zz", "a+b=c+d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := contract.ParseParams(s)
		if err != nil {
			return
		}
		again, err := contract.ParseParams(p.Encode())
		if err != nil || len(again) != len(p) {
			t.Errorf("%q: round trip %v → %q → %v (%v)", s, p, p.Encode(), again, err)
		}
	})
}

// FuzzEncode checks the allocation-free escaper against url.QueryEscape.
func FuzzEncode(f *testing.F) {
	f.Add("From", "+1 415-555-0100")
	f.Add("Caller Name", "Zoë & Co; 100% \x00\xff~_.")
	f.Fuzz(func(t *testing.T, k, v string) {
		got := contract.Params{{Key: k, Value: v}, {Key: "a", Value: v}}.Encode()
		want := url.QueryEscape(k) + "=" + url.QueryEscape(v) + "&a=" + url.QueryEscape(v)
		if got != want {
			t.Errorf("Encode(%q=%q) = %q, want %q", k, v, got, want)
		}
	})
}
