package simulate

import (
	"slices"
	"strings"
)

// callbackField documents a field that is not in a profile's table: the
// verb-specific fields of action requests and the status callback fields.
// With the profile tables it is the one source of field meanings, for
// `callsim fields` and `callsim example --format markdown`.
type callbackField struct {
	Name    string
	Kinds   []string            // example kinds whose request carries it
	When    string              // the condition, when it is not always sent
	Sample  string              // example value when no generated example has it
	Applies func(*Profile) bool // nil: every profile
	Meaning string              // empty: the profile table's meaning
}

func isE164(p *Profile) bool       { return p.E164 }
func hasAMD(p *Profile) bool       { return len(p.AMD) > 0 }
func hasCallbacks(p *Profile) bool { return p.StatusCallbacks }

var callbackFields = []callbackField{
	{Name: "Digits", Kinds: []string{"gather"},
		Meaning: "Keys the caller pressed, without the key that finished the input (1234# is sent as 1234)."},
	{Name: "FinishedOnKey", Kinds: []string{"gather"}, Applies: isE164,
		Meaning: "The key that finished the input (one of finishOnKey), or empty when numDigits or the timeout did."},
	{Name: "SpeechResult", Kinds: []string{"gather"}, When: "speech input", Sample: "I'd like to talk to sales", Applies: isE164,
		Meaning: "What the caller said, transcribed by speech recognition; sent instead of Digits."},
	{Name: "Confidence", Kinds: []string{"gather"}, When: "speech input", Sample: "0.92", Applies: isE164,
		Meaning: "How sure speech recognition is of SpeechResult, 0.0 to 1.0 (may be absent)."},
	{Name: "RecordingUrl", Kinds: []string{"record"},
		Meaning: "URL of the recording (WAV; add .mp3 for MP3). It may not be fetchable the moment the request arrives."},
	{Name: "RecordingUrl", Kinds: []string{"dial"}, When: "<Dial record=…>", Applies: isE164,
		Meaning: "URL of the recording of the dialled call, when <Dial> records it."},
	{Name: "RecordingDuration", Kinds: []string{"record"}, Applies: func(p *Profile) bool { return p.RecordingDuration == "RecordingDuration" },
		Meaning: "Length of the recording in seconds."},
	{Name: "Duration", Kinds: []string{"record"}, Applies: func(p *Profile) bool { return p.RecordingDuration == "Duration" },
		Meaning: "Length of the recording in seconds."},
	{Name: "Digits", Kinds: []string{"record"},
		Meaning: "The key that ended the recording, or hangup when the caller hung up."},
	{Name: "RecordingSid", Kinds: []string{"record"}, Applies: isE164,
		Meaning: "The recording: RE followed by 32 hex digits."},
	{Name: "DialCallStatus", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialResult == "DialCallStatus" },
		Meaning: "How the dialled call went: completed, answered (conference), busy, no-answer, failed or canceled."},
	{Name: "DialStatus", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialResult == "DialStatus" },
		Meaning: "How the dialled call went: answered, busy, no-answer or failed."},
	{Name: "DialCallSid", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialDetails },
		Meaning: "The dialled call leg: CA followed by 32 hex digits (not sent for a conference)."},
	{Name: "DialCallDuration", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialDetails },
		Meaning: "Seconds the dialled call lasted (not sent for a conference)."},
	{Name: "DialBridged", Kinds: []string{"dial"}, Applies: func(p *Profile) bool { return p.DialDetails },
		Meaning: "true when the caller was connected to the dialled party, else false."},
	{Name: "CallDuration", Kinds: []string{"completed", "status-callback"},
		Meaning: "Length of the call in seconds (sent when the call has ended)."},
	{Name: "Duration", Kinds: []string{"status-callback"}, Applies: hasCallbacks,
		Meaning: "Billed minutes, rounded up (49 s is 1); 0 when the call was not answered."},
	{Name: "SipResponseCode", Kinds: []string{"status-callback"}, Applies: hasCallbacks,
		Meaning: "Final SIP response of the call: 200 answered, 486 busy, 487 no answer, 404 unreachable."},
	{Name: "Timestamp", Kinds: []string{"status-callback"}, Applies: hasCallbacks,
		Meaning: "When the event happened: RFC 2822 date in UTC."},
	{Name: "CallbackSource", Kinds: []string{"status-callback"}, Applies: hasCallbacks,
		Meaning: "Always call-progress-events."},
	{Name: "SequenceNumber", Kinds: []string{"status-callback"}, Applies: hasCallbacks,
		Meaning: "Order of this callback within the call: 0, 1, 2… Callbacks are separate requests and may arrive out of order."},
	{Name: "AnsweredBy", Kinds: []string{"outbound"}, When: "answering-machine detection", Sample: "human", Applies: hasAMD},
	{Name: "ErrorCode", When: "requests to the fallback URL", Sample: "11200",
		Meaning: "Twilio error code of the failure that made Twilio request the fallback URL, e.g. 11200 HTTP retrieval failure."},
	{Name: "ErrorUrl", When: "requests to the fallback URL", Sample: "https://example.com/voice",
		Meaning: "The URL whose request failed."},
}

func (f callbackField) applies(p *Profile) bool { return f.Applies == nil || f.Applies(p) }

// FieldMeaning is what a request field means in a profile, in one line, or
// "" for a field callsim does not know.
func FieldMeaning(p *Profile, name string) string { return fieldMeaning(p, "", name) }

// fieldMeaning prefers the meaning a field has in requests of the given
// example kind (Digits of a Gather is not Digits of a Record).
func fieldMeaning(p *Profile, kind, name string) string {
	if kind != "" {
		for _, f := range callbackFields {
			if f.Name == name && f.Meaning != "" && f.applies(p) && slices.Contains(f.Kinds, kind) {
				return f.Meaning
			}
		}
	}
	if f, ok := p.Field(name); ok {
		return f.Meaning
	}
	for _, f := range callbackFields {
		if f.Name == name && f.Meaning != "" && f.applies(p) {
			return f.Meaning
		}
	}
	return ""
}

// FieldDoc describes one field for people.
type FieldDoc struct {
	Name    string `json:"name"`
	Example string `json:"example"`
	Sent    string `json:"sent"` // which requests carry it, and when
	Meaning string `json:"meaning"`
}

// FieldDocs lists the fields of one example kind's request, or with kind ""
// every field the profile sends, each with its meaning and an example value
// from the seeded examples of spec.
func FieldDocs(spec CallSpec, kind string, opt ExampleOptions) ([]FieldDoc, error) {
	if kind != "" {
		if _, err := LookupExampleKind(kind); err != nil {
			return nil, err
		}
	}
	reqs := map[string]*Request{}
	var prof *Profile
	for _, k := range ExampleKinds {
		call, err := ExampleCall(k.Name, spec)
		if err != nil {
			return nil, err
		}
		prof = call.Profile
		req, err := Example(k.Name, call, opt)
		if err != nil {
			return nil, err
		}
		reqs[k.Name] = req
	}
	sample := func(f callbackField) string {
		for _, k := range ExampleKinds {
			if v, ok := reqs[k.Name].Params.Get(f.Name); ok && fieldMeaning(prof, k.Name, f.Name) == fieldMeaning(prof, f.firstKind(), f.Name) {
				return v
			}
		}
		if f.Sample != "" {
			return f.Sample
		}
		for _, k := range ExampleKinds {
			if v, ok := reqs[k.Name].Params.Get(f.Name); ok {
				return v
			}
		}
		return ""
	}
	optional := func(f callbackField) FieldDoc {
		sent := f.When
		if len(f.Kinds) > 0 {
			sent = strings.Join(f.Kinds, ", ") + ", with " + f.When
		}
		return FieldDoc{Name: f.Name, Example: sample(f), Sent: sent, Meaning: fieldMeaning(prof, f.firstKind(), f.Name)}
	}

	var out []FieldDoc
	if kind != "" {
		for _, kv := range reqs[kind].Params {
			out = append(out, FieldDoc{Name: kv.Key, Example: kv.Value, Sent: "always", Meaning: fieldMeaning(prof, kind, kv.Key)})
		}
		for _, f := range callbackFields {
			if f.When != "" && f.applies(prof) && slices.Contains(f.Kinds, kind) {
				if _, ok := reqs[kind].Params.Get(f.Name); !ok {
					out = append(out, optional(f))
				}
			}
		}
		return out, nil
	}

	// Every field: the profile's standard fields, then the fields particular
	// to some requests, then the ones sent only in some conditions.
	listed := map[string]bool{} // name + meaning
	for _, f := range prof.Fields {
		doc := FieldDoc{Name: f.Name, Sent: "every request", Meaning: f.Meaning}
		if f.FirstOnly {
			doc.Sent = "first request"
		}
		for _, k := range ExampleKinds {
			if v, ok := reqs[k.Name].Params.Get(f.Name); ok {
				doc.Example = v
				break
			}
		}
		for _, c := range callbackFields {
			if c.Name == f.Name && c.When != "" && c.applies(prof) {
				doc.Sent += ", with " + c.When
				if doc.Example == "" {
					doc.Example = c.Sample
				}
			}
		}
		listed[f.Name+"\x00"+f.Meaning] = true
		out = append(out, doc)
	}
	for _, k := range ExampleKinds {
		for _, kv := range reqs[k.Name].Params {
			meaning := fieldMeaning(prof, k.Name, kv.Key)
			if listed[kv.Key+"\x00"+meaning] {
				continue
			}
			listed[kv.Key+"\x00"+meaning] = true
			var kinds []string
			for _, other := range ExampleKinds {
				if _, ok := reqs[other.Name].Params.Get(kv.Key); ok && fieldMeaning(prof, other.Name, kv.Key) == meaning {
					kinds = append(kinds, other.Name)
				}
			}
			out = append(out, FieldDoc{Name: kv.Key, Example: kv.Value, Sent: strings.Join(kinds, ", "), Meaning: meaning})
		}
	}
	for _, f := range callbackFields {
		if f.When == "" || !f.applies(prof) {
			continue
		}
		meaning := fieldMeaning(prof, f.firstKind(), f.Name)
		if listed[f.Name+"\x00"+meaning] {
			continue
		}
		listed[f.Name+"\x00"+meaning] = true
		out = append(out, optional(f))
	}
	return out, nil
}

// firstKind is the first kind the field is documented for, or "".
func (f callbackField) firstKind() string {
	if len(f.Kinds) == 0 {
		return ""
	}
	return f.Kinds[0]
}
