package cmd

import (
	"encoding/json"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type cobraCommand = cobra.Command

// A mistyped command or flag gets the nearest names, on one line, exit 2.
func TestTypoSuggestions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"inbund"}, `callsim: unknown command "inbund" for "callsim"; did you mean inbound? (see 'callsim --help')`},
		{[]string{"outbond", "--url", "http://x/voice"}, `callsim: unknown command "outbond" for "callsim"; did you mean outbound? (see 'callsim --help')`},
		{[]string{"nosuchcommand"}, `callsim: unknown command "nosuchcommand" for "callsim" (see 'callsim --help')`},
		{[]string{"inbound", "--url", "http://x/voice", "--digts", "1"}, `callsim: unknown flag: --digts; did you mean --digits? (see 'callsim inbound --help')`},
		{[]string{"schema", "extra"}, `callsim: unknown command "extra" for "callsim schema" (see 'callsim schema --help')`},
	} {
		c := newCLI(t)
		code, out, errOut := c.run("", tt.args...)
		if code != ExitUsage || out != "" || errOut != tt.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// callsim inbound URL is callsim inbound --url URL.
func TestURLArgument(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	o, code, errOut := parse(t, c, NewCmdInbound, "inbound", "http://x/voice")
	if code != 0 || o.Options.URL != "http://x/voice" {
		t.Fatalf("inbound URL: exit %d %s, options %+v", code, errOut, o)
	}
	o, code, errOut = parse(t, c, NewCmdOutbound, "outbound", "https://x/voice", "--url", "https://x/voice")
	if code != 0 || o.Options.URL != "https://x/voice" {
		t.Fatalf("outbound URL --url URL: exit %d %s", code, errOut)
	}
	lo, code, errOut := parse(t, c, NewCmdLoad, "load", "http://x/voice", "--calls", "3")
	if code != 0 || lo.Config.Flows[0].Options.URL != "http://x/voice" {
		t.Fatalf("load URL: exit %d %s", code, errOut)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"inbound", "http://a/voice", "--url", "http://b/voice"}, `callsim: the URL argument "http://a/voice" and --url "http://b/voice" differ: give one`},
		{[]string{"inbound", "localhost:3000/voice"}, `callsim: unexpected argument "localhost:3000/voice": inbound takes the voice URL (http:// or https://) as its argument (see 'callsim inbound --help')`},
		{[]string{"inbound", "http://a/voice", "http://b/voice"}, `callsim: inbound takes one argument, the voice URL; got 2: http://a/voice http://b/voice`},
	} {
		o, code, errOut := parse(t, c, NewCmdInbound, tt.args...)
		if o != nil || code != ExitUsage || errOut != tt.want+"\n" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
	if _, code, errOut := parse(t, c, NewCmdLoad, "load", "http://a/voice", "--url", "http://b/voice"); code != ExitUsage || !strings.Contains(errOut, "differ") {
		t.Errorf("load with two URLs: exit %d %q", code, errOut)
	}
}

// Flags that would do nothing are usage errors rather than silently ignored.
func TestNoOpFlagsRejected(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string // "" means accepted
	}{
		{[]string{"demo", "--url", "http://x/voice"}, nil, "callsim: --url does nothing with demo: the demo calls its own app (use callsim inbound --url to call yours)"},
		{[]string{"demo", "--signing-url", "http://x/voice"}, nil, "callsim: --signing-url does nothing with demo"},
		{[]string{"demo", "--serve", "--digits", "1"}, nil, "callsim: --digits does nothing with demo --serve: it places no call (only --auth-token and --addr apply)"},
		{[]string{"demo", "--serve", "--json"}, nil, "callsim: --json does nothing with demo --serve"},
		{[]string{"demo", "--serve", "--auth-token", "t", "--addr", "127.0.0.1:0"}, nil, ""},
		{[]string{"demo", "--status-events", "ringing"}, nil, ""}, // the demo has its own status callback
		{[]string{"config", "--timeout", "3s"}, nil, "callsim: --timeout does nothing with config: it shows what the environment and the config file set (CALLSIM_TIMEOUT, or timeout: in callsim.yaml)"},
		{[]string{"config", "--digits", "1"}, nil, "callsim: unknown flag: --digits (see 'callsim config --help')"},
		{[]string{"config", "-v"}, nil, "callsim: --verbose does nothing with config"},
		{[]string{"version", "-v"}, nil, "callsim: --verbose does nothing with version"},
		{[]string{"fields", "--verbose"}, nil, "callsim: --verbose does nothing with fields (it shows more of a call's report: inbound, outbound, demo, run)"},
		{[]string{"load", "http://x/voice", "-v"}, nil, "callsim: --verbose does nothing with load"},
		{[]string{"inbound", "http://x/voice", "-v", "--diagram", "mermaid"}, nil, "callsim: --diagram and --verbose: the diagram has no more to show"},
		{[]string{"inbound", "http://x/voice", "-v", "--json"}, nil, ""},
		{[]string{"outbound", "http://x/voice", "--dial-status", "busy", "--digits", "1"}, nil, "callsim: --digits does nothing with --dial-status busy: the call is never answered, so no TwiML runs"},
		{[]string{"load", "http://x/voice", "--direction", "outbound", "--dial-status", "no-answer", "--speech", "hi"}, nil, "callsim: --speech does nothing with --dial-status no-answer"},
		{[]string{"outbound", "http://x/voice", "--dial-status", "answered-machine", "--digits", "1"}, nil, ""},
		{[]string{"inbound", "http://x/voice", "--json", "--diagram", "mermaid"}, nil, "callsim: --diagram and --json: both choose the output; give one"},
		{[]string{"inbound", "http://x/voice", "--dry-run", "--diagram", "mermaid"}, nil, "callsim: --diagram and --dry-run: --dry-run sends nothing, so there is no call to draw"},
		{[]string{"inbound", "http://x/voice", "--dry-run", "--interactive"}, nil, "callsim: --interactive and --dry-run"},
		{[]string{"inbound", "http://x/voice", "--interactive", "--digits", "1"}, nil, "callsim: --interactive and --digits: --interactive asks at the keyboard instead of the script; give one"},
		{[]string{"inbound", "http://x/voice", "--fallback-method", "GET"}, nil, "callsim: --fallback-method does nothing without --fallback-url"},
		{[]string{"outbound", "http://x/voice", "--status-events", "ringing"}, nil, "callsim: --status-events does nothing without --status-callback"},
		{[]string{"inbound", "http://x/voice", "--status-callback-method", "GET"}, nil, "callsim: --status-callback-method does nothing without --status-callback"},
		{[]string{"load", "http://x/voice", "--status-events", "ringing"}, nil, "callsim: --status-events does nothing without --status-callback"},
		// The status callback may come from the environment or config file.
		{[]string{"inbound", "http://x/voice", "--status-events", "ringing"}, map[string]string{"CALLSIM_STATUS_CALLBACK": "http://x/status"}, ""},
		{[]string{"inbound", "http://x/voice", "--json", "--dry-run"}, nil, ""},
	} {
		c := newCLI(t)
		for k, v := range tt.env {
			c.env[k] = v
		}
		code, errOut := checkFlags(t, c, tt.args...)
		if tt.want == "" {
			if code != 0 {
				t.Errorf("%v: exit %d %q, want accepted", tt.args, code, errOut)
			}
			continue
		}
		if code != ExitUsage || !strings.HasPrefix(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// checkFlags parses args as the command args[0] would, running nothing.
func checkFlags(t *testing.T, c *cli, args ...string) (code int, stderr string) {
	t.Helper()
	switch args[0] {
	case "inbound":
		_, code, stderr = parse(t, c, NewCmdInbound, args...)
	case "outbound":
		_, code, stderr = parse(t, c, NewCmdOutbound, args...)
	case "demo":
		_, code, stderr = parse(t, c, NewCmdDemo, args...)
	case "load":
		_, code, stderr = parse(t, c, NewCmdLoad, args...)
	case "config":
		_, code, stderr = parse(t, c, NewCmdConfig, args...)
	case "version":
		_, code, stderr = parse(t, c, NewCmdVersion, args...)
	case "fields":
		_, code, stderr = parse(t, c, NewCmdFields, args...)
	default:
		t.Fatalf("checkFlags: no command %s", args[0])
	}
	return code, stderr
}

// complete asks cobra's __complete what the shell would offer.
func complete(t *testing.T, args ...string) (values []string, directive string) {
	t.Helper()
	c := newCLI(t)
	code, out, errOut := c.run("", append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// Every enum flag completes its values; lists complete after the comma.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"inbound", "--api-version", ""}, []string{"2010-04-01", "legacy"}},
		{[]string{"inbound", "--method", ""}, []string{"POST", "GET"}},
		{[]string{"inbound", "--fallback-method", "G"}, []string{"GET"}},
		{[]string{"outbound", "--dial-status", "answered-"}, []string{"answered-machine", "answered-human"}},
		{[]string{"inbound", "--dial-outcome", ""}, []string{"completed", "busy", "no-answer", "failed", "canceled"}},
		{[]string{"inbound", "--dial-outcome", "busy,"}, []string{"busy,completed", "busy,busy", "busy,no-answer", "busy,failed", "busy,canceled"}},
		{[]string{"inbound", "--status-events", "ringing,"}, []string{"ringing,initiated", "ringing,answered", "ringing,completed"}},
		{[]string{"inbound", "--status-events", "ringing,an"}, []string{"ringing,answered"}},
		{[]string{"inbound", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"fields", "--color", "n"}, []string{"never"}},
		{[]string{"inbound", "--diagram", ""}, []string{"mermaid"}},
		{[]string{"load", "--progress", ""}, []string{"auto", "always", "never"}},
		{[]string{"load", "--direction", ""}, []string{"inbound", "outbound"}},
		{[]string{"load", "--api-version", ""}, []string{"2010-04-01", "legacy"}},
		{[]string{"demo", "--method", ""}, []string{"POST", "GET"}},
		{[]string{"example", "--format", "m"}, []string{"markdown"}},
		{[]string{"example", "st"}, []string{"status-callback"}},
		{[]string{"example", "--api-version", ""}, []string{"2010-04-01", "legacy"}},
		{[]string{"fields", "--kind", "g"}, []string{"gather"}},
		{[]string{"fields", "rec"}, []string{"record", "recording-status"}},
		{[]string{"fields", "--api-version", ""}, []string{"2010-04-01", "legacy"}},
		{[]string{"sign", "--method", ""}, []string{"POST", "GET"}},
	} {
		got, _ := complete(t, tt.args...)
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%v (-want +got):\n%s", tt.args, d)
		}
	}
}

// No enum flag anywhere lacks completion.
func TestEveryEnumFlagCompletes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	f, _ := c.factory("")
	root := NewCmdRoot(f)
	var check func(cmd *cobraCommand)
	check = func(cmd *cobraCommand) {
		cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if _, ok := fl.Value.(interface{ Allowed() []string }); !ok {
				return
			}
			if _, has := cmd.GetFlagCompletionFunc(fl.Name); !has {
				t.Errorf("%s --%s: an enum flag without completion", cmd.CommandPath(), fl.Name)
			}
		})
		for _, sub := range cmd.Commands() {
			check(sub)
		}
	}
	check(root)
}

// fields takes the request kind as its argument, as example does.
func TestFieldsKindArgument(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{{"fields", "gather"}, {"fields", "--kind", "gather"}, {"fields", "gather", "--kind", "gather"}} {
		o, code, errOut := parse(t, c, NewCmdFields, args...)
		if code != 0 || o.Kind != "gather" {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"fields", "gather", "--kind", "dial"}, `callsim: the kind argument "gather" and --kind "dial" differ: give one`},
		{[]string{"fields", "nope"}, `callsim: invalid value "nope" for the kind argument: want inbound, outbound, completed, gather, record, dial, status-callback, no-answer, amd-callback, recording-status, transcription, partial-result, dial-leg-status, whisper, enqueue-wait, enqueue or dequeue-whisper`},
	} {
		if _, code, errOut := parse(t, c, NewCmdFields, tt.args...); code != ExitUsage || errOut != tt.want+"\n" {
			t.Errorf("%v: exit %d %q", tt.args, code, errOut)
		}
	}
	code, out, _ := c.run("", "fields", "gather")
	_, byFlag, _ := c.run("", "fields", "--kind", "gather")
	if code != 0 || out != byFlag || !strings.Contains(out, "Digits") {
		t.Errorf("fields gather:\n%s\nfields --kind gather:\n%s", out, byFlag)
	}
}

// The ~30 flags of inbound, outbound and load are listed by topic, each once.
func TestHelpGroupsFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cmd      string
		sections []string
	}{
		{"inbound", []string{"Call flags:", "Caller script flags:", "Voice AI flags:", "Signing flags:", "Callback flags:", "Output flags:", "Global flags:"}},
		{"outbound", []string{"Call flags:", "Caller script flags:", "Voice AI flags:", "Signing flags:", "Callback flags:", "Output flags:", "Global flags:"}},
		{"load", []string{"Call flags:", "Caller script flags:", "Voice AI flags:", "Signing flags:", "Callback flags:", "Load flags:", "Output flags:", "Global flags:"}},
		{"demo", []string{"Call flags:", "Caller script flags:", "Voice AI flags:", "Signing flags:", "Callback flags:", "Demo app flags:", "Output flags:", "Global flags:"}},
	} {
		c := newCLI(t)
		code, out, errOut := c.run("", tt.cmd, "--help")
		if code != 0 {
			t.Fatalf("%s --help: exit %d %s", tt.cmd, code, errOut)
		}
		var got []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasSuffix(line, "flags:") {
				got = append(got, line)
			}
		}
		if d := cmp.Diff(tt.sections, got); d != "" {
			t.Errorf("%s --help sections (-want +got):\n%s\n%s", tt.cmd, d, out)
		}
		f, _ := c.factory("")
		root := NewCmdRoot(f)
		sub, _, _ := root.Find([]string{tt.cmd})
		sub.InitDefaultHelpFlag()
		sub.Flags().VisitAll(func(fl *pflag.Flag) {
			n := len(regexp.MustCompile(`(?m)^(      |  -\w, )--`+fl.Name+` `).FindAllString(out, -1))
			if fl.Hidden && n != 0 || !fl.Hidden && n != 1 {
				t.Errorf("%s --help lists --%s %d times", tt.cmd, fl.Name, n)
			}
		})
	}
	// A command without topics keeps cobra's layout.
	c := newCLI(t)
	_, out, _ := c.run("", "fields", "--help")
	if !strings.Contains(out, "\nFlags:\n") || !strings.Contains(out, "\nGlobal Flags:\n") {
		t.Errorf("fields --help:\n%s", out)
	}
}

// config checks every value as a call would, naming its source, and says
// what each empty default means.
func TestConfigChecksValues(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		env  map[string]string
		want string
	}{
		{"timeout: 0s\n", nil, `callsim: invalid value "0s" for timeout in callsim.yaml: want a positive duration such as 3s or 1500ms`},
		{"timeout: never\n", nil, `callsim: invalid value "never" for timeout in callsim.yaml: want a duration such as 3s or 1500ms`},
		{"", map[string]string{"CALLSIM_TIMEOUT": "-2s"}, `callsim: invalid value "-2s" for CALLSIM_TIMEOUT: want a positive duration such as 3s or 1500ms`},
		{"max_steps: 0\n", nil, `callsim: invalid value "0" for max_steps in callsim.yaml: want at least 1`},
		{"api_version: 2099\n", nil, `callsim: api_version in callsim.yaml: unknown API version "2099" (allowed: 2010-04-01, legacy)`},
		{"method: PUT\n", nil, `callsim: method in callsim.yaml: must be GET or POST`},
		{"status_events: [rang]\n", nil, `callsim: status_events in callsim.yaml: unknown event "rang"`},
		{"", map[string]string{"CALLSIM_URL": "localhost:3000"}, `callsim: CALLSIM_URL: `},
		{"from: abc\n", nil, `callsim: from in callsim.yaml: `},
	} {
		c := newCLI(t)
		for k, v := range tt.env {
			c.env[k] = v
		}
		if tt.file != "" {
			c.write("callsim.yaml", tt.file)
		}
		code, out, errOut := c.run("", "config")
		if code != ExitUsage || out != "" || !strings.HasPrefix(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q %v: exit %d, stderr %q; want 2 and %q", tt.file, tt.env, code, errOut, tt.want)
		}
	}
	c := newCLI(t)
	code, out, errOut := c.run("", "config", "--json")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	var doc struct{ Settings []ConfigSetting }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Settings {
		if r.Value == "" && r.Note == "" {
			t.Errorf("%s: empty, and nothing says what that means", r.Key)
		}
	}
	i := slices.IndexFunc(doc.Settings, func(r ConfigSetting) bool { return r.Key == "status_events" })
	if i < 0 || doc.Settings[i].Value != "completed" {
		t.Errorf("status_events default: %+v", doc.Settings)
	}
	_, text, _ := c.run("", "config")
	if !strings.Contains(text, "(a fixture number from the seed)") {
		t.Errorf("config:\n%s", text)
	}
}

// callsim version prints what --version prints; --json adds the toolchain.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	code, cmdOut, _ := c.run("", "version")
	_, flagOut, _ := c.run("", "--version")
	if code != 0 || cmdOut != flagOut || !strings.HasPrefix(cmdOut, "callsim version ") {
		t.Errorf("version %q, --version %q", cmdOut, flagOut)
	}
	code, out, _ := c.run("", "version", "--json")
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if d := cmp.Diff(map[string]string{"version": version(), "go": runtime.Version()}, got); d != "" {
		t.Errorf("version --json (-want +got):\n%s", d)
	}
}
