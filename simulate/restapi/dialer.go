package restapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Dialer is the call engine behind the API. The Server calls Start on a
// goroutine of its own right after answering the create request; Start runs
// the call to its end, reporting each step through call.Report and watching
// call.Changes for the redirects and hang-ups the API receives meanwhile.
// ctx is canceled when the Server closes. A call whose Start returns before
// reporting an end status is recorded as failed, so a crashed or abandoned
// run never stays "in progress" in the API.
type Dialer interface {
	Start(ctx context.Context, req CallRequest, call *Live)
}

// DialerFunc lets a function serve as a Dialer.
type DialerFunc func(ctx context.Context, req CallRequest, call *Live)

// Start implements Dialer.
func (f DialerFunc) Start(ctx context.Context, req CallRequest, call *Live) { f(ctx, req, call) }

// CallRequest is one accepted create request: every parameter Twilio's
// create accepts, validated, with Twilio's defaults filled in, and the
// outcome the configured rules chose for the destination.
type CallRequest struct {
	Sid        string
	AccountSid string
	Created    time.Time // date_created; a simulated clock starts here

	To, From string // E.164 for phone numbers, else as sent (client:, sip:, SIM SID)

	// Instructions: Url (Method) or, when Url is empty, Twiml. With an
	// ApplicationSid, Url, Method, Fallback* and StatusCallback* come from
	// the configured Application, as Twilio applies the app's settings.
	Url, Method                 string
	Twiml                       string
	ApplicationSid              string
	FallbackUrl, FallbackMethod string

	StatusCallback       string
	StatusCallbackMethod string
	StatusCallbackEvent  []string // subset of initiated, ringing, answered, completed; default completed

	SendDigits string
	Timeout    int // seconds of ringing before no-answer: default 60, at most 600
	TimeLimit  int // seconds the call may last: Config.TimeLimit unless sent

	Record                        bool
	RecordingChannels             string // mono (default) or dual
	RecordingStatusCallback       string
	RecordingStatusCallbackMethod string   // default POST
	RecordingStatusCallbackEvent  []string // subset of in-progress, completed, absent; default completed
	RecordingTrack                string   // inbound, outbound, both (default)
	Trim                          string   // trim-silence (default) or do-not-trim

	MachineDetection                   string // "", Enable or DetectMessageEnd; "" when SendDigits is set, as Twilio ignores it then
	MachineDetectionTimeout            int    // seconds, default 30
	MachineDetectionSpeechThreshold    int    // ms, default 2400
	MachineDetectionSpeechEndThreshold int    // ms, default 1200
	MachineDetectionSilenceTimeout     int    // ms, default 5000
	AsyncAmd                           bool
	AsyncAmdStatusCallback             string
	AsyncAmdStatusCallbackMethod       string // default POST

	CallerId              string
	SipAuthUsername       string
	SipAuthPassword       string
	Byoc                  string
	CallReason            string
	CallToken             string
	ClientNotificationUrl string

	// Outcome is what happens at the destination, from Config.Rules.
	Outcome Outcome

	// Params is the form as received, for parameters this type does not model.
	Params url.Values
}

// Progress is one step of a call as the engine saw it. At is when it
// happened on the engine's clock (the wall clock, or a simulated one that
// starts at CallRequest.Created); zero means the Server's Now.
type Progress struct {
	Status     Status
	At         time.Time
	AnsweredBy string // set with in-progress (synchronous detection) or in a later in-progress report (AsyncAmd)
}

// ChangeKind says what an update asks of a live call.
type ChangeKind int

const (
	// Settings changes only the settings in Change.Settings.
	Settings ChangeKind = iota + 1
	// Redirect drops the current TwiML and continues with Url/Method or Twiml.
	Redirect
	// Hangup ends the call (Status=completed): completed when answered, canceled before.
	Hangup
	// Cancel ends a queued or ringing call (Status=canceled).
	Cancel
)

func (k ChangeKind) String() string {
	switch k {
	case Settings:
		return "settings"
	case Redirect:
		return "redirect"
	case Hangup:
		return "hangup"
	case Cancel:
		return "cancel"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change is an update of a live call received through the API.
type Change struct {
	Kind        ChangeKind
	Url, Method string // Redirect: Url with Method (default POST), or
	Twiml       string // Redirect: inline TwiML
	Settings    CallSettings
}

// CallSettings are the settings an update may change; nil leaves one as it was.
type CallSettings struct {
	FallbackUrl, FallbackMethod          *string
	StatusCallback, StatusCallbackMethod *string
	TimeLimit                            *int
}

// ErrEnded is returned by Live.Report once the call has ended.
var ErrEnded = errors.New("call has ended")

// Live is the engine's handle on one running call.
type Live struct {
	s       *Server
	rec     *record
	changes chan Change
	done    chan struct{}
}

// Sid is the call's SID, as the API returned it.
func (l *Live) Sid() string { return l.rec.sid }

// Changes delivers the updates the API accepts for this call, in order.
// The API request that made a change waits until the engine receives it.
func (l *Live) Changes() <-chan Change { return l.changes }

// Report applies one step of the call to the stored resource. Steps must
// go forward: queued → initiated → ringing → in-progress → completed, or
// from before the answer to busy, no-answer, failed or canceled; a step may
// be skipped. Repeating in-progress only updates AnsweredBy. Report returns
// ErrEnded after an end status and an error naming the transition for any
// other step backwards.
func (l *Live) Report(p Progress) error { return l.s.report(l.rec, p) }
