package signature

import (
	"testing"

	"github.com/callsim/callsim/simulate/contract"
)

// Published vectors from Twilio's official libraries, as collected in
// shared/reference/twilio-voice.md §6.
func TestSignatureVectors(t *testing.T) {
	t.Parallel()
	p := contract.Params{
		{Key: "CallSid", Value: "CA1234567890ABCDE"}, {Key: "Caller", Value: "+14158675309"}, {Key: "Digits", Value: "1234"},
		{Key: "From", Value: "+14158675309"}, {Key: "To", Value: "+18005551212"},
	}
	with := func(extra ...contract.Param) contract.Params { return append(p.Clone(), extra...) }
	const u1 = "https://mycompany.com/myapp.php?foo=1&bar=2"
	const hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	tests := []struct {
		name   string
		url    string
		params contract.Params
		want   string
	}{
		{"1 https", u1, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"2 https:443", "https://mycompany.com:443/myapp.php?foo=1&bar=2", p, "kvajT1Ptam85bY51eRf/AJRuM3w="},
		{"3 http:80", "http://mycompany.com:80/myapp.php?foo=1&bar=2", p, "0ZXoZLH/DfblKGATFgpif+LLRf4="},
		{"4 http:1234", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", p, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
		{"5 reason fields", u1, with(contract.Param{Key: "ReasonConferenceEnded", Value: "test"}, contract.Param{Key: "Reason", Value: "Participant"}), "vOEb5UThFn24KEfnOFLQY2AE5FY="},
		{"6 http reason fields", "http://mycompany.com/myapp.php?foo=1&bar=2", with(contract.Param{Key: "ReasonConferenceEnded", Value: "test"}, contract.Param{Key: "Reason", Value: "Participant"}), "n2xBNyzSW7rfYStDtOFiFMv7qNo="},
		{"7 repeated keys", u1, contract.Params{{Key: "Sid", Value: "CA123"}, {Key: "SidAccount", Value: "AC123"}, {Key: "Digits", Value: "5678"}, {Key: "Digits", Value: "1234"}, {Key: "Digits", Value: "1234"}}, "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
		{"8 form body", u1, contract.Params{{Key: "property", Value: "value"}, {Key: "boolean", Value: "true"}}, "NBdBDr/T/lgjI+tlgpXjKZQZs/k="},
		{"9 bodySHA256", u1 + "&bodySHA256=" + hash, nil, "a9nBmqA0ju/hNViExpshrM61xv4="},
		{"10 bodySHA256 only", "https://mycompany.com/myapp.php?bodySHA256=" + hash, nil, "y77kIzt2vzLz71DgmJGsen2scGs="},
		{"11 security docs", "https://example.com/myapp.php?foo=1&bar=2", contract.Params{
			{Key: "CallSid", Value: "CA1234567890ABCDE"}, {Key: "Caller", Value: "+14158675310"}, {Key: "Digits", Value: "1234"},
			{Key: "From", Value: "+14158675310"}, {Key: "To", Value: "+18005551212"}}, "L/OH5YylLD5NRKLltdqwSvS0BnU="},
		{"12 repeated binding", u1, contract.Params{{Key: "MessagingBinding.Address", Value: "+1325xxxxxxx"}, {Key: "MessagingBinding.Address", Value: "+1415xxxxxxx"}}, "83O6e2vORAoJHUNzJjDWN1jz+BA="},
		{"12 other order", u1, contract.Params{{Key: "MessagingBinding.Address", Value: "+1415xxxxxxx"}, {Key: "MessagingBinding.Address", Value: "+1325xxxxxxx"}}, "83O6e2vORAoJHUNzJjDWN1jz+BA="},
		{"GET extra", "https://mycompany.com/myapp.php?CallSid=CA1234567890ABCDE&From=%2B14158675309&To=%2B18005551212", nil, "MuiRFmT4cVmQWbZk/dqNnIEUBGc="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Compute("12345", tt.url, tt.params); got != tt.want {
				t.Errorf("Signature = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStringToSignSecurityDocs(t *testing.T) {
	t.Parallel()
	got := StringToSign("https://example.com/myapp.php?foo=1&bar=2", contract.Params{
		{Key: "From", Value: "+14158675310"}, {Key: "To", Value: "+18005551212"}, {Key: "CallSid", Value: "CA1234567890ABCDE"},
		{Key: "Digits", Value: "1234"}, {Key: "Caller", Value: "+14158675310"}})
	want := "https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestValidateSignaturePortVariants(t *testing.T) {
	t.Parallel()
	p := contract.Params{{Key: "CallSid", Value: "CA1234567890ABCDE"}, {Key: "Caller", Value: "+14158675309"}, {Key: "Digits", Value: "1234"}, {Key: "From", Value: "+14158675309"}, {Key: "To", Value: "+18005551212"}}
	ok := []struct{ url, sig string }{
		{"https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="},
		{"http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
		{"https://user:pass@mycompany.com/myapp.php?foo=1&bar=2#rc=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	}
	for _, c := range ok {
		if !Validate("12345", c.url, p, c.sig, nil) {
			t.Errorf("Validate(%s, %s) = false, want true", c.url, c.sig)
		}
	}
	if Validate("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", p, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", nil) {
		t.Error("changed URL validated")
	}
	if Validate("wrong", "https://mycompany.com/myapp.php?foo=1&bar=2", p, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", nil) {
		t.Error("wrong token validated")
	}
	const hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	body := []byte(`{"property": "value", "boolean": true}`)
	u := "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=" + hash
	if !Validate("12345", u, nil, "a9nBmqA0ju/hNViExpshrM61xv4=", body) {
		t.Error("JSON body vector did not validate")
	}
	if Validate("12345", u, nil, "a9nBmqA0ju/hNViExpshrM61xv4=", []byte(`{}`)) {
		t.Error("JSON body with wrong hash validated")
	}
}

func TestSigningURL(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"https://mycompany.com:8443/voice?x=1#rc=2&rp=all": "https://mycompany.com/voice?x=1",
		"http://user:pw@localhost:3000/voice":              "http://localhost:3000/voice",
		"http://[::1]:3000/voice":                          "http://[::1]:3000/voice",
		"https://[::1]:3000/voice":                         "https://[::1]/voice",
	}
	for in, want := range cases {
		got, err := SigningURL(in)
		if err != nil || got != want {
			t.Errorf("SigningURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
