package example

import (
	"slices"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/webhook"
)

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
func FieldDocs(spec contract.CallSpec, kind string, opt Options) ([]FieldDoc, error) {
	if kind != "" {
		if _, err := LookupKind(kind); err != nil {
			return nil, err
		}
	}
	prof, err := contract.LookupProfile(spec.APIVersion)
	if err != nil {
		return nil, &contract.InputError{Field: "api-version", Value: spec.APIVersion, Msg: err.Error()}
	}
	if k, err := LookupKind(kind); err == nil && !k.Applies(prof) {
		return nil, notSent(k, prof)
	}
	reqs := map[string]*webhook.Request{}
	var kinds []Kind // the kinds this profile sends
	for _, k := range Kinds() {
		if k.Applies(prof) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		call, err := Call(k.Name, spec)
		if err != nil {
			return nil, err
		}
		req, err := Build(k.Name, call, opt)
		if err != nil {
			return nil, err
		}
		reqs[k.Name] = req
	}
	sample := func(f contract.CallbackField) string {
		for _, k := range kinds {
			if v, ok := reqs[k.Name].Params.Get(f.Name); ok && contract.KindFieldMeaning(prof, k.Name, f.Name) == contract.KindFieldMeaning(prof, f.FirstKind(), f.Name) {
				return v
			}
		}
		if f.Sample != "" {
			return f.Sample
		}
		for _, k := range kinds {
			if v, ok := reqs[k.Name].Params.Get(f.Name); ok {
				return v
			}
		}
		return ""
	}
	optional := func(f contract.CallbackField) FieldDoc {
		sent := f.When
		if len(f.Kinds) > 0 {
			sent = strings.Join(f.Kinds, ", ") + ", with " + f.When
		}
		return FieldDoc{Name: f.Name, Example: sample(f), Sent: sent, Meaning: contract.KindFieldMeaning(prof, f.FirstKind(), f.Name)}
	}

	var out []FieldDoc
	if kind != "" {
		for _, kv := range reqs[kind].Params {
			out = append(out, FieldDoc{Name: kv.Key, Example: kv.Value, Sent: "always", Meaning: contract.KindFieldMeaning(prof, kind, kv.Key)})
		}
		for _, f := range contract.CallbackFields() {
			if f.When != "" && f.AppliesTo(prof) && slices.Contains(f.Kinds, kind) {
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
		// a first-request field is documented as the first request sends
		// it, not as a callback of its own (AnsweredBy of async detection)
		first := func(kinds []string) bool {
			return !f.FirstOnly || len(kinds) == 0 || slices.Contains(kinds, "inbound") || slices.Contains(kinds, "outbound")
		}
		for _, k := range kinds {
			if v, ok := reqs[k.Name].Params.Get(f.Name); ok && first([]string{k.Name}) {
				doc.Example = v
				break
			}
		}
		for _, c := range contract.CallbackFields() {
			if c.Name == f.Name && c.When != "" && c.AppliesTo(prof) && first(c.Kinds) {
				doc.Sent += ", with " + c.When
				if doc.Example == "" {
					doc.Example = c.Sample
				}
			}
		}
		listed[f.Name+"\x00"+f.Meaning] = true
		out = append(out, doc)
	}
	for _, k := range kinds {
		for _, kv := range reqs[k.Name].Params {
			meaning := contract.KindFieldMeaning(prof, k.Name, kv.Key)
			if listed[kv.Key+"\x00"+meaning] {
				continue
			}
			listed[kv.Key+"\x00"+meaning] = true
			var sentIn []string
			for _, other := range kinds {
				if _, ok := reqs[other.Name].Params.Get(kv.Key); ok && contract.KindFieldMeaning(prof, other.Name, kv.Key) == meaning {
					sentIn = append(sentIn, other.Name)
				}
			}
			out = append(out, FieldDoc{Name: kv.Key, Example: kv.Value, Sent: strings.Join(sentIn, ", "), Meaning: meaning})
		}
	}
	for _, f := range contract.CallbackFields() {
		if f.When == "" || !f.AppliesTo(prof) {
			continue
		}
		meaning := contract.KindFieldMeaning(prof, f.FirstKind(), f.Name)
		if listed[f.Name+"\x00"+meaning] {
			continue
		}
		listed[f.Name+"\x00"+meaning] = true
		out = append(out, optional(f))
	}
	return out, nil
}
