package cmd

import (
	"fmt"
	goio "io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

// addSignFlags registers the flags sign and verify share.
func addSignFlags(c *cobra.Command) {
	f := c.Flags()
	f.String("url", "", "the full URL Twilio requested, query string included (required)")
	f.String("method", "POST", "POST (fields are signed after the URL) or GET (fields are added to the URL's query)")
	f.String("auth-token", "", "your auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN, or auth_token in the config file)")
}

// readSignInput reads the flags, the Key=Value arguments or a form body on
// stdin, and the auth token.
func readSignInput(c *cobra.Command, g *globals, io *IO, args []string) (simulate.SignInput, string, error) {
	var in simulate.SignInput
	s, err := loadSettings(c, g)
	if err != nil {
		return in, "", err
	}
	// URL and method from flags only: they are the very thing being signed.
	in.URL, _ = c.Flags().GetString("url")
	in.Method, _ = c.Flags().GetString("method")
	in.Method = strings.ToUpper(in.Method)
	if in.URL == "" {
		return in, "", usageErr("--url is required (the full URL Twilio requested, e.g. https://example.com/voice)")
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return in, "", usageErr("--url %q: want an http:// or https:// URL", in.URL)
	}
	if in.Method != http.MethodGet && in.Method != http.MethodPost {
		return in, "", usageErr("--method %q: want GET or POST", in.Method)
	}
	token := s.String("auth-token")
	if token == "" {
		return in, "", usageErr("no auth token: pass --auth-token (or set TWILIO_AUTH_TOKEN or CALLSIM_AUTH_TOKEN)")
	}
	if len(args) > 0 {
		if in.Params, err = parsePairs(args, ""); err != nil {
			return in, "", err
		}
	} else if !io.InTerminal && io.In != nil {
		if in.Body, err = goio.ReadAll(io.In); err != nil {
			return in, "", usageErr("stdin: %v", err)
		}
		if !simulate.HasBodyHash(in.URL) {
			form := strings.TrimRight(string(in.Body), "\r\n")
			if in.Params, err = simulate.ParseParams(form); err != nil {
				return in, "", usageErr("stdin: not a form body (Key=Value&Key=Value): %v", err)
			}
		}
	}
	return in, token, nil
}

func newSignCmd(io *IO, g *globals) *cobra.Command {
	var explain bool
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
			in, token, err := readSignInput(c, g, io, args)
			if err != nil {
				return err
			}
			sig, err := simulate.Explain(token, in)
			if err != nil {
				return err
			}
			out := simulate.NewRedactor(io.Out, token)
			out.AddURL(in.URL)
			if g.json {
				return simulate.WriteJSON(out, sig)
			}
			if !explain {
				_, err := fmt.Fprintln(out, sig.Signature)
				return err
			}
			return simulate.WriteExplanation(out, sig)
		},
	}
	addSignFlags(c)
	c.Flags().BoolVar(&explain, "explain", false, "also print the signed URL and the exact string that was signed")
	return c
}
