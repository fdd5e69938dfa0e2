package cmd

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/example"
)

func exampleKindsHelp() string {
	var b strings.Builder
	for _, k := range example.Kinds() {
		fmt.Fprintf(&b, "    %-16s %s\n", k.Name, k.Description)
	}
	return b.String()
}

// ExampleOptions is `callsim example`.
type ExampleOptions struct {
	Common
	Kind    string
	Format  string
	Spec    contract.CallSpec
	Request example.Options
}

// NewCmdExample is `callsim example`.
func NewCmdExample(f *cmdutil.Factory, runF func(*ExampleOptions) error) *cobra.Command {
	var (
		params                                               []string
		seed                                                 uint64
		random, noGeo                                        bool
		format, speech, rawURL, method, apiVersion, from, to string
		authToken, accountSid                                string
	)
	c := &cobra.Command{
		Use:   "example [" + strings.Join(example.KindNames(), "|") + "]",
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
		ValidArgs: example.KindNames(),
		RunE: func(c *cobra.Command, args []string) error {
			fl := c.Flags()
			// The URL and AccountSid come from flags only: examples are for
			// docs, and should not pick up a developer's own settings.
			urlGiven, sidGiven := fl.Changed("url"), fl.Changed("account-sid")
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			opts := &ExampleOptions{Common: common, Kind: "inbound", Format: format}
			if len(args) == 1 {
				opts.Kind = args[0]
			}
			if _, err := example.LookupKind(opts.Kind); err != nil {
				return err
			}
			if opts.JSON {
				if fl.Changed("format") && format != "json" {
					return usageErr("--json and --format %s: choose one", format)
				}
				opts.Format = "json"
			}
			if random && fl.Changed("seed") {
				return usageErr("--random and --seed: choose one")
			}
			if speech != "" && opts.Kind != "gather" {
				return usageErr("--speech applies to gather examples only")
			}
			opts.Spec = contract.CallSpec{APIVersion: apiVersion, From: from, To: to, NoGeo: noGeo, Seed: seed}
			if sidGiven {
				opts.Spec.AccountSid = accountSid
			}
			if opts.Spec.Params, err = parsePairs(params, "--param"); err != nil {
				return err
			}
			warnManaged(f.IOStreams.ErrOut, opts.Spec.Params)
			opts.Request = example.Options{Method: strings.ToUpper(method), AuthToken: authToken, Speech: speech}
			if urlGiven {
				opts.Request.URL = rawURL
			}
			if opts.Format == "query" {
				opts.Request.Method = "GET"
			}
			if random {
				var b [8]byte
				rand.Read(b[:])
				opts.Spec.Seed = binary.LittleEndian.Uint64(b[:])
				opts.Request.Now = time.Now()
				if f.Now != nil {
					opts.Request.Now = f.Now()
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return exampleRun(opts)
		},
	}
	fl := c.Flags()
	fl.Var(cmdutil.NewEnum(&format, "http", example.Formats()...), "format", "output: "+strings.Join(example.Formats(), ", "))
	fl.StringVar(&rawURL, "url", "", "URL the request goes to (default https://example.com/voice; …/voice/gather, …/voice/record, …/voice/dial, …/voice/status for those kinds)")
	fl.StringVar(&method, "method", "POST", "HTTP method: POST or GET (--format query always shows the GET URL)")
	fl.StringVar(&apiVersion, "api-version", "legacy", "request fields: "+strings.Join(contract.ProfileNames(), " or "))
	completeValues(c, "method", "POST", "GET")
	completeValues(c, "api-version", contract.ProfileNames()...)
	fl.StringVar(&from, "from", "", "caller number; default: a fixture number from the seed")
	fl.StringVar(&to, "to", "", "called number; default: a fixture number from the seed")
	fl.StringArrayVar(&params, "param", nil, "extra or overriding field Key=Value (repeatable)")
	fl.BoolVar(&noGeo, "no-geo", false, "leave out the City/State/Zip/Country fields")
	fl.Uint64Var(&seed, "seed", example.DefaultSeed, "seed of every generated value (the default is fixed, so docs do not churn)")
	fl.BoolVar(&random, "random", false, "fresh values and the current time instead of the fixed seed and clock")
	fl.StringVar(&authToken, "auth-token", "", "sign the request with this auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN)")
	fl.StringVar(&accountSid, "account-sid", "", "AccountSid to show; default: generated from the seed (the environment is not read)")
	fl.StringVar(&speech, "speech", "", "gather: the caller said this (SpeechResult, Confidence) instead of pressing keys")
	return c
}

func exampleRun(o *ExampleOptions) error {
	call, err := example.Call(o.Kind, o.Spec)
	if err != nil {
		return o.flagError(err)
	}
	req, err := example.Build(o.Kind, call, o.Request)
	if err != nil {
		return o.flagError(err)
	}
	out := redact.NewRedactor(o.IO.Out, o.Request.AuthToken)
	out.AddURL(req.URL)
	return example.Format(out, req, o.Format, call.Profile, o.Kind)
}
