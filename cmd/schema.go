package cmd

import (
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/scenarios"
)

func newSchemaCmd(io *IO, _ *globals) *cobra.Command {
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
			_, err := io.Out.Write(scenarios.Schema)
			return err
		},
	}
}
