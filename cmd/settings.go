package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/callsim/callsim/simulate"
)

// Settings that may come from the environment and the config file, not
// only from flags. Keys are flag names; in the config file and in
// CALLSIM_* variables dashes become underscores.
var configurable = []string{
	"url", "method", "auth-token", "account-sid", "signing-url", "timeout", "api-version",
	"from", "to", "fallback-url", "fallback-method", "status-callback", "status-callback-method",
	"status-events", "max-steps", "no-geo", "no-end", "color",
}

// envAliases are Twilio's own variable names, read after CALLSIM_*.
var envAliases = map[string][]string{
	"auth-token":  {"TWILIO_AUTH_TOKEN"},
	"account-sid": {"TWILIO_ACCOUNT_SID"},
}

func configKey(flag string) string { return strings.ReplaceAll(flag, "-", "_") }

func envNames(flag string) []string {
	return append([]string{"CALLSIM_" + strings.ToUpper(configKey(flag))}, envAliases[flag]...)
}

// settings layers flags > environment > config file > defaults (viper).
type settings struct {
	v    *viper.Viper
	cmd  *cobra.Command
	file string // config file in use, "" if none
}

// loadSettings reads the config file and binds the command's flags.
func loadSettings(c *cobra.Command, g *globals) (*settings, error) {
	v := viper.New()
	s := &settings{v: v, cmd: c}
	var bindErr error
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if err := v.BindPFlag(configKey(f.Name), f); err != nil {
			bindErr = err
		}
	})
	if bindErr != nil {
		return nil, bindErr
	}
	for _, name := range configurable {
		if err := v.BindEnv(append([]string{configKey(name)}, envNames(name)...)...); err != nil {
			return nil, err
		}
	}
	file, err := configFile(g.config)
	if err != nil {
		return nil, err
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, usageErr("%s: %s", file, oneLine(err.Error()))
		}
		s.file = file
		for _, k := range v.AllKeys() {
			if !isConfigurable(k) && v.InConfig(k) {
				return nil, usageErr("%s: unknown setting %q (known: %s)", file, k, strings.Join(configKeys(), ", "))
			}
		}
	}
	return s, nil
}

func isConfigurable(key string) bool {
	for _, n := range configurable {
		if configKey(n) == key {
			return true
		}
	}
	return false
}

func configKeys() []string {
	var ks []string
	for _, n := range configurable {
		ks = append(ks, configKey(n))
	}
	sort.Strings(ks)
	return ks
}

// configFile finds the config file: --config, ./callsim.yaml, then the user
// config dir. An explicit --config must exist.
func configFile(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", usageErr("--config: %v", err)
		}
		return explicit, nil
	}
	candidates := []string{"callsim.yaml"}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "callsim", "callsim.yaml"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", nil
}

// String reads a setting. YAML turns an unquoted 2010-04-01 into a date;
// read it back as the text the user wrote.
func (s *settings) String(flag string) string {
	if t, ok := s.v.Get(configKey(flag)).(time.Time); ok {
		return t.Format("2006-01-02")
	}
	return s.v.GetString(configKey(flag))
}
func (s *settings) Bool(flag string) bool { return s.v.GetBool(configKey(flag)) }

// Strings reads a list from a flag (repeatable or comma-separated), an
// environment variable (comma-separated) or the config file (a YAML list).
func (s *settings) Strings(flag string) []string {
	var out []string
	for _, v := range s.v.GetStringSlice(configKey(flag)) {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (s *settings) Int(flag string) (int, error) {
	raw := s.String(flag)
	if raw == "" {
		return 0, nil
	}
	var n int
	if _, err := fmt.Sscan(raw, &n); err != nil {
		return 0, s.bad(flag, "%q is not a whole number", raw)
	}
	return n, nil
}

// Duration reads a Go duration ("3s", "1500ms").
func (s *settings) Duration(flag string) (time.Duration, error) {
	raw := s.String(flag)
	if raw == "" {
		return 0, nil
	}
	d, perr := time.ParseDuration(raw)
	if perr != nil {
		return 0, s.bad(flag, "%q is not a duration (examples: 3s, 1500ms)", raw)
	}
	return d, nil
}

// bad names where a bad value came from: flag, variable or file.
func (s *settings) bad(flag, format string, args ...any) error {
	src := s.Source(flag)
	msg := fmt.Sprintf(format, args...)
	return &exitError{ExitUsage, errors.New(src + ": " + msg)}
}

// Source says where a setting's value comes from, in the words the user
// would type: "--timeout", "CALLSIM_TIMEOUT", "callsim.yaml: timeout", "default".
func (s *settings) Source(flag string) string {
	if f := s.cmd.Flags().Lookup(flag); f != nil && f.Changed {
		return "--" + flag
	}
	for _, e := range envNames(flag) {
		if _, ok := os.LookupEnv(e); ok {
			return e
		}
	}
	if s.file != "" && s.v.InConfig(configKey(flag)) {
		return s.file + ": " + configKey(flag)
	}
	return "default"
}

// flagError turns an InputError from the simulate package into a message
// naming where the value came from.
func (s *settings) flagError(err error) error {
	var ie *simulate.InputError
	if errors.As(err, &ie) && ie.Field != "" && isConfigurable(configKey(ie.Field)) {
		src := s.Source(ie.Field)
		if src != "default" && !strings.HasPrefix(src, "--") {
			return &exitError{ExitUsage, errors.New(src + ": " + ie.Msg)}
		}
	}
	return err
}
