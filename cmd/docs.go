package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
reference never drifts from the flags. Man pages carry no date, so
regenerating the reference changes nothing; SOURCE_DATE_EPOCH (seconds since
1970) dates them for a release.`,
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
// pages are the same whichever command generates them. The pages are
// callsim's own rendering of cobra's layout: flags listed by topic where
// the command has topics, TwiML verbs (<Gather>) kept in man pages, and no
// date unless SOURCE_DATE_EPOCH gives one, so regenerating them changes
// nothing.
func writeDocs(root *cobra.Command, dir string, env func(string) (string, bool)) (int, error) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	date := ""
	if epoch, _ := env("SOURCE_DATE_EPOCH"); epoch != "" {
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return 0, cmdutil.InvalidValue("SOURCE_DATE_EPOCH", epoch, "want seconds since 1970")
		}
		date = time.Unix(secs, 0).UTC().Format("Jan 2006")
	}
	man := filepath.Join(dir, "man")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return 0, err
	}
	n := 0
	var walk func(*cobra.Command) error
	walk = func(c *cobra.Command) error {
		c.DisableAutoGenTag = true
		c.InitDefaultHelpFlag()
		if c.IsAvailableCommand() || c == root {
			n++
		}
		base := strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
		if err := os.WriteFile(filepath.Join(dir, base), genMarkdown(c), 0o644); err != nil {
			return err
		}
		page := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		if err := os.WriteFile(filepath.Join(man, page), md2man.Render(genMan(c, date)), 0o644); err != nil {
			return err
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				if err := walk(sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return 0, err
	}
	return n, nil
}

// seeAlso are the commands a page links to: its parent, then its
// subcommands by name.
func seeAlso(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	if c.HasParent() {
		out = append(out, c.Parent())
	}
	children := c.Commands()
	sort.Slice(children, func(i, j int) bool { return children[i].Name() < children[j].Name() })
	for _, sub := range children {
		if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
			out = append(out, sub)
		}
	}
	return out
}

// genMarkdown is cobra's Markdown page, with flags by topic.
func genMarkdown(c *cobra.Command) []byte {
	var b bytes.Buffer
	name := c.CommandPath()
	b.WriteString("## " + name + "\n\n")
	b.WriteString(mdEscape(c.Short) + "\n\n")
	if c.Long != "" {
		b.WriteString("### Synopsis\n\n")
		b.WriteString(mdEscape(c.Long) + "\n\n")
	}
	if c.Runnable() {
		fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "### Examples\n\n```\n%s\n```\n\n", c.Example)
	}
	own, inherited := flagSections(c)
	for _, s := range own {
		title := "Options"
		if s.Title != "" {
			title = s.Title + " options"
		}
		fmt.Fprintf(&b, "### %s\n\n```\n%s```\n\n", title, s.Flags.FlagUsages())
	}
	if inherited.HasAvailableFlags() {
		title := "Options inherited from parent commands"
		if hasGroups(c) {
			title = "Global options"
		}
		fmt.Fprintf(&b, "### %s\n\n```\n%s```\n\n", title, inherited.FlagUsages())
	}
	if also := seeAlso(c); len(also) > 0 {
		b.WriteString("### SEE ALSO\n\n")
		for _, a := range also {
			path := a.CommandPath()
			fmt.Fprintf(&b, "* [%s](%s)\t - %s\n", path, strings.ReplaceAll(path, " ", "_")+".md", mdEscape(a.Short))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// genMan is cobra's man page source (go-md2man Markdown), with flags by
// topic and a date only when one is given.
func genMan(c *cobra.Command, date string) []byte {
	var b bytes.Buffer
	dashed := strings.ReplaceAll(c.CommandPath(), " ", "-")
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	fmt.Fprintf(&b, "%% %q %q %q %q %q\n# NAME\n", strings.ToUpper(dashed), "1", date, "callsim", "callsim manual")
	fmt.Fprintf(&b, "%s \\- %s\n\n", dashed, mdEscape(c.Short))
	fmt.Fprintf(&b, "# SYNOPSIS\n**%s**\n\n", mdEscape(c.UseLine()))
	fmt.Fprintf(&b, "# DESCRIPTION\n%s\n\n", mdEscape(desc))
	own, inherited := flagSections(c)
	for _, s := range own {
		title := "OPTIONS"
		if s.Title != "" {
			title = strings.ToUpper(s.Title) + " OPTIONS"
		}
		fmt.Fprintf(&b, "# %s\n", title)
		manFlags(&b, s.Flags)
		b.WriteString("\n")
	}
	if inherited.HasAvailableFlags() {
		title := "OPTIONS INHERITED FROM PARENT COMMANDS"
		if hasGroups(c) {
			title = "GLOBAL OPTIONS"
		}
		fmt.Fprintf(&b, "# %s\n", title)
		manFlags(&b, inherited)
		b.WriteString("\n")
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "# EXAMPLE\n```\n%s\n```\n", c.Example)
	}
	if also := seeAlso(c); len(also) > 0 {
		var refs []string
		for _, a := range also {
			refs = append(refs, fmt.Sprintf("**%s(1)**", strings.ReplaceAll(a.CommandPath(), " ", "-")))
		}
		b.WriteString("# SEE ALSO\n" + strings.Join(refs, ", ") + "\n")
	}
	return b.Bytes()
}

// manFlags lists flags as cobra's man pages do.
func manFlags(b *bytes.Buffer, fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Deprecated != "" || f.Hidden {
			return
		}
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			fmt.Fprintf(b, "**-%s**, **--%s**", f.Shorthand, f.Name)
		} else {
			fmt.Fprintf(b, "**--%s**", f.Name)
		}
		def := f.DefValue
		if f.Value.Type() == "string" {
			def = strconv.Quote(def)
		}
		if f.NoOptDefVal != "" {
			fmt.Fprintf(b, "[=%s]", mdEscape(def))
		} else {
			fmt.Fprintf(b, "=%s", mdEscape(def))
		}
		fmt.Fprintf(b, "\n\t%s\n\n", mdEscape(f.Usage))
	})
}

// htmlTag is what Markdown renderers take for an HTML tag: <Gather>, </Dial>.
var htmlTag = regexp.MustCompile(`<(/?[A-Za-z][A-Za-z0-9]*)>`)

// mdEscape keeps TwiML verbs as text: Markdown renderers (go-md2man for the
// man pages, GitHub for docs/cli) take <Gather> for an HTML tag and drop it.
// Other angle brackets (source <(callsim completion bash)) are left alone.
func mdEscape(s string) string {
	return htmlTag.ReplaceAllString(s, `\<$1\>`)
}
