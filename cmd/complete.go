package cmd

import (
	"errors"
	"github.com/callsim/callsim/internal/suggest"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// completeValues makes shell completion offer values for the flag name of c.
func completeValues(c *cobra.Command, name string, values ...string) {
	// Registering twice is a programming error cobra reports; every flag is
	// registered once, where it is defined.
	err := c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	if err != nil {
		panic(err)
	}
}

// completeList completes a comma-separated list flag (--status-events
// ringing,answered): the values after what is typed; with once, only those
// not yet in the list (an event is reported once, a second <Dial> may be
// busy again).
func completeList(c *cobra.Command, name string, once bool, values ...string) {
	err := c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := cutLast(toComplete)
		var have []string
		if done != "" {
			have = strings.Split(strings.TrimSuffix(done, ","), ",")
		}
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, last) && !(once && slices.Contains(have, v)) {
				out = append(out, done+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	if err != nil {
		panic(err)
	}
}

// cutLast splits "a,b,c" into "a,b," and "c".
func cutLast(s string) (done, last string) {
	i := strings.LastIndexByte(s, ',')
	return s[:i+1], s[i+1:]
}

// suggestFlag adds the nearest flag names to pflag's "unknown flag: --x".
func suggestFlag(c *cobra.Command, err error) error {
	const prefix = "unknown flag: --"
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return err
	}
	typed := strings.TrimPrefix(msg, prefix)
	var near []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := suggest.Distance(typed, f.Name); d <= 2 || (len(typed) >= 3 && strings.HasPrefix(f.Name, typed)) {
			near = append(near, "--"+f.Name)
		}
	})
	if len(near) == 0 || len(near) > 3 {
		return err
	}
	return errors.New(msg + "; did you mean " + orList(near) + "?")
}

// completeEnums registers the values of every cmdutil.Enum flag in the tree
// under root that has no completion yet, so that no enum flag is missed.
func completeEnums(root *cobra.Command) {
	var walk func(c *cobra.Command, fs *pflag.FlagSet)
	walk = func(c *cobra.Command, fs *pflag.FlagSet) {
		fs.VisitAll(func(f *pflag.Flag) {
			e, ok := f.Value.(interface{ Allowed() []string })
			if !ok {
				return
			}
			if _, has := c.GetFlagCompletionFunc(f.Name); has {
				return
			}
			values := slices.DeleteFunc(e.Allowed(), func(v string) bool { return v == "" })
			completeValues(c, f.Name, values...)
		})
		for _, sub := range c.Commands() {
			walk(sub, sub.LocalNonPersistentFlags())
		}
	}
	walk(root, root.PersistentFlags())
}
