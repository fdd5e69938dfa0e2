// Package load runs many simulated calls at once and summarises latency and errors.
package load

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/webhook"
)

// TwilioLimit is how long Twilio waits for a webhook before giving up.
const TwilioLimit = 15 * time.Second

// DefaultConcurrency is how many calls are in flight when Config says 0.
const DefaultConcurrency = 50

// Flow is one kind of call a run places: the call, its options and the
// person on the phone.
type Flow struct {
	// Name labels the flow in the summary when a run mixes several
	// (a scenario's name); "" for a single flow.
	Name string
	// Spec is the template of the flow's calls. Call i gets the seed
	// Seed(Spec.Seed, i), hence its own CallSid and, unless From and To
	// are set, its own caller and called numbers from the fixtures. Every
	// call shares the AccountSid (Spec.AccountSid, or the one the base
	// seed generates), as calls to one app would.
	Spec contract.CallSpec
	// Options is the template of every call's options. Caller, OnStep and
	// HTTP are set per call.
	Options simulate.Options
	// NewCaller returns the caller for call i; it runs on the goroutine
	// placing the call. nil: nobody presses anything.
	NewCaller func(i int64) simulate.Caller
	// NewChecker, when set, takes NewCaller's place and checks call i
	// against expectations (a scenario's): a call whose expectations fail
	// counts as failed.
	NewChecker func(i int64) Checker
}

// Checker checks one call against expectations: it answers the call's
// prompts, sees every step as soon as it has its outcome, and says at the
// end what failed, one line each (none: passed).
type Checker interface {
	simulate.Caller
	Step(*simulate.Step)
	End(*simulate.Transcript) []string
}

// Config describes a load run: which calls to place, how many, how fast.
type Config struct {
	// Flows are the calls to place: call i follows Flows[i % len(Flows)].
	Flows []Flow

	// Calls is how many calls to place; 0 = until Duration is over.
	Calls int64
	// Concurrency caps the calls in flight; 0 = DefaultConcurrency. In the
	// closed model (Rate 0) it is also how many are always in flight.
	Concurrency int
	// Rate starts calls at this many per second (open model); 0 = closed
	// model: a worker starts its next call as soon as its last one ends.
	Rate float64
	// Duration stops starting calls after this long; 0 = no limit (Calls
	// must be set). Calls in flight when it ends are finished.
	Duration time.Duration

	// NewConnections gives every call its own connections, closed when the
	// call ends (one TCP connection per call, as if each call came from a
	// different client). Otherwise calls share a keep-alive pool.
	NewConnections bool
	// Transport is the shared transport when NewConnections is false; nil =
	// simulate.NewTransport (net/http) with an idle pool sized for
	// Concurrency.
	Transport http.RoundTripper

	// Progress, when set, is called every ProgressEvery (default 250 ms)
	// from a goroutine of its own, and once more at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a run in progress.
type Progress struct {
	Elapsed     time.Duration
	Total       int64 // calls asked for; 0 = until the duration is over
	Started     int64
	Done        int64 // completed, failed or canceled
	InFlight    int64
	Failed      int64
	Requests    int64
	Errors      int64
	CallRate    float64 // calls finished per second over the last interval
	RequestRate float64 // requests per second over the last interval
}

// Seed is the seed of call i of a run whose base seed is base: a
// bijective mix, so distinct calls get distinct seeds (and CallSids), and
// `callsim inbound --seed` with it replays that call.
func Seed(base uint64, i int64) uint64 {
	z := base + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Validate checks the configuration without placing a call.
func (c *Config) Validate() error {
	switch {
	case c.Calls < 0:
		return &contract.InputError{Field: "calls", Value: fmt.Sprint(c.Calls), Msg: "must not be negative"}
	case c.Concurrency < 0:
		return &contract.InputError{Field: "concurrency", Value: fmt.Sprint(c.Concurrency), Msg: "must be at least 1"}
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return &contract.InputError{Field: "rate", Value: fmt.Sprint(c.Rate), Msg: "must be a positive number of calls per second"}
	case c.Duration < 0:
		return &contract.InputError{Field: "duration", Value: c.Duration.String(), Msg: "must be positive"}
	case c.Calls == 0 && c.Duration == 0:
		return &contract.InputError{Field: "calls", Msg: "say how many calls (--calls) or for how long (--duration)"}
	}
	if len(c.Flows) == 0 {
		return &contract.InputError{Msg: "no call to place"}
	}
	for _, f := range c.Flows {
		if err := f.Options.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// counters are one worker's progress, written only by that worker and read
// by the progress goroutine; padding keeps workers off each other's cache
// lines.
type counters struct {
	started, done, failed, requests, errors atomic.Int64
	_                                       [24]byte
}

// Run places the calls and returns their summary. Cancelling ctx stops
// starting calls and aborts those in flight; the summary then covers what
// happened so far (Interrupted is set). The error is only for a bad
// configuration.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conc := cfg.Concurrency
	if conc == 0 {
		conc = DefaultConcurrency
	}
	if cfg.Calls > 0 && int64(conc) > cfg.Calls {
		conc = int(cfg.Calls)
	}
	// The template calls check each spec once and fix what calls share.
	tmpls := make([]*contract.Call, len(cfg.Flows))
	runners := make([]*simulate.Runner, len(cfg.Flows))
	for i, f := range cfg.Flows {
		var err error
		if tmpls[i], err = contract.NewCall(f.Spec); err != nil {
			return nil, err
		}
		opt := f.Options
		opt.Caller, opt.OnStep = nil, nil // per call, never shared
		if runners[i], err = simulate.NewRunner(opt); err != nil {
			return nil, err
		}
	}
	var shared *http.Client
	var ownTransport *http.Transport
	if !cfg.NewConnections {
		rt := cfg.Transport
		if rt == nil {
			ownTransport = webhook.NewTransport()
			ownTransport.MaxIdleConnsPerHost = max(webhook.DefaultMaxIdlePerHost, conc)
			ownTransport.MaxIdleConns = ownTransport.MaxIdleConnsPerHost
			rt = ownTransport
		}
		shared = &http.Client{Transport: rt}
	}

	workers := make([]*worker, conc)
	ctrs := make([]counters, conc)
	for i := range workers {
		// A context of its own: every request's timeout context registers
		// with its parent, and a parent shared by all workers would make
		// them queue on its lock.
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		workers[i] = &worker{cfg: &cfg, ctx: wctx, tmpls: tmpls, runners: runners, shared: shared, ctr: &ctrs[i], st: newStats(len(cfg.Flows))}
		workers[i].onStep = workers[i].step
	}

	start := time.Now()
	var stopStarting time.Time
	if cfg.Duration > 0 {
		stopStarting = start.Add(cfg.Duration)
	}
	var late atomic.Int64
	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		ch := make(chan int64)
		go dispatch(ctx, &cfg, start, ch, &late)
		for _, w := range workers {
			wg.Go(func() {
				for i := range ch {
					w.call(i)
				}
			})
		}
	} else {
		var next atomic.Int64
		for _, w := range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					if !stopStarting.IsZero() && !time.Now().Before(stopStarting) {
						return
					}
					i := next.Add(1) - 1
					if cfg.Calls > 0 && i >= cfg.Calls {
						return
					}
					w.call(i)
				}
			})
		}
	}

	var mon sync.WaitGroup
	done := make(chan struct{})
	if cfg.Progress != nil {
		every := cfg.ProgressEvery
		if every <= 0 {
			every = 250 * time.Millisecond
		}
		mon.Go(func() { monitor(&cfg, start, ctrs, every, done) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(done)
	mon.Wait()
	if ownTransport != nil {
		ownTransport.CloseIdleConnections()
	}

	total := newStats(len(cfg.Flows))
	for _, w := range workers {
		total.merge(w.st)
	}
	s := total.summary(elapsed)
	s.Concurrency = conc
	s.Rate = cfg.Rate
	s.LateStarts = late.Load()
	s.Interrupted = ctx.Err() != nil
	s.BaseSeed = cfg.Flows[0].Spec.Seed
	s.URL = withoutUser(cfg.Flows[0].Options.URL)
	if len(cfg.Flows) > 1 {
		for i, f := range cfg.Flows {
			c := total.flows[i]
			c.Name = f.Name
			c.Started = c.Completed + c.Failed + c.Canceled
			s.Flows = append(s.Flows, c)
		}
	}
	s.NewConnections = cfg.NewConnections
	return s, nil
}

// dispatch hands out call indices at cfg.Rate per second, each at its due
// time (catching up at once when behind), until Calls or Duration is
// reached or ctx is cancelled. A call handed out more than lateAfter
// after its due time means every worker was busy: it is counted late.
func dispatch(ctx context.Context, cfg *Config, start time.Time, ch chan<- int64, late *atomic.Int64) {
	defer close(ch)
	const lateAfter = 50 * time.Millisecond
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := int64(0); cfg.Calls == 0 || i < cfg.Calls; i++ {
		offset := time.Duration(float64(i) / cfg.Rate * float64(time.Second))
		if cfg.Duration > 0 && offset >= cfg.Duration {
			return
		}
		due := start.Add(offset)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case ch <- i:
		case <-ctx.Done():
			return
		}
		if time.Since(due) > lateAfter {
			late.Add(1)
		}
	}
}

func monitor(cfg *Config, start time.Time, ctrs []counters, every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	var prev Progress
	prevAt := start
	snap := func(now time.Time) Progress {
		p := Progress{Elapsed: now.Sub(start), Total: cfg.Calls}
		for i := range ctrs {
			c := &ctrs[i]
			p.Started += c.started.Load()
			p.Done += c.done.Load()
			p.Failed += c.failed.Load()
			p.Requests += c.requests.Load()
			p.Errors += c.errors.Load()
		}
		p.InFlight = p.Started - p.Done
		if dt := now.Sub(prevAt).Seconds(); dt > 0 {
			p.CallRate = float64(p.Done-prev.Done) / dt
			p.RequestRate = float64(p.Requests-prev.Requests) / dt
		}
		return p
	}
	for {
		select {
		case now := <-t.C:
			p := snap(now)
			cfg.Progress(p)
			prev, prevAt = p, now
		case <-done:
			now := time.Now()
			prev, prevAt = Progress{}, start // final rates: over the whole run
			cfg.Progress(snap(now))
			return
		}
	}
}

// worker places calls one after another; everything it records is its own.
type worker struct {
	cfg     *Config
	ctx     context.Context
	tmpls   []*contract.Call
	runners []*simulate.Runner
	shared  *http.Client
	ctr     *counters
	st      *stats
	onStep  func(*simulate.Step)

	// the call in progress
	last     time.Time
	canceled bool
	seed     uint64
	index    int64
}

// call places call i and records it.
func (w *worker) call(i int64) {
	if w.ctx.Err() != nil {
		return
	}
	w.ctr.started.Add(1)
	fi := int(i % int64(len(w.cfg.Flows)))
	flow, tmpl := &w.cfg.Flows[fi], w.tmpls[fi]
	spec := flow.Spec
	spec.Seed = Seed(flow.Spec.Seed, i)
	spec.AccountSid = tmpl.AccountSid
	spec.From, spec.To = "", "" // parsed once, in the template
	call, err := contract.NewCall(spec)
	if err != nil { // the template validated the spec; count a bug as a failed call, not a crash
		w.internalFailure(fi, err)
		return
	}
	if flow.Spec.From != "" {
		call.Caller = tmpl.Caller
	}
	if flow.Spec.To != "" {
		call.Called = tmpl.Called
	}
	hooks := simulate.CallHooks{OnStep: w.onStep, HTTP: w.shared}
	var chk Checker
	switch {
	case flow.NewChecker != nil:
		chk = flow.NewChecker(i)
		hooks.Caller = chk
		hooks.OnStep = func(s *simulate.Step) {
			w.step(s)
			chk.Step(s)
		}
	case flow.NewCaller != nil:
		hooks.Caller = flow.NewCaller(i)
	}
	var own *http.Transport
	if w.shared == nil {
		own = webhook.NewTransport()
		hooks.HTTP = &http.Client{Transport: own}
	}
	w.canceled, w.seed, w.index = false, spec.Seed, i
	w.last = time.Now()
	t := w.runners[fi].Run(w.ctx, call, hooks)
	if own != nil {
		own.CloseIdleConnections()
	}
	w.st.ai.record(t)
	fc := &w.st.flows[fi]
	canceled := w.canceled || (w.ctx.Err() != nil && t.EndReason == "canceled" && len(t.Errors) == 0)
	var unmet []string
	if chk != nil && !canceled {
		unmet = chk.End(t)
	}
	if len(unmet) > 0 {
		fc.Unmet++
		w.st.unmet(unmet[0], w.seed, i)
	}
	switch {
	case canceled:
		fc.Canceled++
	case t.Failed || len(unmet) > 0:
		fc.Failed++
		w.ctr.failed.Add(1)
	default:
		fc.Completed++
	}
	w.ctr.done.Add(1)
}

// internalFailure counts a call callsim itself could not place; no request
// was made, so none is recorded.
func (w *worker) internalFailure(fi int, _ error) {
	w.st.flows[fi].Failed++
	w.ctr.failed.Add(1)
	w.ctr.done.Add(1)
}

// step records one request as soon as the engine has its outcome.
func (w *worker) step(s *simulate.Step) {
	now := time.Now()
	wall := now.Sub(w.last)
	w.last = now
	if s.Error != nil && w.ctx.Err() != nil {
		// Aborted by the cancellation, not a failure of the endpoint.
		w.canceled = true
		w.st.canceledRequests++
		return
	}
	kind := ""
	if s.Request != nil {
		kind = s.Request.Kind
	}
	lat := wall
	if s.Response != nil {
		lat = s.Response.Latency
	}
	w.st.record(kindIndex(kind), lat, s.Error, w.seed, w.index)
	w.ctr.requests.Add(1)
	if s.Error != nil {
		w.ctr.errors.Add(1)
	}
}

// WithoutUser is a URL without its credentials: a summary never shows them.
func withoutUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
