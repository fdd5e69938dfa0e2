// Package cmd is callsim's command line: it parses flags into options and
// calls the simulate and scenarios packages.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

// Exit codes, as documented in the README.
const (
	ExitOK      = 0 // the endpoint behaved / every scenario passed
	ExitFailed  = 1 // the endpoint failed, or a scenario failed
	ExitUsage   = 2 // bad usage or input
	exitUnknown = 2
)

// Version is set at build time with -ldflags "-X github.com/callsim/callsim/cmd.Version=…";
// otherwise `go install …@vX.Y.Z` records the module version, used instead.
var Version = "0.1.0-dev"

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && Version == "0.1.0-dev" && strings.HasPrefix(info.Main.Version, "v") {
		return strings.TrimPrefix(info.Main.Version, "v")
	}
	return Version
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func usageErr(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// failed is exit 1 with nothing more to say (the report said it).
var failed = &exitError{code: ExitFailed}

// IO is where a command reads and writes.
type IO struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// Terminal is true when Out is a terminal (colours, progress).
	Terminal bool
	// InTerminal is true when In is a terminal (interactive prompts).
	InTerminal bool
	// ErrTerminal is true when ErrOut is a terminal (progress lines).
	ErrTerminal bool
}

// globals are the flags every command has.
type globals struct {
	config  string
	color   string
	json    bool
	verbose bool
}

func (g *globals) colorOn(io *IO) (bool, error) {
	switch g.color {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		_, noColor := os.LookupEnv("NO_COLOR")
		return io.Terminal && !noColor, nil
	}
	return false, usageErr("--color: must be auto, always or never (got %q)", g.color)
}

// NewRootCmd builds the command tree.
func NewRootCmd(io *IO) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "callsim",
		Short: "Play Twilio against your voice webhook, locally",
		Long: `callsim makes the HTTP requests Twilio makes to a voice webhook (signed, with
realistic call data), follows the TwiML your app returns like a real call would,
and reports every request and response.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{ExitUsage, fmt.Errorf("%v (see '%s --help')", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.config, "config", "", "config file (default ./callsim.yaml, then the user config dir)")
	pf.StringVar(&g.color, "color", "auto", "colour output: auto, always or never (NO_COLOR turns auto off)")
	pf.BoolVar(&g.json, "json", false, "print one JSON document instead of the human report")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "show every field, header and body")
	root.AddCommand(
		newInboundCmd(io, g),
		newOutboundCmd(io, g),
		newDemoCmd(io, g),
		newConfigCmd(io, g),
		newLoadCmd(io, g),
		newExampleCmd(io, g),
		newFieldsCmd(io, g),
		newSignCmd(io, g),
		newVerifyCmd(io, g),
		newDocsCmd(io, g),
		newRunCmd(io, g),
		newSchemaCmd(io, g),
	)
	return root
}

// Execute runs callsim with args and returns the exit code.
func Execute(args []string, in io.Reader, out, errOut io.Writer) int {
	io := &IO{In: in, Out: out, ErrOut: errOut}
	if f, ok := out.(interface{ Fd() uintptr }); ok {
		io.Terminal = isatty.IsTerminal(f.Fd())
	}
	if f, ok := in.(interface{ Fd() uintptr }); ok {
		io.InTerminal = isatty.IsTerminal(f.Fd())
	}
	if f, ok := errOut.(interface{ Fd() uintptr }); ok {
		io.ErrTerminal = isatty.IsTerminal(f.Fd())
	}
	root := NewRootCmd(io)
	root.SetArgs(args)
	err := root.Execute()
	return report(io, err)
}

func report(io *IO, err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(io.ErrOut, "callsim: %s\n", oneLine(ee.err.Error()))
		}
		return ee.code
	}
	var ie *simulate.InputError
	if errors.As(err, &ie) {
		fmt.Fprintf(io.ErrOut, "callsim: %s\n", oneLine(flagMessage(ie)))
		return ExitUsage
	}
	// cobra's own usage errors (unknown command, wrong arg count).
	fmt.Fprintf(io.ErrOut, "callsim: %s\n", oneLine(err.Error()))
	return exitUnknown
}

func flagMessage(ie *simulate.InputError) string {
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
