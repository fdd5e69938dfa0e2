// Command barecobra is the startup baseline: a cobra command tree with a
// version and one subcommand printing a constant, and nothing else. The
// benchmark compares `callsim --version` and `callsim example` with it.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{Use: "barecobra", Version: "0.0.0", SilenceUsage: true}
	root.PersistentFlags().Bool("json", false, "a flag like callsim's globals")
	root.AddCommand(&cobra.Command{
		Use:  "example",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(c.OutOrStdout(), "CallSid=CA00000000000000000000000000000000&CallStatus=ringing")
			return err
		},
	})
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
