package simulate

import (
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The hot paths of a load run, one request at a time: building the payload,
// signing it, building the whole request, and a whole single-request call
// with the network replaced by an in-memory transport (so only callsim's
// own work is measured). Run with:
//
//	go test -run XXX -bench . -benchmem ./simulate/

const benchToken = "bench0123456789abcdef0123456789ab"

func benchCall(b *testing.B) *Call {
	b.Helper()
	c, err := NewCall(CallSpec{APIVersion: "2010-04-01", Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkNewCall(b *testing.B) {
	NewCall(CallSpec{Seed: 1}) // fixtures decoded outside the timer
	b.ReportAllocs()
	var seed uint64
	for b.Loop() {
		seed++
		if _, err := NewCall(CallSpec{APIVersion: "2010-04-01", Seed: seed}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPayload(b *testing.B) {
	c := benchCall(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Params("ringing", true).Encode()
	}
}

func BenchmarkStringToSign(b *testing.B) {
	params := benchCall(b).Params("ringing", true)
	b.ReportAllocs()
	for b.Loop() {
		_ = StringToSign("https://example.com/voice", params)
	}
}

func BenchmarkSignature(b *testing.B) {
	params := benchCall(b).Params("ringing", true)
	b.ReportAllocs()
	for b.Loop() {
		_ = Signature(benchToken, "https://example.com/voice", params)
	}
}

func BenchmarkBuild(b *testing.B) {
	c := benchCall(b)
	s, err := NewSigner(benchToken, "https://example.com/voice", "", 0)
	if err != nil {
		b.Fatal(err)
	}
	r := c.runRand()
	params := c.Params("ringing", true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Build("initial", Target{URL: "https://example.com/voice"}, params, r); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTransport answers every request in memory with one document.
type benchTransport struct{ doc string }

func (t benchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml"}},
		Body:          io.NopCloser(strings.NewReader(t.doc)),
		ContentLength: int64(len(t.doc)),
		Request:       req,
	}, nil
}

func benchRun(b *testing.B, doc string, opt Options, caller func() Caller) {
	client := &http.Client{Transport: benchTransport{doc}}
	opt.URL, opt.AuthToken, opt.HTTP = "http://app.test/voice", benchToken, client
	NewCall(CallSpec{Seed: 1})
	b.ReportAllocs()
	var seed uint64
	steps := 0
	for b.Loop() {
		seed++
		c, err := NewCall(CallSpec{APIVersion: "2010-04-01", Seed: seed})
		if err != nil {
			b.Fatal(err)
		}
		if caller != nil {
			opt.Caller = caller()
		}
		t, err := Run(context.Background(), c, opt)
		if err != nil || t.Failed {
			b.Fatalf("%v %+v", err, t.Errors)
		}
		steps += len(t.Steps)
	}
	b.ReportMetric(float64(steps)/float64(b.N), "requests/op")
}

// BenchmarkFlowStep is one whole single-request call, as `callsim load
// --no-end` makes against <Response><Hangup/></Response>: new call, options
// checked, request built and signed, sent, response read and parsed.
func BenchmarkFlowStep(b *testing.B) {
	benchRun(b, `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`, Options{NoEnd: true}, nil)
}

// BenchmarkFlowIVR is a three-request call: a <Gather> menu answered with
// a key, the action's document, and the end-of-call request.
func BenchmarkFlowIVR(b *testing.B) {
	doc := `<Response><Gather numDigits="1" action="/voice"><Say>Press 1 for sales.</Say></Gather><Say>Goodbye.</Say></Response>`
	benchRun(b, doc, Options{MaxSteps: 2}, func() Caller { return &ScriptCaller{Digits: []string{"1"}} })
}

// TestStringToSignMatchesReference checks the single-sort implementation
// against the official libraries' algorithm (every value of a name, sorted, unique).
func TestStringToSignMatchesReference(t *testing.T) {
	reference := func(rawURL string, params Params) string {
		byKey := map[string][]string{}
		for _, kv := range params {
			byKey[kv.Key] = append(byKey[kv.Key], kv.Value)
		}
		keys := slices.Sorted(maps.Keys(byKey))
		s := rawURL
		for _, k := range keys {
			vals := slices.Compact(slices.Sorted(slices.Values(byKey[k])))
			for _, v := range vals {
				s += k + v
			}
		}
		return s
	}
	for seed := range uint64(100) {
		for _, api := range ProfileNames() {
			c, err := NewCall(CallSpec{APIVersion: api, Seed: seed, Params: Params{{"Zeta", "1"}, {"a b", "x&y"}, {"Ω", ""}}})
			if err != nil {
				t.Fatal(err)
			}
			p := c.Params("ringing", true)
			if got, want := StringToSign("https://x.test/v?z=1", p), reference("https://x.test/v?z=1", p); got != want {
				t.Fatalf("unique fields:\n got %q\nwant %q", got, want)
			}
			p = p.Add("Digits", "1").Add("Digits", "0").Add("Digits", "1")
			if got, want := StringToSign("https://x.test/v", p), reference("https://x.test/v", p); got != want {
				t.Fatalf("repeated fields:\n got %q\nwant %q", got, want)
			}
		}
	}
}
