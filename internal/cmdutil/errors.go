package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Exit codes, as documented in the README.
const (
	ExitOK          = 0   // the endpoint behaved / every scenario passed
	ExitFailed      = 1   // the endpoint failed, or a scenario failed
	ExitUsage       = 2   // bad usage or input
	ExitInterrupted = 130 // a second Ctrl-C: 128 + SIGINT, as shells report it
)

// ExitError carries an exit code through cobra; a nil Err prints nothing
// (the report already said it).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageErr is a bad-usage error: exit 2.
func UsageErr(format string, args ...any) error {
	return &ExitError{ExitUsage, fmt.Errorf(format, args...)}
}

// ErrFailed is exit 1 with nothing more to say.
var ErrFailed = &ExitError{Code: ExitFailed}

// InvalidValue is the one wording of every bad setting, whatever its source:
//
//	invalid value "12abc" for --max-steps: want a whole number
//	invalid value "12abc" for CALLSIM_MAX_STEPS: want a whole number
//	invalid value "12abc" for max_steps in callsim.yaml: want a whole number
func InvalidValue(source, value, want string) error {
	return UsageErr("invalid value %q for %s: %s", value, source, want)
}

// Wanter is a flag value that says what it accepts.
type Wanter interface{ Want() string }

// Want says what a flag accepts, in the words of InvalidValue.
func Want(f *pflag.Flag, cause error) string {
	if w, ok := f.Value.(Wanter); ok {
		return w.Want()
	}
	switch f.Value.Type() {
	case "int", "int32", "int64":
		return "want a whole number"
	case "uint", "uint32", "uint64":
		return "want a whole number, 0 or more"
	case "duration":
		return "want a duration such as 3s or 1500ms"
	case "bool":
		return "want true or false"
	case "float64":
		return "want a number"
	}
	if cause != nil {
		return cause.Error()
	}
	return "not allowed"
}

// FlagError rewrites pflag's parse errors in callsim's words; it is the
// root command's flag error func.
func FlagError(commandPath string, err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		f := ive.GetFlag()
		return InvalidValue("--"+f.Name, ive.GetValue(), Want(f, ive.Unwrap()))
	}
	msg := err.Error()
	if !strings.Contains(msg, "--help") {
		msg += fmt.Sprintf(" (see '%s --help')", commandPath)
	}
	return &ExitError{ExitUsage, errors.New(msg)}
}

// Enum is a string flag limited to a few values.
type Enum struct {
	p       *string
	allowed []string
}

// NewEnum makes an Enum flag value over p, starting at def.
func NewEnum(p *string, def string, allowed ...string) *Enum {
	*p = def
	return &Enum{p: p, allowed: allowed}
}

func (e *Enum) String() string { return *e.p }
func (e *Enum) Type() string   { return "string" }

// Set accepts one of the allowed values.
func (e *Enum) Set(v string) error {
	for _, a := range e.allowed {
		if v == a {
			*e.p = v
			return nil
		}
	}
	return errors.New(e.Want())
}

// Allowed lists the values the flag accepts, for shell completion.
func (e *Enum) Allowed() []string { return append([]string(nil), e.allowed...) }

// Want lists the allowed values.
func (e *Enum) Want() string {
	switch len(e.allowed) {
	case 1:
		return "want " + e.allowed[0]
	default:
		return "want " + strings.Join(e.allowed[:len(e.allowed)-1], ", ") + " or " + e.allowed[len(e.allowed)-1]
	}
}
