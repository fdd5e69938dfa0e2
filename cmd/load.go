package cmd

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/scenarios"
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
	scenarios      []string
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

With --scenario, the calls are those of scenario files instead of the flow
flags: call i plays scenario i mod n and checks its expectations as callsim
run does; a call whose expectations fail counts as failed, and the summary
names the first failure. --url and --auth-token replace the scenarios' own,
as with callsim run.

The summary gives calls completed and failed, requests per second, latency of
the first request, action requests and end-of-call requests (p50, p90, p99,
max), errors by Twilio error code, and the share of requests that took
Twilio's 15 s limit or more. Ctrl-C stops early with a partial summary.
Exit status 1 when a call failed or the run was interrupted.`,
		Example: `  callsim load --url http://localhost:3000/voice --calls 1000 --concurrency 50
  callsim load --url http://localhost:3000/voice --rate 20/s --duration 1m --digits 1,2
  callsim load --url http://localhost:3000/voice --calls 500 --new-connections --json
  APP_URL=http://localhost:3000 callsim load --scenario scenarios/ --calls 1000`,
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
	f.IntVar(&o.concurrency, "concurrency", load.DefaultConcurrency, "calls in flight at most (with --rate, default: enough to keep the rate if calls take 15 s, up to 2000)")
	f.StringVar(&o.rate, "rate", "", "start calls at this rate instead of keeping --concurrency busy: 20, 20/s, 600/m")
	f.DurationVar(&o.duration, "duration", 0, "stop starting calls after this long (calls in flight finish)")
	f.BoolVar(&o.newConnections, "new-connections", false, "one connection per call, closed when it ends (default: keep-alive connections shared by all calls)")
	f.StringVar(&o.progress, "progress", "auto", "live progress on stderr: auto (when a terminal), always or never")
	f.StringArrayVar(&o.scenarios, "scenario", nil, "place the calls of these scenario files or folders instead (call i plays scenario i mod n; repeatable)")
	return c
}

func (o *loadOptions) run(c *cobra.Command, g *globals, io *IO) error {
	f := c.Flags()
	for _, name := range []string{"dry-run", "interactive", "diagram"} {
		if f.Changed(name) {
			return usageErr("--%s cannot be used with load", name)
		}
	}
	var (
		cfg     load.Config
		secrets []string
		s       *settings
		err     error
	)
	if len(o.scenarios) > 0 {
		if cfg.Flows, secrets, err = o.scenarioFlows(c); err != nil {
			return err
		}
	} else {
		var dir simulate.Direction
		switch o.direction {
		case "inbound", "outbound":
			dir = simulate.Direction(o.direction)
		default:
			return usageErr("--direction %q: must be inbound or outbound", o.direction)
		}
		if dir == simulate.Inbound && f.Changed("dial-status") {
			return usageErr("--dial-status: inbound calls are always answered; it applies with --direction outbound")
		}
		if s, err = o.call.resolve(c, g, dir); err != nil {
			return err
		}
		script := o.call.script
		cfg.Flows = []load.Flow{{
			Spec:    o.call.spec,
			Options: o.call.opts,
			NewCaller: func(int64) simulate.Caller {
				sc := script // counters start at zero for every call; lists are shared read-only
				return &sc
			},
		}}
		secrets = []string{o.call.opts.AuthToken}
	}
	cfg.Calls, cfg.Concurrency, cfg.Duration, cfg.NewConnections = o.calls, o.concurrency, o.duration, o.newConnections
	if o.rate != "" {
		if cfg.Rate, err = load.ParseRate(o.rate); err != nil {
			return usageErr("--rate %q: %v", o.rate, err)
		}
		if !f.Changed("concurrency") {
			timeout := cfg.Flows[0].Options.Timeout
			if timeout <= 0 {
				timeout = load.TwilioLimit
			}
			need := math.Ceil(cfg.Rate * timeout.Seconds())
			cfg.Concurrency = int(min(max(need, load.DefaultConcurrency), 2000))
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
	out := simulate.NewRedactor(io.Out, secrets...)
	errOut := simulate.NewRedactor(io.ErrOut, secrets...)
	for _, fl := range cfg.Flows {
		for _, u := range []string{fl.Options.URL, fl.Options.SigningURL, fl.Options.FallbackURL, fl.Options.StatusCallback} {
			out.AddURL(u)
			errOut.AddURL(u)
		}
	}

	show := false
	switch o.progress {
	case "always":
		show = true
	case "never":
	case "auto":
		show = !g.json && io.ErrTerminal
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
		if s != nil {
			return s.flagError(err)
		}
		return err
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

// flowFlags are the flags that describe the call; a scenario file does
// that instead.
var flowFlags = []string{
	"method", "from", "to", "dial-status", "api-version", "account-sid", "signing-url", "timeout",
	"no-geo", "no-end", "digits", "speech", "record-seconds", "dial-outcome", "fallback-url",
	"fallback-method", "status-callback", "status-callback-method", "status-events", "max-steps", "direction",
}

// scenarioFlows loads --scenario files: one flow per scenario (skipped ones
// left out), each call playing its steps' actions and checking its
// expectations (scenarios.Check). --url, --auth-token and --param apply
// to every scenario, as with callsim run; the run's seed replaces the
// scenarios' own so that every call gets its own CallSid.
func (o *loadOptions) scenarioFlows(c *cobra.Command) ([]load.Flow, []string, error) {
	for _, name := range flowFlags {
		if c.Flags().Changed(name) {
			return nil, nil, usageErr("--%s cannot be used with --scenario: the scenario file describes the call", name)
		}
	}
	loader := &scenarios.Loader{URL: o.call.opts.URL, AuthToken: o.call.opts.AuthToken}
	if f := c.Flags(); f.Changed("url") {
		loader.URL, _ = f.GetString("url")
	}
	if f := c.Flags(); f.Changed("auth-token") {
		loader.AuthToken, _ = f.GetString("auth-token")
	}
	if loader.URL != "" {
		if _, err := url.Parse(loader.URL); err != nil {
			return nil, nil, usageErr("--url %q: %v", loader.URL, err)
		}
	}
	var err error
	if loader.Params, err = parsePairs(o.call.params, "--param"); err != nil {
		return nil, nil, err
	}
	seed, err := seedFrom(o.call.seed)
	if err != nil {
		return nil, nil, err
	}
	files, err := scenarios.Discover(o.scenarios)
	if err != nil {
		return nil, nil, usageErr("--scenario: %v", err)
	}
	if len(files) == 0 {
		return nil, nil, usageErr("--scenario: no *.yaml or *.yml files in %s", strings.Join(o.scenarios, ", "))
	}
	suite, err := loader.Load(files)
	if err != nil {
		var el scenarios.ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			return nil, nil, usageErr("%s (and %d more problems; callsim run --check lists them)", el[0], len(el)-1)
		}
		return nil, nil, usageErr("%v", err)
	}
	var flows []load.Flow
	secrets := []string{loader.AuthToken}
	for _, sc := range suite.Scenarios() {
		if sc.Skip != "" {
			continue
		}
		secrets = append(secrets, sc.Secrets...)
		call := sc.Call
		spec := simulate.CallSpec{
			Direction: call.Direction, APIVersion: call.Profile.Name, DialStatus: call.DialStatus,
			From: call.Caller.E164, To: call.Called.E164, AccountSid: call.AccountSid,
			Params: call.Overrides, NoGeo: call.NoGeo, Seed: seed,
		}
		flows = append(flows, load.Flow{
			Name: sc.ID(), Spec: spec, Options: sc.Options,
			NewChecker: func(int64) load.Checker { return sc.Check() },
		})
	}
	if len(flows) == 0 {
		return nil, nil, usageErr("--scenario: every scenario is skipped")
	}
	return flows, secrets, nil
}
