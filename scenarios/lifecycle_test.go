package scenarios

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Keys asking for requests the API version never sends, and detection
// keys that cannot work together, are load errors at the key.
func TestLifecycleKeys(t *testing.T) {
	t.Parallel()
	const url = "url: http://127.0.0.1:9/voice\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"completed_request on 2010", url + "call: {api_version: 2010-04-01}\nexpect_end: {completed_request: true}\n",
			"t.yaml:3:14: expect_end.completed_request: api_version 2010-04-01 sends no end-of-call request to the voice URL (Twilio reports the end of the call to the status callback only)"},
		{"no_end on 2010", url + "no_end: true\ncall: {api_version: 2010-04-01}\n",
			"t.yaml:2:1: no_end: does nothing with api_version 2010-04-01"},
		{"async_amd without its callback", url + "call: {direction: outbound, api_version: 2010-04-01, answered_by: human, async_amd: true}\n",
			"call.async_amd: needs async_amd_callback"},
		{"callback without async_amd", url + "async_amd_callback: http://127.0.0.1:9/amd\ncall: {direction: outbound, api_version: 2010-04-01, answered_by: human}\n",
			"t.yaml:2:1: async_amd_callback: does nothing without call.async_amd: true"},
		{"answered_by inbound", url + "call: {api_version: 2010-04-01, answered_by: human}\n",
			"call.answered_by: answering machine detection applies to outbound calls"},
		{"answered_by legacy", url + "call: {direction: outbound, answered_by: fax}\n",
			"call.answered_by: the legacy API reports a machine through --dial-status"},
	} {
		_, err := (&Parser{}).Parse("t.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant %q", c.name, err, c.want)
		}
	}
	for _, ok := range []string{
		url + "call: {api_version: 2010-04-01}\nexpect_end: {completed_request: false}\n",
		url + "no_end: true\nexpect_end: {completed_request: false}\n",
	} {
		if _, err := (&Parser{}).Parse("t.yaml", []byte(ok)); err != nil {
			t.Errorf("%v\n%s", err, ok)
		}
	}
}

// A scenario's detection settings reach every call callsim load places.
func TestCallSpecKeepsDetection(t *testing.T) {
	t.Parallel()
	f, err := (&Parser{}).Parse("t.yaml", []byte("name: a\nurl: http://127.0.0.1:9/voice\nasync_amd_callback: http://127.0.0.1:9/amd\n"+
		"call: {direction: outbound, api_version: 2010-04-01, answered_by: machine_end_silence, async_amd: true}\n---\n"+
		"name: b\nurl: http://127.0.0.1:9/voice\ncall: {direction: outbound, api_version: 2010-04-01, dial_status: answered-machine}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range f.Scenarios {
		s := sc.CallSpec(7)
		got = append(got, s.DialStatus+" "+s.AnsweredBy+" "+map[bool]string{true: "async", false: "sync"}[s.AsyncAMD])
	}
	if d := cmp.Diff([]string{"answered machine_end_silence async", "answered-machine  sync"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if f.Scenarios[0].Options.AsyncAMDStatusCallback != "http://127.0.0.1:9/amd" {
		t.Errorf("options %+v", f.Scenarios[0].Options)
	}
}
