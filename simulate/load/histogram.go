package load

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets, like HdrHistogram:
// values below 2·subBuckets nanoseconds are exact, above that each power of
// two is split into subBuckets equal buckets, so a bucket is never wider than
// 1/subBuckets of the values in it. Quantiles are reported as the middle of
// their bucket, within 1/(2·subBuckets) (0.4 %) of the true value; count,
// sum, min and max are exact. Memory never depends on the number of
// values: buckets are allocated one power of two (1 kB) at a time, on first
// use, so a histogram holds at most 35 kB and typically a few kB (latencies
// spread over a few powers of two). Two histograms merge by adding counts.
//
// A Histogram is not safe for concurrent use: each worker keeps its own and
// they are merged at the end.
type Histogram struct {
	chunks   [numChunks][]uint64 // bucket i is chunks[i/subBuckets][i%subBuckets]
	n        uint64
	sum      time.Duration
	min, max time.Duration
}

const (
	subBits    = 7
	subBuckets = 1 << subBits // 128: relative bucket width ≤ 1/128
	// maxShift bounds the range: values up to 2^(maxShift+subBits+1) ns
	// (about 18 minutes) get their own bucket; larger ones share the top one
	// (max stays exact).
	maxShift   = 33
	numBuckets = (maxShift+1)*subBuckets + subBuckets
	numChunks  = numBuckets / subBuckets
)

// RelativeError is the largest relative difference between a quantile the
// histogram reports and the true sample value at that rank.
const RelativeError = 1.0 / (2 * subBuckets)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{} }

func (h *Histogram) add(bucket int, n uint64) {
	c := &h.chunks[bucket/subBuckets]
	if *c == nil {
		*c = make([]uint64, subBuckets)
	}
	(*c)[bucket%subBuckets] += n
}

func bucketOf(v time.Duration) int {
	if v < 0 {
		v = 0
	}
	u := uint64(v)
	if u < 2*subBuckets {
		return int(u)
	}
	shift := bits.Len64(u) - 1 - subBits // ≥ 1
	if shift > maxShift {
		return numBuckets - 1
	}
	return shift*subBuckets + int(u>>shift)
}

// bounds returns the smallest and largest value bucket i holds.
func bounds(i int) (lo, hi uint64) {
	if i < 2*subBuckets {
		return uint64(i), uint64(i)
	}
	shift := i/subBuckets - 1
	m := uint64(i - shift*subBuckets)
	return m << shift, (m+1)<<shift - 1
}

// Record adds one value.
func (h *Histogram) Record(v time.Duration) {
	if v < 0 {
		v = 0
	}
	h.add(bucketOf(v), 1)
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += v
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	for ci, c := range o.chunks {
		for j, n := range c {
			if n > 0 {
				h.add(ci*subBuckets+j, n)
			}
		}
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is how many values were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Min is the smallest value recorded (0 if none).
func (h *Histogram) Min() time.Duration { return h.min }

// Max is the largest value recorded (0 if none).
func (h *Histogram) Max() time.Duration { return h.max }

// Mean is the average value (0 if none).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the value at quantile q (0..1): the value of rank
// ceil(q·n) in sorted order (the nearest-rank definition), to within
// RelativeError. Quantile(1) is the exact maximum, Quantile(0) the minimum.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for ci, c := range h.chunks {
		for j, n := range c {
			seen += n
			if seen >= rank {
				lo, hi := bounds(ci*subBuckets + j)
				v := time.Duration(lo + (hi-lo)/2)
				return min(max(v, h.min), h.max)
			}
		}
	}
	return h.max
}
