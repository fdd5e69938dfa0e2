package cmd

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// groupAnnotation is the flag annotation naming a flag's topic in --help
// and in docs/cli; commands with ~30 flags list them by topic.
const groupAnnotation = "callsim_group"

// The topics of the call flags, in the order help lists them.
const (
	groupCall      = "Call"
	groupScript    = "Caller script"
	groupSigning   = "Signing"
	groupCallbacks = "Callback"
	groupOutput    = "Output"
)

// groupOrder is the order of the topics in help, whatever the command.
var groupOrder = []string{groupCall, groupScript, groupVoiceAI, groupSigning, groupCallbacks, "Load", "Demo app", groupOutput}

// setGroup files the flags names of fs under group, listed in help in the
// order given (the most used first, not alphabetically).
func setGroup(fs *pflag.FlagSet, group string, names ...string) {
	if !slices.Contains(groupOrder, group) {
		panic("flag topic " + group + " is not in groupOrder")
	}
	for i, n := range names {
		if fs.Lookup(n) == nil {
			continue // a flag this command does not have (--dial-status on inbound)
		}
		if err := fs.SetAnnotation(n, groupAnnotation, []string{group, fmt.Sprintf("%03d", i)}); err != nil {
			panic(err)
		}
	}
}

// flagSection is one titled list of flags.
type flagSection struct {
	Title string
	Flags *pflag.FlagSet
}

// flagSections are c's own flags by topic, in the order their first flag
// was defined, then the inherited ones; a command without topics has one
// "" section of its own flags. Hidden flags are left out.
func flagSections(c *cobra.Command) (own []flagSection, inherited *pflag.FlagSet) {
	byTitle := map[string]*pflag.FlagSet{}
	grouped := false
	var flags []*pflag.Flag
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			flags = append(flags, f)
		}
	})
	// Sorted by position within the topic; the stable sort keeps the
	// alphabetical order of the rest.
	slices.SortStableFunc(flags, func(a, b *pflag.Flag) int {
		return strings.Compare(strings.Join(a.Annotations[groupAnnotation], "/"), strings.Join(b.Annotations[groupAnnotation], "/"))
	})
	for _, f := range flags {
		title := ""
		if g := f.Annotations[groupAnnotation]; len(g) > 0 {
			title = g[0]
			grouped = true
		}
		fs, ok := byTitle[title]
		if !ok {
			fs = pflag.NewFlagSet(title, pflag.ContinueOnError)
			fs.SortFlags = false
			byTitle[title] = fs
		}
		fs.AddFlag(f)
	}
	inherited = pflag.NewFlagSet("inherited", pflag.ContinueOnError)
	c.InheritedFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			inherited.AddFlag(f)
		}
	})
	if !grouped {
		if fs, ok := byTitle[""]; ok {
			fs.SortFlags = true
			own = append(own, flagSection{Flags: fs})
		}
		return own, inherited
	}
	// Ungrouped flags of a grouped command (--help) join the global ones.
	if fs, ok := byTitle[""]; ok {
		fs.VisitAll(inherited.AddFlag)
	}
	for _, t := range groupOrder {
		if fs, ok := byTitle[t]; ok {
			own = append(own, flagSection{Title: t, Flags: fs})
		}
	}
	return own, inherited
}

// hasGroups says whether c lists its flags by topic.
func hasGroups(c *cobra.Command) bool {
	own, _ := flagSections(c)
	return len(own) > 0 && own[0].Title != ""
}

// groupedUsage is the usage of a command whose flags have topics: cobra's
// layout, with one "Topic flags:" block per topic.
func groupedUsage(c *cobra.Command) error {
	w := c.OutOrStderr()
	return writeGroupedUsage(w, c)
}

func writeGroupedUsage(w io.Writer, c *cobra.Command) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  %s\n", c.UseLine())
	if len(c.Aliases) > 0 {
		fmt.Fprintf(&b, "\nAliases:\n  %s\n", c.NameAndAliases())
	}
	if c.HasExample() {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", c.Example)
	}
	own, inherited := flagSections(c)
	for _, s := range own {
		fmt.Fprintf(&b, "\n%s flags:\n%s", s.Title, s.Flags.FlagUsages())
	}
	if inherited.HasFlags() {
		fmt.Fprintf(&b, "\nGlobal flags:\n%s", inherited.FlagUsages())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// useGroupedUsage makes c's --help list its flags by topic.
func useGroupedUsage(c *cobra.Command) {
	c.SetUsageFunc(groupedUsage)
}
