// Command callsim plays Twilio against a voice webhook on your machine.
package main

import (
	"os"

	"github.com/callsim/callsim/cmd"
)

func main() {
	os.Exit(cmd.Main())
}
