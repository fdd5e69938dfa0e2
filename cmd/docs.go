package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/simulate/report"
)

// DocsOptions is `callsim docs`.
type DocsOptions struct {
	Common
	Dir  string
	Root *cobra.Command
	// Env reads SOURCE_DATE_EPOCH.
	Env func(string) (string, bool)
}

// NewCmdDocs is `callsim docs`.
func NewCmdDocs(f *cmdutil.Factory, runF func(*DocsOptions) error) *cobra.Command {
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
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			opts := &DocsOptions{Common: common, Dir: f.Path(dir), Root: c.Root(), Env: f.Env}
			if runF != nil {
				return runF(opts)
			}
			return docsRun(opts)
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "directory for the Markdown pages; man pages go to DIR/man (required)")
	return c
}

func docsRun(o *DocsOptions) error {
	n, err := writeDocs(o.Root, o.Dir, o.Env)
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) {
		return err
	}
	if err != nil {
		return usageErr("--dir %s: %v", o.Dir, err)
	}
	man := filepath.Join(o.Dir, "man")
	if o.JSON {
		return report.WriteJSON(o.IO.Out, map[string]any{"markdown_dir": o.Dir, "man_dir": man, "commands": n})
	}
	_, err = fmt.Fprintf(o.IO.Out, "wrote %d Markdown pages to %s and %d man pages to %s\n", n, o.Dir, n, man)
	return err
}

// writeDocs generates the reference of the whole tree under root and
// returns the number of commands documented. The tree is completed first
// with what cobra adds when it runs (help, completion, --version), so the
// pages are the same whichever command generates them.
func writeDocs(root *cobra.Command, dir string, env func(string) (string, bool)) (int, error) {
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
	date := time.Now()
	if epoch, _ := env("SOURCE_DATE_EPOCH"); epoch != "" {
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return 0, cmdutil.InvalidValue("SOURCE_DATE_EPOCH", epoch, "want seconds since 1970")
		}
		date = time.Unix(secs, 0)
	}
	header := &doc.GenManHeader{Section: "1", Source: "callsim", Manual: "callsim manual", Date: &date}
	if err := doc.GenManTree(root, header, man); err != nil {
		return 0, err
	}
	return n, nil
}
