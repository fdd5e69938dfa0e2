package cmd

import (
	"fmt"
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
}

// ConfigOptions is `callsim config`.
type ConfigOptions struct {
	Common
	// File is the config file in use, "" when none.
	File string
	Rows []ConfigSetting
}

// NewCmdConfig is `callsim config`.
func NewCmdConfig(f *cmdutil.Factory, runF func(*ConfigOptions) error) *cobra.Command {
	var flags callFlags
	c := &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each comes from",
		Long: `config prints every setting callsim would use, and its source, in order of
precedence: flags > environment (CALLSIM_*, TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID) >
config file (--config, ./callsim.yaml, then the user config dir) > defaults.
The auth token is always redacted.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			opts := &ConfigOptions{Common: common}
			if cfg := common.Settings.Config; cfg != nil {
				opts.File = cfg.File
			}
			for _, name := range cmdutil.Configurable() {
				fl := c.Flags().Lookup(name)
				v := flagText(fl)
				if name == "auth-token" && v != "" {
					v = redact.Redacted
				}
				opts.Rows = append(opts.Rows, ConfigSetting{Key: cmdutil.ConfigKey(name), Value: v, Source: common.Settings.Source(name)})
			}
			if runF != nil {
				return runF(opts)
			}
			return configRun(opts)
		},
	}
	addCallFlags(c, &flags, contract.Outbound)
	return c
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
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, r.Value, r.Source)
	}
	return tw.Flush()
}
