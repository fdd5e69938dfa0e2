package contract

import (
	"math/rand/v2"
)

const hexDigits = "0123456789abcdef"

// NewSID returns a Twilio identifier: the two-letter prefix and 32 lowercase hex digits.
func NewSID(prefix string, r *rand.Rand) string {
	var b [64]byte
	n := copy(b[:], prefix)
	for i := 0; i < 32; i++ {
		b[n] = hexDigits[r.IntN(16)]
		n++
	}
	return string(b[:n])
}

// streamSID is NewSID(prefix, newRand(seed, stream)) without allocating
// the stream: a load run makes two per call. IntN(16) is the source's next
// value masked to 4 bits (math/rand/v2 masks for powers of two), which
// TestStreamSIDMatchesNewSID keeps true.
func streamSID(prefix string, seed, stream uint64) string {
	pcg := rand.NewPCG(seed, stream^streamMix)
	var b [64]byte
	n := copy(b[:], prefix)
	for i := 0; i < 32; i++ {
		b[n] = hexDigits[pcg.Uint64()&15]
		n++
	}
	return string(b[:n])
}

// ValidSID reports whether s has the shape Twilio's API accepts for the prefix.
func ValidSID(prefix, s string) bool {
	if len(s) != len(prefix)+32 || s[:len(prefix)] != prefix {
		return false
	}
	for _, c := range s[len(prefix):] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// NewRandStream gives one reproducible stream per purpose, so adding a draw in one
// place does not shift every other generated value.
func NewRandStream(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream^streamMix))
}

const streamMix = 0x9e3779b97f4a7c15

// NewRand returns a reproducible random source for callers building
// requests outside a call (examples, benchmarks).
func NewRand(seed uint64) *rand.Rand { return NewRandStream(seed, streamRun) }
