package iostreams

import (
	"testing"

	"github.com/fatih/color"
)

func env(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestColorAndProgress(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                 string
		tty                  bool
		env                  map[string]string
		mode                 ColorMode
		color, progress, out bool
	}{
		{"terminal", true, nil, ColorAuto, true, true, true},
		{"pipe", false, nil, ColorAuto, false, false, false},
		{"NO_COLOR empty counts as unset", true, map[string]string{"NO_COLOR": ""}, ColorAuto, true, true, true},
		{"NO_COLOR set: no colour, progress stays", true, map[string]string{"NO_COLOR": "1"}, ColorAuto, false, true, true},
		{"TERM=dumb: neither", true, map[string]string{"TERM": "dumb"}, ColorAuto, false, false, false},
		{"always wins over NO_COLOR", false, map[string]string{"NO_COLOR": "1"}, ColorAlways, true, false, false},
		{"never on a terminal", true, nil, ColorNever, false, true, true},
	} {
		s, _, _, _ := Test()
		s.SetStdoutTTY(tt.tty)
		s.SetStderrTTY(tt.tty)
		s.ReadEnv(env(tt.env))
		s.SetColorMode(tt.mode)
		if s.ColorEnabled() != tt.color || s.ProgressEnabled() != tt.progress || s.OutProgressEnabled() != tt.out {
			t.Errorf("%s: colour %t progress %t out %t, want %t %t %t", tt.name, s.ColorEnabled(), s.ProgressEnabled(), s.OutProgressEnabled(), tt.color, tt.progress, tt.out)
		}
	}
}

// Colours follow the policy whatever fatih/color's global says.
func TestColorIgnoresGlobal(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	s.SetColorMode(ColorAlways)
	if got := s.Color(color.FgRed).Sprint("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("always: %q", got)
	}
	s.SetColorMode(ColorNever)
	if got := s.Color(color.FgRed).Sprint("x"); got != "x" {
		t.Errorf("never: %q", got)
	}
}

func TestProgressMode(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	s.SetProgressMode(ColorAlways)
	if !s.ProgressEnabled() {
		t.Error("always: off")
	}
	s.SetStderrTTY(true)
	s.SetProgressMode(ColorNever)
	if s.ProgressEnabled() {
		t.Error("never: on")
	}
}

func TestParseColorMode(t *testing.T) {
	t.Parallel()
	for _, m := range []string{"auto", "always", "never"} {
		if got, err := ParseColorMode(m); err != nil || string(got) != m {
			t.Errorf("%s: %v %v", m, got, err)
		}
	}
	if _, err := ParseColorMode("yes"); err == nil {
		t.Error("yes accepted")
	}
}
