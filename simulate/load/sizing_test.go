package load

import (
	"testing"
	"time"
)

func TestConcurrencyFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rate    float64
		timeout time.Duration
		want    int
	}{
		{1, 0, DefaultConcurrency},             // 15 calls in flight at most: the default is enough
		{20, 0, 300},                           // 20/s for 15 s each
		{20, 3 * time.Second, 60},              // a shorter timeout needs fewer
		{0.5, time.Second, DefaultConcurrency}, // never below the default
		{1000, 0, MaxRateConcurrency},          // capped
		{30.1, 2 * time.Second, 61},            // rounded up
	} {
		if got := ConcurrencyFor(tt.rate, tt.timeout); got != tt.want {
			t.Errorf("ConcurrencyFor(%v, %v) = %d, want %d", tt.rate, tt.timeout, got, tt.want)
		}
	}
}
