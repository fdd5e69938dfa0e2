package scenarios

import (
	"github.com/callsim/callsim/simulate/contract"
)

// CallSpec is the call the scenario describes, as a simulate.CallSpec, with
// seed in place of the scenario's own so that a caller placing it many times
// (callsim load) can give every call its own CallSid and numbers.
func (s *Scenario) CallSpec(seed uint64) contract.CallSpec {
	c := s.Call
	answeredBy := c.AnsweredBy
	if _, fromDialStatus := c.Profile.AMD[c.DialStatus]; fromDialStatus {
		answeredBy = "" // dial_status answered-machine … says it already
	}
	return contract.CallSpec{
		Direction: c.Direction, APIVersion: c.Profile.Name, DialStatus: c.DialStatus,
		AnsweredBy: answeredBy, AsyncAMD: c.AsyncAMD,
		From: c.Caller.E164, To: c.Called.E164, AccountSid: c.AccountSid,
		Params: c.Overrides, NoGeo: c.NoGeo, Seed: seed,
	}
}
