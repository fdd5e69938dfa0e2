package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/callsim/callsim/simulate"
)

func newDocsCmd(io *IO, g *globals) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "docs --dir DIR",
		Short: "Write the command reference as Markdown and man pages",
		Long: `docs writes one Markdown page per command into DIR and one man page per
command into DIR/man, generated from callsim's own command tree, so the
reference never drifts from the flags. Man pages are dated from
SOURCE_DATE_EPOCH when it is set (reproducible builds), else today.`,
		Example: `  callsim docs --dir docs/cli
  man docs/cli/man/callsim-example.1`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if dir == "" {
				return usageErr("--dir is required (where to write the reference, e.g. docs/cli)")
			}
			n, err := writeDocs(c.Root(), dir)
			if err != nil {
				return usageErr("--dir %s: %v", dir, err)
			}
			man := filepath.Join(dir, "man")
			if g.json {
				return simulate.WriteJSON(io.Out, map[string]any{"markdown_dir": dir, "man_dir": man, "commands": n})
			}
			_, err = fmt.Fprintf(io.Out, "wrote %d Markdown pages to %s and %d man pages to %s\n", n, dir, n, man)
			return err
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "directory for the Markdown pages; man pages go to DIR/man (required)")
	return c
}

// writeDocs generates the reference of the whole tree under root and
// returns the number of commands documented. The tree is completed first
// with what cobra adds when it runs (help, completion, --version), so the
// pages are the same whichever command generates them.
func writeDocs(root *cobra.Command, dir string) (int, error) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	n := 0
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true // no generation date: stable output
		c.InitDefaultHelpFlag()
		if c.IsAvailableCommand() || c == root {
			n++
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				walk(sub)
			}
		}
	}
	walk(root)
	man := filepath.Join(dir, "man")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return 0, err
	}
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return 0, err
	}
	header := &doc.GenManHeader{Section: "1", Source: "callsim", Manual: "callsim manual"}
	if err := doc.GenManTree(root, header, man); err != nil {
		return 0, err
	}
	return n, nil
}
