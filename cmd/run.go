package cmd

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/scenarios"
	"github.com/callsim/callsim/simulate"
)

type runOptions struct {
	check     bool
	parallel  int
	shard     string
	failFast  bool
	url       string
	authToken string
	params    []string
	env       []string
	retries   int
	junit     string
	tap       bool
	filter    string
}

// defaultScenarioDir is where `callsim run` looks without arguments.
const defaultScenarioDir = "scenarios"

func newRunCmd(io *IO, g *globals) *cobra.Command {
	o := &runOptions{}
	c := &cobra.Command{
		Use:   "run [files or folders…]",
		Short: "Replay YAML call scenarios against your app and fail when it regresses",
		Long: `run loads scenario files (folders are searched for *.yaml and *.yml; default
./scenarios), checks every one of them before sending anything, then replays each
scenario as a call against the app and checks what it answers at every step.

Exit codes: 0 every scenario passed (or was skipped), 1 a scenario failed,
2 bad input (a problem in a scenario file or a flag; nothing was sent).

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
			return o.run(c, g, io, args)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.check, "check", false, "only load and validate the files (send nothing); exit 2 on any problem")
	f.IntVar(&o.parallel, "parallel", 0, "scenarios replayed at once (default: the number of CPUs)")
	f.StringVar(&o.shard, "shard", "", "run only part i of n of the scenarios (i/n, e.g. 2/4), for CI jobs in parallel")
	f.BoolVar(&o.failFast, "fail-fast", false, "start no scenario after one failed")
	f.StringVar(&o.url, "url", "", "replace every scenario's url with this voice URL")
	f.StringVar(&o.authToken, "auth-token", "", "replace every scenario's auth_token")
	f.StringArrayVar(&o.params, "param", nil, "add or override a request field Key=Value in every scenario (repeatable)")
	f.StringArrayVar(&o.env, "env", nil, "set a variable for ${NAME} in scenario files, NAME=VALUE (repeatable; wins over the environment)")
	f.IntVar(&o.retries, "retries", 0, "replay a failed scenario up to N more times (flaky endpoints); every attempt is reported")
	f.StringVar(&o.junit, "junit", "", "write a JUnit XML report to this file (- for standard output)")
	f.BoolVar(&o.tap, "tap", false, "print a TAP version 14 report instead of the human one")
	f.StringVar(&o.filter, "run", "", "run only scenarios whose name (or \"file: name\") matches this regular expression")
	return c
}

func (o *runOptions) run(c *cobra.Command, g *globals, io *IO, args []string) error {
	if o.parallel < 0 {
		return usageErr("--parallel %d: must be at least 1 (0: the number of CPUs)", o.parallel)
	}
	if o.parallel == 0 {
		o.parallel = runtime.NumCPU()
	}
	if o.retries < 0 {
		return usageErr("--retries %d: must not be negative", o.retries)
	}
	if g.json && o.tap {
		return usageErr("--json and --tap both print the report; choose one")
	}
	var shard scenarios.Shard
	if o.shard != "" {
		s, err := scenarios.ParseShard(o.shard)
		if err != nil {
			return usageErr("--shard %v", err)
		}
		shard = s
	}
	var filter *regexp.Regexp
	if o.filter != "" {
		re, err := regexp.Compile(o.filter)
		if err != nil {
			return usageErr("--run %q: %v", o.filter, err)
		}
		filter = re
	}
	if o.url != "" {
		if u, err := url.Parse(o.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--url %q: want an http:// or https:// URL", o.url)
		}
	}
	loader := &scenarios.Loader{URL: o.url, AuthToken: o.authToken}
	var err error
	if loader.Params, err = parsePairs(o.params, "--param"); err != nil {
		return err
	}
	vars := map[string]string{}
	for _, kv := range o.env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageErr("--env %q: want NAME=VALUE", kv)
		}
		vars[k] = v
	}
	loader.Env = func(name string) (string, bool) {
		if v, ok := vars[name]; ok {
			return v, true
		}
		return os.LookupEnv(name)
	}

	if len(args) == 0 {
		if st, err := os.Stat(defaultScenarioDir); err != nil || !st.IsDir() {
			return usageErr("no scenarios: ./%s does not exist (pass the files or folders to run)", defaultScenarioDir)
		}
		args = []string{defaultScenarioDir}
	}
	files, err := scenarios.Discover(args)
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) == 0 {
		return usageErr("no *.yaml or *.yml files in %s", strings.Join(args, ", "))
	}
	suite, err := loader.Load(files)
	if err != nil {
		return o.badInput(err, io, g, files)
	}
	list := suite.Scenarios()
	if o.check {
		if g.json {
			return simulate.WriteJSON(io.Out, map[string]any{"ok": true, "files": len(files), "scenarios": len(list), "errors": []any{}})
		}
		fmt.Fprintf(io.Out, "%s in %s: no problems\n", nounCount(len(list), "scenario"), nounCount(len(files), "file"))
		return nil
	}
	list = scenarios.Filter(list, filter)
	list = shard.Select(list)

	colorOn, err := g.colorOn(io)
	if err != nil {
		return err
	}
	secrets := []string{o.authToken}
	for _, sc := range suite.Scenarios() {
		secrets = append(secrets, sc.Secrets...)
	}
	out := simulate.NewRedactor(io.Out, secrets...)
	topts := scenarios.TextOptions{Color: colorOn, Verbose: g.verbose}

	runner := &scenarios.Runner{Parallel: o.parallel, FailFast: o.failFast, Retries: o.retries}
	human := !g.json && !o.tap
	var prog *runProgress
	if human && io.Terminal {
		prog = &runProgress{out: out, total: len(list), opts: topts}
		runner.OnResult = prog.result
	}
	ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
	defer stop()
	rep := runner.Run(ctx, list)
	if prog != nil {
		prog.done()
	}

	switch {
	case g.json:
		err = scenarios.WriteJSON(out, rep, topts)
	case o.tap:
		err = scenarios.WriteTAP(out, rep, topts)
	default:
		err = scenarios.WriteText(out, rep, topts)
	}
	if err != nil {
		return err
	}
	if o.junit != "" {
		if err := writeJUnit(o.junit, io, rep, secrets); err != nil {
			return err
		}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" && !g.json && !o.tap {
		if err := scenarios.WriteGitHub(out, rep); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return &exitError{ExitFailed, errors.New("interrupted")}
	}
	if rep.Failed() {
		return failed
	}
	return nil
}

// badInput reports every problem of every file and exits 2.
func (o *runOptions) badInput(err error, io *IO, g *globals, files []string) error {
	var errs scenarios.ErrorList
	if !errors.As(err, &errs) {
		return usageErr("%v", err)
	}
	if g.json {
		if werr := simulate.WriteJSON(io.Out, map[string]any{"ok": false, "files": len(files), "errors": errs}); werr != nil {
			return werr
		}
	} else {
		for _, e := range errs {
			fmt.Fprintln(io.ErrOut, e.Error())
		}
		if os.Getenv("GITHUB_ACTIONS") == "true" {
			scenarios.WriteGitHubErrors(io.Out, errs)
		}
	}
	sent := "; nothing was sent"
	if o.check {
		sent = ""
	}
	return &exitError{ExitUsage, fmt.Errorf("%s in scenario files%s", nounCount(len(errs), "problem"), sent)}
}

func writeJUnit(path string, io *IO, rep *scenarios.Report, secrets []string) error {
	if path == "-" {
		return scenarios.WriteJUnit(simulate.NewRedactor(io.Out, secrets...), rep, scenarios.TextOptions{})
	}
	f, err := os.Create(path)
	if err != nil {
		return usageErr("--junit: %v", err)
	}
	if err := scenarios.WriteJUnit(simulate.NewRedactor(f, secrets...), rep, scenarios.TextOptions{}); err != nil {
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

// progress shows results on a terminal as they come: a line per scenario,
// or, for many scenarios, a bar with failures printed above it.
type runProgress struct {
	out                       interface{ Write([]byte) (int, error) }
	total, n                  int
	passed, failedN, skippedN int
	opts                      scenarios.TextOptions
	barShown                  bool
}

// runBarAbove is the number of scenarios from which a bar replaces the lines.
const runBarAbove = 30

func (p *runProgress) result(r *scenarios.Result) {
	p.n++
	switch r.Status {
	case scenarios.Passed:
		p.passed++
	case scenarios.Failed:
		p.failedN++
	default:
		p.skippedN++
	}
	if p.total <= runBarAbove || r.Status == scenarios.Failed {
		p.clear()
		fmt.Fprintln(p.out, scenarios.ResultLine(r, p.opts))
	}
	if p.total > runBarAbove {
		p.bar()
	}
}

func (p *runProgress) bar() {
	const width = 30
	filled := width * p.n / max(1, p.total)
	fmt.Fprintf(p.out, "\r[%s%s] %d/%d  ✔ %d  ✘ %d  ↷ %d", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.n, p.total, p.passed, p.failedN, p.skippedN)
	p.barShown = true
}

func (p *runProgress) clear() {
	if p.barShown {
		fmt.Fprint(p.out, "\r\033[K")
		p.barShown = false
	}
}

func (p *runProgress) done() { p.clear() }
