package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

// configSetting is one row of `callsim config`.
type configSetting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

func newConfigCmd(io *IO, g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each comes from",
		Long: `config prints every setting callsim would use, and its source, in order of
precedence: flags > environment (CALLSIM_*, TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID) >
config file (--config, ./callsim.yaml, then the user config dir) > defaults.
The auth token is always redacted.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := loadSettings(c, g)
			if err != nil {
				return err
			}
			var rows []configSetting
			for _, name := range configurable {
				v := s.String(name)
				if name == "status-events" {
					v = strings.Join(s.Strings(name), ",")
				}
				if name == "auth-token" && v != "" {
					v = simulate.Redacted
				}
				rows = append(rows, configSetting{Key: configKey(name), Value: v, Source: s.Source(name)})
			}
			if g.json {
				file := s.file
				return simulate.WriteJSON(io.Out, map[string]any{"config_file": file, "settings": rows})
			}
			if s.file != "" {
				fmt.Fprintf(io.Out, "config file: %s\n\n", s.file)
			} else {
				fmt.Fprintf(io.Out, "config file: none (looked for ./callsim.yaml and the user config dir)\n\n")
			}
			tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SETTING\tVALUE\tFROM")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, r.Value, r.Source)
			}
			return tw.Flush()
		},
	}
	addCallFlags(c, &callOptions{}, simulate.Outbound)
	return c
}
