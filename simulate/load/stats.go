package load

import (
	"cmp"
	"slices"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// Request kinds, as in simulate.Request.Kind, in report order.
var kinds = []string{"initial", "fallback", "gather", "redirect", "record", "dial", "end", "status-callback", "other"}

// groups are the summary's latency rows: which kinds each one covers.
var groups = []struct {
	name, label string
	kinds       []string
}{
	{"first", "first request", []string{"initial"}},
	{"fallback", "fallback", []string{"fallback"}},
	{"action", "action requests", []string{"gather", "redirect", "record", "dial", "other"}},
	{"end", "end-of-call", []string{"end"}},
	{"status-callback", "status callbacks", []string{"status-callback"}},
}

func kindIndex(kind string) int {
	if i := slices.Index(kinds, kind); i >= 0 {
		return i
	}
	return len(kinds) - 1
}

type kindStats struct {
	hist   *Histogram // allocated on first use
	errors int64
}

type errorStats struct {
	count   int64
	example string
	seed    uint64
	call    int64
}

// stats is what one worker saw; merged into the run's at the end.
type stats struct {
	kinds            []kindStats
	errors           map[int]*errorStats
	flows            []FlowCounts // calls by flow
	canceledRequests int64
	overLimit        int64
	firstUnmet       *errorStats // the earliest call whose expectations failed
	ai               aiStats     // WebSocket sessions (ai.go)
}

// unmet records a call whose expectations failed, keeping the earliest's first failure.
func (s *stats) unmet(failure string, seed uint64, call int64) {
	if s.firstUnmet == nil || call < s.firstUnmet.call {
		s.firstUnmet = &errorStats{example: failure, seed: seed, call: call}
	}
}

func newStats(flows int) *stats {
	return &stats{kinds: make([]kindStats, len(kinds)), errors: map[int]*errorStats{}, flows: make([]FlowCounts, flows)}
}

func (s *stats) record(kind int, latency time.Duration, err *contract.TwilioError, seed uint64, call int64) {
	k := &s.kinds[kind]
	if k.hist == nil {
		k.hist = NewHistogram()
	}
	k.hist.Record(latency)
	if latency >= TwilioLimit {
		s.overLimit++
	}
	if err == nil {
		return
	}
	k.errors++
	e := s.errors[err.Code]
	if e == nil {
		e = &errorStats{example: err.Message, seed: seed, call: call}
		s.errors[err.Code] = e
	}
	e.count++
}

func (s *stats) merge(o *stats) {
	for i := range o.kinds {
		if o.kinds[i].hist != nil {
			if s.kinds[i].hist == nil {
				s.kinds[i].hist = NewHistogram()
			}
			s.kinds[i].hist.Merge(o.kinds[i].hist)
		}
		s.kinds[i].errors += o.kinds[i].errors
	}
	for code, e := range o.errors {
		mine := s.errors[code]
		if mine == nil {
			c := *e
			s.errors[code] = &c
			continue
		}
		mine.count += e.count
		if e.call < mine.call { // the example is the earliest call's
			mine.example, mine.seed, mine.call = e.example, e.seed, e.call
		}
	}
	for i, f := range o.flows {
		s.flows[i].Completed += f.Completed
		s.flows[i].Failed += f.Failed
		s.flows[i].Canceled += f.Canceled
		s.flows[i].Unmet += f.Unmet
	}
	if u := o.firstUnmet; u != nil {
		s.unmet(u.example, u.seed, u.call)
	}
	s.canceledRequests += o.canceledRequests
	s.overLimit += o.overLimit
	s.ai.merge(&o.ai)
}

// Summary is the outcome of a load run.
type Summary struct {
	URL            string     `json:"url"`
	NewConnections bool       `json:"new_connections"`
	Calls          CallCounts `json:"calls"`
	Requests       int64      `json:"requests"`
	Errors         int64      `json:"errors"`        // requests that failed
	Concurrency    int        `json:"concurrency"`   // calls in flight at most
	Rate           float64    `json:"rate,omitzero"` // calls started per second asked for (open model)
	// LateStarts counts calls of the open model started over 50 ms after
	// their due time because every worker was busy: the rate was not kept.
	LateStarts        int64         `json:"late_starts,omitzero"`
	Elapsed           time.Duration `json:"elapsed_ns"`
	CallsPerSecond    float64       `json:"calls_per_second"`
	RequestsPerSecond float64       `json:"requests_per_second"`
	// Latency has one row per group of request kinds that occurred (first,
	// fallback, action, end, status-callback), then "all".
	Latency []LatencyStats `json:"latency"`
	// ByKind has one row per request kind that occurred.
	ByKind         []LatencyStats `json:"latency_by_kind"`
	ByCode         []ErrorCount   `json:"errors_by_code"`
	OverLimit      int64          `json:"over_limit"`       // requests that took 15 s or more
	OverLimitShare float64        `json:"over_limit_share"` // of all requests, 0..1
	// CanceledRequests were aborted by the cancellation (not counted in
	// Requests, Errors or latency).
	CanceledRequests int64 `json:"canceled_requests,omitzero"`
	// Flows counts calls by flow when the run mixed several (scenarios).
	Flows []FlowCounts `json:"flows,omitempty"`
	// Unmet counts the calls whose expectations (a scenario's) failed,
	// with the earliest one's first failure; such calls count as failed.
	Unmet       *UnmetCount `json:"expectations_failed,omitempty"`
	Interrupted bool        `json:"interrupted"`
	BaseSeed    uint64      `json:"seed"`
	// VoiceAI sums up the WebSocket sessions; nil when the calls opened none.
	VoiceAI *VoiceAI `json:"voice_ai,omitempty"`
}

// CallCounts add up: Started = Completed + Failed + Canceled.
type CallCounts struct {
	Started   int64 `json:"started"`
	Completed int64 `json:"completed"` // no endpoint failure, expectations met
	Failed    int64 `json:"failed"`    // a request failed, the loop guard hit, or an expectation failed
	Canceled  int64 `json:"canceled"`  // cut short by the cancellation
}

// FlowCounts are the calls of one flow of a mixed run.
type FlowCounts struct {
	Name      string `json:"name"`
	Started   int64  `json:"started"`
	Completed int64  `json:"completed"`
	Failed    int64  `json:"failed"`
	Canceled  int64  `json:"canceled"`
	Unmet     int64  `json:"expectations_failed"` // of Failed
}

// UnmetCount is how many calls failed their expectations, with the first
// failure of the earliest such call.
type UnmetCount struct {
	Calls   int64  `json:"calls"`
	Example string `json:"example"`
	Call    int64  `json:"call"`
	Seed    uint64 `json:"seed"`
}

// LatencyStats describe the latency of one kind or group of requests. A
// request's latency is the time from sending it to reading the whole
// response; for a request that got no response (refused, timed out) it is
// the time until callsim gave up.
type LatencyStats struct {
	Kind   string        `json:"kind"`
	Label  string        `json:"-"`
	Count  int64         `json:"count"`
	Errors int64         `json:"errors"`
	Mean   time.Duration `json:"mean_ns"`
	P50    time.Duration `json:"p50_ns"`
	P90    time.Duration `json:"p90_ns"`
	P99    time.Duration `json:"p99_ns"`
	Max    time.Duration `json:"max_ns"`
}

// ErrorCount is how often one Twilio error code occurred, with the first
// call that hit it (its seed replays it with `callsim inbound --seed`).
type ErrorCount struct {
	Code    int    `json:"code"`
	Words   string `json:"words"`
	Count   int64  `json:"count"`
	Example string `json:"example"`
	Call    int64  `json:"call"`
	Seed    uint64 `json:"seed"`
}

func latencyOf(kind, label string, h *Histogram, errors int64) LatencyStats {
	return LatencyStats{
		Kind: kind, Label: label, Count: int64(h.Count()), Errors: errors, Mean: h.Mean(),
		P50: h.Quantile(0.50), P90: h.Quantile(0.90), P99: h.Quantile(0.99), Max: h.Max(),
	}
}

func (s *stats) summary(elapsed time.Duration) *Summary {
	out := &Summary{
		Elapsed:          elapsed,
		OverLimit:        s.overLimit,
		CanceledRequests: s.canceledRequests,
		Latency:          []LatencyStats{},
		ByKind:           []LatencyStats{},
		ByCode:           []ErrorCount{},
		VoiceAI:          s.ai.summary(),
	}
	var unmet int64
	for _, f := range s.flows {
		out.Calls.Completed += f.Completed
		out.Calls.Failed += f.Failed
		out.Calls.Canceled += f.Canceled
		unmet += f.Unmet
	}
	if u := s.firstUnmet; u != nil {
		out.Unmet = &UnmetCount{Calls: unmet, Example: u.example, Call: u.call, Seed: u.seed}
	}
	out.Calls.Started = out.Calls.Completed + out.Calls.Failed + out.Calls.Canceled
	all := NewHistogram()
	for i, k := range s.kinds {
		if k.hist == nil {
			continue
		}
		out.ByKind = append(out.ByKind, latencyOf(kinds[i], kinds[i], k.hist, k.errors))
		all.Merge(k.hist)
		out.Errors += k.errors
	}
	for _, g := range groups {
		h, errs := NewHistogram(), int64(0)
		for _, k := range g.kinds {
			ks := s.kinds[kindIndex(k)]
			h.Merge(ks.hist)
			errs += ks.errors
		}
		if h.Count() > 0 {
			out.Latency = append(out.Latency, latencyOf(g.name, g.label, h, errs))
		}
	}
	out.Requests = int64(all.Count())
	if out.Requests > 0 {
		out.Latency = append(out.Latency, latencyOf("all", "all requests", all, out.Errors))
		out.OverLimitShare = float64(s.overLimit) / float64(out.Requests)
	}
	if secs := elapsed.Seconds(); secs > 0 {
		out.CallsPerSecond = float64(out.Calls.Started) / secs
		out.RequestsPerSecond = float64(out.Requests) / secs
	}
	for code, e := range s.errors {
		out.ByCode = append(out.ByCode, ErrorCount{Code: code, Words: contract.ErrorWords(code), Count: e.count, Example: e.example, Call: e.call, Seed: e.seed})
	}
	slices.SortFunc(out.ByCode, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code))
	})
	return out
}
