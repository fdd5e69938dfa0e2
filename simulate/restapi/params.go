package restapi

import (
	"fmt"
	"github.com/callsim/callsim/simulate/contract"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/callsim/callsim/internal/phonenumbers"
)

// destination is a To or From value: a phone number (stored in E.164) or
// an address Twilio accepts as it is (client:, sip:, a SIM SID).
type destination struct {
	value, formatted string
	phone            bool
}

// parsed caches parseDestination for phone numbers: libphonenumber's
// parse and validation cost about 60 µs a number, most of a create, and an
// app under test calls the same few numbers. Cleared when full.
var parsed struct {
	sync.Mutex
	m map[string]destination
}

const maxParsed = 4096

func parseDestination(s string) (destination, error) {
	parsed.Lock()
	d, ok := parsed.m[s]
	parsed.Unlock()
	if ok {
		return d, nil
	}
	d, err := parseDestinationUncached(s)
	if err == nil && d.phone {
		parsed.Lock()
		if parsed.m == nil || len(parsed.m) >= maxParsed {
			parsed.m = make(map[string]destination)
		}
		parsed.m[s] = d
		parsed.Unlock()
	}
	return d, err
}

func parseDestinationUncached(s string) (destination, error) {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "client:") && len(s) > len("client:"),
		strings.HasPrefix(lower, "sip:") && len(s) > len("sip:"):
		return destination{value: s, formatted: s}, nil
	case contract.ValidSID("DE", s):
		return destination{value: s, formatted: s}, nil
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) {
		return destination{}, fmt.Errorf("not a phone number")
	}
	num, err := phonenumbers.Parse(s, "US")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return destination{}, fmt.Errorf("not a valid phone number")
	}
	d := destination{value: phonenumbers.Format(num, phonenumbers.E164), phone: true}
	d.formatted = d.value
	if num.GetCountryCode() == 1 {
		d.formatted = phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return d, nil
}

// Twilio's test-credential numbers (reference §2). The To numbers and the
// invalid From are answered the same way whatever the credentials, so an
// app's error handling can be tried without switching credentials; only
// "From must be +15005550006" is reserved to test credentials.
const magicValidFrom = "+15005550006"

var magicTo = map[string]*APIError{
	"+15005550001": badRequest(codeNotValidNumber, "The 'To' phone number +15005550001 does not appear to be valid."),
	"+15005550002": badRequest(codeUnreachable, "'To' phone number +15005550002 cannot be reached."),
	"+15005550003": badRequest(codeGeoPermission, "Account not authorized to call +15005550003. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk"),
	"+15005550004": badRequest(codeBlocked, "Call blocked by Twilio: +15005550004."),
}

var magicFrom = map[string]*APIError{
	"+15005550001": badRequest(codeInvalidFrom, "The 'From' phone number +15005550001 is not a valid phone number."),
}

// form reads request parameters with Twilio's rules: the last of repeated
// single-valued keys wins, list keys repeat or separate values with spaces.
type form url.Values

func (f form) has(k string) bool { _, ok := f[k]; return ok }

func (f form) get(k string) string {
	v := f[k]
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[len(v)-1])
}

func (f form) list(k string) []string {
	var out []string
	for _, v := range f[k] {
		out = append(out, strings.Fields(strings.ReplaceAll(v, ",", " "))...)
	}
	return out
}

func paramErr(name, value, want string) *APIError {
	return badRequest(codeCallsResource, fmt.Sprintf("%s is invalid: %q; %s", name, value, want))
}

// method reads a GET/POST parameter (any case); empty gives POST.
func (f form) method(k string) (string, *APIError) {
	v := strings.ToUpper(f.get(k))
	switch v {
	case "":
		return "POST", nil
	case "GET", "POST":
		return v, nil
	}
	return "", paramErr(k, f.get(k), "must be GET or POST")
}

// url reads an absolute http(s) URL; code is the error code for a bad one.
func (f form) url(k string, code int) (string, *APIError) {
	v := f.get(k)
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", badRequest(code, fmt.Sprintf("%s is not a valid URL: %s", k, v))
	}
	if k == "StatusCallback" && strings.Contains(u.Hostname(), "_") {
		return "", badRequest(code, fmt.Sprintf("%s is not a valid URL: %s (a host name may not contain _)", k, v))
	}
	return v, nil
}

// integer reads an int within [lo, hi]; def when absent.
func (f form) integer(k string, def, lo, hi int) (int, *APIError) {
	s := f.get(k)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		want := fmt.Sprintf("must be a whole number from %d to %d", lo, hi)
		if hi == maxInt32 {
			want = fmt.Sprintf("must be a whole number, %d or more", lo)
		}
		return 0, paramErr(k, s, want)
	}
	return n, nil
}

func (f form) boolean(k string) (bool, *APIError) {
	switch strings.ToLower(f.get(k)) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, paramErr(k, f.get(k), "must be true or false")
}

func (f form) enum(k, def string, allowed ...string) (string, *APIError) {
	v := f.get(k)
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	return "", paramErr(k, v, "must be one of "+strings.Join(allowed, ", "))
}

func (f form) events(k string, code int, def string, allowed ...string) ([]string, *APIError) {
	evs := f.list(k)
	if len(evs) == 0 {
		return []string{def}, nil
	}
	var out []string
	for _, e := range evs {
		e = strings.ToLower(e)
		if !slices.Contains(allowed, e) {
			return nil, badRequest(code, fmt.Sprintf("%s value %q is invalid (allowed: %s)", k, e, strings.Join(allowed, ", ")))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// maxInt32 bounds open-ended integers: Twilio's are 32-bit.
const maxInt32 = 1<<31 - 1

// maxTwiml is Twilio's limit on inline TwiML.
const maxTwiml = 4000

// parseCreate validates a create request in the order the reference's
// checklist gives: To, From, instructions, then the optional parameters.
func (s *Server) parseCreate(f form, test bool) (CallRequest, destination, destination, *APIError) {
	var req CallRequest
	var to, from destination
	var e *APIError
	fail := func(err *APIError) (CallRequest, destination, destination, *APIError) {
		return CallRequest{}, destination{}, destination{}, err
	}

	toRaw := f.get("To")
	if toRaw == "" {
		return fail(badRequest(codeNoTo, "A 'To' phone number is required."))
	}
	to, err := parseDestination(toRaw)
	if err != nil {
		return fail(badRequest(codeInvalidTo, fmt.Sprintf("The 'To' number %s is not a valid phone number.", toRaw)))
	}
	if e := magicTo[to.value]; e != nil {
		return fail(e)
	}
	fromRaw := f.get("From")
	if fromRaw == "" {
		return fail(badRequest(codeNoFrom, "A 'From' phone number is required."))
	}
	from, err = parseDestination(fromRaw)
	if err != nil || to.phone && !from.phone && !strings.HasPrefix(strings.ToLower(from.value), "client:") {
		return fail(badRequest(codeInvalidFrom, fmt.Sprintf("The 'From' number %s is not a valid phone number.", fromRaw)))
	}
	if e := magicFrom[from.value]; e != nil {
		return fail(e)
	}
	if from.phone && (test && from.value != magicValidFrom || !test && len(s.cfg.CallerIDs) > 0 && !hasKey(s.cfg.CallerIDs, from.value)) {
		return fail(badRequest(codeFromNotVerified, fmt.Sprintf("The source phone number provided, %s, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.", from.value)))
	}
	req.To, req.From = to.value, from.value

	if req.Url, e = f.url("Url", codeInvalidURL); e != nil {
		return fail(e)
	}
	if req.Url == "" {
		req.Twiml = f.get("Twiml")
		if len(req.Twiml) > maxTwiml {
			return fail(paramErr("Twiml", req.Twiml[:40]+"…", fmt.Sprintf("must be at most %d characters", maxTwiml)))
		}
	}
	req.ApplicationSid = f.get("ApplicationSid")
	if req.Url == "" && req.Twiml == "" && req.ApplicationSid == "" {
		// The reference leaves 21205 or 21200 open; 21205 is the code
		// Twilio gives an application without a voice URL, the same lack.
		return fail(badRequest(codeInvalidURL, "Url parameter is required. Please provide a Url, Twiml or ApplicationSid."))
	}
	if req.Method, e = f.method("Method"); e != nil {
		return fail(e)
	}
	if req.FallbackUrl, e = f.url("FallbackUrl", codeCallsResource); e != nil {
		return fail(e)
	}
	if req.FallbackMethod, e = f.method("FallbackMethod"); e != nil {
		return fail(e)
	}
	if req.StatusCallback, e = f.url("StatusCallback", codeCallsResource); e != nil {
		return fail(e)
	}
	if req.StatusCallbackMethod, e = f.method("StatusCallbackMethod"); e != nil {
		return fail(e)
	}
	if req.StatusCallbackEvent, e = f.events("StatusCallbackEvent", codeInvalidEvent, "completed", "initiated", "ringing", "answered", "completed"); e != nil {
		return fail(e)
	}
	if req.ApplicationSid != "" {
		app, ok := s.cfg.Applications[req.ApplicationSid]
		if !contract.ValidSID("AP", req.ApplicationSid) || !ok {
			return fail(badRequest(codeInvalidAppSid, fmt.Sprintf("ApplicationSid %s is not an application of this account.", req.ApplicationSid)))
		}
		if app.VoiceUrl == "" {
			return fail(badRequest(codeInvalidURL, fmt.Sprintf("Application %s has no valid VoiceUrl.", req.ApplicationSid)))
		}
		req.Url, req.Twiml = app.VoiceUrl, ""
		req.Method = orDefault(strings.ToUpper(app.VoiceMethod), "POST")
		req.FallbackUrl, req.FallbackMethod = app.VoiceFallbackUrl, orDefault(strings.ToUpper(app.VoiceFallbackMethod), "POST")
		req.StatusCallback, req.StatusCallbackMethod = app.StatusCallback, orDefault(strings.ToUpper(app.StatusCallbackMethod), "POST")
		req.StatusCallbackEvent = []string{"completed"}
	}

	req.SendDigits = f.get("SendDigits")
	if len(req.SendDigits) > 32 || strings.Trim(req.SendDigits, "0123456789ABCD#*wW") != "" {
		return fail(paramErr("SendDigits", req.SendDigits, "at most 32 of 0-9, A-D, #, *, w and W"))
	}
	// Twilio caps the ring time at 600 s rather than refusing more.
	if req.Timeout, e = f.integer("Timeout", 60, 0, maxInt32); e != nil {
		return fail(e)
	}
	req.Timeout = min(req.Timeout, 600)
	if req.TimeLimit, e = f.integer("TimeLimit", s.cfg.TimeLimit, 1, maxInt32); e != nil {
		return fail(e)
	}

	if req.Record, e = f.boolean("Record"); e != nil {
		return fail(e)
	}
	if req.RecordingChannels, e = f.enum("RecordingChannels", "mono", "mono", "dual"); e != nil {
		return fail(e)
	}
	if req.RecordingStatusCallback, e = f.url("RecordingStatusCallback", codeCallsResource); e != nil {
		return fail(e)
	}
	if req.RecordingStatusCallbackMethod, e = f.method("RecordingStatusCallbackMethod"); e != nil {
		return fail(e)
	}
	if req.RecordingStatusCallbackEvent, e = f.events("RecordingStatusCallbackEvent", codeCallsResource, "completed", "in-progress", "completed", "absent"); e != nil {
		return fail(e)
	}
	if req.RecordingTrack, e = f.enum("RecordingTrack", "both", "inbound", "outbound", "both"); e != nil {
		return fail(e)
	}
	if req.Trim, e = f.enum("Trim", "trim-silence", "trim-silence", "do-not-trim"); e != nil {
		return fail(e)
	}

	if req.MachineDetection, e = f.enum("MachineDetection", "", "Enable", "DetectMessageEnd"); e != nil {
		return fail(e)
	}
	if req.SendDigits != "" {
		req.MachineDetection = ""
	}
	if req.MachineDetectionTimeout, e = f.integer("MachineDetectionTimeout", 30, 3, 59); e != nil {
		return fail(e)
	}
	if req.MachineDetectionSpeechThreshold, e = f.integer("MachineDetectionSpeechThreshold", 2400, 1000, 6000); e != nil {
		return fail(e)
	}
	if req.MachineDetectionSpeechEndThreshold, e = f.integer("MachineDetectionSpeechEndThreshold", 1200, 500, 5000); e != nil {
		return fail(e)
	}
	if req.MachineDetectionSilenceTimeout, e = f.integer("MachineDetectionSilenceTimeout", 5000, 2000, 10000); e != nil {
		return fail(e)
	}
	if req.AsyncAmd, e = f.boolean("AsyncAmd"); e != nil {
		return fail(e)
	}
	if req.AsyncAmdStatusCallback, e = f.url("AsyncAmdStatusCallback", codeCallsResource); e != nil {
		return fail(e)
	}
	if req.AsyncAmdStatusCallbackMethod, e = f.method("AsyncAmdStatusCallbackMethod"); e != nil {
		return fail(e)
	}

	req.CallerId = f.get("CallerId")
	req.SipAuthUsername = f.get("SipAuthUsername")
	req.SipAuthPassword = f.get("SipAuthPassword")
	req.Byoc = f.get("Byoc")
	if req.Byoc != "" && !contract.ValidSID("BY", req.Byoc) {
		return fail(paramErr("Byoc", req.Byoc, "must be a BY… trunk SID"))
	}
	req.CallReason = f.get("CallReason")
	req.CallToken = f.get("CallToken")
	if req.ClientNotificationUrl, e = f.url("ClientNotificationUrl", codeCallsResource); e != nil {
		return fail(e)
	}
	req.Params = url.Values(f)
	return req, to, from, nil
}

// parseUpdate validates an update. Url and Twiml are mutually exclusive
// here (unlike create, where Twiml is ignored); which code Twilio gives is
// not documented: 21200, the Calls resource's generic code.
func parseUpdate(f form) (Change, *APIError) {
	var c Change
	var e *APIError
	if f.get("Url") != "" && f.get("Twiml") != "" {
		return c, badRequest(codeCallsResource, "Url and Twiml are mutually exclusive.")
	}
	if c.Url, e = f.url("Url", codeInvalidURL); e != nil {
		return c, e
	}
	c.Twiml = f.get("Twiml")
	if len(c.Twiml) > maxTwiml {
		return c, paramErr("Twiml", c.Twiml[:40]+"…", fmt.Sprintf("must be at most %d characters", maxTwiml))
	}
	if c.Method, e = f.method("Method"); e != nil {
		return c, e
	}
	if c.Url == "" {
		c.Method = "" // Method applies to Url only
	}
	str := func(k string, read func(string) (string, *APIError)) (*string, *APIError) {
		if !f.has(k) {
			return nil, nil
		}
		v, e := read(k)
		return &v, e
	}
	asURL := func(k string) (string, *APIError) { return f.url(k, codeCallsResource) }
	if c.Settings.FallbackUrl, e = str("FallbackUrl", asURL); e != nil {
		return c, e
	}
	if c.Settings.FallbackMethod, e = str("FallbackMethod", f.method); e != nil {
		return c, e
	}
	if c.Settings.StatusCallback, e = str("StatusCallback", asURL); e != nil {
		return c, e
	}
	if c.Settings.StatusCallbackMethod, e = str("StatusCallbackMethod", f.method); e != nil {
		return c, e
	}
	if f.has("TimeLimit") {
		n, e := f.integer("TimeLimit", 0, 1, maxInt32)
		if e != nil {
			return c, e
		}
		c.Settings.TimeLimit = &n
	}
	switch st := f.get("Status"); st {
	case "":
		c.Kind = Settings
		if c.Url != "" || c.Twiml != "" {
			c.Kind = Redirect
		}
	case "completed":
		c.Kind = Hangup
	case "canceled":
		c.Kind = Cancel
	default:
		return c, paramErr("Status", st, "must be completed or canceled")
	}
	return c, nil
}

func hasKey[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
