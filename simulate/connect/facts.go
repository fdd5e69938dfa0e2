package connect

import (
	"time"

	"github.com/coder/websocket"
)

// Facts about Twilio's WebSocket behaviour that the reference
// (shared/reference/twilio-websockets.md) marks unconfirmed. Every choice
// callsim makes for them is here, so that a confirmed fact changes one line.
const (
	// WordsPerSecond is how fast simulated text-to-speech speaks an agent's
	// utterance: 2.5 words a second (150 words a minute) is the usual rate
	// of telephone TTS voices. It decides how long an utterance "plays" and
	// so what a caller who barges in has heard.
	WordsPerSecond = 2.5

	// CallTypeDefault and CallStatusDefault fill setup.callType and
	// setup.callStatus when the call gives none. Twilio's doc example shows
	// "PSTN" and an upper-case status; a call running TwiML is in progress,
	// so callsim sends its CallStatus upper-cased ("IN-PROGRESS").
	CallTypeDefault   = "PSTN"
	CallStatusDefault = "in-progress"

	// RelayLanguageDefault is the language of prompts when the TwiML sets none.
	RelayLanguageDefault = "en-US"

	// InterruptibleDefault applies to both interruptible and
	// welcomeGreetingInterruptible when the TwiML leaves them out.
	InterruptibleDefault = "any"

	// SessionStatusEnded, SessionStatusCompleted and SessionStatusFailed are
	// the <Connect action> SessionStatus values: ended when the app sent
	// `end`, completed when the caller hung up, failed when the socket
	// failed or was closed by the app without `end` (with ErrorCode 64105).
	SessionStatusEnded     = "ended"
	SessionStatusCompleted = "completed"
	SessionStatusFailed    = "failed"

	// CloseNormal is the close code Twilio uses when it ends a session (the
	// caller hung up, `end` was received, a stream was stopped).
	CloseNormal websocket.StatusCode = 1000

	// MaxConsecutiveMalformed is documented (10 then close 1007); kept here
	// with the other protocol constants.
	MaxConsecutiveMalformed                      = 10
	CloseMalformed          websocket.StatusCode = 1007
	CloseMalformedReason                         = "Too many consecutive malformed messages"

	// FrameDuration and FrameBytes: Twilio's cadence is observed, not
	// documented: 20 ms of 8 kHz µ-law, 160 bytes, per media message.
	FrameDuration = 20 * time.Millisecond
	FrameBytes    = 160

	// FirstMediaTimestamp is the media.timestamp of the first inbound frame,
	// in ms since the stream started: the frame's start (0) is unconfirmed;
	// callsim stamps each frame with the time its audio begins.
	FirstMediaTimestamp = 0

	// StreamStatusTimeFormat is the format of Timestamp in stream status
	// callbacks: RFC 2822 like Twilio's other voice callbacks (unconfirmed).
	StreamStatusTimeFormat = time.RFC1123Z

	// SignMediaStreams: Twilio's docs say a Media Streams handshake is signed,
	// its TAC library says it is not. callsim signs by default (an app that
	// does not check ignores the header); Dialer.NoStreamSignature turns it off.
	SignMediaStreams = true
)

// Choices that are behaviour rather than values; each is applied in one
// place, named here.
//
//   - Signed URL (handshakeStringToSign): the URL as the TwiML wrote it,
//     host[:port] exactly as written, without the query string, followed by
//     each query parameter sorted by name as name+value (Twilio's TAC
//     validators). A ws:// URL (local testing; Twilio allows only wss) is
//     signed as written unless Dialer.SignAsWSS is set, for apps that
//     rebuild the URL as "wss://" + Host.
//   - Query strings on a <Stream> url: Twilio's doc says they are not
//     supported; callsim connects with the query (an app sees it) and
//     reports warning QueryStringWarning so the developer learns of it.
//   - StreamName when the <Stream> has no name: the stream SID.
//   - media.chunk counts per track, starting at "1"; media.timestamp is the
//     start of the frame's 20 ms slot on the stream's timeline, shared by
//     the tracks. With both_tracks every slot carries a frame on each track,
//     silence on the one not speaking (the caller and Twilio take turns).
//   - A `text` token after `last:true` before the caller speaks again: callsim
//     keeps it as a new agent utterance (an agent may speak twice) and
//     records warning 64107 without sending `error` (it is not malformed).
//   - An agent turn is complete at `text` with last:true, at `end`, or when
//     the socket closes; `play`, `sendDigits` and `language` are recorded in
//     the turn but do not complete it (a reply may be a play then text).
//   - A caller who speaks or presses a key while the agent's last utterance
//     is still "playing" (simulated) interrupts it when interruptible allows
//     that input; otherwise the input waits until the utterance has played.
//   - SessionDuration is the session's simulated length in whole seconds
//     (wall-clock time plus the speaking time that was simulated rather
//     than waited), rounded up.
//   - A message from the app on a unidirectional stream: error 31924 is
//     recorded once, the message is dropped and the stream goes on.
//   - On a <Connect><Stream> closed by the app callsim sends no `stop`.
//   - The stream's <Connect action> request adds no parameters.
//   - preemptible (TwiML or per message) is recorded on each utterance and
//     play; its effect, a later talk cycle cutting the current speech, is
//     not simulated in the speaking time.
//   - `info` messages (events/debug attributes) are not sent.
//
// Choices of the engine (simulate/connect.go), which plays the call around
// the sessions:
//   - A relative WebSocket url (<ConversationRelay url="/relay">,
//     <Stream url="/media">) is resolved against the TwiML document's URL,
//     http:// becoming ws:// and https:// wss://.
//   - A caller who hangs up during a ConversationRelay session still gets
//     the <Connect action> request (CallStatus=completed, SessionStatus
//     completed), as TAC handlers expect; its TwiML does not run.
//   - A <Connect><Stream> ends, and requests its action, when the app
//     closes the socket; a caller whose audio has been sent waits
//     SessionOptions.Hold for that, then hangs up (no action request). A
//     stream that cannot connect ends the <Connect> as if the app closed it.
//   - A <Stop><Stream> without a name stops every forked stream; forks
//     still running when the call ends are stopped with it.

// HandshakeUserAgent is sent on the WebSocket upgrade: Twilio's HTTP
// webhooks carry it (observed); for WebSockets it is unconfirmed, and no app
// should depend on it.
const HandshakeUserAgent = "TwilioProxy/1.1"
