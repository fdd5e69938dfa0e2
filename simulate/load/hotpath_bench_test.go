package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// The whole per-call path of `callsim load --no-end` against an app that
// hangs up: the worker's call, the engine, building and signing the
// request, net/http's client, the statistics. Run with:
//
//	go test -run XXX -bench . -benchmem ./simulate/load/

const hangup = `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`

// memTransport answers every request in memory, so BenchmarkLoadCall
// measures callsim's own work and none of the network's.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml"}},
		Body:          io.NopCloser(strings.NewReader(hangup)),
		ContentLength: int64(len(hangup)),
		Request:       req,
	}, nil
}

func benchLoad(b *testing.B, url string, conc int, rt http.RoundTripper) {
	flow := Flow{
		Spec:    contract.CallSpec{APIVersion: "2010-04-01", Seed: 1},
		Options: simulate.Options{URL: url, AuthToken: token, NoEnd: true},
		NewCaller: func(int64) simulate.Caller {
			return &simulate.ScriptCaller{}
		},
	}
	b.ReportAllocs()
	b.ResetTimer()
	sum, err := Run(context.Background(), Config{Flows: []Flow{flow}, Calls: int64(b.N), Concurrency: conc, Transport: rt})
	if err != nil {
		b.Fatal(err)
	}
	if sum.Calls.Failed != 0 || sum.Calls.Completed != int64(b.N) {
		b.Fatalf("%d calls: %d completed, %d failed", b.N, sum.Calls.Completed, sum.Calls.Failed)
	}
}

// BenchmarkLoadCall is one call of a load run with the network replaced
// by an in-memory transport: callsim's own per-call work only.
func BenchmarkLoadCall(b *testing.B) {
	benchLoad(b, "http://app.test/voice", 1, memTransport{})
}

// BenchmarkLoadLoopback is the same against a real server over loopback,
// through callsim's net/http transport; the server's work is in the
// figures too.
func BenchmarkLoadLoopback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, hangup)
	}))
	defer srv.Close()
	benchLoad(b, srv.URL+"/voice", 4, nil)
}
