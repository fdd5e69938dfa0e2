package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// configurable are the flags whose value may also come from the environment
// (CALLSIM_*) and the config file. In both, dashes become underscores.
var configurable = []string{
	"url", "method", "auth-token", "account-sid", "signing-url", "timeout", "api-version",
	"from", "to", "fallback-url", "fallback-method", "status-callback", "status-callback-method",
	"status-events", "max-steps", "hangup-after", "no-geo", "no-end", "color",
}

// envAliases are Twilio's own variable names, read after CALLSIM_*.
var envAliases = map[string][]string{
	"auth-token":  {"TWILIO_AUTH_TOKEN"},
	"account-sid": {"TWILIO_ACCOUNT_SID"},
}

// Configurable lists the settings, in the order `callsim config` shows them.
func Configurable() []string { return slices.Clone(configurable) }

// ConfigKey is a flag's name in the config file.
func ConfigKey(flag string) string { return strings.ReplaceAll(flag, "-", "_") }

// EnvNames are the variables a flag's value may come from, first wins.
func EnvNames(flag string) []string {
	return append([]string{"CALLSIM_" + strings.ToUpper(ConfigKey(flag))}, envAliases[flag]...)
}

func configKeys() []string {
	var ks []string
	for _, n := range configurable {
		ks = append(ks, ConfigKey(n))
	}
	sort.Strings(ks)
	return ks
}

// Config is a loaded config file.
type Config struct {
	// File is the file's path as the user would name it.
	File string
	v    *viper.Viper
}

// Lookup reads a key the file sets, as the text a flag would take: lists
// comma-separated, and an unquoted YAML date (2010-04-01) as written.
func (c *Config) Lookup(key string) (string, bool) {
	if c == nil || !c.v.InConfig(key) {
		return "", false
	}
	switch v := c.v.Get(key).(type) {
	case time.Time:
		return v.Format("2006-01-02"), true
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ","), true
	case nil:
		return "", true
	default:
		return fmt.Sprint(v), true
	}
}

// Config loads the config file: explicit (--config, which must exist),
// else ./callsim.yaml, else callsim/callsim.yaml in the user config dir; nil
// when there is none. It is read once per path.
func (f *Factory) Config(explicit string) (*Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.configs[explicit]; ok {
		return r.c, r.err
	}
	c, err := f.loadConfig(explicit)
	if f.configs == nil {
		f.configs = map[string]configResult{}
	}
	f.configs[explicit] = configResult{c, err}
	return c, err
}

func (f *Factory) loadConfig(explicit string) (*Config, error) {
	var file string
	if explicit != "" {
		if _, err := os.Stat(f.Path(explicit)); err != nil {
			return nil, UsageErr("--config: %v", errors.Unwrap(err))
		}
		file = explicit
	} else {
		candidates := []string{"callsim.yaml"}
		if dir, ok := f.UserConfigDir(); ok {
			candidates = append(candidates, filepath.Join(dir, "callsim", "callsim.yaml"))
		}
		for _, c := range candidates {
			if st, err := os.Stat(f.Path(c)); err == nil && !st.IsDir() {
				file = c
				break
			}
		}
	}
	if file == "" {
		return nil, nil
	}
	v := viper.New()
	v.SetConfigFile(f.Path(file))
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, UsageErr("%s: %s", file, firstLine(err.Error()))
	}
	for _, k := range v.AllKeys() {
		if !slices.Contains(configKeys(), k) {
			return nil, UsageErr("%s: unknown setting %q (known: %s)", file, k, strings.Join(configKeys(), ", "))
		}
	}
	return &Config{File: file, v: v}, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// Settings records where each configurable flag of a command got its value.
type Settings struct {
	Config *Config
	kinds  map[string]source
}

type source struct {
	kind string // flag, env, file or default
	name string // the variable, for env
}

// Layer gives every configurable flag of c the user did not pass its value
// from the environment, else from cfg: flags > environment > config file >
// defaults. A bad value is an InvalidValue error naming its source.
func (f *Factory) Layer(c *cobra.Command, cfg *Config) (*Settings, error) {
	s := &Settings{Config: cfg, kinds: map[string]source{}}
	for _, name := range configurable {
		fl := c.Flags().Lookup(name)
		if fl == nil {
			continue
		}
		if fl.Changed {
			s.kinds[name] = source{kind: "flag"}
			continue
		}
		if err := s.fromEnv(f, fl); err != nil {
			return nil, err
		}
		if _, ok := s.kinds[name]; ok {
			continue
		}
		if v, ok := cfg.Lookup(ConfigKey(name)); ok {
			s.kinds[name] = source{kind: "file"}
			if err := fl.Value.Set(v); err != nil {
				return nil, InvalidValue(s.Origin(name), v, Want(fl, err))
			}
			continue
		}
		s.kinds[name] = source{kind: "default"}
	}
	return s, nil
}

func (s *Settings) fromEnv(f *Factory, fl *pflag.Flag) error {
	for _, e := range EnvNames(fl.Name) {
		// An empty variable is unset, as it was when viper read them.
		if v, _ := f.Env(e); v != "" {
			s.kinds[fl.Name] = source{kind: "env", name: e}
			if err := fl.Value.Set(v); err != nil {
				return InvalidValue(e, v, Want(fl, err))
			}
			return nil
		}
	}
	return nil
}

// Source says where a setting's value comes from, as `callsim config`
// shows it: "--timeout", "CALLSIM_TIMEOUT", "callsim.yaml: timeout", "default".
func (s *Settings) Source(flag string) string {
	switch k := s.kinds[flag]; k.kind {
	case "flag":
		return "--" + flag
	case "env":
		return k.name
	case "file":
		return s.Config.File + ": " + ConfigKey(flag)
	}
	return "default"
}

// Origin names where a setting's value comes from, in InvalidValue's words:
// "--timeout", "CALLSIM_TIMEOUT", "timeout in callsim.yaml"; "--timeout"
// for a default.
func (s *Settings) Origin(flag string) string {
	switch k := s.kinds[flag]; k.kind {
	case "env":
		return k.name
	case "file":
		return ConfigKey(flag) + " in " + s.Config.File
	}
	return "--" + flag
}

// FromFlagOrDefault says whether the setting was passed as a flag or left
// at its default (so an error about it names the flag).
func (s *Settings) FromFlagOrDefault(flag string) bool {
	k := s.kinds[flag].kind
	return k == "flag" || k == "default" || k == ""
}
