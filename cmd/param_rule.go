package cmd

import (
	"fmt"
	"io"

	"github.com/callsim/callsim/simulate/contract"
)

// warnManaged says, once per field, that --param replaces a field callsim
// manages. The rule is the same for inbound, outbound, demo, run, load and
// example: a --param value is sent on every request in place of
// callsim's own (contract.ManagedField); the report's summary still says
// how the call really ended.
func warnManaged(w io.Writer, params contract.Params) {
	seen := map[string]bool{}
	for _, k := range contract.ManagedOverrides(params) {
		if seen[k] {
			continue
		}
		seen[k] = true
		fmt.Fprintf(w, "callsim: warning: --param %s=%s replaces the %s callsim sends, on every request\n", k, params.Value(k), k)
	}
}
