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

// verification is the result of `callsim verify`.
type verification struct {
	Valid        bool            `json:"valid"`
	Given        string          `json:"given"`
	Expected     string          `json:"expected"`
	URL          string          `json:"url"`
	Method       string          `json:"method"`
	Params       simulate.Params `json:"params"`
	SigningURL   string          `json:"signing_url"`
	StringToSign string          `json:"string_to_sign"`
	Hint         string          `json:"hint,omitempty"`
}

const verifyHint = "check the URL your app rebuilds (scheme and host behind a proxy or tunnel, port, trailing slash, query string), " +
	"that it uses the account's primary auth token, and that the validator gets every POST field"

func newVerifyCmd(io *IO, g *globals) *cobra.Command {
	var given string
	c := &cobra.Command{
		Use:   "verify --url URL --signature SIG [Key=Value ...]",
		Short: "Check an X-Twilio-Signature the way Twilio's libraries do",
		Long: `verify checks that SIG is the X-Twilio-Signature of a request to URL with these
fields (Key=Value arguments, or a form body on stdin), as Twilio's official
validators do: the URL with its port removed and with the default port added
both count. It exits 0 when the signature is valid and 1 when it is not, then
printing the signature it expected, the exact string signed, and a hint.`,
		Example: `  callsim verify --url https://example.com/voice --signature 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' CallSid=CA123
  callsim verify --url https://example.com/voice --signature "$SIG" < body.txt`,
		RunE: func(c *cobra.Command, args []string) error {
			if given == "" {
				return usageErr("--signature is required (the X-Twilio-Signature header to check)")
			}
			in, token, err := readSignInput(c, g, io, args)
			if err != nil {
				return err
			}
			want, err := in.compute(token)
			if err != nil {
				return err
			}
			v := verification{
				Given: given, Expected: want.Signature, URL: want.URL, Method: want.Method, Params: want.Params,
				SigningURL: want.SigningURL, StringToSign: want.StringToSign,
				Valid: simulate.ValidateSignature(token, in.requestURL(), in.signedParams(), given, in.Body),
			}
			if !v.Valid {
				v.Hint = verifyHint
				for _, alt := range in.alternatives() {
					if simulate.ValidateSignature(token, alt.in.requestURL(), alt.in.signedParams(), given, alt.in.Body) {
						v.Hint = "the signature is for " + alt.in.Method + " " + alt.in.requestURL() + ": " + alt.why
						break
					}
				}
			}
			out := simulate.NewRedactor(io.Out, token)
			out.AddURL(in.URL)
			if g.json {
				err = simulate.WriteJSON(out, v)
			} else {
				_, err = goio.WriteString(out, verifyText(v))
			}
			if err != nil {
				return err
			}
			if !v.Valid {
				return failed
			}
			return nil
		},
	}
	addSignFlags(c)
	c.Flags().StringVar(&given, "signature", "", "the X-Twilio-Signature to check (required)")
	return c
}

func verifyText(v verification) string {
	var b strings.Builder
	if v.Valid {
		fmt.Fprintf(&b, "✔ valid: the signature matches %s %s\n", v.Method, v.SigningURL)
		return b.String()
	}
	fmt.Fprintf(&b, "✘ invalid: the signature does not match %s %s\n", v.Method, v.SigningURL)
	fmt.Fprintf(&b, "  given           %s\n", v.Given)
	fmt.Fprintf(&b, "  expected        %s\n", v.Expected)
	fmt.Fprintf(&b, "  string to sign  %s\n", v.StringToSign)
	fmt.Fprintf(&b, "  hint: %s\n", v.Hint)
	return b.String()
}

type alternative struct {
	in  signInput
	why string
}

// alternatives are the usual ways an app's validator differs from what
// Twilio signed; verify names the one the given signature matches.
func (in signInput) alternatives() []alternative {
	var out []alternative
	u, err := url.Parse(in.URL)
	if err != nil {
		return nil
	}
	with := func(mod func(*url.URL)) string {
		c := *u
		mod(&c)
		return c.String()
	}
	swap := map[string]string{"http": "https", "https": "http"}
	if other, ok := swap[strings.ToLower(u.Scheme)]; ok {
		alt := in
		alt.URL = with(func(c *url.URL) { c.Scheme = other })
		out = append(out, alternative{alt, "the scheme differs (TLS ended at a proxy or tunnel? rebuild the URL with the public scheme)"})
	}
	alt := in
	if strings.HasSuffix(u.Path, "/") && u.Path != "/" {
		alt.URL = with(func(c *url.URL) { c.Path = strings.TrimSuffix(c.Path, "/"); c.RawPath = "" })
	} else {
		alt.URL = with(func(c *url.URL) { c.Path += "/"; c.RawPath = "" })
	}
	out = append(out, alternative{alt, "the trailing slash differs"})
	if u.RawQuery != "" {
		alt := in
		alt.URL = with(func(c *url.URL) { c.RawQuery = "" })
		out = append(out, alternative{alt, "the query string differs (sign the URL exactly as requested, query included)"})
	}
	alt = in
	if in.Method == http.MethodPost {
		alt.Method = http.MethodGet
		out = append(out, alternative{alt, "it was signed as a GET request (fields in the URL); is the webhook configured as GET?"})
		if len(in.Params) > 0 {
			alt := in
			alt.Params = nil
			out = append(out, alternative{alt, "it was signed without the POST fields; pass every form field to the validator"})
		}
	} else {
		alt.Method = http.MethodPost
		out = append(out, alternative{alt, "it was signed as a POST request (fields after the URL); is the webhook configured as POST?"})
	}
	return out
}
