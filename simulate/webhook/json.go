package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// MarshalJSON writes the response as the JSON report shows it: headers in
// the request's shape (a list of key and value, sorted by key), the latency
// in whole milliseconds (latency_ms), and bodies as written (no \u0026).
func (r *Response) MarshalJSON() ([]byte, error) {
	type plain Response
	var headers contract.Params
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Headers[k] {
			headers = append(headers, contract.Param{Key: k, Value: v})
		}
	}
	return MarshalPlain(struct {
		*plain
		Headers   contract.Params `json:"headers,omitempty"`
		LatencyNS *struct{}       `json:"latency_ns,omitempty"` // hides the field's own name
		LatencyMS int64           `json:"latency_ms"`
	}{plain: (*plain)(r), Headers: headers, LatencyMS: Milliseconds(r.Latency)})
}

// Milliseconds is d in whole milliseconds, rounded: the unit of every
// duration in callsim's JSON.
func Milliseconds(d time.Duration) int64 {
	return d.Round(time.Millisecond).Milliseconds()
}

// MarshalPlain is json.Marshal without HTML escaping: TwiML and form
// bodies keep their & < >, as the app sent them.
func MarshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Response) UnmarshalJSON(data []byte) error {
	type plain Response
	var v struct {
		*plain
		Headers   contract.Params `json:"headers"`
		LatencyMS int64           `json:"latency_ms"`
	}
	v.plain = (*plain)(r)
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	r.Headers = nil
	for _, h := range v.Headers {
		if r.Headers == nil {
			r.Headers = http.Header{}
		}
		r.Headers[h.Key] = append(r.Headers[h.Key], h.Value)
	}
	r.Latency = time.Duration(v.LatencyMS) * time.Millisecond
	return nil
}
