package connect

import (
	"fmt"
	"time"
)

// Twilio error and warning codes of WebSocket sessions (reference §6, §7.5).
const (
	CodeStreamTimeout       = 31901
	CodeStreamRefused       = 31902
	CodeStreamTLS           = 31910
	CodeStreamHandshake     = 31920
	CodeStreamCloseError    = 31921
	CodeStreamScheme        = 31922
	CodeStreamMalformedURL  = 31923
	CodeStreamProtocol      = 31924
	CodeStreamInvalidTrack  = 31941
	CodeStreamBinary        = 31950
	CodeStreamNotCompliant  = 31951
	CodeRelayConnect        = 64102
	CodeRelayServerClosed   = 64105
	CodeRelayInvalidMessage = 64107
)

// QueryStringWarning is reported for a <Stream url> with a query string,
// which Twilio's docs say is not supported (see facts.go).
const QueryStringWarning = CodeStreamHandshake

// Error is a session failure carrying Twilio's error code; the engine shows
// it as one line and sends its code where Twilio would (ErrorCode, StreamError).
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("twilio error %d: %s", e.Code, e.Message) }

// Level of a Problem: Twilio logs errors and warnings to its debugger.
const (
	LevelError   = "error"
	LevelWarning = "warning"
)

// Problem is a protocol mistake by the app, as Twilio's debugger would log it.
type Problem struct {
	At      time.Time `json:"at"`
	Code    int       `json:"code"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
}

func (p Problem) String() string {
	return fmt.Sprintf("%s %d: %s", p.Level, p.Code, p.Message)
}
