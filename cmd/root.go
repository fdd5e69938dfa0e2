// Package cmd is callsim's command line. Every command follows one shape:
// NewCmdX(f, runF) parses flags (and the CALLSIM_* environment and the
// config file) into XOptions and calls runF, or xRun, which calls into the
// simulate and scenarios packages.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/iostreams"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/contract"
)

// Exit codes, as documented in the README.
const (
	ExitOK          = cmdutil.ExitOK
	ExitFailed      = cmdutil.ExitFailed
	ExitUsage       = cmdutil.ExitUsage
	ExitInterrupted = cmdutil.ExitInterrupted
)

// buildVersion is set at build time with -ldflags "-X github.com/callsim/callsim/cmd.buildVersion=…";
// otherwise `go install …@vX.Y.Z` records the module version, used instead.
var buildVersion = "0.1.0-dev"

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && buildVersion == "0.1.0-dev" && strings.HasPrefix(info.Main.Version, "v") {
		return strings.TrimPrefix(info.Main.Version, "v")
	}
	return buildVersion
}

var (
	usageErr = cmdutil.UsageErr
	failed   = cmdutil.ErrFailed
)

// Main runs callsim on the process's arguments, streams and environment,
// and returns the exit code.
func Main() int {
	return Execute(cmdutil.New(), os.Args[1:])
}

// Execute runs callsim with args and returns the exit code.
func Execute(f *cmdutil.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	return reportError(f.IOStreams.ErrOut, withSuggestions(root, root.Execute()))
}

// unknownCommand is cobra's wording for a command (or, under a command that
// takes no arguments, an argument) it does not know; its own suggestions
// follow on further lines, which the one-line report would cut.
var unknownCommand = regexp.MustCompile(`^unknown command "([^"]*)" for "([^"]*)"`)

// withSuggestions rewrites cobra's unknown-command error into one line that names
// the nearest commands: unknown command "inbund" for "callsim"; did you mean
// inbound? (see 'callsim --help').
func withSuggestions(root *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	m := unknownCommand.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	msg := m[0]
	parent := root
	if c, _, ferr := root.Find(strings.Fields(m[2])[1:]); ferr == nil {
		parent = c
	}
	if s := parent.SuggestionsFor(m[1]); len(s) > 0 {
		msg += "; did you mean " + orList(s) + "?"
	}
	return &cmdutil.ExitError{Code: ExitUsage, Err: fmt.Errorf("%s (see '%s --help')", msg, m[2])}
}

// orList is "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// newRoot is the root command and its global flags, without subcommands.
func newRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "callsim",
		Short: "Play Twilio against your voice webhook, locally",
		Long: `callsim makes the HTTP requests Twilio makes to a voice webhook (signed, with
realistic call data), follows the TwiML your app returns like a real call would,
and reports every request and response.

Colour (--color auto): on when standard output is a terminal, off when
NO_COLOR is set to a non-empty value or TERM=dumb; CALLSIM_COLOR and color:
in the config file set the mode too, and --color wins over all.
CALLSIM_FORCE_TTY=1 treats standard output and error as terminals.

Exit codes: 0 ok, 1 the endpoint or a scenario failed (or Ctrl-C stopped a
run), 2 bad usage or input, 130 a second Ctrl-C stopped callsim at once.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Typos one letter off are common ("inbund"): suggest at distance 2.
		SuggestionsMinimumDistance: 2,
	}
	io := f.IOStreams
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.FlagError(c.CommandPath(), suggestFlag(c, err))
	})
	var color string
	pf := root.PersistentFlags()
	pf.String("config", "", "config file (default ./callsim.yaml, then the user config dir)")
	pf.Var(cmdutil.NewEnum(&color, "auto", "auto", "always", "never"), "color",
		"colour output: auto, always or never (also CALLSIM_COLOR, color: in the config file; auto is off when not a terminal, with NO_COLOR set non-empty, or TERM=dumb)")
	pf.Bool("json", false, "print one JSON document instead of the human report")
	pf.BoolP("verbose", "v", false, "show every field, header and body")
	completeValues(root, "color", "auto", "always", "never")
	return root
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := newRoot(f)
	root.AddCommand(
		NewCmdInbound(f, nil),
		NewCmdOutbound(f, nil),
		NewCmdDemo(f, nil),
		NewCmdConfig(f, nil),
		NewCmdLoad(f, nil),
		NewCmdExample(f, nil),
		NewCmdFields(f, nil),
		NewCmdSign(f, nil),
		NewCmdVerify(f, nil),
		NewCmdDocs(f, nil),
		NewCmdRun(f, nil),
		NewCmdSchema(f, nil),
		NewCmdServe(f, nil),
		NewCmdVersion(f, nil),
	)
	completeEnums(root)
	return root
}

// Common is what every command takes from the global flags, the
// environment and the config file.
type Common struct {
	IO       *iostreams.IOStreams
	JSON     bool
	Verbose  bool
	Settings *cmdutil.Settings
}

// usesVerbose are the commands whose report --verbose changes; it is a
// usage error elsewhere rather than silently ignored.
var usesVerbose = map[string]bool{"inbound": true, "outbound": true, "demo": true, "run": true}

// prepare reads the config file, layers it and the environment under the
// flags of c, and sets the colour policy.
func prepare(f *cmdutil.Factory, c *cobra.Command) (Common, error) {
	fl := c.Flags()
	configPath, _ := fl.GetString("config")
	cfg, err := f.Config(configPath)
	if err != nil {
		return Common{}, err
	}
	s, err := f.Layer(c, cfg)
	if err != nil {
		return Common{}, err
	}
	mode, err := iostreams.ParseColorMode(fl.Lookup("color").Value.String())
	if err != nil {
		return Common{}, err
	}
	f.IOStreams.SetColorMode(mode)
	json, _ := fl.GetBool("json")
	verbose, _ := fl.GetBool("verbose")
	if verbose && !usesVerbose[c.Name()] {
		return Common{}, usageErr("--verbose does nothing with %s (it shows more of a call's report: inbound, outbound, demo, run)", c.Name())
	}
	return Common{IO: f.IOStreams, JSON: json, Verbose: verbose, Settings: s}, nil
}

// flagError turns an InputError from the simulate package about a setting
// that came from the environment or the config file into a message naming
// that source.
func (c Common) flagError(err error) error {
	var ie *contract.InputError
	if errors.As(err, &ie) && ie.Field != "" && c.Settings != nil && !c.Settings.FromFlagOrDefault(ie.Field) {
		return usageErr("%s: %s", c.Settings.Origin(ie.Field), ie.Msg)
	}
	return err
}

func reportError(errOut io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	// An error quotes the URL it could not use, credentials and all.
	errOut = &urlRedactor{errOut}
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(errOut, "callsim: %s\n", oneLine(ee.Err.Error()))
		}
		return ee.Code
	}
	var ie *contract.InputError
	if errors.As(err, &ie) {
		fmt.Fprintf(errOut, "callsim: %s\n", oneLine(flagMessage(ie)))
		return ExitUsage
	}
	// cobra's own usage errors (unknown command, wrong arg count).
	fmt.Fprintf(errOut, "callsim: %s\n", oneLine(err.Error()))
	return ExitUsage
}

type urlRedactor struct{ w io.Writer }

func (u *urlRedactor) Write(p []byte) (int, error) {
	if _, err := io.WriteString(u.w, redact.URLPasswords(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func flagMessage(ie *contract.InputError) string {
	if ie.Field == "" {
		return ie.Msg
	}
	return "--" + ie.Field + ": " + ie.Msg
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
