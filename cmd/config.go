package cmd

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
)

// ConfigSetting is one row of `callsim config`.
type ConfigSetting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// Note says what an empty default means (a generated value, none).
	Note string `json:"note,omitempty"`
}

// ConfigOptions is `callsim config`.
type ConfigOptions struct {
	Common
	// File is the config file in use, "" when none.
	File string
	Rows []ConfigSetting
}

// defaultNotes say what a setting left empty does.
var defaultNotes = map[string]string{
	"url":             "none: give it to inbound, outbound or load",
	"auth-token":      "none: requests are not signed",
	"account-sid":     "generated from the seed",
	"signing-url":     "the voice URL",
	"from":            "a fixture number from the seed",
	"to":              "a fixture number from the seed",
	"fallback-url":    "none",
	"status-callback": "none",
}

// NewCmdConfig is `callsim config`. It takes only --config, --color and
// --json: it shows the settings the environment and the config file give
// every command, so call flags (which would only echo back) are unknown
// flags here.
func NewCmdConfig(f *cmdutil.Factory, runF func(*ConfigOptions) error) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings, where each comes from, and check them",
		Long: `config prints every setting callsim would use, its source and what an empty
default means, and checks every value as a call would: a bad value is reported
naming its source (CALLSIM_TIMEOUT, timeout in callsim.yaml), with exit 2.

Sources, in order of precedence: flags of the command that runs > environment
(CALLSIM_*, TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID) > config file (--config,
./callsim.yaml, then the user config dir) > defaults. config itself takes only
--config, --color and --json. The auth token is always redacted.`,
		Example: `  callsim config
  CALLSIM_TIMEOUT=5s callsim config --json
  callsim config --config ci/callsim.yaml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			// The call flags of an outbound call (the widest set) on a
			// command of their own, to layer and check what the
			// environment and config file give them.
			var flags callFlags
			calls := &cobra.Command{Use: "config"}
			addCallFlags(calls, &flags, contract.Outbound)
			calls.Flags().AddFlag(c.Flags().Lookup("color"))
			s, err := f.Layer(calls, common.Settings.Config)
			if err != nil {
				return err
			}
			common.Settings = s
			if err := checkSettings(f, calls, &flags, common); err != nil {
				return err
			}
			opts := &ConfigOptions{Common: common}
			if cfg := s.Config; cfg != nil {
				opts.File = cfg.File
			}
			for _, name := range cmdutil.Configurable() {
				fl := calls.Flags().Lookup(name)
				row := ConfigSetting{Key: cmdutil.ConfigKey(name), Value: flagText(fl), Source: s.Source(name)}
				switch {
				case name == "auth-token" && row.Value != "":
					row.Value = redact.Redacted
				case name == "status-events" && row.Value == "":
					row.Value = "completed"
				case row.Value == "":
					row.Note = defaultNotes[name]
				}
				opts.Rows = append(opts.Rows, row)
			}
			if runF != nil {
				return runF(opts)
			}
			return configRun(opts)
		},
	}
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
		if ok && slices.Contains(cmdutil.Configurable(), name) {
			return usageErr("--%s does nothing with config: it shows what the environment and the config file set (%s, or %s: in callsim.yaml)", name, cmdutil.EnvNames(name)[0], cmdutil.ConfigKey(name))
		}
		return cmdutil.FlagError(c.CommandPath(), suggestFlag(c, err))
	})
	return c
}

// checkSettings checks the layered settings as a call would, so that a bad
// timeout: is reported by config and not only by the next call.
func checkSettings(f *cmdutil.Factory, c *cobra.Command, flags *callFlags, common Common) error {
	opts, err := flags.build(f, c, common, contract.Outbound, false)
	if err != nil {
		return err
	}
	if _, err := contract.NewCall(opts.Spec); err != nil {
		return common.flagError(err)
	}
	o := opts.Options
	if o.URL == "" {
		// No URL is fine here (inbound takes it as its argument); check
		// the rest against one that is.
		o.URL = "http://localhost/voice"
	}
	if err := o.Validate(); err != nil {
		return common.flagError(err)
	}
	return nil
}

// flagText is a flag's value as a user would write it: lists comma-separated.
func flagText(fl *pflag.Flag) string {
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		return strings.Join(splitList(sv.GetSlice()), ",")
	}
	return fl.Value.String()
}

func configRun(o *ConfigOptions) error {
	out := o.IO.Out
	if o.JSON {
		return report.WriteJSON(out, map[string]any{"config_file": o.File, "settings": o.Rows})
	}
	if o.File != "" {
		fmt.Fprintf(out, "config file: %s\n\n", o.File)
	} else {
		fmt.Fprintf(out, "config file: none (looked for ./callsim.yaml and the user config dir)\n\n")
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tFROM")
	for _, r := range o.Rows {
		v := r.Value
		if r.Note != "" {
			v = "(" + r.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, v, r.Source)
	}
	return tw.Flush()
}
