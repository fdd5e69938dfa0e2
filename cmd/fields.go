package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

func newFieldsCmd(io *IO, g *globals) *cobra.Command {
	var kind string
	c := &cobra.Command{
		Use:   "fields",
		Short: "List the fields of a request with their meaning and an example",
		Long: `fields lists the fields Twilio sends to your webhook in one API version: with
--kind, those of one request (the fields of 'callsim example KIND', then the ones
sent only in some conditions); without, every field any request carries, and
which requests those are. Example values come from the same fixed seed as
'callsim example'.

Request kinds: ` + strings.Join(simulate.ExampleKindNames(), ", ") + `.`,
		Example: `  callsim fields --api-version 2010-04-01
  callsim fields --api-version 2010-04-01 --kind gather
  callsim fields --kind dial --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := loadSettings(c, g)
			if err != nil {
				return err
			}
			if kind != "" {
				if _, err := simulate.LookupExampleKind(kind); err != nil {
					return usageErr("--kind: %v", err)
				}
			}
			spec := simulate.CallSpec{APIVersion: s.String("api-version"), Seed: simulate.DefaultExampleSeed}
			docs, err := simulate.FieldDocs(spec, kind, simulate.ExampleOptions{})
			if err != nil {
				return s.flagError(err)
			}
			prof, _ := simulate.LookupProfile(spec.APIVersion)
			if g.json {
				return simulate.WriteJSON(io.Out, map[string]any{"api_version": prof.Name, "kind": kind, "fields": docs})
			}
			if kind != "" {
				k, _ := simulate.LookupExampleKind(kind)
				fmt.Fprintf(io.Out, "API %s · %s: %s\n\n", prof.Name, kind, k.Description)
			} else {
				fmt.Fprintf(io.Out, "API %s: %s\n\n", prof.Name, prof.Description)
			}
			tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FIELD\tEXAMPLE\tSENT\tMEANING")
			for _, d := range docs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, exampleCell(d.Example), d.Sent, d.Meaning)
			}
			return tw.Flush()
		},
	}
	f := c.Flags()
	f.String("api-version", "legacy", "request fields: "+strings.Join(simulate.ProfileNames(), " or "))
	f.StringVar(&kind, "kind", "", "one request: "+strings.Join(simulate.ExampleKindNames(), ", ")+" (default: every field)")
	return c
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
