package contract

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
)

// Field is one parameter of a profile: its name on the wire, where its value
// comes from, and what it means (shown by `callsim fields` and docs).
type Field struct {
	Name      string
	Source    string // key into the call's attributes; see (*Call).attr
	FirstOnly bool   // sent on the first request of the call only
	Meaning   string
}

// Profile is the field set of one Twilio API version. Profiles are data so a
// new API version is a new table, not new code.
type Profile struct {
	Name        string
	Description string
	Fields      []Field
	// E164 formats numbers as +E.164; otherwise NANP numbers are 10 bare digits.
	E164 bool
	// EmptyUnknown sends geo fields whose value is unknown as empty strings
	// (what today's Twilio does) instead of leaving them out (the seed).
	EmptyUnknown bool
	// FirstStatusInbound is CallStatus on the first request of an inbound call.
	FirstStatusInbound string
	// AMD maps the seed's answering-machine DialStatus values to this
	// profile's representation (empty: sent as DialStatus itself).
	AMD map[string]string
	// Verb result field names.
	RecordingDuration string // Record action: seconds recorded
	DialResult        string // Dial action: outcome of the dialled leg
	DialDetails       bool   // Dial action also sends DialCallSid and DialCallDuration
	StatusCallbacks   bool   // status callbacks carry CallbackSource, SequenceNumber, Timestamp …
	// OutboundDirection is the Direction value of an outbound call.
	OutboundDirection string
	// EndRequest: the end of the call is a request to the first URL with
	// CallStatus=completed (the seed); otherwise only the status callback
	// hears of it.
	EndRequest bool
	// FetchUnanswered: an outbound call that is not answered still
	// requests the voice URL, its DialStatus saying why (the seed). Today
	// the Url is fetched only when the call connects.
	FetchUnanswered bool
	// NumberCallbackEndOnly: a phone number's status callback (inbound
	// calls) has no event selection and hears only the end of the call.
	NumberCallbackEndOnly bool
}

func geoFields(prefix, party, who string) []Field {
	return []Field{
		{Name: prefix + "City", Source: party + ".city", Meaning: "City of the " + who + ", if known."},
		{Name: prefix + "State", Source: party + ".state", Meaning: "State or province of the " + who + ", if known."},
		{Name: prefix + "Zip", Source: party + ".zip", Meaning: "Postal code of the " + who + ", if known."},
		{Name: prefix + "Country", Source: party + ".country", Meaning: "Country of the " + who + " (ISO 3166-1 alpha-2), if known."},
	}
}

func concat(parts ...[]Field) []Field {
	var out []Field
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// legacy is the seed's API: CallGuid/AccountGuid, 10-digit NANP numbers.
var legacy = &Profile{
	Name:        "legacy",
	Description: "Twilio's first API, as in the original spec: CallGuid, AccountGuid, 10-digit numbers, DialStatus on the first request",
	Fields: concat([]Field{
		{Name: "CallGuid", Source: "sid", Meaning: "Unique identifier of this call: CA followed by 32 hex digits (34 characters)."},
		{Name: "Caller", Source: "caller", Meaning: "Number of the party that started the call: the caller's caller ID when inbound, the caller ID you set when outbound."},
		{Name: "Called", Source: "called", Meaning: "Number of the party that was called: your application's number when inbound, the number you dialled when outbound."},
		{Name: "AccountGuid", Source: "account", Meaning: "Your account: AC followed by 32 hex digits (34 characters)."},
		{Name: "CallStatus", Source: "status", Meaning: "in-progress, completed, busy, failed or no-answer."},
		{Name: "DialStatus", Source: "dial_status", FirstOnly: true, Meaning: "Result of the call attempt, first request only: answered (always, inbound), busy, failed, no-answer; with answering-machine detection answered-machine, answered-human, hangup-machine."},
	}, geoFields("Caller", "caller", "caller"), geoFields("Called", "called", "called party")),
	FirstStatusInbound: "in-progress",
	RecordingDuration:  "Duration",
	DialResult:         "DialStatus",
	OutboundDirection:  "outbound",
	EndRequest:         true,
	FetchUnanswered:    true,
}

// v20100401 is today's Twilio voice webhook (API version 2010-04-01).
var v20100401 = &Profile{
	Name:        "2010-04-01",
	Description: "Today's Twilio: CallSid, AccountSid, From/To, E.164 numbers, Direction, From*/To* and Caller*/Called* geo",
	Fields: concat([]Field{
		{Name: "CallSid", Source: "sid", Meaning: "Unique identifier of this call leg: CA followed by 32 hex digits."},
		{Name: "AccountSid", Source: "account", Meaning: "Your account: AC followed by 32 hex digits."},
		{Name: "From", Source: "caller", Meaning: "The caller: E.164 number, client:identity or SIP URI."},
		{Name: "To", Source: "called", Meaning: "The called party: E.164 number, client:identity or SIP URI."},
		{Name: "CallStatus", Source: "status", Meaning: "queued, ringing, in-progress, completed, busy, failed, no-answer or canceled."},
		{Name: "ApiVersion", Source: "api_version", Meaning: "API version used for this call."},
		{Name: "Direction", Source: "direction", Meaning: "inbound, or outbound-api for calls made through the REST API."},
		{Name: "AnsweredBy", Source: "answered_by", FirstOnly: true, Meaning: "With answering-machine detection (outbound): human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax or unknown; also on the status callbacks. With AsyncAmd it goes to the asyncAmdStatusCallback instead."},
		{Name: "MachineDetectionDuration", Source: "amd_duration", FirstOnly: true, Meaning: "With answering-machine detection: milliseconds the detection took."},
		{Name: "Caller", Source: "caller", Meaning: "Same as From (kept for older applications)."},
		{Name: "Called", Source: "called", Meaning: "Same as To (kept for older applications)."},
	}, geoFields("From", "caller", "caller"), geoFields("To", "called", "called party"),
		geoFields("Caller", "caller", "caller"), geoFields("Called", "called", "called party"),
		[]Field{
			{Name: "CallToken", Source: "call_token", Meaning: "Inbound calls: token to pass as CallToken when forwarding the call through the REST API, so the caller's STIR/SHAKEN identity goes along (JSON with parentCallInfoToken)."},
			{Name: "StirVerstat", Source: "stir_verstat", Meaning: "Inbound calls from US numbers: the SHAKEN/STIR verification of the caller ID, e.g. TN-Validation-Passed-A (may be absent)."},
		}),
	E164:               true,
	EmptyUnknown:       true,
	FirstStatusInbound: "ringing",
	AMD: map[string]string{
		"answered-human":   "human",
		"answered-machine": "machine_start",
		"hangup-machine":   "machine_end_other",
	},
	RecordingDuration: "RecordingDuration",
	DialResult:        "DialCallStatus",
	DialDetails:       true,
	StatusCallbacks:   true,
	OutboundDirection: "outbound-api",
	// Twilio's docs: the Url is fetched when the call connects; the end
	// of the call goes to the StatusCallback only.
	NumberCallbackEndOnly: true,
}

// profiles lists every API version callsim speaks, by name.
var profiles = map[string]*Profile{legacy.Name: legacy, v20100401.Name: v20100401}

// Legacy is the seed's API: CallGuid/AccountGuid, 10-digit NANP numbers.
// Profiles are shared and read-only: callers must not modify them.
func Legacy() *Profile { return legacy }

// V20100401 is Twilio's 2010-04-01 API (shared and read-only, like Legacy).
func V20100401() *Profile { return v20100401 }

// ProfileNames lists the profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupProfile finds a profile by name ("" means legacy).
func LookupProfile(name string) (*Profile, error) {
	if name == "" {
		return Legacy(), nil
	}
	if p, ok := profiles[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown API version %q (allowed: %s)", name, strings.Join(ProfileNames(), ", "))
}

// Field returns the field definition with that wire name.
func (p *Profile) Field(name string) (Field, bool) {
	for _, f := range p.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// inboundIdentity is the CallToken or StirVerstat of an inbound call, as
// observed on today's Twilio: a forwarding token on every inbound call, and
// a SHAKEN/STIR verdict for callers with a North American (+1) number,
// where verification applies. Both are derived from the CallSid, so they
// are stable for a seed.
func (c *Call) inboundIdentity(source string) (string, bool) {
	if c.Direction != Inbound {
		return "", false
	}
	if source == "stir_verstat" {
		return "TN-Validation-Passed-A", strings.HasPrefix(c.Caller.E164, "+1")
	}
	if c.token != "" {
		return c.token, true
	}
	return c.callToken(), true // a Call not made by NewCall
}

// callTokenJWTHeader is base64url(`{"alg":"ES256","typ":"JWT"}`), the same
// for every call.
const callTokenJWTHeader = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9"

// callToken builds the CallToken in one buffer: `callsim load` sends it on
// every inbound 2010-04-01 request, where it was the largest per-call cost.
func (c *Call) callToken() string {
	const (
		prefix  = `{"parentCallInfoToken":"`
		suffix  = `","identityHeaderTokens":[]}`
		claims1 = `{"callSid":"`
		claims2 = `","accountSid":"`
		claims3 = `"}`
	)
	enc := base64.RawURLEncoding
	var claims [128]byte
	payload := append(append(append(append(append(claims[:0], claims1...), c.CallSid...), claims2...), c.AccountSid...), claims3...)
	sum := sha256.Sum256([]byte(c.CallSid))
	buf := make([]byte, 0, len(prefix)+len(callTokenJWTHeader)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(len(sum))+len(suffix))
	buf = append(buf, prefix...)
	buf = append(buf, callTokenJWTHeader...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sum[:])
	buf = append(buf, suffix...)
	return string(buf)
}
