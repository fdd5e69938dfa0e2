package load

import (
	"math"
	"time"
)

// MaxRateConcurrency caps the calls in flight ConcurrencyFor asks for: past
// it the machine running callsim, not the app, becomes what is measured.
const MaxRateConcurrency = 2000

// ConcurrencyFor is how many calls must be allowed in flight to keep starting
// rate calls a second when each may take up to timeout (Twilio's 15 s when
// timeout is 0): at least DefaultConcurrency, at most MaxRateConcurrency.
func ConcurrencyFor(rate float64, timeout time.Duration) int {
	if timeout <= 0 {
		timeout = TwilioLimit
	}
	need := math.Ceil(rate * timeout.Seconds())
	return int(min(max(need, DefaultConcurrency), MaxRateConcurrency))
}
