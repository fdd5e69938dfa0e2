package cmd

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
)

// parse runs one command under a bare root with a runF that captures its
// options: flag parsing only, nothing is run.
func parse[O any](t *testing.T, c *cli, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) (opts *O, code int, stderr string) {
	t.Helper()
	f, io := c.factory("")
	root := newRoot(f)
	root.AddCommand(newCmd(f, func(o *O) error { opts = o; return nil }))
	root.SetArgs(args)
	code = reportError(io.ErrOut, root.Execute())
	return opts, code, io.ErrOut.(interface{ String() string }).String()
}

func TestCallFlagsAreTyped(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	o, code, errOut := parse(t, c, NewCmdInbound, "inbound", "--url", "http://x/voice", "--max-steps", "7", "--timeout", "1500ms", "--seed", "42", "--status-callback", "http://x/status", "--status-events", "ringing,answered", "--status-events", "completed")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := struct {
		MaxSteps int
		Timeout  time.Duration
		Seed     uint64
		Events   []string
	}{o.Options.MaxSteps, o.Options.Timeout, o.Spec.Seed, o.Options.StatusEvents}
	want := struct {
		MaxSteps int
		Timeout  time.Duration
		Seed     uint64
		Events   []string
	}{7, 1500 * time.Millisecond, 42, []string{"ringing", "answered", "completed"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("options (-want +got):\n%s", d)
	}
}

// Every bad value gets one wording, naming where it came from.
func TestBadValuesOneWording(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		file string
		want string
	}{
		{"int flag", []string{"--max-steps", "12abc"}, nil, "", `callsim: invalid value "12abc" for --max-steps: want a whole number`},
		{"int range", []string{"--max-steps", "0"}, nil, "", `callsim: invalid value "0" for --max-steps: want at least 1`},
		{"duration flag", []string{"--timeout", "soon"}, nil, "", `callsim: invalid value "soon" for --timeout: want a duration such as 3s or 1500ms`},
		{"duration range", []string{"--timeout", "-1s"}, nil, "", `callsim: invalid value "-1s" for --timeout: want a positive duration such as 3s or 1500ms`},
		{"uint flag", []string{"--seed", "-3"}, nil, "", `callsim: invalid value "-3" for --seed: want a whole number, 0 or more`},
		{"bool flag", []string{"--no-geo=maybe"}, nil, "", `callsim: invalid value "maybe" for --no-geo: want true or false`},
		{"enum flag", []string{"--color", "pink"}, nil, "", `callsim: invalid value "pink" for --color: want auto, always or never`},
		{"env", nil, map[string]string{"CALLSIM_MAX_STEPS": "12abc"}, "", `callsim: invalid value "12abc" for CALLSIM_MAX_STEPS: want a whole number`},
		{"env range", nil, map[string]string{"CALLSIM_TIMEOUT": "0s"}, "", `callsim: invalid value "0s" for CALLSIM_TIMEOUT: want a positive duration such as 3s or 1500ms`},
		{"env colour", nil, map[string]string{"CALLSIM_COLOR": "yes"}, "", `callsim: invalid value "yes" for CALLSIM_COLOR: want auto, always or never`},
		{"file", nil, nil, "max_steps: 12abc\n", `callsim: invalid value "12abc" for max_steps in callsim.yaml: want a whole number`},
		{"file bool", nil, nil, "no_geo: sometimes\n", `callsim: invalid value "sometimes" for no_geo in callsim.yaml: want true or false`},
		{"file colour", nil, nil, "color: rainbow\n", `callsim: invalid value "rainbow" for color in callsim.yaml: want auto, always or never`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			for k, v := range tt.env {
				c.env[k] = v
			}
			if tt.file != "" {
				c.write("callsim.yaml", tt.file)
			}
			args := append([]string{"inbound", "--url", "http://x/voice"}, tt.args...)
			o, code, errOut := parse(t, c, NewCmdInbound, args...)
			if o != nil || code != ExitUsage || errOut != tt.want+"\n" {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

// flags > environment > config file > defaults.
func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.write("callsim.yaml", "timeout: 4s\nmax_steps: 9\nstatus_events: [ringing, completed]\napi_version: 2010-04-01\n")
	c.env["CALLSIM_TIMEOUT"] = "6s"
	c.env["CALLSIM_MAX_STEPS"] = "" // empty: unset
	o, code, errOut := parse(t, c, NewCmdInbound, "inbound", "--url", "http://x/voice")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if o.Options.Timeout != 6*time.Second || o.Options.MaxSteps != 9 || o.Spec.APIVersion != "2010-04-01" ||
		!cmp.Equal(o.Options.StatusEvents, []string{"ringing", "completed"}) {
		t.Errorf("timeout %v, max steps %d, api %q, events %v", o.Options.Timeout, o.Options.MaxSteps, o.Spec.APIVersion, o.Options.StatusEvents)
	}
	o, _, _ = parse(t, c, NewCmdInbound, "inbound", "--url", "http://x/voice", "--timeout", "2s")
	if o.Options.Timeout != 2*time.Second {
		t.Errorf("--timeout lost to the environment: %v", o.Options.Timeout)
	}
	if src := o.Settings.Source("timeout"); src != "--timeout" {
		t.Errorf("source %q", src)
	}
}

// The colour policy: --color > CALLSIM_COLOR > color: in the config file >
// auto, which colours a terminal unless NO_COLOR is set non-empty or TERM=dumb.
func TestColorPolicy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		tty  bool
		env  map[string]string
		file string
		args []string
		want bool
	}{
		{"terminal", true, nil, "", nil, true},
		{"not a terminal", false, nil, "", nil, false},
		{"NO_COLOR empty", true, map[string]string{"NO_COLOR": ""}, "", nil, true},
		{"NO_COLOR set", true, map[string]string{"NO_COLOR": "1"}, "", nil, false},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, "", nil, false},
		{"--color always", false, map[string]string{"NO_COLOR": "1"}, "", []string{"--color", "always"}, true},
		{"--color never", true, nil, "", []string{"--color", "never"}, false},
		{"CALLSIM_COLOR", false, map[string]string{"CALLSIM_COLOR": "always"}, "", nil, true},
		{"config file", true, nil, "color: never\n", nil, false},
		{"env beats file", false, map[string]string{"CALLSIM_COLOR": "always"}, "color: never\n", nil, true},
		{"flag beats env", true, map[string]string{"CALLSIM_COLOR": "always"}, "", []string{"--color=never"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			c.tty = tt.tty
			for k, v := range tt.env {
				c.env[k] = v
			}
			if tt.file != "" {
				c.write("callsim.yaml", tt.file)
			}
			o, code, errOut := parse(t, c, NewCmdFields, append([]string{"fields"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := o.IO.ColorEnabled(); got != tt.want {
				t.Errorf("colour %t, want %t", got, tt.want)
			}
		})
	}
}

func TestLoadSizesConcurrencyFromRate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"--rate", "20/s"}, 300},
		{[]string{"--rate", "20/s", "--timeout", "5s"}, 100},
		{[]string{"--rate", "20/s", "--concurrency", "7"}, 7},
		{nil, 50},
	} {
		args := append([]string{"load", "--url", "http://x/voice"}, tt.args...)
		o, code, errOut := parse(t, c, NewCmdLoad, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		if o.Config.Concurrency != tt.want {
			t.Errorf("%v: concurrency %d, want %d", tt.args, o.Config.Concurrency, tt.want)
		}
	}
}

func TestRunFlags(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	abs, _ := filepath.Abs("/abs/b.yaml")
	o, code, errOut := parse(t, c, NewCmdRun, "run", "a.yaml", abs, "--env", "X=1", "--shard", "2/3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if d := cmp.Diff([]string{filepath.Join(c.dir, "a.yaml"), abs}, o.Paths); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
	if v, _ := o.Env("X"); v != "1" || o.Parallel != runtime.NumCPU() {
		t.Errorf("env X=%q, parallel %d", v, o.Parallel)
	}
	if _, code, errOut = parse(t, c, NewCmdRun, "run"); code != ExitUsage || errOut != "callsim: no scenarios: ./scenarios does not exist (pass the files or folders to run)\n" {
		t.Errorf("no scenarios: exit %d %q", code, errOut)
	}
}

// Examples are for docs: the developer's URL and account do not leak in.
func TestExampleIgnoresEnvironmentURL(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["CALLSIM_URL"] = "http://mine.example/voice"
	c.env["TWILIO_ACCOUNT_SID"] = "AC00000000000000000000000000000000"
	c.env["TWILIO_AUTH_TOKEN"] = "tok"
	o, code, errOut := parse(t, c, NewCmdExample, "example", "gather", "--format", "curl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if o.Request.URL != "" || o.Spec.AccountSid != "" || o.Request.AuthToken != "tok" || o.Kind != "gather" || o.Format != "curl" {
		t.Errorf("options: %+v %+v", o.Request, o.Spec)
	}
}
