package contract

import (
	"strings"

	"github.com/callsim/callsim/fixtures"
	"github.com/callsim/callsim/internal/phonenumbers"
)

// Party is one end of the call: the number as Twilio would show it and the
// geographic data Twilio would look up for it.
type Party struct {
	Input string       `json:"input,omitempty"`
	E164  string       `json:"e164"`
	Geo   fixtures.Geo `json:"geo"`
	nanp  string       // 10 national digits for NANP numbers
}

// Format renders the number the way the profile sends it.
func (p Party) Format(prof *Profile) string {
	if !prof.E164 && p.nanp != "" {
		return p.nanp
	}
	return p.E164
}

// ParseParty validates a phone number (any common notation, default region
// US) or accepts a non-number caller ID Twilio also sends: client:name,
// sip:uri, anonymous.
func ParseParty(s string) (Party, error) {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "client:") && len(s) > len("client:"),
		strings.HasPrefix(lower, "sip:") && len(s) > len("sip:"):
		return Party{Input: s, E164: s}, nil
	case lower == "anonymous" || lower == "unknown" || lower == "restricted":
		return Party{Input: s, E164: lower}, nil
	}
	if s == "" {
		return Party{}, errString("empty phone number")
	}
	num, err := phonenumbers.Parse(s, "US")
	if err != nil {
		return Party{}, errString("not a phone number: " + s)
	}
	if !phonenumbers.IsValidNumber(num) {
		return Party{}, errString("not a valid phone number: " + s)
	}
	p := Party{Input: s, E164: phonenumbers.Format(num, phonenumbers.E164), Geo: fixtures.LookupGeo(num)}
	if num.GetCountryCode() == 1 {
		p.nanp = phonenumbers.GetNationalSignificantNumber(num)
	}
	return p, nil
}

type errString string

func (e errString) Error() string { return string(e) }
