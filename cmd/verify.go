package cmd

import (
	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/signature"
)

// NewCmdVerify is `callsim verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*SignOptions) error) *cobra.Command {
	var (
		flags signFlags
		given string
	)
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
			opts, err := flags.signOptions(f, c, args)
			if err != nil {
				return err
			}
			opts.Signature = given
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	addSignFlags(c, &flags)
	c.Flags().StringVar(&given, "signature", "", "the X-Twilio-Signature to check (required)")
	return c
}

func verifyRun(o *SignOptions) error {
	v, err := signature.Verify(o.AuthToken, o.Input, o.Signature)
	if err != nil {
		return err
	}
	out := redact.NewRedactor(o.IO.Out, o.AuthToken)
	out.AddURL(o.Input.URL)
	if o.JSON {
		err = report.WriteJSON(out, v)
	} else {
		err = signature.WriteVerification(out, v)
	}
	if err != nil {
		return err
	}
	if !v.Valid {
		return failed
	}
	return nil
}
