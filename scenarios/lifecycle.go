package scenarios

import (
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// lifecycle rejects keys that ask for requests the call's API version
// never makes, and detection keys that cannot work together, at the key.
func (p *parser) lifecycle(m *mapping, spec contract.CallSpec, opt simulate.Options, end *Expect) {
	prof, err := contract.LookupProfile(spec.APIVersion)
	if err != nil {
		return // reported with the call
	}
	if !prof.EndRequest {
		if k := m.keys["no_end"]; k != nil && opt.NoEnd {
			p.errorf(k, "no_end", "does nothing with api_version %s: Twilio sends no end-of-call request to the voice URL in that API", prof.Name)
		}
		if end != nil {
			for _, c := range end.checks {
				if cr, ok := c.(*completedRequestCheck); ok && cr.want {
					p.errorAt(c.pos(), "expect_end.completed_request", "api_version %s sends no end-of-call request to the voice URL "+
						"(Twilio reports the end of the call to the status callback only): check status_callbacks: [..., completed] instead", prof.Name)
				}
			}
		}
	}
	switch {
	case spec.AsyncAMD && opt.AsyncAMDStatusCallback == "":
		at := m.node
		if n := p.at["call.async_amd"]; n != nil {
			at = n
		}
		p.errorf(at, "call.async_amd", "needs async_amd_callback: Twilio sends the detection result there, not to the voice URL")
	case !spec.AsyncAMD && opt.AsyncAMDStatusCallback != "":
		p.errorf(m.keys["async_amd_callback"], "async_amd_callback", "does nothing without call.async_amd: true")
	}
}
