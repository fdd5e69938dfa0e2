package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/iostreams"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/scenarios"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/load"
	"github.com/callsim/callsim/simulate/report"
)

// LoadOptions is `callsim load`.
type LoadOptions struct {
	Common
	Interrupt func(context.Context) (context.Context, func())
	Config    load.Config
	// Secrets are values the summary must not show.
	Secrets []string
	WaitFor time.Duration
}

// NewCmdLoad is `callsim load`.
func NewCmdLoad(f *cmdutil.Factory, runF func(*LoadOptions) error) *cobra.Command {
	var (
		flags     callFlags
		direction string
		progress  string
		rate      string
		scenFiles []string
		opts      LoadOptions
	)
	c := &cobra.Command{
		Use:   "load URL [--calls N --concurrency C | --rate R/s --duration D]",
		Short: "Place many simulated calls at once and summarise latency and errors",
		Long: `load places many whole simulated calls against your voice webhook at once: each
call has its own CallSid, numbers and geography, is signed, and follows your
TwiML with the same flow flags as inbound (--digits, --dial-outcome,
--status-callback …) through to the end of the call (the end-of-call request
with the legacy API, the status callback with 2010-04-01).

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
Twilio's 15 s limit or more. Ctrl-C stops early with a partial summary; a
second Ctrl-C stops at once (exit 130).
Exit status 1 when a call failed or the run was interrupted.`,
		Example: `  callsim load http://localhost:3000/voice --calls 1000 --concurrency 50
  callsim load --url http://localhost:3000/voice --rate 20/s --duration 1m --digits 1,2
  callsim load --url http://localhost:3000/voice --calls 500 --new-connections --json
  APP_URL=http://localhost:3000 callsim load --scenario scenarios/ --calls 1000`,
		Args: cobra.ArbitraryArgs, // urlArg explains what is wrong
		RunE: func(c *cobra.Command, args []string) error {
			fl := c.Flags()
			for _, name := range []string{"dry-run", "interactive", "diagram"} {
				if fl.Changed(name) {
					return usageErr("--%s cannot be used with load", name)
				}
			}
			if err := urlArg(c, args); err != nil {
				return err
			}
			cfg := &opts.Config
			if len(scenFiles) > 0 {
				common, err := prepare(f, c)
				if err != nil {
					return err
				}
				opts.Common = common
				if cfg.Flows, opts.Secrets, err = scenarioFlows(f, c, &flags, scenFiles); err != nil {
					return err
				}
			} else {
				dir := contract.Direction(direction)
				if dir == contract.Inbound && fl.Changed("dial-status") {
					return usageErr("--dial-status: inbound calls are always answered; it applies with --direction outbound")
				}
				call, err := flags.callOptions(f, c, dir, true)
				if err != nil {
					return err
				}
				if err := checkCallFlagCombos(c, false); err != nil {
					return err
				}
				if err := rejectScriptUnanswered(c, call.Spec); err != nil {
					return err
				}
				opts.Common = call.Common
				script := call.Script
				cfg.Flows = []load.Flow{{
					Spec:    call.Spec,
					Options: call.Options,
					NewCaller: func(int64) simulate.Caller {
						sc := script // counters start at zero for every call; lists are shared read-only
						return &sc
					},
				}}
				opts.Secrets = []string{call.Options.AuthToken}
			}
			opts.Interrupt = f.InterruptContext
			if rate != "" {
				r, err := load.ParseRate(rate)
				if err != nil {
					return cmdutil.InvalidValue("--rate", rate, err.Error())
				}
				cfg.Rate = r
				if !fl.Changed("concurrency") {
					cfg.Concurrency = load.ConcurrencyFor(r, cfg.Flows[0].Options.Timeout)
				}
			}
			if !fl.Changed("calls") && cfg.Duration > 0 {
				cfg.Calls = 0 // until the duration is over
			}
			if fl.Changed("calls") && cfg.Calls < 1 {
				return cmdutil.InvalidValue("--calls", fmt.Sprint(cfg.Calls), "want at least 1")
			}
			if fl.Changed("concurrency") && cfg.Concurrency < 1 {
				return cmdutil.InvalidValue("--concurrency", fmt.Sprint(cfg.Concurrency), "want at least 1")
			}
			if err := checkWaitFor(opts.WaitFor); err != nil {
				return err
			}
			mode, _ := iostreams.ParseColorMode(progress) // the Enum flag allows nothing else
			if mode == iostreams.ColorAuto && opts.JSON {
				mode = iostreams.ColorNever
			}
			opts.IO.SetProgressMode(mode)
			if runF != nil {
				return runF(&opts)
			}
			return loadRun(c.Context(), &opts)
		},
	}
	addCallFlags(c, &flags, contract.Outbound)
	fl := c.Flags()
	for _, name := range []string{"dry-run", "interactive", "diagram"} {
		fl.MarkHidden(name)
	}
	fl.Var(cmdutil.NewEnum(&direction, "inbound", "inbound", "outbound"), "direction", "direction of every call: inbound or outbound (with --dial-status)")
	fl.Int64Var(&opts.Config.Calls, "calls", 100, "how many calls to place (without it, --duration alone runs until the time is up)")
	fl.IntVar(&opts.Config.Concurrency, "concurrency", load.DefaultConcurrency, fmt.Sprintf("calls in flight at most (with --rate, default: enough to keep the rate if calls take 15 s, up to %d)", load.MaxRateConcurrency))
	fl.StringVar(&rate, "rate", "", "start calls at this rate instead of keeping --concurrency busy: 20, 20/s, 600/m")
	fl.DurationVar(&opts.Config.Duration, "duration", 0, "stop starting calls after this long (calls in flight finish)")
	fl.BoolVar(&opts.Config.NewConnections, "new-connections", false, "one connection per call, closed when it ends (default: keep-alive connections shared by all calls)")
	fl.Var(cmdutil.NewEnum(&progress, "auto", "auto", "always", "never"), "progress", "live progress on stderr: auto (when a terminal), always or never")
	addWaitForFlag(c, &opts.WaitFor)
	fl.StringArrayVar(&scenFiles, "scenario", nil, "place the calls of these scenario files or folders instead (call i plays scenario i mod n; repeatable)")
	setGroup(fl, "Load", "direction", "calls", "concurrency", "rate", "duration", "new-connections", "scenario")
	setGroup(fl, groupOutput, "progress")
	return c
}

func loadRun(ctx context.Context, o *LoadOptions) error {
	io := o.IO
	cfg := o.Config
	out := redact.NewRedactor(io.Out, o.Secrets...)
	errOut := redact.NewRedactor(io.ErrOut, o.Secrets...)
	for _, fl := range cfg.Flows {
		for _, u := range []string{fl.Options.URL, fl.Options.SigningURL, fl.Options.FallbackURL, fl.Options.StatusCallback} {
			out.AddURL(u)
			errOut.AddURL(u)
		}
	}
	show := io.ProgressEnabled()
	var mu sync.Mutex // Progress runs on one goroutine; the lock orders the last clear after it
	if show {
		cfg.Progress = func(p load.Progress) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(errOut, "\r\x1b[K%s", load.ProgressLine(p))
		}
	}
	ctx, stop := o.Interrupt(ctx)
	defer stop()
	var urls []string
	for _, fl := range cfg.Flows {
		urls = append(urls, fl.Options.URL)
	}
	if err := waitForApp(ctx, errOut, o.WaitFor, urls); err != nil {
		return err
	}
	sum, err := load.Run(ctx, cfg)
	if err != nil {
		return o.flagError(err)
	}
	if show {
		mu.Lock()
		fmt.Fprint(errOut, "\r\x1b[K")
		mu.Unlock()
	}
	if o.JSON {
		err = report.WriteJSON(out, sum)
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
	"no-geo", "no-end", "digits", "speech", "record-seconds", "record-end", "transcription", "dial-outcome", "fallback-url",
	"fallback-method", "status-callback", "status-callback-method", "status-events", "max-steps", "direction",
	"answered-by", "async-amd", "async-amd-callback", "async-amd-callback-method",
}

// scenarioFlows loads --scenario files: one flow per scenario (skipped ones
// left out), each call playing its steps' actions and checking its
// expectations (scenarios.Check). --url, --auth-token and --param apply
// to every scenario, as with callsim run; the run's seed replaces the
// scenarios' own so that every call gets its own CallSid.
func scenarioFlows(f *cmdutil.Factory, c *cobra.Command, flags *callFlags, paths []string) ([]load.Flow, []string, error) {
	for _, name := range flowFlags {
		if c.Flags().Changed(name) {
			return nil, nil, usageErr("--%s cannot be used with --scenario: the scenario file describes the call", name)
		}
	}
	// Only --url itself replaces the scenarios' own: a CALLSIM_URL meant for
	// inbound must not redirect every scenario. The token, from the flag or
	// TWILIO_AUTH_TOKEN/CALLSIM_AUTH_TOKEN, replaces theirs as in `callsim run`.
	loader := &scenarios.Parser{Env: f.Env, AuthToken: flags.authToken}
	if c.Flags().Changed("url") {
		loader.URL = flags.url
	}
	if loader.URL != "" {
		if _, err := url.Parse(loader.URL); err != nil {
			return nil, nil, cmdutil.InvalidValue("--url", loader.URL, err.Error())
		}
	}
	var err error
	if loader.Params, err = parsePairs(flags.params, "--param"); err != nil {
		return nil, nil, err
	}
	warnManaged(f.IOStreams.ErrOut, loader.Params)
	seed := seedOf(c, flags.seed)
	for i, p := range paths {
		paths[i] = f.Path(p)
	}
	files, err := scenarios.Discover(paths)
	if err != nil {
		return nil, nil, usageErr("--scenario: %v", err)
	}
	if len(files) == 0 {
		return nil, nil, usageErr("--scenario: no *.yaml or *.yml files in %s", strings.Join(paths, ", "))
	}
	suite, err := loader.ParseFiles(files)
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
		flows = append(flows, load.Flow{
			Name: sc.ID(), Spec: sc.CallSpec(seed), Options: sc.Options,
			NewChecker: func(int64) load.Checker { return sc.Check() },
		})
	}
	if len(flows) == 0 {
		return nil, nil, usageErr("--scenario: every scenario is skipped")
	}
	return flows, secrets, nil
}
