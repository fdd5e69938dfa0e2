package cmd

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
)

// CallOptions is everything inbound, outbound and demo need to place a call.
type CallOptions struct {
	Common
	// Interrupt watches Ctrl-C for the call (Factory.InterruptContext).
	Interrupt func(context.Context) (context.Context, func())

	Spec        contract.CallSpec
	Options     simulate.Options
	Script      simulate.ScriptCaller
	DryRun      bool
	Diagram     string
	Interactive bool
	SaveAudio   string // --save-audio
}

// callFlags are the raw values of the call flags, before the environment
// and config file are layered under them.
type callFlags struct {
	url, method, from, to, dialStatus, apiVersion, authToken, accountSid, signingURL string
	fallbackURL, fallbackMethod, statusCallback, statusCallbackMethod                string
	answeredBy, asyncAMDCallback, asyncAMDCallbackMethod                             string
	statusEvents, params                                                             []string
	timeout                                                                          time.Duration
	maxSteps                                                                         int
	seed                                                                             uint64
	noGeo, noEnd, dryRun, interactive, asyncAMD                                      bool
	diagram                                                                          string
	script                                                                           simulate.ScriptCaller
	ai                                                                               voiceAIFlags
}

// addCallFlags registers the flags of one simulated call.
func addCallFlags(c *cobra.Command, o *callFlags, dir contract.Direction) {
	f := c.Flags()
	f.StringVar(&o.url, "url", "", "the voice webhook URL (http:// or https://); or give it as the argument")
	f.StringVar(&o.method, "method", "POST", "HTTP method Twilio uses for the voice URL: POST or GET")
	f.StringVar(&o.from, "from", "", "caller number (inbound: the person calling; outbound: your caller ID); default: a fixture number")
	f.StringVar(&o.to, "to", "", "called number (inbound: your Twilio number; outbound: the number dialled); default: a fixture number")
	if dir == contract.Outbound {
		f.StringVar(&o.dialStatus, "dial-status", "answered", "result of the call attempt: "+strings.Join(contract.DialStatuses(), ", "))
		f.StringVar(&o.answeredBy, "answered-by", "", "answering machine detection result (2010-04-01): "+strings.Join(contract.AnsweredByValues(), ", "))
		f.BoolVar(&o.asyncAMD, "async-amd", false, "detect asynchronously (AsyncAmd=true): the call starts at once, the result goes to --async-amd-callback")
		f.StringVar(&o.asyncAMDCallback, "async-amd-callback", "", "URL that receives AnsweredBy and MachineDetectionDuration with --async-amd")
		f.StringVar(&o.asyncAMDCallbackMethod, "async-amd-callback-method", "POST", "method for --async-amd-callback")
	}
	f.StringVar(&o.apiVersion, "api-version", "legacy", "request fields: "+strings.Join(contract.ProfileNames(), " or "))
	f.StringVar(&o.authToken, "auth-token", "", "sign requests with this auth token (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN)")
	f.StringVar(&o.accountSid, "account-sid", "", "AccountSid to send (also TWILIO_ACCOUNT_SID); default: generated from the seed")
	f.StringVar(&o.signingURL, "signing-url", "", "public URL to sign instead of --url (a tunnel or proxy in front of your app)")
	f.DurationVar(&o.timeout, "timeout", 15*time.Second, "per-request timeout (Twilio's cap is 15s)")
	f.StringArrayVar(&o.params, "param", nil, "extra or overriding field Key=Value, on every request (repeatable)")
	f.Uint64Var(&o.seed, "seed", 0, "make every generated value reproducible (a whole number; default: random)")
	f.BoolVar(&o.noGeo, "no-geo", false, "leave out the City/State/Zip/Country fields")
	f.BoolVar(&o.noEnd, "no-end", false, "skip the end-of-call CallStatus=completed request (legacy API; 2010-04-01 sends none)")
	f.BoolVar(&o.dryRun, "dry-run", false, "show the first request (with a curl line) and send nothing")
	f.StringSliceVar(&o.script.Digits, "digits", nil, "keys pressed, one entry per <Gather>: --digits 1,2#")
	f.StringArrayVar(&o.script.Speech, "speech", nil, "speech input, one per <Gather> that listens for speech (repeatable)")
	f.IntVar(&o.script.RecordSeconds, "record-seconds", 5, "length of every <Record>ed message")
	f.StringSliceVar(&o.script.DialOutcomes, "dial-outcome", nil, "outcome of each <Dial>: "+strings.Join(simulate.DialOutcomes(), ", ")+" (default completed; the last repeats)")
	f.StringSliceVar(&o.script.RecordEnds, "record-end", nil, "how each <Record> ends: key, key:<0-9*#>, silence, max-length or hangup (default key; the last repeats)")
	f.StringVar(&o.script.Transcription, "transcription", "", "text of every transcribed <Record>, sent to its transcribeCallback")
	f.BoolVar(&o.interactive, "interactive", false, "ask at the keyboard what the caller does at each prompt")
	f.StringVar(&o.fallbackURL, "fallback-url", "", "request this URL with ErrorCode and ErrorUrl when the voice URL fails")
	f.StringVar(&o.fallbackMethod, "fallback-method", "POST", "method for --fallback-url")
	f.StringVar(&o.statusCallback, "status-callback", "", "send status callbacks to this URL")
	f.StringVar(&o.statusCallbackMethod, "status-callback-method", "POST", "method for --status-callback")
	f.StringSliceVar(&o.statusEvents, "status-events", nil, "status callback events of an outbound call: initiated, ringing, answered, completed (default completed)")
	f.IntVar(&o.maxSteps, "max-steps", 100, "end the call after this many TwiML requests (loop guard)")
	f.StringVar(&o.diagram, "diagram", "", "print the call as a diagram instead of the report: mermaid")

	addVoiceAIFlags(c, &o.ai)

	setGroup(f, groupCall, "url", "method", "from", "to", "dial-status", "answered-by", "async-amd", "api-version", "account-sid", "param", "seed", "no-geo", "timeout", "max-steps", "no-end")
	setGroup(f, groupScript, "digits", "speech", "record-seconds", "record-end", "transcription", "dial-outcome", "interactive")
	setGroup(f, groupSigning, "auth-token", "signing-url")
	setGroup(f, groupCallbacks, "fallback-url", "fallback-method", "status-callback", "status-callback-method", "status-events", "async-amd-callback", "async-amd-callback-method")
	setGroup(f, groupOutput, "dry-run", "diagram")
	useGroupedUsage(c)

	methods := []string{"POST", "GET"}
	completeValues(c, "method", methods...)
	completeValues(c, "fallback-method", methods...)
	completeValues(c, "status-callback-method", methods...)
	completeValues(c, "api-version", contract.ProfileNames()...)
	if dir == contract.Outbound {
		completeValues(c, "dial-status", contract.DialStatuses()...)
		completeValues(c, "answered-by", contract.AnsweredByValues()...)
		completeValues(c, "async-amd-callback-method", methods...)
	}
	completeList(c, "dial-outcome", false, simulate.DialOutcomes()...)
	completeList(c, "record-end", false, contract.RecordEnds()...)
	completeList(c, "status-events", true, simulate.StatusEvents()...)
	completeValues(c, "diagram", "mermaid")
}

// urlArg lets the voice URL be the command's one argument
// (callsim inbound http://localhost:3000/voice), as --url.
func urlArg(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if len(args) > 1 {
		return usageErr("%s takes one argument, the voice URL; got %d: %s", c.Name(), len(args), strings.Join(args, " "))
	}
	arg := args[0]
	if !strings.HasPrefix(arg, "http://") && !strings.HasPrefix(arg, "https://") {
		return usageErr("unexpected argument %q: %s takes the voice URL (http:// or https://) as its argument (see '%s --help')", arg, c.Name(), c.CommandPath())
	}
	fl := c.Flags()
	if fl.Changed("url") {
		if given, _ := fl.GetString("url"); given != arg {
			return usageErr("the URL argument %q and --url %q differ: give one", arg, given)
		}
		return nil
	}
	return fl.Set("url", arg)
}

// rejectTogether fails when flags a and b were both given: one would do nothing.
func rejectTogether(c *cobra.Command, a, b, why string) error {
	if c.Flags().Changed(a) && c.Flags().Changed(b) {
		return usageErr("--%s and --%s: %s", a, b, why)
	}
	return nil
}

// rejectUnused fails when a flag that only matters with another was given
// without it (--fallback-method without --fallback-url). Only the command
// line is checked: a config file serves many commands.
func rejectUnused(c *cobra.Command, needs string, flags ...string) error {
	fl := c.Flags()
	if fl.Lookup(needs) == nil {
		return nil
	}
	if v := fl.Lookup(needs).Value.String(); v != "" {
		return nil
	}
	for _, name := range flags {
		if fl.Changed(name) {
			return usageErr("--%s does nothing without --%s", name, needs)
		}
	}
	return nil
}

// checkCallFlagCombos rejects call flags that would do nothing together;
// it runs after the environment and config file are layered in, so that
// --status-events with status_callback: in callsim.yaml is fine. The demo
// has a status callback of its own.
func checkCallFlagCombos(c *cobra.Command, ownStatusCallback bool) error {
	for _, combo := range [][3]string{
		{"diagram", "json", "both choose the output; give one"},
		{"diagram", "verbose", "the diagram has no more to show"},
		{"diagram", "dry-run", "--dry-run sends nothing, so there is no call to draw"},
		{"interactive", "dry-run", "--dry-run sends nothing, so there is nothing to answer"},
	} {
		if err := rejectTogether(c, combo[0], combo[1], combo[2]); err != nil {
			return err
		}
	}
	for _, name := range []string{"digits", "speech", "dial-outcome", "record-seconds", "record-end", "transcription"} {
		if err := rejectTogether(c, "interactive", name, "--interactive asks at the keyboard instead of the script; give one"); err != nil {
			return err
		}
	}
	if err := rejectUnused(c, "fallback-url", "fallback-method"); err != nil {
		return err
	}
	if err := rejectUnused(c, "async-amd-callback", "async-amd-callback-method"); err != nil {
		return err
	}
	if fl := c.Flags().Lookup("async-amd"); fl != nil {
		amd, cb := fl.Value.String() == "true", c.Flags().Lookup("async-amd-callback").Value.String()
		switch {
		case amd && cb == "":
			return usageErr("--async-amd needs --async-amd-callback: Twilio sends the detection result there, not to the voice URL")
		case !amd && cb != "" && c.Flags().Changed("async-amd-callback"):
			return usageErr("--async-amd-callback does nothing without --async-amd")
		}
	}
	if fl := c.Flags().Lookup("api-version"); fl != nil && fl.Value.String() != "legacy" && c.Flags().Changed("no-end") {
		return usageErr("--no-end does nothing with --api-version %s: Twilio sends no end-of-call request to the voice URL in that API", fl.Value.String())
	}
	if ownStatusCallback {
		return nil
	}
	return rejectUnused(c, "status-callback", "status-callback-method", "status-events")
}

// rejectScriptUnanswered fails when caller script flags are given for an
// outbound call that is never answered (--dial-status busy): no TwiML runs,
// so there is nothing to press or say.
func rejectScriptUnanswered(c *cobra.Command, spec contract.CallSpec) error {
	if spec.Direction != contract.Outbound || (&contract.Call{DialStatus: spec.DialStatus}).Answered() {
		return nil
	}
	for _, name := range []string{"digits", "speech", "record-seconds", "record-end", "transcription", "dial-outcome", "interactive"} {
		if c.Flags().Changed(name) {
			return usageErr("--%s does nothing with --dial-status %s: the call is never answered, so no TwiML runs", name, spec.DialStatus)
		}
	}
	return nil
}

// seedOf is --seed, or a random seed when it is not given.
func seedOf(c *cobra.Command, seed uint64) uint64 {
	if c.Flags().Changed("seed") {
		return seed
	}
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// callOptions layers the environment and config file under the flags and
// checks what simulate does not.
func (o *callFlags) callOptions(f *cmdutil.Factory, c *cobra.Command, dir contract.Direction, needURL bool) (*CallOptions, error) {
	common, err := prepare(f, c)
	if err != nil {
		return nil, err
	}
	return o.build(f, c, common, dir, needURL)
}

// build checks the layered flag values of c and makes the call's options.
func (o *callFlags) build(f *cmdutil.Factory, c *cobra.Command, common Common, dir contract.Direction, needURL bool) (*CallOptions, error) {
	var err error
	s := common.Settings
	if o.timeout <= 0 {
		return nil, cmdutil.InvalidValue(s.Origin("timeout"), o.timeout.String(), "want a positive duration such as 3s or 1500ms")
	}
	if o.maxSteps < 1 {
		return nil, cmdutil.InvalidValue(s.Origin("max-steps"), strconv.Itoa(o.maxSteps), "want at least 1")
	}
	opts := &CallOptions{
		Common:    common,
		Interrupt: f.InterruptContext,
		Spec: contract.CallSpec{
			Direction: dir, APIVersion: o.apiVersion, From: o.from, To: o.to,
			AccountSid: o.accountSid, NoGeo: o.noGeo, Seed: seedOf(c, o.seed),
		},
		Options: simulate.Options{
			URL:                  o.url,
			Method:               strings.ToUpper(o.method),
			SigningURL:           o.signingURL,
			AuthToken:            o.authToken,
			Timeout:              o.timeout,
			FallbackURL:          o.fallbackURL,
			FallbackMethod:       strings.ToUpper(o.fallbackMethod),
			StatusCallback:       o.statusCallback,
			StatusCallbackMethod: strings.ToUpper(o.statusCallbackMethod),
			StatusEvents:         splitList(o.statusEvents),
			NoEnd:                o.noEnd,
			MaxSteps:             o.maxSteps,
			HTTP:                 f.Client(),
		},
		Script:      o.script,
		DryRun:      o.dryRun,
		Diagram:     o.diagram,
		Interactive: o.interactive,
	}
	if f.Now != nil {
		opts.Options.Now = f.Now
	}
	if dir == contract.Outbound {
		opts.Spec.DialStatus = o.dialStatus
		opts.Spec.AnsweredBy = o.answeredBy
		opts.Spec.AsyncAMD = o.asyncAMD
		opts.Options.AsyncAMDStatusCallback = o.asyncAMDCallback
		opts.Options.AsyncAMDStatusCallbackMethod = strings.ToUpper(o.asyncAMDCallbackMethod)
	}
	if opts.Spec.Params, err = parsePairs(o.params, "--param"); err != nil {
		return nil, err
	}
	if needURL && o.url == "" {
		return nil, usageErr("--url is required (the voice webhook to call, e.g. %s http://localhost:3000/voice)", c.CommandPath())
	}
	if err := opts.Script.Validate(); err != nil {
		return nil, err
	}
	if opts.Options.Sessions, err = o.ai.sessionOptions(); err != nil {
		return nil, err
	}
	opts.SaveAudio = o.ai.saveAudio
	if o.diagram != "" && o.diagram != "mermaid" {
		return nil, cmdutil.InvalidValue("--diagram", o.diagram, "want mermaid")
	}
	return opts, nil
}

// splitList reads a list given as repeated or comma-separated values.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// callRun places the call and prints the report.
func callRun(ctx context.Context, o *CallOptions) error {
	call, err := contract.NewCall(o.Spec)
	if err != nil {
		return o.flagError(err)
	}
	io := o.IO
	out := redact.NewRedactor(io.Out, o.Options.AuthToken)
	for _, u := range []string{o.Options.URL, o.Options.SigningURL, o.Options.FallbackURL, o.Options.StatusCallback, o.Options.AsyncAMDStatusCallback} {
		out.AddURL(u)
	}
	ropts := report.Options{Color: io.ColorEnabled(), Verbose: o.Verbose}
	if o.DryRun {
		if !call.Answered() && !call.Profile.FetchUnanswered {
			return usageErr("--dry-run shows the first request to the voice URL, and with --dial-status %s on API %s Twilio sends none: the call reaches the app through its status callback only", call.DialStatus, call.Profile.Name)
		}
		req, err := simulate.Preview(call, o.Options)
		if err != nil {
			return o.flagError(err)
		}
		if o.JSON {
			return report.WriteJSON(out, req)
		}
		return report.WritePreview(out, req, ropts)
	}
	if o.Interactive {
		o.Options.Caller = simulate.NewPromptCaller(io.In, io.ErrOut)
	} else {
		o.Options.Caller = &o.Script
	}
	ctx, stop := o.Interrupt(ctx)
	defer stop()
	t, err := simulate.Run(ctx, call, o.Options)
	if err != nil {
		return o.flagError(err)
	}
	switch {
	case o.JSON:
		err = report.WriteJSON(out, t)
	case o.Diagram == "mermaid":
		err = report.WriteMermaid(out, t)
	default:
		err = report.WriteText(out, t, ropts)
	}
	if err != nil {
		return err
	}
	if o.SaveAudio != "" {
		msg, err := saveAudio(o.SaveAudio, t)
		if err != nil {
			return err
		}
		fmt.Fprintln(io.ErrOut, msg)
	}
	if t.Failed {
		return failed
	}
	return nil
}

func newCallCmd(f *cmdutil.Factory, runF func(*CallOptions) error, dir contract.Direction, use, short, example string) *cobra.Command {
	var flags callFlags
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    cobra.ArbitraryArgs, // urlArg explains what is wrong
		RunE: func(c *cobra.Command, args []string) error {
			if err := urlArg(c, args); err != nil {
				return err
			}
			opts, err := flags.callOptions(f, c, dir, true)
			if err != nil {
				return err
			}
			if err := checkCallFlagCombos(c, false); err != nil {
				return err
			}
			if err := rejectScriptUnanswered(c, opts.Spec); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return callRun(c.Context(), opts)
		},
	}
	addCallFlags(c, &flags, dir)
	return c
}

// NewCmdInbound is `callsim inbound`.
func NewCmdInbound(f *cmdutil.Factory, runF func(*CallOptions) error) *cobra.Command {
	return newCallCmd(f, runF, contract.Inbound, "inbound URL",
		"Simulate someone phoning your Twilio number",
		`  callsim inbound http://localhost:3000/voice
  callsim inbound --url http://localhost:3000/voice --digits 1 --auth-token $TWILIO_AUTH_TOKEN
  callsim inbound --url http://localhost:3000/voice --api-version 2010-04-01 --method GET`)
}

// NewCmdOutbound is `callsim outbound`.
func NewCmdOutbound(f *cmdutil.Factory, runF func(*CallOptions) error) *cobra.Command {
	return newCallCmd(f, runF, contract.Outbound, "outbound URL",
		"Simulate a call your app placed through the REST API",
		`  callsim outbound http://localhost:3000/voice --to +14155551212
  callsim outbound --url http://localhost:3000/voice --to +14155551212 --dial-status busy
  callsim outbound --url http://localhost:3000/voice --dial-status answered-machine --api-version 2010-04-01
  callsim outbound http://localhost:3000/voice --api-version 2010-04-01 --answered-by machine_end_beep \
    --async-amd --async-amd-callback http://localhost:3000/amd`)
}

// parsePairs reads Key=Value arguments; flag names the flag in errors ("" for
// positional arguments).
func parsePairs(pairs []string, flag string) (contract.Params, error) {
	var p contract.Params
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			if flag == "" {
				return nil, usageErr("argument %q: want Key=Value", kv)
			}
			return nil, cmdutil.InvalidValue(flag, kv, "want Key=Value")
		}
		p = p.Add(k, v)
	}
	return p, nil
}
