package contract

import (
	"sort"
	"sync"
)

// managedFields are the fields callsim fills in itself, in any profile:
// the call's own fields and what a verb or callback adds.
var managedFields = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	add := func(p Params) {
		for _, kv := range p {
			m[kv.Key] = true
		}
	}
	for _, p := range profiles {
		for _, f := range p.Fields {
			m[f.Name] = true
		}
		add(GatherDigitsFields(p, "1", "#"))
		add(GatherSpeechFields("yes", 0.9))
		add(RecordFields(p, "AC0", "RE0", 1, "#"))
		add(DialFields(p, "completed", "CA0", 1))
		add(FallbackFields(ErrHTTPRetrieval, "http://x/"))
		add(StatusCallbackFields(p, "completed", "completed", 1, true, 0, "now"))
		add(Params{{Key: "CallDuration"}})
	}
	return m
})

// ManagedField reports whether callsim sets the field itself. The rule for
// --param (and a scenario's call.params) is the same in every command: the
// given value replaces callsim's on every request of the call, managed
// field or not; callsim warns when it replaces a managed one, since the
// app then sees something Twilio would not send.
func ManagedField(name string) bool { return managedFields()[name] }

// ManagedOverrides are the keys of params that replace managed fields,
// sorted.
func ManagedOverrides(params Params) []string {
	var out []string
	for _, kv := range params {
		if ManagedField(kv.Key) {
			out = append(out, kv.Key)
		}
	}
	sort.Strings(out)
	return out
}
