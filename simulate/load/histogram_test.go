package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// nearestRank is the textbook quantile of a sorted sample: the value of
// rank ceil(q·n).
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	if q <= 0 {
		return sorted[0]
	}
	rank := int(float64(len(sorted))*q + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func within(got, want time.Duration) bool {
	diff := float64(got - want)
	if diff < 0 {
		diff = -diff
	}
	return diff <= float64(want)*RelativeError+0.5
}

func TestHistogramQuantilesMatchSortedSample(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	samples := map[string][]time.Duration{
		"exact range": {0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233},
		"lognormal": func() []time.Duration {
			var s []time.Duration
			for range 100_000 {
				// ~1 ms median, long tail to seconds
				s = append(s, time.Duration(float64(time.Millisecond)*math.Exp(r.NormFloat64()*1.5)))
			}
			return s
		}(),
		"bimodal with timeouts": func() []time.Duration {
			var s []time.Duration
			for i := range 10_000 {
				if i%97 == 0 {
					s = append(s, 15*time.Second+time.Duration(r.IntN(1000))*time.Microsecond)
				} else {
					s = append(s, 50*time.Microsecond+time.Duration(r.IntN(200_000)))
				}
			}
			return s
		}(),
		"one value": {42 * time.Millisecond},
	}
	quantiles := []float64{0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}
	for name, sample := range samples {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := NewHistogram()
			var sum time.Duration
			for _, v := range sample {
				h.Record(v)
				sum += v
			}
			sorted := slices.Clone(sample)
			slices.Sort(sorted)
			if h.Count() != uint64(len(sample)) || h.Min() != sorted[0] || h.Max() != sorted[len(sorted)-1] {
				t.Fatalf("count/min/max = %d/%v/%v, want %d/%v/%v", h.Count(), h.Min(), h.Max(), len(sample), sorted[0], sorted[len(sorted)-1])
			}
			if want := sum / time.Duration(len(sample)); h.Mean() != want {
				t.Errorf("mean = %v, want %v", h.Mean(), want)
			}
			for _, q := range quantiles {
				want := nearestRank(sorted, q)
				if got := h.Quantile(q); !within(got, want) {
					t.Errorf("q%.3f = %v, sorted sample says %v (off by more than %.2f%%)", q, got, want, 100*RelativeError)
				}
			}
		})
	}
}

func TestHistogramBuckets(t *testing.T) {
	t.Parallel()
	// Every value lands in a bucket that contains it, buckets are ordered
	// and never wider than the relative bound.
	check := func(v time.Duration) {
		i := bucketOf(v)
		lo, hi := bounds(i)
		if uint64(v) < lo || uint64(v) > hi {
			t.Fatalf("value %d in bucket %d [%d, %d]", v, i, lo, hi)
		}
		if hi-lo+1 > 1 && float64(hi-lo+1)/float64(lo) > 1.0/subBuckets+1e-12 {
			t.Fatalf("bucket %d [%d, %d] too wide", i, lo, hi)
		}
	}
	for v := time.Duration(0); v < 70_000; v++ {
		check(v)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		check(time.Duration(r.Int64N(1 << 40)))
	}
	for i := 1; i < numBuckets; i++ {
		_, prevHi := bounds(i - 1)
		lo, _ := bounds(i)
		if lo != prevHi+1 {
			t.Fatalf("gap between bucket %d and %d: %d, %d", i-1, i, prevHi, lo)
		}
	}
	// Beyond the range: the top bucket, max still exact.
	h := NewHistogram()
	h.Record(time.Duration(1 << 62))
	h.Record(-5)
	if h.Max() != 1<<62 || h.Min() != 0 || h.Quantile(1) != 1<<62 {
		t.Errorf("out-of-range values: min %v max %v", h.Min(), h.Max())
	}
}

func TestHistogramMerge(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	whole, parts := NewHistogram(), []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}
	for i := range 30_000 {
		v := time.Duration(r.Int64N(int64(2 * time.Second)))
		whole.Record(v)
		parts[i%3].Record(v)
	}
	merged := NewHistogram()
	merged.Merge(nil)
	merged.Merge(NewHistogram())
	for _, p := range parts {
		merged.Merge(p)
	}
	if !equalChunks(merged, whole) || merged.n != whole.n || merged.sum != whole.sum || merged.min != whole.min || merged.max != whole.max {
		t.Fatal("merging per-worker histograms differs from recording into one")
	}
	if NewHistogram().Quantile(0.5) != 0 || NewHistogram().Mean() != 0 {
		t.Error("empty histogram should report zeros")
	}
}

func equalChunks(a, b *Histogram) bool {
	for i := range a.chunks {
		if !slices.Equal(a.chunks[i], b.chunks[i]) {
			return false
		}
	}
	return true
}

func allocated(h *Histogram) (chunks int) {
	for _, c := range h.chunks {
		if c != nil {
			chunks++
		}
	}
	return chunks
}

func TestHistogramMemoryIsBounded(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	if allocated(h) != 0 {
		t.Fatal("a new histogram allocates buckets")
	}
	// A million latencies within one power of two (1.05-2.1 ms): one chunk.
	for i := range 1_000_000 {
		h.Record(time.Duration(1<<20 + i%(1<<20)))
	}
	if n := allocated(h); n != 1 {
		t.Fatalf("latencies within one power of two use %d chunks, want 1", n)
	}
	// Every value there is: at most every chunk, whatever the count.
	for i := range 63 {
		h.Record(time.Duration(1) << i)
		h.Record(time.Duration(1)<<i + 1)
	}
	if n := allocated(h); n > numChunks {
		t.Fatalf("%d chunks, more than %d", n, numChunks)
	}
}
