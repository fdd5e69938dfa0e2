package contract

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Overrides are Twilio's connection overrides, set per URL in its fragment
// (#ct=…&rt=…&tt=…&rc=…&rp=…). The fragment is never sent or signed.
type Overrides struct {
	ConnectTimeout time.Duration `json:"connect_timeout"`
	ReadTimeout    time.Duration `json:"read_timeout"`
	TotalTimeout   time.Duration `json:"total_timeout"`
	RetryCount     int           `json:"retry_count"`
	RetryPolicy    []string      `json:"retry_policy"`
}

// DefaultOverrides are Twilio's defaults when a URL has no fragment. Zero
// read and total timeouts mean the per-request cap (15 s, or --timeout).
func DefaultOverrides() Overrides {
	return Overrides{
		ConnectTimeout: DefaultConnectTimeout,
		RetryCount:     1,
		RetryPolicy:    defaultRetryPolicy[:1:1], // shared, read-only: ParseOverrides replaces it
	}
}

var defaultRetryPolicy = []string{"ct"}

// DefaultConnectTimeout is Twilio's connect timeout when #ct is not set.
const DefaultConnectTimeout = 5 * time.Second

var retryPolicies = []string{"4xx", "5xx", "ct", "rt", "all"}

// ParseOverrides reads a URL fragment. Unknown keys (sni, e, edge) are
// accepted and ignored: they select TLS and egress options callsim has no use for.
func ParseOverrides(fragment string) (Overrides, error) {
	o := DefaultOverrides()
	if fragment == "" {
		return o, nil
	}
	q, err := url.ParseQuery(fragment)
	if err != nil {
		return o, fmt.Errorf("connection overrides %q: %v", fragment, err)
	}
	ms := func(key string, lo, hi int, dst *time.Duration) error {
		v := q.Get(key)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("connection override %s=%s: must be %d to %d milliseconds", key, v, lo, hi)
		}
		*dst = time.Duration(n) * time.Millisecond
		return nil
	}
	for _, e := range []error{
		ms("ct", 100, 10000, &o.ConnectTimeout),
		ms("rt", 100, 15000, &o.ReadTimeout),
		ms("tt", 100, 15000, &o.TotalTimeout),
	} {
		if e != nil {
			return o, e
		}
	}
	if v := q.Get("rc"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 5 {
			return o, fmt.Errorf("connection override rc=%s: must be 0 to 5", v)
		}
		o.RetryCount = n
	}
	if v := q.Get("rp"); v != "" {
		o.RetryPolicy = nil
		for _, p := range strings.Split(v, ",") {
			if !slices.Contains(retryPolicies, p) {
				return o, fmt.Errorf("connection override rp=%s: 11243 invalid retry policy %q (allowed: %s)", v, p, strings.Join(retryPolicies, ", "))
			}
			o.RetryPolicy = append(o.RetryPolicy, p)
		}
	}
	return o, nil
}

// Retries reports whether a failure of the given class ("4xx", "5xx", "ct", "rt") is retried.
func (o Overrides) Retries(class string) bool {
	return slices.Contains(o.RetryPolicy, "all") || slices.Contains(o.RetryPolicy, class)
}

// Capped bounds the read and total timeouts by limit (zero: no bound).
func (o Overrides) Capped(limit time.Duration) Overrides {
	if limit <= 0 {
		return o
	}
	capAt := func(d time.Duration) time.Duration {
		if d == 0 {
			return limit
		}
		return min(d, limit)
	}
	o.ConnectTimeout = capAt(o.ConnectTimeout)
	o.ReadTimeout = capAt(o.ReadTimeout)
	o.TotalTimeout = capAt(o.TotalTimeout)
	return o
}
