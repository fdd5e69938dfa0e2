package cmd

import (
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

func newInboundCmd(io *IO, g *globals) *cobra.Command {
	return newCallCmd(io, g, simulate.Inbound, "inbound --url URL",
		"Simulate someone phoning your Twilio number",
		`  callsim inbound --url http://localhost:3000/voice
  callsim inbound --url http://localhost:3000/voice --digits 1 --auth-token $TWILIO_AUTH_TOKEN
  callsim inbound --url http://localhost:3000/voice --api-version 2010-04-01 --method GET`)
}
