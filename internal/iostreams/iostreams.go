// Package iostreams is callsim's terminal policy: where a command reads and
// writes, which of those are terminals, and whether to colour or animate.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// ColorMode is the --color setting.
type ColorMode string

// The colour modes; auto colours a terminal unless NO_COLOR or TERM=dumb say not to.
const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// colorModes are the valid modes.
var colorModes = []ColorMode{ColorAuto, ColorAlways, ColorNever}

// ParseColorMode reads auto, always or never.
func ParseColorMode(s string) (ColorMode, error) {
	for _, m := range colorModes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("want auto, always or never")
}

// IOStreams owns a command's standard streams and decides, once, whether
// output is coloured and progress is shown. Commands ask it; they never look
// at the environment or the terminal themselves.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	// noColor is NO_COLOR set to a non-empty value (no-color.org: an
	// empty NO_COLOR does not count).
	noColor bool
	// dumb is TERM=dumb: no colour, and no erasing a line either.
	dumb      bool
	colorMode ColorMode
	progress  ColorMode // auto, always or never, as --progress
}

// Env looks a variable up, as os.LookupEnv does; tests pass a map's lookup.
type Env func(name string) (string, bool)

// System is the process's streams. CALLSIM_FORCE_TTY (any non-empty value)
// treats standard output and error as terminals even when redirected, for CI
// logs that render colour and for acceptance tests.
func System(env Env) *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, colorMode: ColorAuto, progress: ColorAuto}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	if v, _ := env("CALLSIM_FORCE_TTY"); v != "" {
		s.stdoutTTY, s.stderrTTY = true, true
	}
	s.ReadEnv(env)
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test is streams over buffers, none of them a terminal, in an empty
// environment; the Set methods make them look otherwise.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, colorMode: ColorAuto, progress: ColorAuto}, in, out, errOut
}

// ReadEnv takes NO_COLOR and TERM from env.
func (s *IOStreams) ReadEnv(env Env) {
	noColor, _ := env("NO_COLOR")
	term, _ := env("TERM")
	s.noColor = noColor != ""
	s.dumb = term == "dumb"
}

// SetStdinTTY, SetStdoutTTY and SetStderrTTY say whether a stream is a terminal.
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// IsStdinTTY, IsStdoutTTY and IsStderrTTY say whether a stream is a terminal.
func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetColorMode applies the resolved --color setting (flag, CALLSIM_COLOR or
// color: in the config file): always and never win over NO_COLOR and TERM,
// as no-color.org asks of explicit settings.
func (s *IOStreams) SetColorMode(m ColorMode) { s.colorMode = m }

// ColorMode is the mode in effect.
func (s *IOStreams) ColorMode() ColorMode { return s.colorMode }

// ColorEnabled says whether standard output is coloured.
func (s *IOStreams) ColorEnabled() bool { return s.colorFor(s.stdoutTTY) }

// ErrColorEnabled says whether standard error is coloured.
func (s *IOStreams) ErrColorEnabled() bool { return s.colorFor(s.stderrTTY) }

func (s *IOStreams) colorFor(tty bool) bool {
	switch s.colorMode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	return tty && !s.noColor && !s.dumb
}

// Color is a colour for standard output that is on or off as the policy
// says, whatever fatih/color's own global detection concluded.
func (s *IOStreams) Color(attrs ...color.Attribute) *color.Color {
	return NewColor(s.ColorEnabled(), attrs...)
}

// NewColor returns a colour that is on or off whatever fatih/color's global
// terminal detection says: the caller decided (--color, NO_COLOR, a terminal).
func NewColor(on bool, attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}

// SetProgressMode applies --progress: auto shows progress on a terminal
// standard error that is not TERM=dumb.
func (s *IOStreams) SetProgressMode(m ColorMode) { s.progress = m }

// ProgressEnabled says whether live progress lines (which rewrite the
// current line with \r and erase it with ESC[K) go to standard error.
func (s *IOStreams) ProgressEnabled() bool {
	switch s.progress {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	return s.stderrTTY && !s.dumb
}

// OutProgressEnabled says whether results may be shown on standard output as
// they come, before the report (a terminal that can erase a line).
func (s *IOStreams) OutProgressEnabled() bool { return s.stdoutTTY && !s.dumb }
