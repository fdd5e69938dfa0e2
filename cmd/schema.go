package cmd

import (
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/scenarios"
)

// SchemaOptions is `callsim schema`.
type SchemaOptions struct {
	Common
}

// NewCmdSchema is `callsim schema`.
func NewCmdSchema(f *cmdutil.Factory, runF func(*SchemaOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files, for editors and linters",
		Long: `schema prints the JSON Schema (draft 2020-12) of the YAML files 'callsim run'
reads, so editors can complete and validate them. With the YAML language server
(VS Code's YAML extension and others), save it and add a first line to each file:

  # yaml-language-server: $schema=./callsim-scenario.schema.json`,
		Example: `  callsim schema > callsim-scenario.schema.json`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts := &SchemaOptions{Common: Common{IO: f.IOStreams}}
			if runF != nil {
				return runF(opts)
			}
			_, err := opts.IO.Out.Write(scenarios.Schema())
			return err
		},
	}
}
