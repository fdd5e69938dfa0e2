package cmd

import (
	"crypto/rand"
	"encoding/binary"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/simulate"
)

// callOptions is everything inbound, outbound and demo need to place a call.
type callOptions struct {
	spec        simulate.CallSpec
	opts        simulate.Options
	script      simulate.ScriptCaller
	params      []string
	seed        string
	dryRun      bool
	diagram     string
	interactive bool
}

// addCallFlags registers the flags of one simulated call.
func addCallFlags(c *cobra.Command, o *callOptions, dir simulate.Direction) {
	f := c.Flags()
	f.String("url", "", "the voice webhook URL (http:// or https://)")
	f.String("method", "POST", "HTTP method Twilio uses for the voice URL: POST or GET")
	f.String("from", "", "caller number (inbound: the person calling; outbound: your caller ID); default: a fixture number")
	f.String("to", "", "called number (inbound: your Twilio number; outbound: the number dialled); default: a fixture number")
	if dir == simulate.Outbound {
		f.String("dial-status", "answered", "result of the call attempt: "+strings.Join(simulate.DialStatuses, ", "))
	}
	f.String("api-version", "legacy", "request fields: "+strings.Join(simulate.ProfileNames(), " or "))
	f.String("auth-token", "", "sign requests with this auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN)")
	f.String("account-sid", "", "AccountSid to send (also TWILIO_ACCOUNT_SID); default: generated from the seed")
	f.String("signing-url", "", "public URL to sign instead of --url (a tunnel or proxy in front of your app)")
	f.String("timeout", "15s", "per-request timeout (Twilio's cap is 15s)")
	f.StringArrayVar(&o.params, "param", nil, "extra or overriding field Key=Value, on every request (repeatable)")
	f.StringVar(&o.seed, "seed", "", "make every generated value reproducible (a whole number)")
	f.Bool("no-geo", false, "leave out the City/State/Zip/Country fields")
	f.Bool("no-end", false, "skip the end-of-call CallStatus=completed request")
	f.BoolVar(&o.dryRun, "dry-run", false, "show the first request (with a curl line) and send nothing")
	f.StringSliceVar(&o.script.Digits, "digits", nil, "keys pressed, one entry per <Gather>: --digits 1,2#")
	f.StringArrayVar(&o.script.Speech, "speech", nil, "speech input, one per <Gather> that listens for speech (repeatable)")
	f.IntVar(&o.script.RecordSeconds, "record-seconds", 5, "length of every <Record>ed message")
	f.StringSliceVar(&o.script.DialOutcomes, "dial-outcome", nil, "outcome of each <Dial>: "+strings.Join(simulate.DialOutcomes, ", ")+" (default completed; the last repeats)")
	f.BoolVar(&o.interactive, "interactive", false, "ask at the keyboard what the caller does at each prompt")
	f.String("fallback-url", "", "request this URL with ErrorCode and ErrorUrl when the voice URL fails")
	f.String("fallback-method", "POST", "method for --fallback-url")
	f.String("status-callback", "", "send status callbacks to this URL")
	f.String("status-callback-method", "POST", "method for --status-callback")
	f.StringSlice("status-events", nil, "status callback events: initiated, ringing, answered, completed (default completed)")
	f.String("max-steps", "100", "end the call after this many TwiML requests (loop guard)")
	f.StringVar(&o.diagram, "diagram", "", "print the call as a diagram instead of the report: mermaid")
}

// resolve reads flags, environment and config file into the options.
func (o *callOptions) resolve(c *cobra.Command, g *globals, dir simulate.Direction) (*settings, error) {
	s, err := loadSettings(c, g)
	if err != nil {
		return nil, err
	}
	o.spec = simulate.CallSpec{
		Direction:  dir,
		APIVersion: s.String("api-version"),
		From:       s.String("from"),
		To:         s.String("to"),
		AccountSid: s.String("account-sid"),
		NoGeo:      s.Bool("no-geo"),
	}
	if dir == simulate.Outbound {
		o.spec.DialStatus = s.String("dial-status")
	}
	if o.spec.Params, err = parsePairs(o.params, "--param"); err != nil {
		return nil, err
	}
	if o.spec.Seed, err = seedFrom(o.seed); err != nil {
		return nil, err
	}
	timeout, err := s.Duration("timeout")
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		return nil, s.bad("timeout", "must be positive")
	}
	maxSteps, err := s.Int("max-steps")
	if err != nil {
		return nil, err
	}
	if maxSteps < 1 {
		return nil, s.bad("max-steps", "must be at least 1")
	}
	o.opts = simulate.Options{
		URL:                  s.String("url"),
		Method:               strings.ToUpper(s.String("method")),
		SigningURL:           s.String("signing-url"),
		AuthToken:            s.String("auth-token"),
		Timeout:              timeout,
		FallbackURL:          s.String("fallback-url"),
		FallbackMethod:       strings.ToUpper(s.String("fallback-method")),
		StatusCallback:       s.String("status-callback"),
		StatusCallbackMethod: strings.ToUpper(s.String("status-callback-method")),
		StatusEvents:         s.Strings("status-events"),
		NoEnd:                s.Bool("no-end"),
		MaxSteps:             maxSteps,
	}
	if o.opts.URL == "" && c.Name() != "demo" {
		return nil, usageErr("--url is required (the voice webhook to call, e.g. http://localhost:3000/voice)")
	}
	if err := o.script.Validate(); err != nil {
		return nil, err
	}
	if o.diagram != "" && o.diagram != "mermaid" {
		return nil, usageErr("--diagram %q: the supported diagram is mermaid", o.diagram)
	}
	return s, nil
}

// place runs the call and prints the report; it returns the exit status.
func (o *callOptions) place(c *cobra.Command, g *globals, io *IO, s *settings) error {
	call, err := simulate.NewCall(o.spec)
	if err != nil {
		return s.flagError(err)
	}
	colorOn, err := g.colorOn(io)
	if err != nil {
		return err
	}
	out := simulate.NewRedactor(io.Out, o.opts.AuthToken)
	for _, u := range []string{o.opts.URL, o.opts.SigningURL, o.opts.FallbackURL, o.opts.StatusCallback} {
		out.AddURL(u)
	}
	if o.dryRun {
		req, err := simulate.Preview(call, o.opts)
		if err != nil {
			return s.flagError(err)
		}
		if g.json {
			return simulate.WriteJSON(out, req)
		}
		return simulate.WritePreview(out, req, simulate.ReportOptions{Color: colorOn, Verbose: g.verbose})
	}
	if o.interactive {
		o.opts.Caller = simulate.NewPromptCaller(io.In, io.ErrOut)
	} else {
		o.opts.Caller = &o.script
	}
	ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
	defer stop()
	t, err := simulate.Run(ctx, call, o.opts)
	if err != nil {
		return s.flagError(err)
	}
	switch {
	case g.json:
		err = simulate.WriteJSON(out, t)
	case o.diagram == "mermaid":
		err = simulate.WriteMermaid(out, t)
	default:
		err = simulate.WriteText(out, t, simulate.ReportOptions{Color: colorOn, Verbose: g.verbose})
	}
	if err != nil {
		return err
	}
	if t.Failed {
		return failed
	}
	return nil
}

func newCallCmd(io *IO, g *globals, dir simulate.Direction, use, short, example string) *cobra.Command {
	o := &callOptions{}
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := o.resolve(c, g, dir)
			if err != nil {
				return err
			}
			return o.place(c, g, io, s)
		},
	}
	addCallFlags(c, o, dir)
	return c
}

// seedFrom is --seed, or a random seed when it is not given.
func seedFrom(raw string) (uint64, error) {
	if raw != "" {
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return 0, usageErr("--seed %q: want a whole number", raw)
		}
		return n, nil
	}
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]), nil
}

// parsePairs reads Key=Value arguments; flag names the flag in errors ("" for
// positional arguments).
func parsePairs(pairs []string, flag string) (simulate.Params, error) {
	var p simulate.Params
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			if flag == "" {
				return nil, usageErr("argument %q: want Key=Value", kv)
			}
			return nil, usageErr("%s %q: want Key=Value", flag, kv)
		}
		p = p.Add(k, v)
	}
	return p, nil
}
