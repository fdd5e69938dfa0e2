package simulate

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate/contract"
)

// The hot paths of a load run, one request at a time: building the payload
// (contract), signing it (signature), building the whole request (webhook),
// and here a whole single-request call with the network replaced by an
// in-memory transport (so only callsim's own work is measured). Run with:
//
//	go test -run XXX -bench . -benchmem ./simulate/...

const benchToken = "bench0123456789abcdef0123456789ab"

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
	contract.NewCall(contract.CallSpec{Seed: 1})
	b.ReportAllocs()
	var seed uint64
	steps := 0
	for b.Loop() {
		seed++
		c, err := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Seed: seed})
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
