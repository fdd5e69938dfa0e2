package contract

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/callsim/callsim/fixtures"
)

// Direction says who placed the call.
type Direction string

const (
	Inbound  Direction = "inbound"  // someone phones the developer's Twilio number
	Outbound Direction = "outbound" // the developer's app placed the call through the REST API
)

// dialStatuses are the seed's first-request results of a call attempt.
var dialStatuses = []string{"answered", "busy", "failed", "no-answer", "canceled", "answered-machine", "answered-human", "hangup-machine"}

// answeredByValues are the AnsweredBy values Twilio's answering machine
// detection produces (2010-04-01).
var answeredByValues = []string{"human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"}

// AnsweredByValues lists what answering machine detection can report.
func AnsweredByValues() []string { return slices.Clone(answeredByValues) }

// DialStatuses are the seed's first-request results of a call attempt.
func DialStatuses() []string { return slices.Clone(dialStatuses) }

// CallSpec describes the call to simulate; empty fields get realistic defaults.
type CallSpec struct {
	Direction  Direction
	APIVersion string // profile name, "" = legacy
	From, To   string // raw numbers; empty = picked from the fixtures by Seed
	DialStatus string // outbound result of the attempt; inbound is always answered
	// AnsweredBy is what answering machine detection reports on an
	// answered outbound call (2010-04-01); AsyncAMD runs the detection
	// while the call goes on (AsyncAmd=true), reporting it to a callback.
	AnsweredBy string
	AsyncAMD   bool
	AccountSid string // empty = generated from Seed
	CallSid    string // empty = generated from Seed; the REST API gives its own
	Params     Params // added to or overriding every request of the call
	NoGeo      bool
	Seed       uint64
}

// Call is one simulated call: its identifiers, parties and profile. It is
// immutable once made, so one Call may be read from many goroutines.
type Call struct {
	Profile    *Profile
	Direction  Direction
	CallSid    string
	AccountSid string
	Caller     Party // who started the call (From)
	Called     Party // who was called (To)
	DialStatus string
	AnsweredBy string // AMD result ("" without detection)
	AsyncAMD   bool
	Overrides  Params
	NoGeo      bool
	Seed       uint64

	// token is the CallToken, made once by NewCall: every request of an
	// inbound call carries it.
	token string
}

// Seed streams: each generated value has its own, so values stay stable when
// code elsewhere draws more.
const (
	streamNumbers = iota + 1
	streamCallSid
	streamAccount
	streamRun
)

// NewCall validates a spec and fills in the defaults.
func NewCall(spec CallSpec) (*Call, error) {
	prof, err := LookupProfile(spec.APIVersion)
	if err != nil {
		return nil, &InputError{Field: "api-version", Value: spec.APIVersion, Msg: err.Error()}
	}
	c := &Call{Profile: prof, Direction: spec.Direction, NoGeo: spec.NoGeo, Seed: spec.Seed, Overrides: spec.Params}
	switch spec.Direction {
	case Inbound, Outbound:
	case "":
		c.Direction = Inbound
	default:
		return nil, NewInputError("direction", string(spec.Direction), "unknown direction %q (allowed: inbound, outbound)", spec.Direction)
	}

	c.DialStatus = "answered"
	if spec.DialStatus != "" {
		if !slices.Contains(dialStatuses, spec.DialStatus) {
			return nil, NewInputError("dial-status", spec.DialStatus, "unknown dial status %q (allowed: %s)", spec.DialStatus, strings.Join(dialStatuses, ", "))
		}
		if c.Direction == Inbound && spec.DialStatus != "answered" {
			return nil, NewInputError("dial-status", spec.DialStatus, "inbound calls are always answered; --dial-status applies to outbound calls")
		}
		c.DialStatus = spec.DialStatus
	}
	if err := c.amd(spec); err != nil {
		return nil, err
	}

	from, to := defaultPair(spec.Seed)
	if spec.From != "" {
		if from, err = ParseParty(spec.From); err != nil {
			return nil, NewInputError("from", spec.From, "%v", err)
		}
	}
	if spec.To != "" {
		if to, err = ParseParty(spec.To); err != nil {
			return nil, NewInputError("to", spec.To, "%v", err)
		}
	}
	c.Caller, c.Called = from, to

	c.CallSid = streamSID("CA", spec.Seed, streamCallSid)
	if spec.CallSid != "" {
		if !ValidSID("CA", spec.CallSid) {
			return nil, NewInputError("call-sid", spec.CallSid, "must be CA followed by 32 hex digits (34 characters)")
		}
		c.CallSid = spec.CallSid
	}
	c.AccountSid = spec.AccountSid
	if c.AccountSid == "" {
		c.AccountSid = streamSID("AC", spec.Seed, streamAccount)
	} else if !ValidSID("AC", c.AccountSid) {
		return nil, NewInputError("account-sid", c.AccountSid, "must be AC followed by 32 hex digits (34 characters)")
	}
	for _, kv := range spec.Params {
		if kv.Key == "" {
			return nil, NewInputError("param", kv.Key+"="+kv.Value, "empty field name")
		}
	}
	if _, sends := c.Profile.Field("CallToken"); sends && c.Direction == Inbound {
		c.token = c.callToken()
	}
	return c, nil
}

// defaultParties are the fixture numbers as parties. They are built from
// the fixture data, not parsed again: loading libphonenumber's metadata
// would cost `callsim example` milliseconds, and the fixtures tests check
// every number with it (TestFixturePartiesMatchParseParty keeps the two equal).
var defaultParties = sync.OnceValue(func() []Party {
	nums := fixtures.Numbers()
	out := make([]Party, len(nums))
	for i, n := range nums {
		out[i] = Party{Input: n.E164, E164: n.E164, Geo: n.Geo}
		if len(n.E164) == 12 && strings.HasPrefix(n.E164, "+1") {
			out[i].nanp = n.E164[2:]
		}
	}
	return out
})

// defaultPair picks two different fixture numbers for the seed.
func defaultPair(seed uint64) (Party, Party) {
	parties := defaultParties()
	n := len(parties)
	if n < 2 {
		p, _ := ParseParty("+14158675309")
		q, _ := ParseParty("+14155551212")
		return p, q
	}
	r := NewRandStream(seed, streamNumbers)
	i := r.IntN(n)
	j := r.IntN(n - 1)
	if j >= i {
		j++
	}
	return parties[i], parties[j]
}

// amd checks the answering machine detection of the spec and sets it on c.
// The first API told of a machine through DialStatus (answered-machine …),
// today's through AnsweredBy; each keeps its own way.
func (c *Call) amd(spec CallSpec) error {
	if c.DialStatus == "canceled" && c.Profile.FetchUnanswered {
		return NewInputError("dial-status", spec.DialStatus, "canceled is a 2010-04-01 status; the %s API knew busy, failed and no-answer", c.Profile.Name)
	}
	if spec.AnsweredBy != "" {
		switch {
		case !slices.Contains(answeredByValues, spec.AnsweredBy):
			return NewInputError("answered-by", spec.AnsweredBy, "unknown AnsweredBy %q (allowed: %s)", spec.AnsweredBy, strings.Join(answeredByValues, ", "))
		case c.Direction != Outbound:
			return NewInputError("answered-by", spec.AnsweredBy, "answering machine detection applies to outbound calls (the REST API's MachineDetection)")
		case c.Profile.AMD == nil:
			return NewInputError("answered-by", spec.AnsweredBy, "the %s API reports a machine through --dial-status answered-machine, answered-human or hangup-machine", c.Profile.Name)
		case c.DialStatus != "answered":
			return NewInputError("answered-by", spec.AnsweredBy, "give either --answered-by or --dial-status %s: both say who answered", c.DialStatus)
		}
		c.AnsweredBy = spec.AnsweredBy
	} else if v, ok := c.Profile.AMD[c.DialStatus]; ok {
		c.AnsweredBy = v
	}
	if spec.AsyncAMD {
		if c.AnsweredBy == "" {
			return NewInputError("async-amd", "true", "asynchronous detection needs a detection result: give --answered-by (2010-04-01, outbound)")
		}
		c.AsyncAMD = true
	}
	return nil
}

// MachineDetectionMillis is how long detection took to reach the call's
// AnsweredBy: a person says hello within seconds, DetectMessageEnd waits
// for the greeting to end, unknown is MachineDetectionTimeout (30 s).
func (c *Call) MachineDetectionMillis() int {
	switch c.AnsweredBy {
	case "":
		return 0
	case "human":
		return 2400
	case "machine_start", "fax":
		return 3100
	case "unknown":
		return 30000
	}
	return 11800 // machine_end_*: the greeting played to its end
}

// Answered reports whether the call was picked up (so TwiML runs).
func (c *Call) Answered() bool {
	switch c.DialStatus {
	case "busy", "failed", "no-answer", "canceled":
		return false
	}
	return true
}

// FirstStatus is CallStatus on the first request of the call.
func (c *Call) FirstStatus() string {
	if !c.Answered() {
		return c.DialStatus
	}
	if c.Direction == Inbound {
		return c.Profile.FirstStatusInbound
	}
	return "in-progress"
}

// DirectionValue is the Direction field as the profile sends it.
func (c *Call) DirectionValue() string {
	if c.Direction == Outbound {
		return c.Profile.OutboundDirection
	}
	return "inbound"
}

// attr resolves a profile field source; ok is false where the value is unknown.
func (c *Call) attr(source, status string, first bool) (string, bool) {
	party := func(p Party, field string) (string, bool) {
		if c.NoGeo {
			return "", false
		}
		var v string
		switch field {
		case "city":
			v = p.Geo.City
		case "state":
			v = p.Geo.State
		case "zip":
			v = p.Geo.Zip
		case "country":
			v = p.Geo.Country
		}
		return v, v != "" || (c.Profile.EmptyUnknown && p.Geo.Country != "")
	}
	switch source {
	case "sid":
		return c.CallSid, true
	case "account":
		return c.AccountSid, true
	case "caller":
		return c.Caller.Format(c.Profile), true
	case "called":
		return c.Called.Format(c.Profile), true
	case "status":
		return status, true
	case "api_version":
		return c.Profile.Name, true
	case "direction":
		return c.DirectionValue(), true
	case "dial_status":
		return c.DialStatus, true
	case "call_token", "stir_verstat":
		return c.inboundIdentity(source)
	case "answered_by":
		// asynchronous detection reports to its own callback instead
		return c.AnsweredBy, c.AnsweredBy != "" && !c.AsyncAMD
	case "amd_duration":
		return strconv.Itoa(c.MachineDetectionMillis()), c.AnsweredBy != "" && !c.AsyncAMD
	}
	if p, f, ok := strings.Cut(source, "."); ok {
		switch p {
		case "caller":
			return party(c.Caller, f)
		case "called":
			return party(c.Called, f)
		}
	}
	return "", false
}

// Params builds the standard fields of one request with the given CallStatus.
// first marks the call's first request (DialStatus / AnsweredBy).
func (c *Call) Params(status string, first bool) Params {
	p := make(Params, 0, len(c.Profile.Fields)+len(c.Overrides)+4)
	for _, f := range c.Profile.Fields {
		if f.FirstOnly && !first {
			continue
		}
		if v, ok := c.attr(f.Source, status, first); ok {
			p = append(p, Param{f.Name, v})
		}
	}
	for _, kv := range c.Overrides {
		p = p.Set(kv.Key, kv.Value)
	}
	return p
}

// RunRand returns the reproducible stream for values made during the call
// (recording SIDs, idempotency tokens).
func (c *Call) RunRand() *rand.Rand { return NewRandStream(c.Seed, streamRun) }
