package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/example"
	"github.com/callsim/callsim/simulate/report"
)

// FieldsOptions is `callsim fields`.
type FieldsOptions struct {
	Common
	APIVersion string
	Kind       string // "" for every field
}

// NewCmdFields is `callsim fields`.
func NewCmdFields(f *cmdutil.Factory, runF func(*FieldsOptions) error) *cobra.Command {
	opts := &FieldsOptions{}
	var apiVersion string
	c := &cobra.Command{
		Use:   "fields [KIND]",
		Short: "List the fields of a request with their meaning and an example",
		Long: `fields lists the fields Twilio sends to your webhook in one API version: with
a KIND (or --kind), those of one request (the fields of 'callsim example KIND', then the ones
sent only in some conditions); without, every field any request carries, and
which requests those are. Example values come from the same fixed seed as
'callsim example'.

Request kinds: ` + strings.Join(example.KindNames(), ", ") + `.`,
		Example: `  callsim fields --api-version 2010-04-01
  callsim fields gather --api-version 2010-04-01
  callsim fields dial --json`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: example.KindNames(),
		RunE: func(c *cobra.Command, args []string) error {
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				if c.Flags().Changed("kind") && args[0] != opts.Kind {
					return usageErr("the kind argument %q and --kind %q differ: give one", args[0], opts.Kind)
				}
				if err := c.Flags().Set("kind", args[0]); err != nil {
					return cmdutil.InvalidValue("the kind argument", args[0], cmdutil.Want(c.Flags().Lookup("kind"), err))
				}
			}
			opts.Common = common
			opts.APIVersion = apiVersion
			if runF != nil {
				return runF(opts)
			}
			return fieldsRun(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&apiVersion, "api-version", "legacy", "request fields: "+strings.Join(contract.ProfileNames(), " or "))
	completeValues(c, "api-version", contract.ProfileNames()...)
	fl.Var(cmdutil.NewEnum(&opts.Kind, "", example.KindNames()...), "kind", "one request: "+strings.Join(example.KindNames(), ", ")+" (default: every field); also the argument")
	return c
}

func fieldsRun(o *FieldsOptions) error {
	out := o.IO.Out
	spec := contract.CallSpec{APIVersion: o.APIVersion, Seed: example.DefaultSeed}
	docs, err := example.FieldDocs(spec, o.Kind, example.Options{})
	if err != nil {
		return o.flagError(err)
	}
	prof, _ := contract.LookupProfile(spec.APIVersion)
	if o.JSON {
		return report.WriteJSON(out, map[string]any{"api_version": prof.Name, "kind": o.Kind, "fields": docs})
	}
	if o.Kind != "" {
		k, _ := example.LookupKind(o.Kind)
		fmt.Fprintf(out, "API %s · %s: %s\n\n", prof.Name, o.Kind, k.Description)
	} else {
		fmt.Fprintf(out, "API %s: %s\n\n", prof.Name, prof.Description)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tEXAMPLE\tSENT\tMEANING")
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, exampleCell(d.Example), d.Sent, d.Meaning)
	}
	return tw.Flush()
}

// exampleCell keeps long example values (recording URLs) from pushing the
// meanings off the screen.
func exampleCell(v string) string {
	if v == "" {
		return `""`
	}
	if len(v) > 40 {
		return v[:37] + "..."
	}
	return v
}
