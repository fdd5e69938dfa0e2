package webhook

import (
	"testing"

	"github.com/callsim/callsim/simulate/contract"
)

const benchToken = "bench0123456789abcdef0123456789ab"

func benchCall(b *testing.B) *contract.Call {
	b.Helper()
	c, err := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkBuild(b *testing.B) {
	c := benchCall(b)
	s, err := NewSender(benchToken, "https://example.com/voice", "", 0)
	if err != nil {
		b.Fatal(err)
	}
	r := c.RunRand()
	params := c.Params("ringing", true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Build("initial", Target{URL: "https://example.com/voice"}, params, r); err != nil {
			b.Fatal(err)
		}
	}
}
