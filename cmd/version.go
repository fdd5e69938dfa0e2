package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/simulate/report"
)

// VersionOptions is `callsim version`.
type VersionOptions struct {
	Common
	Version string
	Go      string
}

// NewCmdVersion is `callsim version`: what --version prints, and with
// --json the version and Go toolchain for bug reports and scripts.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	c := &cobra.Command{
		Use:   "version",
		Short: "Print callsim's version (as --version does)",
		Long: `version prints callsim's version, as --version does; with --json, the version
and the Go toolchain that built callsim.`,
		Example: `  callsim version
  callsim version --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			opts := &VersionOptions{Common: common, Version: version(), Go: runtime.Version()}
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	return c
}

func versionRun(o *VersionOptions) error {
	if o.JSON {
		return report.WriteJSON(o.IO.Out, map[string]string{"version": o.Version, "go": o.Go})
	}
	// The same line as cobra's --version template.
	_, err := fmt.Fprintf(o.IO.Out, "callsim version %s\n", o.Version)
	return err
}
