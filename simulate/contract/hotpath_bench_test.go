package contract

import (
	"testing"
)

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

// benchPayloads are the first requests' fields of successive calls.
func benchPayloads(b *testing.B) []Params {
	NewCall(CallSpec{Seed: 1})
	calls := make([]Params, 64)
	for i := range calls {
		c, err := NewCall(CallSpec{APIVersion: "2010-04-01", Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		calls[i] = c.Params("ringing", true)
	}
	return calls
}

// BenchmarkEncode encodes successive calls' fields, as a load run does.
func BenchmarkEncode(b *testing.B) {
	calls := benchPayloads(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = calls[i%len(calls)].Encode()
		i++
	}
}

// TestStreamSIDMatchesNewSID keeps the allocation-free SIDs identical to
// those of a rand.Rand on the same stream, so seeds reproduce across versions.
func TestStreamSIDMatchesNewSID(t *testing.T) {
	t.Parallel()
	for seed := range uint64(500) {
		for _, stream := range []uint64{streamCallSid, streamAccount} {
			if got, want := streamSID("CA", seed, stream), NewSID("CA", NewRandStream(seed, stream)); got != want {
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
