package cmd

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

func exampleKindsHelp() string {
	var b strings.Builder
	for _, k := range simulate.ExampleKinds {
		fmt.Fprintf(&b, "    %-16s %s\n", k.Name, k.Description)
	}
	return b.String()
}

func newExampleCmd(io *IO, g *globals) *cobra.Command {
	var (
		params []string
		seed   uint64
		random bool
		format string
		speech string
	)
	c := &cobra.Command{
		Use:   "example [" + strings.Join(simulate.ExampleKindNames(), "|") + "]",
		Short: "Print an example request for your docs, the same on every run",
		Long: `example prints one request Twilio would send to your webhook, with realistic
values, for documentation and tests. Without --random the values come from a
fixed seed and a fixed clock, so the output is the same on every run and machine
and docs built from it do not churn. With an auth token (--auth-token,
TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN or the config file) the request is signed.

Request kinds (default inbound):

` + exampleKindsHelp() + `
Formats (--format):

    query     the URL with every field in the query string (as a GET request)
    form      the POST body
    curl      a runnable curl command, signature header included
    http      the raw HTTP request
    json      the request as JSON (--json does the same)
    yaml      the request as YAML
    table     fields and headers, aligned
    markdown  a fenced HTTP block and a table of fields with their meanings`,
		Example: `  callsim example
  callsim example gather --api-version 2010-04-01 --format markdown
  callsim example inbound --url https://example.com/twilio/voice --format curl --auth-token $TWILIO_AUTH_TOKEN
  callsim example status-callback --api-version 2010-04-01 --format json
  callsim example --format query --url 'https://example.com/callhandler.php'`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: simulate.ExampleKindNames(),
		RunE: func(c *cobra.Command, args []string) error {
			kind := "inbound"
			if len(args) == 1 {
				kind = args[0]
			}
			if _, err := simulate.LookupExampleKind(kind); err != nil {
				return err
			}
			if g.json {
				if c.Flags().Changed("format") && format != "json" {
					return usageErr("--json and --format %s: choose one", format)
				}
				format = "json"
			}
			if !slices.Contains(simulate.ExampleFormats, format) {
				return usageErr("--format %q: want one of %s", format, strings.Join(simulate.ExampleFormats, ", "))
			}
			if random && c.Flags().Changed("seed") {
				return usageErr("--random and --seed: choose one")
			}
			s, err := loadSettings(c, g)
			if err != nil {
				return err
			}
			spec := simulate.CallSpec{
				APIVersion: s.String("api-version"),
				From:       s.String("from"),
				To:         s.String("to"),
				NoGeo:      s.Bool("no-geo"),
				Seed:       seed,
			}
			// The URL and AccountSid come from flags only: examples are for
			// docs, and should not pick up a developer's own settings.
			spec.AccountSid, _ = c.Flags().GetString("account-sid")
			rawURL, _ := c.Flags().GetString("url")
			spec.Params, err = parsePairs(params, "--param")
			if err != nil {
				return err
			}
			opt := simulate.ExampleOptions{
				URL:       rawURL,
				Method:    strings.ToUpper(s.String("method")),
				AuthToken: s.String("auth-token"),
				Speech:    speech,
			}
			if format == "query" {
				opt.Method = "GET"
			}
			if random {
				var b [8]byte
				rand.Read(b[:])
				spec.Seed = binary.LittleEndian.Uint64(b[:])
				opt.Now = time.Now()
			}
			if speech != "" && kind != "gather" {
				return usageErr("--speech applies to gather examples only")
			}
			call, err := simulate.ExampleCall(kind, spec)
			if err != nil {
				return s.flagError(err)
			}
			req, err := simulate.Example(kind, call, opt)
			if err != nil {
				return s.flagError(err)
			}
			out := simulate.NewRedactor(io.Out, opt.AuthToken)
			out.AddURL(req.URL)
			return simulate.FormatExample(out, req, format, call.Profile, kind)
		},
	}
	f := c.Flags()
	f.StringVar(&format, "format", "http", "output: "+strings.Join(simulate.ExampleFormats, ", "))
	f.String("url", "", "URL the request goes to (default https://example.com/voice; …/voice/gather, …/voice/record, …/voice/dial, …/voice/status for those kinds)")
	f.String("method", "POST", "HTTP method: POST or GET (--format query always shows the GET URL)")
	f.String("api-version", "legacy", "request fields: "+strings.Join(simulate.ProfileNames(), " or "))
	f.String("from", "", "caller number; default: a fixture number from the seed")
	f.String("to", "", "called number; default: a fixture number from the seed")
	f.StringArrayVar(&params, "param", nil, "extra or overriding field Key=Value (repeatable)")
	f.Bool("no-geo", false, "leave out the City/State/Zip/Country fields")
	f.Uint64Var(&seed, "seed", simulate.DefaultExampleSeed, "seed of every generated value (the default is fixed, so docs do not churn)")
	f.BoolVar(&random, "random", false, "fresh values and the current time instead of the fixed seed and clock")
	f.String("auth-token", "", "sign the request with this auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN)")
	f.String("account-sid", "", "AccountSid to show; default: generated from the seed (the environment is not read)")
	f.StringVar(&speech, "speech", "", "gather: the caller said this (SpeechResult, Confidence) instead of pressing keys")
	return c
}
