package twiml

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Kind says how an attribute value (or an element's text) is checked.
type Kind int

const (
	// KindText is free text; only MaxLen is checked.
	KindText Kind = iota
	// KindEnum is one of Enum, or a value starting with one of Prefixes,
	// or a value matching Pattern.
	KindEnum
	// KindInt is a decimal integer in [Min, Max], or one of the Enum keywords
	// (e.g. speechTimeout="auto").
	KindInt
	// KindBool is "true" or "false", case-insensitive.
	KindBool
	// KindMethod is GET or POST, case-insensitive.
	KindMethod
	// KindURL is an absolute http(s) URL or a relative reference, without
	// spaces or control characters. Empty is allowed unless Required.
	KindURL
	// KindKeys is a string of characters from Chars, at most MaxLen long
	// (0: any length); empty only if AllowEmpty.
	KindKeys
	// KindList is a non-empty space-separated list of Enum values.
	KindList
	// KindPhone is a phone number: optional '+', 1-15 digits, and the
	// separators space ( ) - . only.
	KindPhone
	// KindCallerID is a phone number, a "client:"/"sip:" address, or a bare
	// client identity (letters, digits, _ . -).
	KindCallerID
)

// NoMax is the Max of a KindInt attribute without an upper bound.
const NoMax = 1<<31 - 1

// AttrSpec describes one attribute of a TwiML element.
type AttrSpec struct {
	Name       string
	Kind       Kind
	Default    string   // value Twilio uses when the attribute is absent ("" = none/contextual)
	Enum       []string // KindEnum/KindList values; KindInt keywords
	Prefixes   []string // KindEnum: also accept values with these prefixes
	Pattern    string   // KindEnum: also accept values matching this (anchored) regexp
	Min, Max   int      // KindInt range (inclusive)
	Chars      string   // KindKeys alphabet
	MaxLen     int      // KindKeys/KindText maximum length in characters (0 = unlimited)
	AllowEmpty bool     // KindKeys/KindEnum/KindInt: the empty string is valid
	Required   bool     // missing attribute is reported (12200)

	Code     int      // Twilio code for a bad value (0 = 12200)
	Severity Severity // severity for a bad value ("" = warning)
	// InParent overrides Code when the element sits inside the named parent
	// (e.g. Say voice inside Gather is 13321, not 13511).
	InParent map[string]int
	// NotIn lists parents in which this attribute must not be used (12200).
	NotIn []string
	Hint  string // "(must be …)" text for messages; derived from the kind if empty
}

// TextSpec describes the character content of an element (Say text, Play URL, ...).
type TextSpec struct {
	AttrSpec // how a non-empty text is checked; Name is used in messages
	// Unless lists attribute or child element names whose presence makes an
	// empty text acceptable (Play digits, Dial nouns, Enqueue workflowSid...).
	Unless        []string
	EmptyCode     int      // code when Required text is empty (0 = 12200)
	EmptySeverity Severity // "" = warning
	EmptyMessage  string   // e.g. "missing URL"
}

// ElementSpec describes one TwiML voice element.
type ElementSpec struct {
	Name     string
	Verb     bool // allowed directly inside <Response>
	SSML     bool // an SSML element inside <Say>
	Attrs    []AttrSpec
	Children []string // elements allowed inside this one
	// NestCode/NestSeverity are reported at a child element that is not
	// allowed here (e.g. 13320 inside Gather, 13215 inside Dial).
	NestCode     int
	NestSeverity Severity
	Text         *TextSpec // nil: no character content expected
	// Notice, when non-zero, is reported every time the element is used
	// (e.g. 13803 for the deprecated <Sms>).
	Notice        int
	NoticeMessage string

	attrIndex map[string]*AttrSpec
	childSet  map[string]bool
}

// Attr returns the spec of the named attribute, or nil.
func (e *ElementSpec) Attr(name string) *AttrSpec {
	if e == nil {
		return nil
	}
	return e.attrIndex[name]
}

// Allows reports whether child may be nested directly inside this element.
func (e *ElementSpec) Allows(child string) bool { return e != nil && e.childSet[child] }

// Lookup returns the vocabulary entry for a (case-sensitive) element name.
// The returned spec is shared; do not modify it.
func Lookup(name string) (*ElementSpec, bool) {
	e, ok := vocab().byName[name]
	return e, ok
}

// Default returns the value Twilio uses for attribute attr of element when it
// is absent, or "" if there is no fixed default.
func Default(element, attr string) string {
	if a := vocab().byName[element].Attr(attr); a != nil {
		return a.Default
	}
	return ""
}

// ---- attribute constructors (keep the table below compact) ----

func text(name string) AttrSpec { return AttrSpec{Name: name, Kind: KindText} }

func urlAttr(name string, code int) AttrSpec {
	if code == 0 {
		code = 11100
	}
	return AttrSpec{Name: name, Kind: KindURL, Code: code}
}

func method(name string, code int) AttrSpec {
	return AttrSpec{Name: name, Kind: KindMethod, Default: "POST", Code: code}
}

func boolean(name, def string, code int) AttrSpec {
	return AttrSpec{Name: name, Kind: KindBool, Default: def, Code: code}
}

func integer(name, def string, min, max, code int) AttrSpec {
	return AttrSpec{Name: name, Kind: KindInt, Default: def, Min: min, Max: max, Code: code}
}

func enum(name, def string, code int, values ...string) AttrSpec {
	return AttrSpec{Name: name, Kind: KindEnum, Default: def, Code: code, Enum: values}
}

func list(name, def string, code int, values ...string) AttrSpec {
	return AttrSpec{Name: name, Kind: KindList, Default: def, Code: code, Enum: values}
}

func pattern(name, def, re, hint string, code int, values ...string) AttrSpec {
	return AttrSpec{Name: name, Kind: KindEnum, Default: def, Code: code, Enum: values, Pattern: re, Hint: hint}
}

func required(a AttrSpec) AttrSpec { a.Required = true; return a }

func inParent(a AttrSpec, parent string, code int) AttrSpec {
	m := map[string]int{parent: code}
	for k, v := range a.InParent {
		m[k] = v
	}
	a.InParent = m
	return a
}

func severe(a AttrSpec) AttrSpec { a.Severity = SeverityError; return a }

func join(parts ...[]AttrSpec) []AttrSpec {
	var out []AttrSpec
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// voiceElements is the voice TwiML vocabulary. Codes follow Twilio's error
// dictionary (twilio.com/docs/api/errors); severities follow the log level
// Twilio documents for each code (almost all attribute codes are WARNING).
func voiceElements() []*ElementSpec {
	var (
		callEvents       = []string{"initiated", "ringing", "answered", "completed"}
		recordingEvents  = []string{"in-progress", "completed", "absent"}
		trimValues       = []string{"trim-silence", "do-not-trim"}
		streamTracks     = []string{"inbound_track", "outbound_track", "both_tracks"}
		ssmlNames        = []string{"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
		dialNouns        = []string{"Number", "Client", "Conference", "Queue", "Sip", "Sim", "Application", "WhatsApp"}
		languagePattern  = `[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*`
		languageHint     = `must be a language tag such as "en-US"`
		numberNounAttrs  = []AttrSpec{urlAttr("url", 0), method("method", 13221), urlAttr("statusCallback", 0), method("statusCallbackMethod", 0), list("statusCallbackEvent", "completed", 0, callEvents...)}
		amdAttrs         = []AttrSpec{enum("machineDetection", "", 0, "Enable", "DetectMessageEnd"), urlAttr("amdStatusCallback", 0), method("amdStatusCallbackMethod", 0), integer("machineDetectionTimeout", "30", 3, 59, 0), integer("machineDetectionSpeechThreshold", "2400", 1000, 6000, 0), integer("machineDetectionSpeechEndThreshold", "1200", 500, 5000, 0), integer("machineDetectionSilenceTimeout", "5000", 2000, 10000, 0)}
		recordingCbAttrs = []AttrSpec{urlAttr("recordingStatusCallback", 0), method("recordingStatusCallbackMethod", 0), list("recordingStatusCallbackEvent", "completed", 0, recordingEvents...)}
	)
	return []*ElementSpec{
		{Name: "Response", Attrs: []AttrSpec{text("version")},
			Children: []string{"Connect", "Dial", "Echo", "Enqueue", "Gather", "Hangup", "Leave", "Pause", "Pay", "Play", "Record", "Redirect", "Refer", "Reject", "Say", "Sms", "Start", "Stop"}},

		// ---- verbs ----
		{Name: "Say", Verb: true,
			Attrs: []AttrSpec{
				inParent(AttrSpec{Name: "voice", Kind: KindEnum, Default: "man", Code: 13511, Enum: []string{"man", "woman", "alice"}, Prefixes: []string{"Polly.", "Google."}}, "Gather", 13321),
				inParent(integer("loop", "1", 0, NoMax, 13510), "Gather", 13322),
				text("language"),
			},
			Children: ssmlNames,
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "text", Kind: KindText, MaxLen: 4096, Code: 13521, Required: true},
				Unless: ssmlNames, EmptyCode: 13520, EmptyMessage: "empty text (nothing to say)"}},
		{Name: "Play", Verb: true,
			Attrs: []AttrSpec{
				integer("loop", "1", 0, NoMax, 13410),
				{Name: "digits", Kind: KindKeys, Chars: "0123456789ABCDwW#*", Code: 13430, NotIn: []string{"Gather"}, Hint: "must contain only 0-9 A-D # * w W"},
			},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "URL", Kind: KindURL, Code: 11100, Required: true},
				Unless: []string{"digits"}, EmptyMessage: "no media URL and no digits"}},
		{Name: "Pause", Verb: true, Attrs: []AttrSpec{integer("length", "1", 1, NoMax, 13910)}},
		{Name: "Gather", Verb: true,
			Attrs: []AttrSpec{
				urlAttr("action", 0),
				method("method", 13312),
				integer("timeout", "5", 1, NoMax, 13313),
				integer("numDigits", "", 1, NoMax, 13314),
				{Name: "finishOnKey", Kind: KindKeys, Default: "#", Chars: "0123456789#*", MaxLen: 1, AllowEmpty: true, Code: 13310, Hint: `must be one key of 0-9 # * or ""`},
				list("input", "dtmf", 13326, "dtmf", "speech"),
				{Name: "speechTimeout", Kind: KindInt, Min: 1, Max: NoMax, Enum: []string{"auto"}, Code: 13327},
				integer("maxSpeechTime", "60", 1, NoMax, 13328),
				urlAttr("partialResultCallback", 0),
				method("partialResultCallbackMethod", 13329),
				text("hints"),
				pattern("language", "en-US", languagePattern, languageHint, 13331),
				boolean("bargeIn", "true", 13332),
				boolean("profanityFilter", "true", 13333),
				{Name: "speechModel", Kind: KindEnum, Default: "default", Code: 13334,
					Enum:     []string{"default", "numbers_and_commands", "phone_call", "experimental_conversations", "experimental_utterances"},
					Prefixes: []string{"googlev2_", "deepgram_"}},
				boolean("enhanced", "false", 0),
				boolean("actionOnEmptyResult", "false", 13338),
				boolean("debug", "false", 0),
				boolean("dtmfDetection", "false", 0),
			},
			Children: []string{"Say", "Play", "Pause"}, NestCode: 13320},
		{Name: "Record", Verb: true,
			Attrs: join([]AttrSpec{
				urlAttr("action", 0),
				method("method", 13610),
				integer("timeout", "5", 0, NoMax, 13611),
				{Name: "finishOnKey", Kind: KindKeys, Default: "1234567890*#", Chars: "0123456789#*", AllowEmpty: true, Code: 13613, Hint: "must contain only the keys 0-9 # *"},
				integer("maxLength", "3600", 1, 86400, 13612),
				boolean("playBeep", "true", 13616),
				enum("trim", "trim-silence", 13699, trimValues...),
				boolean("transcribe", "false", 13614),
				urlAttr("transcribeCallback", 0),
				text("recordingConfigurationId"),
				urlAttr("recordingStatusCallback", 0),
				method("recordingStatusCallbackMethod", 0),
				list("recordingStatusCallbackEvent", "completed", 13621, recordingEvents...),
			})},
		{Name: "Dial", Verb: true,
			Attrs: join([]AttrSpec{
				urlAttr("action", 0),
				method("method", 13210),
				integer("timeout", "30", 1, 600, 13212),
				boolean("hangupOnStar", "false", 13213),
				{Name: "callerId", Kind: KindCallerID, Code: 13214},
				integer("timeLimit", "14400", 1, 86400, 13216),
				enum("record", "do-not-record", 13217, "do-not-record", "record-from-answer", "record-from-ringing", "record-from-answer-dual", "record-from-ringing-dual", "true", "false"),
				enum("trim", "do-not-trim", 0, trimValues...),
				boolean("answerOnBridge", "false", 13219),
				enum("ringTone", "", 13220, "at", "au", "bg", "br", "be", "ch", "cl", "cn", "cz", "de", "dk", "ee", "es", "fi", "fr", "gr", "hu", "il", "in", "it", "lt", "jp", "mx", "my", "nl", "no", "nz", "ph", "pl", "pt", "ru", "se", "sg", "th", "uk", "us", "us-old", "tw", "ve", "za"),
				enum("recordingTrack", "both", 0, "both", "inbound", "outbound"),
				urlAttr("referUrl", 0),
				method("referMethod", 0),
				boolean("sequential", "false", 0),
				enum("events", "", 0, "call-progress-event"),
				text("callReason"),
			}, recordingCbAttrs),
			Children: dialNouns, NestCode: 13215,
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "phone number", Kind: KindPhone, Code: 13223, Required: true},
				Unless: dialNouns, EmptyCode: 13223, EmptyMessage: "nothing to dial (no number and no noun)"}},
		{Name: "Enqueue", Verb: true,
			Attrs: []AttrSpec{
				severe(urlAttr("action", 14203)),
				severe(method("method", 14201)),
				severe(urlAttr("waitUrl", 14202)),
				severe(method("waitUrlMethod", 14206)),
				text("workflowSid"),
				integer("maxQueueSize", "", 1, 5000, 0),
			},
			Children: []string{"Task"},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "queue name", Kind: KindText, MaxLen: 64, Required: true},
				Unless: []string{"workflowSid"}, EmptyCode: 14204, EmptySeverity: SeverityError, EmptyMessage: "queue name too short (empty)"}},
		{Name: "Leave", Verb: true},
		{Name: "Hangup", Verb: true, Children: []string{"Parameter"}},
		{Name: "Echo", Verb: true},
		{Name: "Reject", Verb: true, Attrs: []AttrSpec{enum("reason", "rejected", 13810, "rejected", "busy")}, Children: []string{"Parameter"}},
		{Name: "Redirect", Verb: true, Attrs: []AttrSpec{method("method", 13710)},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "URL", Kind: KindURL, Code: 11100, Severity: SeverityError, Required: true},
				EmptyCode: 11100, EmptySeverity: SeverityError, EmptyMessage: "missing URL"}},
		{Name: "Connect", Verb: true, Attrs: []AttrSpec{urlAttr("action", 0), method("method", 0)},
			Children: []string{"Stream", "ConversationRelay", "Room", "VirtualAgent", "Conversation", "Assistant", "AiSession"}},
		{Name: "Start", Verb: true, Attrs: []AttrSpec{urlAttr("action", 0), method("method", 0)},
			Children: []string{"Stream", "Siprec", "Transcription", "Recording"}, NestCode: 14300, NestSeverity: SeverityError},
		{Name: "Stop", Verb: true,
			Children: []string{"Stream", "Siprec", "Transcription", "Recording"}, NestCode: 14300, NestSeverity: SeverityError},
		{Name: "Pay", Verb: true,
			Attrs: []AttrSpec{
				enum("input", "dtmf", 0, "dtmf"),
				urlAttr("action", 0),
				urlAttr("statusCallback", 0),
				method("statusCallbackMethod", 0),
				enum("paymentMethod", "credit-card", 0, "credit-card", "ach-debit"),
				enum("bankAccountType", "consumer-checking", 0, "consumer-checking", "consumer-savings", "commercial-checking", "commercial-savings"),
				integer("timeout", "5", 1, NoMax, 0),
				integer("maxAttempts", "1", 1, 3, 0),
				boolean("securityCode", "true", 0),
				text("postalCode"),
				integer("minPostalCodeLength", "", 1, NoMax, 0),
				text("paymentConnector"),
				enum("tokenType", "reusable", 0, "one-time", "reusable", "payment-method"),
				pattern("chargeAmount", "", `[0-9]+(\.[0-9]+)?`, "must be a decimal amount such as 10.00", 0),
				text("currency"),
				text("description"),
				list("validCardTypes", "visa mastercard amex", 0, "visa", "mastercard", "amex", "maestro", "discover", "optima", "jcb", "diners-club", "enroute"),
				pattern("language", "en-US", languagePattern, languageHint, 0),
				text("confirmation"),
				boolean("requireMatchingInputs", "false", 0),
			},
			Children: []string{"Prompt", "Parameter"}},
		{Name: "Refer", Verb: true, Attrs: []AttrSpec{urlAttr("action", 0), method("method", 0)}, Children: []string{"Sip"}},
		{Name: "Sms", Verb: true,
			Attrs:  []AttrSpec{text("to"), text("from"), urlAttr("action", 0), method("method", 0), urlAttr("statusCallback", 0)},
			Text:   &TextSpec{AttrSpec: AttrSpec{Name: "message", Kind: KindText, MaxLen: 1600, Required: true}, EmptyMessage: "empty message"},
			Notice: 13803, NoticeMessage: "<Sms> in voice TwiML is deprecated and not supported on most accounts; use the Messaging API"},

		// ---- Dial nouns ----
		{Name: "Number", Attrs: join([]AttrSpec{text("sendDigits"), text("byoc")}, numberNounAttrs, amdAttrs),
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "phone number", Kind: KindPhone, Code: 13223, Required: true}, EmptyCode: 13223, EmptyMessage: "missing phone number"}},
		{Name: "Client", Attrs: numberNounAttrs, Children: []string{"Identity", "Parameter"},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "identity", Kind: KindText, Required: true}, Unless: []string{"Identity"}, EmptyMessage: "missing client identity"}},
		{Name: "Conference",
			Attrs: join([]AttrSpec{
				boolean("muted", "false", 13230),
				{Name: "beep", Kind: KindEnum, Default: "true", Code: 13235, Enum: []string{"true", "false", "onEnter", "onExit"}},
				boolean("startConferenceOnEnter", "true", 13232),
				severe(boolean("endConferenceOnExit", "false", 13231)),
				urlAttr("waitUrl", 13233),
				method("waitMethod", 13234),
				integer("maxParticipants", "250", 2, 250, 0),
				enum("record", "do-not-record", 0, "do-not-record", "record-from-start"),
				enum("region", "", 0, "us1", "us2", "ie1", "sg1", "br1", "au1", "jp1", "de1"),
				text("coach"),
				enum("trim", "trim-silence", 0, trimValues...),
				urlAttr("statusCallback", 0),
				method("statusCallbackMethod", 0),
				list("statusCallbackEvent", "", 0, "start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"),
				urlAttr("eventCallbackUrl", 0),
				enum("jitterBufferSize", "large", 0, "large", "medium", "small", "off"),
				text("participantLabel"),
				text("callSidToCoach"),
				boolean("beepOnCustomerEntrance", "true", 0),
			}, recordingCbAttrs),
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "conference name", Kind: KindText, Required: true}, EmptyMessage: "missing conference name"}},
		{Name: "Queue", Attrs: []AttrSpec{urlAttr("url", 0), method("method", 0), text("reservationSid"), text("postWorkActivitySid")},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "queue name", Kind: KindText, MaxLen: 64, Required: true}, EmptyMessage: "missing queue name"}},
		{Name: "Sip", Attrs: join([]AttrSpec{text("username"), text("password"), text("customHeaders")}, numberNounAttrs, amdAttrs),
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "SIP URI", Kind: KindEnum, Prefixes: []string{"sip:", "sips:"}, Required: true, Hint: `must start with "sip:" or "sips:"`}, EmptyMessage: "missing SIP URI"}},
		{Name: "Sim", Text: &TextSpec{AttrSpec: AttrSpec{Name: "SIM SID", Kind: KindText, Required: true}, EmptyMessage: "missing SIM SID"}},
		{Name: "Application", Attrs: join([]AttrSpec{text("customerId"), boolean("copyParentTo", "false", 0)}, numberNounAttrs),
			Children: []string{"ApplicationSid", "Parameter"},
			Text:     &TextSpec{AttrSpec: AttrSpec{Name: "application SID", Kind: KindText, Required: true}, Unless: []string{"ApplicationSid"}, EmptyMessage: "missing application SID"}},
		{Name: "WhatsApp", Attrs: numberNounAttrs,
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "phone number", Kind: KindPhone, Code: 13223, Required: true}, EmptyCode: 13223, EmptyMessage: "missing phone number"}},
		{Name: "Identity", Text: &TextSpec{AttrSpec: AttrSpec{Name: "identity", Kind: KindText, Required: true}}},
		{Name: "ApplicationSid", Text: &TextSpec{AttrSpec: AttrSpec{Name: "application SID", Kind: KindText, Required: true}}},

		// ---- Enqueue / Pay / Connect / Start nouns ----
		{Name: "Task", Attrs: []AttrSpec{integer("priority", "", 0, NoMax, 0), integer("timeout", "", 1, NoMax, 0)},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "task attributes", Kind: KindText, Required: true}}},
		{Name: "Prompt",
			Attrs: []AttrSpec{
				enum("for", "", 0, "payment-card-number", "expiration-date", "security-code", "postal-code", "payment-processing", "bank-account-number", "bank-routing-number"),
				list("errorType", "", 0, "timeout", "invalid-card-number", "invalid-card-type", "invalid-date", "invalid-security-code", "internal-error", "input-matching-failed"),
				list("cardType", "", 0, "visa", "mastercard", "amex", "maestro", "discover", "optima", "jcb", "diners-club", "enroute"),
				{Name: "attempt", Kind: KindEnum, Pattern: `[0-9]+( +[0-9]+)*`, Hint: "must be a space-separated list of attempt numbers"},
				boolean("requireMatchingInputs", "false", 0),
			},
			Children: []string{"Say", "Play", "Pause"}},
		{Name: "Parameter", Attrs: []AttrSpec{required(text("name")), text("value")}},
		{Name: "Config", Attrs: []AttrSpec{required(text("name")), text("value")}},
		{Name: "Language", Attrs: []AttrSpec{required(text("code")), text("ttsProvider"), text("voice"), text("transcriptionProvider"), text("speechModel")}},
		{Name: "Stream",
			Attrs: []AttrSpec{
				{Name: "url", Kind: KindEnum, Code: 0, Prefixes: []string{"wss://", "ws://", "/"}, Hint: `must be a "wss://" URL (or a path, resolved against the document)`},
				text("name"), text("connectorName"),
				enum("track", "inbound_track", 0, streamTracks...),
				urlAttr("statusCallback", 0), method("statusCallbackMethod", 0),
			},
			Children: []string{"Parameter"}},
		{Name: "Siprec",
			Attrs:    []AttrSpec{text("name"), text("connectorName"), enum("track", "inbound_track", 0, streamTracks...), urlAttr("statusCallback", 0), method("statusCallbackMethod", 0)},
			Children: []string{"Parameter"}},
		{Name: "Transcription",
			Attrs: []AttrSpec{
				text("name"), enum("track", "both_tracks", 0, streamTracks...),
				urlAttr("statusCallbackUrl", 0), method("statusCallbackMethod", 0),
				text("transcriptionEngine"), text("speechModel"), text("hints"), text("languageCode"),
				boolean("profanityFilter", "true", 0), boolean("partialResults", "false", 0), boolean("enableAutomaticPunctuation", "true", 0),
				text("intelligenceService"), text("inboundTrackLabel"), text("outboundTrackLabel"),
			},
			Children: []string{"Config", "Parameter"}},
		{Name: "Recording",
			Attrs: join([]AttrSpec{enum("trim", "do-not-trim", 0, trimValues...), enum("track", "both", 0, "inbound", "outbound", "both"), integer("channels", "", 1, 2, 0), text("name")}, recordingCbAttrs)},
		{Name: "Room", Attrs: []AttrSpec{text("participantIdentity")},
			Text: &TextSpec{AttrSpec: AttrSpec{Name: "room name", Kind: KindText, Required: true}, EmptyMessage: "missing room name"}},
		{Name: "VirtualAgent",
			Attrs:    []AttrSpec{required(text("connectorName")), text("language"), boolean("sentimentAnalysis", "false", 0), urlAttr("statusCallback", 0), method("statusCallbackMethod", 0)},
			Children: []string{"Config", "Parameter"}},
		{Name: "ConversationRelay", Attrs: join([]AttrSpec{required(text("url"))}, relayAttrs()), Children: []string{"Language", "Parameter"}},
		{Name: "Assistant", Attrs: join([]AttrSpec{required(text("id"))}, relayAttrs()), Children: []string{"Language", "Parameter"}},
		{Name: "AiSession", Attrs: []AttrSpec{text("aiConnector"), text("aiSessionConfiguration")}},
		{Name: "Conversation",
			Attrs: join([]AttrSpec{
				text("serviceInstanceSid"), boolean("inboundAutocreation", "false", 0), integer("routingAssignmentTimeout", "", 0, NoMax, 0),
				integer("inboundTimeout", "", 0, NoMax, 0), urlAttr("url", 0), method("method", 0),
				enum("record", "do-not-record", 0, "do-not-record", "record-from-answer", "record-from-ringing", "record-from-answer-dual", "record-from-ringing-dual", "true", "false"),
				enum("trim", "trim-silence", 0, trimValues...),
				urlAttr("statusCallback", 0), method("statusCallbackMethod", 0),
				list("statusCallbackEvent", "", 0, "call-initiated", "call-ringing", "call-answered", "call-completed"),
			}, recordingCbAttrs)},

		// ---- SSML inside <Say> ----
		{Name: "break", SSML: true, Attrs: []AttrSpec{
			enum("strength", "medium", 0, "none", "x-weak", "weak", "medium", "strong", "x-strong"),
			pattern("time", "", `[0-9]+(\.[0-9]+)?(ms|s)`, `must be a duration such as "500ms" or "2s"`, 0),
		}},
		{Name: "emphasis", SSML: true, Attrs: []AttrSpec{enum("level", "moderate", 0, "strong", "moderate", "reduced")}, Children: ssmlNames, Text: &TextSpec{}},
		{Name: "lang", SSML: true, Attrs: []AttrSpec{required(pattern("xml:lang", "", languagePattern, languageHint, 0))}, Children: ssmlNames, Text: &TextSpec{}},
		{Name: "p", SSML: true, Children: ssmlNames, Text: &TextSpec{}},
		{Name: "phoneme", SSML: true, Attrs: []AttrSpec{
			enum("alphabet", "", 0, "ipa", "x-sampa", "x-amazon-jyutping", "x-amazon-pinyin", "x-amazon-pron-kana", "x-amazon-yomigana"),
			required(text("ph")),
		}, Text: &TextSpec{}},
		{Name: "prosody", SSML: true, Attrs: []AttrSpec{
			pattern("volume", "", `[+-][0-9]+(\.[0-9]+)?dB`, `must be default, silent, x-soft, soft, medium, loud, x-loud or "+ndB"/"-ndB"`, 0, "default", "silent", "x-soft", "soft", "medium", "loud", "x-loud"),
			pattern("rate", "", `[0-9]+(\.[0-9]+)?%`, `must be x-slow, slow, medium, fast, x-fast or "n%"`, 13513, "x-slow", "slow", "medium", "fast", "x-fast"),
			pattern("pitch", "", `[+-]?[0-9]+(\.[0-9]+)?%`, `must be default, x-low, low, medium, high, x-high or "+n%"/"-n%"`, 0, "default", "x-low", "low", "medium", "high", "x-high"),
		}, Children: ssmlNames, Text: &TextSpec{}},
		{Name: "s", SSML: true, Children: ssmlNames, Text: &TextSpec{}},
		{Name: "say-as", SSML: true, Attrs: []AttrSpec{
			required(enum("interpret-as", "", 0, "characters", "spell-out", "cardinal", "number", "ordinal", "digits", "fraction", "unit", "date", "time", "address", "expletive", "telephone")),
			enum("format", "", 0, "mdy", "dmy", "ymd", "md", "dm", "ym", "my", "d", "m", "y", "yyyymmdd"),
			text("detail"),
		}, Text: &TextSpec{}},
		{Name: "sub", SSML: true, Attrs: []AttrSpec{required(text("alias"))}, Text: &TextSpec{}},
		{Name: "w", SSML: true, Attrs: []AttrSpec{text("role")}, Children: ssmlNames, Text: &TextSpec{}},
	}
}

func relayAttrs() []AttrSpec {
	return []AttrSpec{
		text("welcomeGreeting"), text("welcomeGreetingInterruptible"), text("language"), text("ttsLanguage"),
		text("ttsProvider"), text("voice"), text("transcriptionLanguage"), text("transcriptionProvider"),
		text("speechModel"), text("interruptible"), boolean("dtmfDetection", "false", 0),
		boolean("reportInputDuringAgentSpeech", "false", 0), boolean("preemptible", "false", 0),
		text("hints"), text("debug"), text("elevenlabsTextNormalization"), text("intelligenceService"),
		text("interruptSensitivity"), boolean("partialPrompts", "false", 0), boolean("profanityFilter", "true", 0),
	}
}

// vocabularyIndex is the vocabulary and its indexes, built on first use so
// that commands which never read TwiML (--version, example) do not pay for
// them at start-up.
type vocabularyIndex struct {
	elements   []*ElementSpec
	byName     map[string]*ElementSpec
	parentsOf  map[string][]string // element name → the elements it may be nested in
	lowerNames map[string]string   // lower-cased name → proper spelling, for "did you mean" hints
}

var vocab = sync.OnceValue(func() *vocabularyIndex {
	v := &vocabularyIndex{elements: voiceElements()}
	v.byName = make(map[string]*ElementSpec, len(v.elements))
	for _, e := range v.elements {
		if _, dup := v.byName[e.Name]; dup {
			panic("twiml: duplicate vocabulary entry " + e.Name)
		}
		e.attrIndex = make(map[string]*AttrSpec, len(e.Attrs))
		for i := range e.Attrs {
			a := &e.Attrs[i]
			e.attrIndex[a.Name] = a
		}
		e.childSet = make(map[string]bool, len(e.Children))
		for _, c := range e.Children {
			e.childSet[c] = true
		}
		v.byName[e.Name] = e
	}
	v.parentsOf = map[string][]string{}
	for _, e := range v.elements {
		for _, c := range e.Children {
			if !v.byName[c].SSML || !e.SSML {
				v.parentsOf[c] = append(v.parentsOf[c], e.Name)
			}
		}
	}
	v.lowerNames = make(map[string]string, len(v.byName))
	for name := range v.byName {
		v.lowerNames[strings.ToLower(name)] = name
	}
	return v
})

// patterns holds compiled Pattern regexps, compiled on first use so that
// programs which never validate TwiML do not pay for them at start-up.
var patterns sync.Map // string → *regexp.Regexp

func matchPattern(pattern, v string) bool {
	if pattern == "" {
		return false
	}
	re, ok := patterns.Load(pattern)
	if !ok {
		re, _ = patterns.LoadOrStore(pattern, regexp.MustCompile(`\A(?:`+pattern+`)\z`))
	}
	return re.(*regexp.Regexp).MatchString(v)
}

func (a *AttrSpec) code(parent string) int {
	if c, ok := a.InParent[parent]; ok {
		return c
	}
	if a.Code == 0 {
		return 12200
	}
	return a.Code
}

func (a *AttrSpec) severity() Severity {
	if a.Severity == "" {
		return SeverityWarning
	}
	return a.Severity
}

// check reports whether v is an acceptable value.
func (a *AttrSpec) check(v string) bool {
	switch a.Kind {
	case KindText:
		return a.MaxLen == 0 || len([]rune(v)) <= a.MaxLen
	case KindEnum:
		if v == "" {
			return a.AllowEmpty
		}
		if contains(a.Enum, v) {
			return true
		}
		for _, p := range a.Prefixes {
			if len(v) > len(p) && strings.EqualFold(v[:len(p)], p) {
				return true
			}
		}
		return matchPattern(a.Pattern, v)
	case KindInt:
		v = strings.TrimSpace(v)
		if v == "" {
			return a.AllowEmpty
		}
		if contains(a.Enum, v) {
			return true
		}
		if !isDigits(v) {
			return false
		}
		n, err := strconv.Atoi(v)
		return err == nil && n >= a.Min && n <= a.Max
	case KindBool:
		v = strings.TrimSpace(v)
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case KindMethod:
		v = strings.TrimSpace(v)
		return strings.EqualFold(v, "GET") || strings.EqualFold(v, "POST")
	case KindURL:
		return validURL(v)
	case KindKeys:
		if v == "" {
			return a.AllowEmpty
		}
		if a.MaxLen > 0 && len(v) > a.MaxLen {
			return false
		}
		for _, r := range v {
			if !strings.ContainsRune(a.Chars, r) {
				return false
			}
		}
		return true
	case KindList:
		f := strings.Fields(v)
		if len(f) == 0 {
			return false
		}
		for _, x := range f {
			if !contains(a.Enum, x) {
				return false
			}
		}
		return true
	case KindPhone:
		return validPhone(v)
	case KindCallerID:
		return validCallerID(v)
	}
	return true
}

// hint describes the allowed values, for messages.
func (a *AttrSpec) hint() string {
	if a.Hint != "" {
		return a.Hint
	}
	switch a.Kind {
	case KindText:
		if a.MaxLen > 0 {
			return fmt.Sprintf("must be at most %d characters", a.MaxLen)
		}
	case KindEnum:
		s := "must be one of: " + shortList(a.Enum)
		if len(a.Prefixes) > 0 {
			s += " or start with " + strings.Join(a.Prefixes, " ")
		}
		return s
	case KindInt:
		var s string
		switch {
		case a.Min == 1 && a.Max == NoMax:
			s = "must be a positive integer"
		case a.Min == 0 && a.Max == NoMax:
			s = "must be an integer >= 0"
		case a.Max == NoMax:
			s = fmt.Sprintf("must be an integer >= %d", a.Min)
		default:
			s = fmt.Sprintf("must be an integer from %d to %d", a.Min, a.Max)
		}
		for _, k := range a.Enum {
			s += fmt.Sprintf(" or %q", k)
		}
		return s
	case KindBool:
		return `must be "true" or "false"`
	case KindMethod:
		return "must be GET or POST"
	case KindURL:
		return "must be a well-formed http(s) URL"
	case KindKeys:
		return "must contain only " + a.Chars
	case KindList:
		return "must be a space-separated list of: " + shortList(a.Enum)
	case KindPhone:
		return "must be a phone number such as +14155551212"
	case KindCallerID:
		return "must be a phone number such as +14155551212 or a client identity"
	}
	return "invalid"
}

func shortList(vs []string) string {
	if len(vs) > 10 {
		return strings.Join(vs[:10], ", ") + ", …"
	}
	return strings.Join(vs, ", ")
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validURL(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.Scheme == "" {
		return u.Host == "" && !strings.HasPrefix(s, "//")
	}
	sch := strings.ToLower(u.Scheme)
	return (sch == "http" || sch == "https") && u.Host != ""
}

func validPhone(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '(' || r == ')' || r == '-' || r == '.':
		default:
			return false
		}
	}
	return digits >= 1 && digits <= 15
}

func validCallerID(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	low := strings.ToLower(s)
	for _, p := range []string{"client:", "sip:", "sips:"} {
		if strings.HasPrefix(low, p) {
			return len(s) > len(p)
		}
	}
	if s[0] == '+' || (s[0] >= '0' && s[0] <= '9') || s[0] == '(' {
		return validPhone(s)
	}
	for _, r := range s {
		if !(r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// suggestAttr returns the attribute of e whose name matches name ignoring case.
func suggestAttr(e *ElementSpec, name string) string {
	var names []string
	for _, a := range e.Attrs {
		if strings.EqualFold(a.Name, name) {
			names = append(names, a.Name)
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		return names[0]
	}
	return ""
}
