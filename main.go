// Command callsim plays Twilio against a voice webhook on your machine.
package main

import (
	"io"
	"log"
	"os"

	"github.com/callsim/callsim/cmd"
)

func main() {
	// net/http writes what it cannot act on to the standard logger (an
	// answer on an idle connection, a TLS handshake a client dropped).
	// callsim reports those cases itself, with Twilio's codes, so the
	// stray lines would only break its one-line errors.
	log.SetOutput(io.Discard)
	os.Exit(cmd.Main())
}
