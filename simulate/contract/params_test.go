package contract

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// Encode is url.QueryEscape of every key and value, in order, whatever it
// encoded before: Encode remembers the last keys that needed no escaping,
// and a list with other keys (some needing escaping) must not reuse them.
func TestEncodeMatchesQueryEscape(t *testing.T) {
	t.Parallel()
	keys := []string{"CallSid", "From", "To", "a b", "ü", "x&y=z", "Digits"}
	values := []string{"", "CA0123", "+14155550100", "two words", "50% off & more", "é/?=#", "~-_."}
	r := rand.New(rand.NewPCG(1, 2))
	var prev Params
	for i := range 3000 {
		var p Params
		if i%4 != 0 {
			p = prev.Clone() // mostly the same keys again, as a load run sends them
		}
		for range r.IntN(3) {
			p = p.Add(keys[r.IntN(len(keys))], values[r.IntN(len(values))])
		}
		if len(p) > 0 && r.IntN(3) == 0 {
			p[r.IntN(len(p))].Key = keys[r.IntN(len(keys))]
		}
		var want []string
		for _, kv := range p {
			want = append(want, url.QueryEscape(kv.Key)+"="+url.QueryEscape(kv.Value))
		}
		if got := p.Encode(); got != strings.Join(want, "&") {
			t.Fatalf("after %d: Encode(%v) = %q, want %q", i, p, got, strings.Join(want, "&"))
		}
		prev = p
	}
}
