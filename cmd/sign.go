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

// signInput is what sign and verify compute a signature over.
type signInput struct {
	URL    string          // as given
	Method string          // GET or POST
	Params simulate.Params // the fields: POST body, or appended to a GET URL
	Body   []byte          // raw stdin, for a bodySHA256 URL
}

// signature is one computed X-Twilio-Signature and how it came about.
type signature struct {
	URL          string          `json:"url"`
	Method       string          `json:"method"`
	Params       simulate.Params `json:"params"`
	SigningURL   string          `json:"signing_url"`
	StringToSign string          `json:"string_to_sign"`
	Signature    string          `json:"signature"`
	Notes        []string        `json:"notes,omitempty"`
}

// addSignFlags registers the flags sign and verify share.
func addSignFlags(c *cobra.Command) {
	f := c.Flags()
	f.String("url", "", "the full URL Twilio requested, query string included (required)")
	f.String("method", "POST", "POST (fields are signed after the URL) or GET (fields are added to the URL's query)")
	f.String("auth-token", "", "your auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN, or auth_token in the config file)")
}

// readSignInput reads the flags, the Key=Value arguments or a form body on
// stdin, and the auth token.
func readSignInput(c *cobra.Command, g *globals, io *IO, args []string) (signInput, string, error) {
	var in signInput
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
		if !hasBodyHash(in.URL) {
			form := strings.TrimRight(string(in.Body), "\r\n")
			if in.Params, err = simulate.ParseParams(form); err != nil {
				return in, "", usageErr("stdin: not a form body (Key=Value&Key=Value): %v", err)
			}
		}
	}
	return in, token, nil
}

func hasBodyHash(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Query().Get("bodySHA256") != ""
}

// requestURL is the URL as requested: for GET, with the fields in the query.
func (in signInput) requestURL() string {
	if in.Method != http.MethodGet || len(in.Params) == 0 {
		return in.URL
	}
	base, frag, hasFrag := strings.Cut(in.URL, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	out := base + sep + in.Params.Encode()
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// signedParams are the fields appended to the URL in the string to sign.
func (in signInput) signedParams() simulate.Params {
	if in.Method == http.MethodGet || hasBodyHash(in.URL) {
		return nil
	}
	return in.Params
}

// compute signs the input as Twilio does.
func (in signInput) compute(token string) (signature, error) {
	full := in.requestURL()
	signing, err := simulate.SigningURL(full)
	if err != nil {
		return signature{}, usageErr("--url: %v", err)
	}
	params := in.signedParams()
	sig := signature{
		URL: full, Method: in.Method, Params: in.Params, SigningURL: signing,
		StringToSign: simulate.StringToSign(signing, params),
		Signature:    simulate.Signature(token, signing, params),
	}
	if sig.Params == nil {
		sig.Params = simulate.Params{}
	}
	u, _ := url.Parse(full)
	if u.Fragment != "" {
		sig.Notes = append(sig.Notes, "the #fragment (connection overrides) is never signed")
	}
	if u.User != nil {
		sig.Notes = append(sig.Notes, "credentials in the URL are dropped")
	}
	if u.Port() != "" {
		if strings.EqualFold(u.Scheme, "https") {
			sig.Notes = append(sig.Notes, "HTTPS: the port is dropped (validators also accept it kept)")
		} else {
			sig.Notes = append(sig.Notes, "HTTP: the port is kept")
		}
	}
	switch {
	case hasBodyHash(full):
		sig.Notes = append(sig.Notes, "bodySHA256 in the URL: the body is not signed, only its hash in the URL")
	case in.Method == http.MethodGet:
		sig.Notes = append(sig.Notes, "GET: the fields are in the URL; nothing is appended")
	default:
		sig.Notes = append(sig.Notes, "POST: every field is appended as name+value, sorted by name")
	}
	return sig, nil
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
			sig, err := in.compute(token)
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
			_, err = goio.WriteString(out, explainText(sig))
			return err
		},
	}
	addSignFlags(c)
	c.Flags().BoolVar(&explain, "explain", false, "also print the signed URL and the exact string that was signed")
	return c
}

func explainText(sig signature) string {
	var b strings.Builder
	fmt.Fprintf(&b, "method          %s\n", sig.Method)
	fmt.Fprintf(&b, "url             %s\n", sig.URL)
	fmt.Fprintf(&b, "signed url      %s\n", sig.SigningURL)
	for _, n := range sig.Notes {
		fmt.Fprintf(&b, "                - %s\n", n)
	}
	fmt.Fprintf(&b, "string to sign  %s\n", sig.StringToSign)
	fmt.Fprintf(&b, "signature       %s  (base64 of HMAC-SHA1 of the string, keyed with the auth token)\n", sig.Signature)
	return b.String()
}
