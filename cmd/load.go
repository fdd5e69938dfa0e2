package cmd

import (
	"fmt"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/load"
)

type loadOptions struct {
	call           callOptions
	calls          int64
	concurrency    int
	rate           string
	duration       time.Duration
	newConnections bool
	direction      string
	progress       string
}

func newLoadCmd(io *IO, g *globals) *cobra.Command {
	o := &loadOptions{}
	c := &cobra.Command{
		Use:   "load --url URL [--calls N --concurrency C | --rate R/s --duration D]",
		Short: "Place many simulated calls at once and summarise latency and errors",
		Long: `load places many whole simulated calls against your voice webhook at once: each
call has its own CallSid, numbers and geography, is signed, and follows your
TwiML with the same flow flags as inbound (--digits, --dial-outcome,
--status-callback …) through to the end-of-call request.

Two ways to load:
  --calls N --concurrency C   N calls, C always in flight (closed model)
  --rate R/s --duration D     start R calls a second for D (open model);
                              --concurrency caps the calls in flight

The summary gives calls completed and failed, requests per second, latency of
the first request, action requests and end-of-call requests (p50, p90, p99,
max), errors by Twilio error code, and the share of requests that took
Twilio's 15 s limit or more. Ctrl-C stops early with a partial summary.
Exit status 1 when a call failed or the run was interrupted.`,
		Example: `  callsim load --url http://localhost:3000/voice --calls 1000 --concurrency 50
  callsim load --url http://localhost:3000/voice --rate 20/s --duration 1m --digits 1,2
  callsim load --url http://localhost:3000/voice --calls 500 --new-connections --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.run(c, g, io)
		},
	}
	addCallFlags(c, &o.call, simulate.Outbound)
	f := c.Flags()
	for _, name := range []string{"dry-run", "interactive", "diagram"} {
		f.MarkHidden(name)
	}
	f.StringVar(&o.direction, "direction", "inbound", "direction of every call: inbound or outbound (with --dial-status)")
	f.Int64Var(&o.calls, "calls", 100, "how many calls to place (without it, --duration alone runs until the time is up)")
	f.IntVar(&o.concurrency, "concurrency", load.DefaultConcurrency, "calls in flight at most (with --rate, default: enough to keep the rate for 15 s calls)")
	f.StringVar(&o.rate, "rate", "", "start calls at this rate instead of keeping --concurrency busy: 20, 20/s, 600/m")
	f.DurationVar(&o.duration, "duration", 0, "stop starting calls after this long (calls in flight finish)")
	f.BoolVar(&o.newConnections, "new-connections", false, "one connection per call, closed when it ends (default: keep-alive connections shared by all calls)")
	f.StringVar(&o.progress, "progress", "auto", "live progress on stderr: auto (when a terminal), always or never")
	return c
}

func (o *loadOptions) run(c *cobra.Command, g *globals, io *IO) error {
	f := c.Flags()
	for _, name := range []string{"dry-run", "interactive", "diagram"} {
		if f.Changed(name) {
			return usageErr("--%s cannot be used with load", name)
		}
	}
	var dir simulate.Direction
	switch o.direction {
	case "inbound", "outbound":
		dir = simulate.Direction(o.direction)
	default:
		return usageErr("--direction %q: must be inbound or outbound", o.direction)
	}
	s, err := o.call.resolve(c, g, dir)
	if err != nil {
		return err
	}
	cfg := load.Config{
		Spec:           o.call.spec,
		Options:        o.call.opts,
		Calls:          o.calls,
		Concurrency:    o.concurrency,
		Duration:       o.duration,
		NewConnections: o.newConnections,
	}
	if o.rate != "" {
		if cfg.Rate, err = parseRate(o.rate); err != nil {
			return usageErr("--rate %q: %v", o.rate, err)
		}
		if !f.Changed("concurrency") {
			need := math.Ceil(cfg.Rate * o.call.opts.Timeout.Seconds())
			cfg.Concurrency = int(min(max(need, load.DefaultConcurrency), 10000))
		}
	}
	if !f.Changed("calls") && o.duration > 0 {
		cfg.Calls = 0 // until the duration is over
	}
	if f.Changed("calls") && o.calls < 1 {
		return usageErr("--calls %d: must be at least 1", o.calls)
	}
	if f.Changed("concurrency") && o.concurrency < 1 {
		return usageErr("--concurrency %d: must be at least 1", o.concurrency)
	}
	script := o.call.script
	cfg.NewCaller = func(int64) simulate.Caller {
		sc := script // counters start at zero for every call; lists are shared read-only
		return &sc
	}
	out := simulate.NewRedactor(io.Out, o.call.opts.AuthToken)
	errOut := simulate.NewRedactor(io.ErrOut, o.call.opts.AuthToken)
	for _, u := range []string{o.call.opts.URL, o.call.opts.SigningURL, o.call.opts.FallbackURL, o.call.opts.StatusCallback} {
		out.AddURL(u)
		errOut.AddURL(u)
	}

	show := false
	switch o.progress {
	case "always":
		show = true
	case "never":
	case "auto":
		show = !g.json && isTerminal(io.ErrOut)
	default:
		return usageErr("--progress %q: must be auto, always or never", o.progress)
	}
	var mu sync.Mutex // Progress runs on one goroutine; the lock orders the last clear after it
	if show {
		cfg.Progress = func(p load.Progress) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(errOut, "\r\x1b[K%s", load.ProgressLine(p))
		}
	}

	ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills callsim at once
	}()
	sum, err := load.Run(ctx, cfg)
	if err != nil {
		return s.flagError(err)
	}
	if show {
		mu.Lock()
		fmt.Fprint(errOut, "\r\x1b[K")
		mu.Unlock()
	}
	if g.json {
		err = simulate.WriteJSON(out, sum)
	} else {
		err = load.WriteText(out, sum)
	}
	if err != nil {
		return err
	}
	if sum.Calls.Failed > 0 || sum.Interrupted || (sum.Calls.Started == 0 && ctx.Err() == nil) {
		return failed
	}
	return nil
}

func isTerminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && isatty.IsTerminal(f.Fd())
}

// parseRate reads calls per unit of time: "20", "20/s", "600/m", "1/500ms".
func parseRate(raw string) (float64, error) {
	num, unit, hasUnit := strings.Cut(strings.TrimSpace(raw), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("want a positive number of calls per second, e.g. 20/s or 600/m")
	}
	per := time.Second
	if hasUnit {
		switch unit = strings.TrimSpace(unit); unit {
		case "s":
		case "m", "min":
			per = time.Minute
		case "h":
			per = time.Hour
		default:
			if per, err = time.ParseDuration(unit); err != nil || per <= 0 {
				return 0, fmt.Errorf("unknown unit %q (s, m, h, or a duration like 100ms)", unit)
			}
		}
	}
	return n / per.Seconds(), nil
}
