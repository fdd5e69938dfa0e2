package cmd

import (
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

func newOutboundCmd(io *IO, g *globals) *cobra.Command {
	return newCallCmd(io, g, simulate.Outbound, "outbound --url URL",
		"Simulate a call your app placed through the REST API",
		`  callsim outbound --url http://localhost:3000/voice --to +14155551212
  callsim outbound --url http://localhost:3000/voice --to +14155551212 --dial-status busy
  callsim outbound --url http://localhost:3000/voice --dial-status answered-machine --api-version 2010-04-01`)
}
