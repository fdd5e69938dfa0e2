package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/scenarios"
	"github.com/callsim/callsim/simulate/report"
)

// RunOptions is `callsim run`.
type RunOptions struct {
	Common
	Interrupt func(context.Context) (context.Context, func())
	// Env is the environment ${NAME} in scenario files reads (after --env).
	Env func(string) (string, bool)
	// GitHubActions adds ::error annotations to the report.
	GitHubActions bool
	// Path resolves a relative path the user gave (--junit).
	Path func(string) string

	Paths    []string // files and folders; never empty
	Check    bool
	Parallel int
	Shard    scenarios.Shard
	FailFast bool
	Filter   *regexp.Regexp
	Parser   scenarios.Parser
	Retries  int
	JUnit    string
	TAP      bool
	WaitFor  time.Duration
}

// defaultScenarioDir is where `callsim run` looks without arguments.
const defaultScenarioDir = "scenarios"

// NewCmdRun is `callsim run`.
func NewCmdRun(f *cmdutil.Factory, runF func(*RunOptions) error) *cobra.Command {
	var (
		opts                  RunOptions
		shard, filter, rawURL string
		authToken             string
		params, env           []string
	)
	c := &cobra.Command{
		Use:   "run [files or folders…]",
		Short: "Replay YAML call scenarios against your app and fail when it regresses",
		Long: `run loads scenario files (folders are searched for *.yaml and *.yml; default
./scenarios), checks every one of them before sending anything, then replays each
scenario as a call against the app and checks what it answers at every step.

Exit codes: 0 every scenario passed (or was skipped), 1 a scenario failed,
2 bad input (a problem in a scenario file or a flag; nothing was sent).
Ctrl-C stops the run with a report of what finished (exit 1); a second
Ctrl-C stops at once (exit 130).

--url replaces every scenario's url entirely; to move status callbacks and
other URLs too, write them as ${APP_URL:-http://127.0.0.1:3000}/… and set
APP_URL (or --env APP_URL=…). 'callsim schema' prints the JSON Schema of the
format; 'go doc github.com/callsim/callsim/scenarios' describes it in full.`,
		Example: `  callsim run
  callsim run scenarios/ --url http://localhost:3000/voice --junit report.xml
  callsim run --check scenarios/            # lint: parse and validate only
  callsim run --shard 2/4 --parallel 8 --retries 2
  APP_URL=http://127.0.0.1:3000 callsim run scenarios/sales.yaml --run 'busy'`,
		RunE: func(c *cobra.Command, args []string) error {
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			opts.Common = common
			opts.Interrupt = f.InterruptContext
			opts.GitHubActions = f.Getenv("GITHUB_ACTIONS") == "true"
			opts.Path = f.Path
			if opts.Parallel < 0 {
				return cmdutil.InvalidValue("--parallel", fmt.Sprint(opts.Parallel), "want at least 1 (0: the number of CPUs)")
			}
			if opts.Parallel == 0 {
				opts.Parallel = runtime.NumCPU()
			}
			if opts.Retries < 0 {
				return cmdutil.InvalidValue("--retries", fmt.Sprint(opts.Retries), "want 0 or more")
			}
			if err := checkWaitFor(opts.WaitFor); err != nil {
				return err
			}
			if opts.Check && opts.WaitFor > 0 {
				return usageErr("--wait-for: --check sends nothing, so there is no app to wait for")
			}
			if opts.JSON && opts.TAP {
				return usageErr("--json and --tap both print the report; choose one")
			}
			if shard != "" {
				s, err := scenarios.ParseShard(shard)
				if err != nil {
					return cmdutil.InvalidValue("--shard", shard, err.Error())
				}
				opts.Shard = s
			}
			if filter != "" {
				re, err := regexp.Compile(filter)
				if err != nil {
					return cmdutil.InvalidValue("--run", filter, err.Error())
				}
				opts.Filter = re
			}
			if rawURL != "" {
				if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return cmdutil.InvalidValue("--url", rawURL, "want an http:// or https:// URL")
				}
			}
			opts.Parser = scenarios.Parser{URL: rawURL, AuthToken: authToken}
			if opts.Parser.Params, err = parsePairs(params, "--param"); err != nil {
				return err
			}
			vars := map[string]string{}
			for _, kv := range env {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return cmdutil.InvalidValue("--env", kv, "want NAME=VALUE")
				}
				vars[k] = v
			}
			opts.Env = func(name string) (string, bool) {
				if v, ok := vars[name]; ok {
					return v, true
				}
				return f.Env(name)
			}
			opts.Parser.Env = opts.Env
			if len(args) == 0 {
				if st, err := os.Stat(f.Path(defaultScenarioDir)); err != nil || !st.IsDir() {
					return usageErr("no scenarios: ./%s does not exist (pass the files or folders to run)", defaultScenarioDir)
				}
				args = []string{defaultScenarioDir}
			}
			opts.Paths = nil
			for _, a := range args {
				opts.Paths = append(opts.Paths, f.Path(a))
			}
			if runF != nil {
				return runF(&opts)
			}
			return runRun(c.Context(), &opts)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&opts.Check, "check", false, "only load and validate the files (send nothing); exit 2 on any problem")
	fl.IntVar(&opts.Parallel, "parallel", 0, "scenarios replayed at once (default: the number of CPUs)")
	fl.StringVar(&shard, "shard", "", "run only part i of n of the scenarios (i/n, e.g. 2/4), for CI jobs in parallel")
	fl.BoolVar(&opts.FailFast, "fail-fast", false, "start no scenario after one failed")
	fl.StringVar(&rawURL, "url", "", "replace every scenario's url with this voice URL")
	fl.StringVar(&authToken, "auth-token", "", "replace every scenario's auth_token")
	fl.StringArrayVar(&params, "param", nil, "add or override a request field Key=Value in every scenario (repeatable)")
	fl.StringArrayVar(&env, "env", nil, "set a variable for ${NAME} in scenario files, NAME=VALUE (repeatable; wins over the environment)")
	fl.IntVar(&opts.Retries, "retries", 0, "replay a failed scenario up to N more times (flaky endpoints); every attempt is reported")
	fl.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to this file (- for standard output)")
	fl.BoolVar(&opts.TAP, "tap", false, "print a TAP version 14 report instead of the human one")
	addWaitForFlag(c, &opts.WaitFor)
	fl.StringVar(&filter, "run", "", "run only scenarios whose name (or \"file: name\") matches this regular expression")
	return c
}

// discover lists the scenario files under the paths.
func (o *RunOptions) discover() ([]string, error) {
	files, err := scenarios.Discover(o.Paths)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if len(files) == 0 {
		return nil, usageErr("no *.yaml or *.yml files in %s", strings.Join(o.Paths, ", "))
	}
	return files, nil
}

func runRun(ctx context.Context, o *RunOptions) error {
	io := o.IO
	files, err := o.discover()
	if err != nil {
		return err
	}
	suite, err := o.Parser.ParseFiles(files)
	if err != nil {
		return o.badInput(err, files)
	}
	list := suite.Scenarios()
	if o.Check {
		if o.JSON {
			return report.WriteJSON(io.Out, map[string]any{"ok": true, "files": len(files), "scenarios": len(list), "errors": []any{}})
		}
		fmt.Fprintf(io.Out, "%s in %s: no problems\n", nounCount(len(list), "scenario"), nounCount(len(files), "file"))
		return nil
	}
	list = scenarios.Filter(list, o.Filter)
	list = o.Shard.Select(list)

	secrets := []string{o.Parser.AuthToken}
	for _, sc := range suite.Scenarios() {
		secrets = append(secrets, sc.Secrets...)
	}
	out := redact.NewRedactor(io.Out, secrets...)
	topts := scenarios.TextOptions{Color: io.ColorEnabled(), Verbose: o.Verbose}

	runner := &scenarios.Replayer{Parallel: o.Parallel, FailFast: o.FailFast, Retries: o.Retries}
	human := !o.JSON && !o.TAP
	var prog *scenarios.Progress
	if human && io.OutProgressEnabled() {
		prog = scenarios.NewProgress(out, len(list), topts)
		runner.OnResult = prog.Result
	}
	ctx, stop := o.Interrupt(ctx)
	defer stop()
	if err := waitForApp(ctx, io.ErrOut, o.WaitFor, scenarioURLs(list)); err != nil {
		return err
	}
	rep := runner.Run(ctx, list)
	if prog != nil {
		prog.Done()
	}

	switch {
	case o.JSON:
		err = scenarios.WriteJSONReport(out, rep, topts)
	case o.TAP:
		err = scenarios.WriteTAP(out, rep, topts)
	default:
		err = scenarios.WriteText(out, rep, topts)
	}
	if err != nil {
		return err
	}
	if o.JUnit != "" {
		if err := o.writeJUnit(rep, secrets); err != nil {
			return err
		}
	}
	if o.GitHubActions && human {
		if err := scenarios.WriteGitHub(out, rep); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return &cmdutil.ExitError{Code: ExitFailed, Err: errors.New("interrupted")}
	}
	if rep.Failed() {
		return failed
	}
	return nil
}

// badInput reports every problem of every file and exits 2.
func (o *RunOptions) badInput(err error, files []string) error {
	io := o.IO
	var errs scenarios.ErrorList
	if !errors.As(err, &errs) {
		return usageErr("%v", err)
	}
	if o.JSON {
		if werr := report.WriteJSON(io.Out, map[string]any{"ok": false, "files": len(files), "errors": errs}); werr != nil {
			return werr
		}
	} else {
		for _, e := range errs {
			fmt.Fprintln(io.ErrOut, e.Error())
		}
		if o.GitHubActions {
			scenarios.WriteGitHubErrors(io.Out, errs)
		}
	}
	sent := "; nothing was sent"
	if o.Check {
		sent = ""
	}
	return usageErr("%s in scenario files%s", nounCount(len(errs), "problem"), sent)
}

func (o *RunOptions) writeJUnit(rep *scenarios.Report, secrets []string) error {
	if o.JUnit == "-" {
		return scenarios.WriteJUnit(redact.NewRedactor(o.IO.Out, secrets...), rep, scenarios.TextOptions{})
	}
	f, err := os.Create(o.Path(o.JUnit))
	if err != nil {
		return usageErr("--junit: %v", err)
	}
	if err := scenarios.WriteJUnit(redact.NewRedactor(f, secrets...), rep, scenarios.TextOptions{}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func nounCount(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
