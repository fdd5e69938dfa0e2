package cmd

import (
	"fmt"
	goio "io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/signature"
)

// SignOptions is `callsim sign` and, with Signature, `callsim verify`.
type SignOptions struct {
	Common
	Input     signature.Input
	AuthToken string
	Explain   bool
	Signature string // verify: the signature to check
}

// signFlags are the flags sign and verify share.
type signFlags struct {
	url, method, authToken string
}

func addSignFlags(c *cobra.Command, o *signFlags) {
	f := c.Flags()
	f.StringVar(&o.url, "url", "", "the full URL Twilio requested, query string included (required)")
	f.StringVar(&o.method, "method", "POST", "POST (fields are signed after the URL) or GET (fields are added to the URL's query)")
	completeValues(c, "method", "POST", "GET")
	f.StringVar(&o.authToken, "auth-token", "", "your auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN, or auth_token in the config file)")
}

// signOptions reads the flags, the Key=Value arguments or a form body on
// stdin, and the auth token.
func (o *signFlags) signOptions(f *cmdutil.Factory, c *cobra.Command, args []string) (*SignOptions, error) {
	// URL and method from flags only: they are the very thing being signed.
	rawURL, _ := c.Flags().GetString("url")
	method, _ := c.Flags().GetString("method")
	urlGiven, methodGiven := c.Flags().Changed("url"), c.Flags().Changed("method")
	common, err := prepare(f, c)
	if err != nil {
		return nil, err
	}
	if !urlGiven {
		rawURL = ""
	}
	if !methodGiven {
		method = http.MethodPost
	}
	opts := &SignOptions{Common: common, AuthToken: o.authToken}
	in := &opts.Input
	in.URL, in.Method = rawURL, strings.ToUpper(method)
	if in.URL == "" {
		return nil, usageErr("--url is required (the full URL Twilio requested, e.g. https://example.com/voice)")
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cmdutil.InvalidValue("--url", in.URL, "want an http:// or https:// URL")
	}
	if in.Method != http.MethodGet && in.Method != http.MethodPost {
		return nil, cmdutil.InvalidValue("--method", method, "want GET or POST")
	}
	if opts.AuthToken == "" {
		return nil, usageErr("no auth token: pass --auth-token (or set TWILIO_AUTH_TOKEN or CALLSIM_AUTH_TOKEN)")
	}
	io := common.IO
	if len(args) > 0 {
		if in.Params, err = parsePairs(args, ""); err != nil {
			return nil, err
		}
	} else if !io.IsStdinTTY() && io.In != nil {
		if in.Body, err = goio.ReadAll(io.In); err != nil {
			return nil, usageErr("stdin: %v", err)
		}
		if !signature.HasBodyHash(in.URL) {
			form := strings.TrimRight(string(in.Body), "\r\n")
			if in.Params, err = contract.ParseParams(form); err != nil {
				return nil, usageErr("stdin: not a form body (Key=Value&Key=Value): %v", err)
			}
		}
	}
	return opts, nil
}

// NewCmdSign is `callsim sign`.
func NewCmdSign(f *cmdutil.Factory, runF func(*SignOptions) error) *cobra.Command {
	var (
		flags   signFlags
		explain bool
	)
	c := &cobra.Command{
		Use:   "sign --url URL [Key=Value ...]",
		Short: "Print the X-Twilio-Signature of a request, and how it is computed",
		Long: `sign computes the X-Twilio-Signature Twilio would send for a request to URL
with these fields, using your auth token: base64 of HMAC-SHA1 over the URL
followed, for POST, by every field's name and value sorted by name.

The fields are Key=Value arguments (values as they are, not URL-encoded) or,
without arguments, a form body on stdin (Key=Value&Key=Value, URL-encoded).
With --explain it also prints the URL that is signed (fragment and credentials
dropped, the port dropped for HTTPS) and the exact string that is signed: what
to compare with your validator when it answers 403.`,
		Example: `  callsim sign --url https://example.com/voice CallSid=CA123 From=+14155551212
  callsim sign --url 'https://example.com/voice?tenant=7' --explain < body.txt
  callsim example --format form | callsim sign --url https://example.com/voice --explain`,
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := flags.signOptions(f, c, args)
			if err != nil {
				return err
			}
			opts.Explain = explain
			if runF != nil {
				return runF(opts)
			}
			return signRun(opts)
		},
	}
	addSignFlags(c, &flags)
	c.Flags().BoolVar(&explain, "explain", false, "also print the signed URL and the exact string that was signed")
	return c
}

func signRun(o *SignOptions) error {
	sig, err := signature.Explain(o.AuthToken, o.Input)
	if err != nil {
		return err
	}
	out := redact.NewRedactor(o.IO.Out, o.AuthToken)
	out.AddURL(o.Input.URL)
	if o.JSON {
		return report.WriteJSON(out, sig)
	}
	if !o.Explain {
		_, err := fmt.Fprintln(out, sig.Signature)
		return err
	}
	return signature.WriteExplanation(out, sig)
}
