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
	rn, err := NewRunner(opt) // as a load run does: options checked once
	if err != nil {
		b.Fatal(err)
	}
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
		var hooks CallHooks
		if caller != nil {
			hooks.Caller = caller()
		}
		t := rn.Run(context.Background(), c, hooks)
		if t.Failed {
			b.Fatalf("%+v", t.Errors)
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
	t.Parallel()
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

// TestStringToSignOrderCache alternates field lists of one length whose
// sorted orders differ, so the remembered order is wrong every other time.
func TestStringToSignOrderCache(t *testing.T) {
	t.Parallel()
	a := Params{{"b", "1"}, {"a", "2"}, {"c", "3"}}
	b := Params{{"c", "1"}, {"b", "2"}, {"a", "3"}}
	c := Params{{"a", "2"}, {"a", "1"}, {"a", "2"}} // repeated fields, one duplicate
	want := map[*Param]string{&a[0]: "Ua2b1c3", &b[0]: "Ua3b2c1", &c[0]: "Ua1a2"}
	for range 3 {
		for _, p := range []Params{a, b, c, a, a, c, b, b} {
			if got := StringToSign("U", p); got != want[&p[0]] {
				t.Fatalf("StringToSign(%v) = %q, want %q", p, got, want[&p[0]])
			}
		}
	}
}

// TestStreamSIDMatchesNewSID keeps the allocation-free SIDs identical to
// those of a rand.Rand on the same stream, so seeds reproduce across versions.
func TestStreamSIDMatchesNewSID(t *testing.T) {
	t.Parallel()
	for seed := range uint64(500) {
		for _, stream := range []uint64{streamCallSid, streamAccount} {
			if got, want := streamSID("CA", seed, stream), NewSID("CA", newRand(seed, stream)); got != want {
				t.Fatalf("seed %d stream %d: %s, want %s", seed, stream, got, want)
			}
		}
	}
}

// TestFixturePartiesMatchParseParty: the parties built from fixture data
// are exactly what parsing the numbers with libphonenumber gives.
func TestFixturePartiesMatchParseParty(t *testing.T) {
	t.Parallel()
	parties := defaultParties()
	if len(parties) < 2 {
		t.Fatalf("%d fixture numbers", len(parties))
	}
	for _, p := range parties {
		want, err := ParseParty(p.E164)
		if err != nil {
			t.Errorf("%s: %v", p.E164, err)
			continue
		}
		if p != want {
			t.Errorf("fixture party %+v, ParseParty gives %+v", p, want)
		}
	}
}
