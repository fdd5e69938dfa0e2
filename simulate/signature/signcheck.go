package signature

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
)

// Input is a request whose X-Twilio-Signature is computed or checked:
// what `callsim sign` and `callsim verify` work on.
type Input struct {
	URL    string          // as given, possibly with a #fragment
	Method string          // GET or POST
	Params contract.Params // the fields: the POST body, or added to a GET URL
	Body   []byte          // the raw body, for a URL with bodySHA256
}

// HasBodyHash reports whether the URL carries bodySHA256 (JSON webhooks):
// then the body is not signed, only its hash in the URL.
func HasBodyHash(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Query().Get("bodySHA256") != ""
}

// RequestURL is the URL as requested: for GET, with the fields in the query.
func (in Input) RequestURL() string {
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

// SignedParams are the fields appended to the URL in the string to sign.
func (in Input) SignedParams() contract.Params {
	if in.Method == http.MethodGet || HasBodyHash(in.URL) {
		return nil
	}
	return in.Params
}

// Explanation is one computed signature and how it came about.
type Explanation struct {
	URL          string          `json:"url"`
	Method       string          `json:"method"`
	Params       contract.Params `json:"params"`
	SigningURL   string          `json:"signing_url"`
	StringToSign string          `json:"string_to_sign"`
	Signature    string          `json:"signature"`
	Notes        []string        `json:"notes,omitempty"`
}

// Explain signs the input as Twilio does and says which rules applied.
func Explain(authToken string, in Input) (Explanation, error) {
	full := in.RequestURL()
	signing, err := SigningURL(full)
	if err != nil {
		return Explanation{}, &contract.InputError{Field: "url", Value: in.URL, Msg: err.Error()}
	}
	params := in.SignedParams()
	sig := Explanation{
		URL: full, Method: in.Method, Params: in.Params, SigningURL: signing,
		StringToSign: StringToSign(signing, params),
		Signature:    Compute(authToken, signing, params),
	}
	if sig.Params == nil {
		sig.Params = contract.Params{}
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
	case HasBodyHash(full):
		sig.Notes = append(sig.Notes, "bodySHA256 in the URL: the body is not signed, only its hash in the URL")
	case in.Method == http.MethodGet:
		sig.Notes = append(sig.Notes, "GET: the fields are in the URL; nothing is appended")
	default:
		sig.Notes = append(sig.Notes, "POST: every field is appended as name+value, sorted by name")
	}
	return sig, nil
}

// WriteExplanation prints the signed URL, the exact string signed and the signature.
func WriteExplanation(w io.Writer, sig Explanation) error {
	var b strings.Builder
	fmt.Fprintf(&b, "method          %s\n", sig.Method)
	fmt.Fprintf(&b, "url             %s\n", sig.URL)
	fmt.Fprintf(&b, "signed url      %s\n", sig.SigningURL)
	for _, n := range sig.Notes {
		fmt.Fprintf(&b, "                - %s\n", n)
	}
	fmt.Fprintf(&b, "string to sign  %s\n", sig.StringToSign)
	fmt.Fprintf(&b, "signature       %s  (base64 of HMAC-SHA1 of the string, keyed with the auth token)\n", sig.Signature)
	_, err := io.WriteString(w, b.String())
	return err
}

// Verification is the result of checking a signature.
type Verification struct {
	Valid        bool            `json:"valid"`
	Given        string          `json:"given"`
	Expected     string          `json:"expected"`
	URL          string          `json:"url"`
	Method       string          `json:"method"`
	Params       contract.Params `json:"params"`
	SigningURL   string          `json:"signing_url"`
	StringToSign string          `json:"string_to_sign"`
	Hint         string          `json:"hint,omitempty"`
}

const verifyHint = "check the URL your app rebuilds (scheme and host behind a proxy or tunnel, port, trailing slash, query string), " +
	"that it uses the account's primary auth token, and that the validator gets every POST field"

// Verify checks a signature as the official validators do and, when it does
// not match, names the usual mistake it matches instead.
func Verify(authToken string, in Input, given string) (Verification, error) {
	want, err := Explain(authToken, in)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{
		Given: given, Expected: want.Signature, URL: want.URL, Method: want.Method, Params: want.Params,
		SigningURL: want.SigningURL, StringToSign: want.StringToSign,
		Valid: Validate(authToken, in.RequestURL(), in.SignedParams(), given, in.Body),
	}
	if !v.Valid {
		v.Hint = verifyHint
		for _, alt := range in.alternatives() {
			if Validate(authToken, alt.in.RequestURL(), alt.in.SignedParams(), given, alt.in.Body) {
				v.Hint = "the signature is for " + alt.in.Method + " " + alt.in.RequestURL() + ": " + alt.why
				break
			}
		}
	}
	return v, nil
}

// WriteVerification prints the verdict, and on a mismatch what was expected.
func WriteVerification(w io.Writer, v Verification) error {
	var b strings.Builder
	if v.Valid {
		fmt.Fprintf(&b, "✔ valid: the signature matches %s %s\n", v.Method, v.SigningURL)
	} else {
		fmt.Fprintf(&b, "✘ invalid: the signature does not match %s %s\n", v.Method, v.SigningURL)
		fmt.Fprintf(&b, "  given           %s\n", v.Given)
		fmt.Fprintf(&b, "  expected        %s\n", v.Expected)
		fmt.Fprintf(&b, "  string to sign  %s\n", v.StringToSign)
		fmt.Fprintf(&b, "  hint: %s\n", v.Hint)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type alternative struct {
	in  Input
	why string
}

// alternatives are the usual ways an app's validator differs from what
// Twilio signed.
func (in Input) alternatives() []alternative {
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
