package signature

import (
	"maps"
	"slices"
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
		_ = Compute(benchToken, "https://example.com/voice", params)
	}
}

// TestStringToSignMatchesReference checks the single-sort implementation
// against the official libraries' algorithm (every value of a name, sorted, unique).
func TestStringToSignMatchesReference(t *testing.T) {
	t.Parallel()
	reference := func(rawURL string, params contract.Params) string {
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
		for _, api := range contract.ProfileNames() {
			c, err := contract.NewCall(contract.CallSpec{APIVersion: api, Seed: seed, Params: contract.Params{{Key: "Zeta", Value: "1"}, {Key: "a b", Value: "x&y"}, {Key: "Ω", Value: ""}}})
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
	a := contract.Params{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}, {Key: "c", Value: "3"}}
	b := contract.Params{{Key: "c", Value: "1"}, {Key: "b", Value: "2"}, {Key: "a", Value: "3"}}
	c := contract.Params{{Key: "a", Value: "2"}, {Key: "a", Value: "1"}, {Key: "a", Value: "2"}} // repeated fields, one duplicate
	d := contract.Params{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}, {Key: "a", Value: "0"}} // c's keys, another order of values
	e := contract.Params{{Key: "b", Value: "9"}, {Key: "a", Value: "8"}, {Key: "c", Value: "7"}} // a's keys, other values
	want := map[*contract.Param]string{&a[0]: "Ua2b1c3", &b[0]: "Ua3b2c1", &c[0]: "Ua1a2", &d[0]: "Ua0a1a2", &e[0]: "Ua8b9c7"}
	for range 3 {
		for _, p := range []contract.Params{a, b, c, a, a, c, b, b, c, d, c, d, a, e, a, e} {
			if got := StringToSign("U", p); got != want[&p[0]] {
				t.Fatalf("StringToSign(%v) = %q, want %q", p, got, want[&p[0]])
			}
		}
	}
}
