package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	goio "io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/restapi"
	"github.com/callsim/callsim/simulate/serve"
)

// ServeOptions is `callsim serve`.
type ServeOptions struct {
	Common
	Interrupt func(context.Context) (context.Context, func())
	Addr      string
	Config    serve.Config
	// Generated says the account SID and auth token were made up for this
	// run (none was given), so they are printed for the SDK.
	Generated bool
}

// DefaultServeAddr is where callsim serve listens without --addr: the port
// of Twilio's suggested OpenAPI mock (Prism), which callsim serve replaces.
const DefaultServeAddr = "127.0.0.1:4010"

// NewCmdServe is `callsim serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	var (
		opts                                        ServeOptions
		accountSid, authToken, rulesFile, testCreds string
		apiKeys, outcomes                           []string
		maxCalls, maxSteps                          int
		timeout                                     time.Duration
		realTime                                    bool
	)
	c := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--outcome PATTERN=OUTCOME ...]",
		Short: "Run a local Twilio Calls API: calls your app creates run against its webhooks",
		Long: `serve is a local stand-in for Twilio's REST API (the Calls resource: create,
fetch, list, update, delete) for apps that place calls with an official SDK.
Point the SDK at the printed URL (see the README for Node, Python and Go); each
call the app creates then runs as on Twilio: queued, initiated, ringing,
answered or not, its Url (or inline Twiml) followed to the end, status
callbacks for the StatusCallbackEvents asked for, every webhook signed with
the auth token and carrying the CallSid the API returned. Fetching the call
shows its status, times and duration as they change; updates redirect a live
call (Url, Twiml) or hang it up (Status=completed, canceled).

Credentials: --account-sid and --auth-token (also TWILIO_ACCOUNT_SID,
TWILIO_AUTH_TOKEN, CALLSIM_* and the config file); without them a pair is made
up and printed. --api-key SK...:SECRET adds an API key the SDK may use instead;
--test-credentials AC...:TOKEN adds test credentials, which behave as
Twilio's: creates only, From must be +15005550006, magic To numbers give
their errors, and the calls never run.

How each call ends is chosen by destination with rules, first match wins,
default answered by a person:
  --outcome '+14155550100=busy'
  --outcome '+1415555*=machine as=machine_end_beep ring=4s'
  --outcome '+14155550199=answered digits=1 speech="yes please"'
  --outcome '*=no-answer'
Outcomes: answered, busy, no-answer (rings for the call's Timeout), failed,
machine. digits= and speech= (repeatable) are the callee's answers to each
<Gather>; as= is what answering-machine detection reports; ring= how long it
rings. --rules FILE reads one rule a line (PATTERN OUTCOME [key=value ...]).

Time is simulated: a call takes milliseconds however long its pauses are;
--real-time plays it at the speed of a phone call, so there is time to
modify it. State is in memory: at most --max-calls calls are kept (the
oldest ended one is forgotten first; when all are live, creates get 429).

The terminal shows each API request and each call as it happens; --json
prints one JSON event a line instead. Ctrl-C ends the running calls and stops.`,
		Example: `  callsim serve
  TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... callsim serve --addr 127.0.0.1:4010
  callsim serve --outcome '+14155550100=busy' --outcome '*=answered digits=1'
  callsim serve --rules outcomes.txt --real-time --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			common, err := prepare(f, c)
			if err != nil {
				return err
			}
			opts.Common = common
			opts.Interrupt = f.InterruptContext
			s := common.Settings
			if err := checkLoopback(opts.Addr); err != nil {
				return cmdutil.InvalidValue("--addr", opts.Addr, err.Error())
			}
			switch {
			case accountSid == "" && authToken == "":
				accountSid, authToken, opts.Generated = "AC"+randomHex(16), randomHex(16), true
			case accountSid == "":
				return usageErr("--auth-token needs --account-sid (or TWILIO_ACCOUNT_SID): the SDK sends both")
			case authToken == "":
				return usageErr("--account-sid needs --auth-token (or TWILIO_AUTH_TOKEN): the SDK sends both")
			}
			if !contract.ValidSID("AC", accountSid) {
				return cmdutil.InvalidValue(s.Origin("account-sid"), accountSid, "want AC followed by 32 hex digits")
			}
			if !restapi.ValidSecret(authToken) {
				return cmdutil.InvalidValue(s.Origin("auth-token"), "(hidden)", "want letters and digits only (twilio-go refuses other characters)")
			}
			api := restapi.Config{AccountSid: accountSid, AuthToken: authToken, MaxCalls: maxCalls}
			for _, kv := range apiKeys {
				sid, secret, ok := strings.Cut(kv, ":")
				if !ok || !contract.ValidSID("SK", sid) || !restapi.ValidSecret(secret) {
					return cmdutil.InvalidValue("--api-key", sid, "want SK followed by 32 hex digits, a colon and a secret of letters and digits")
				}
				if api.APIKeys == nil {
					api.APIKeys = map[string]string{}
				}
				api.APIKeys[sid] = secret
			}
			if testCreds != "" {
				sid, tok, ok := strings.Cut(testCreds, ":")
				if !ok || !contract.ValidSID("AC", sid) || !restapi.ValidSecret(tok) || sid == accountSid {
					return cmdutil.InvalidValue("--test-credentials", sid, "want AC followed by 32 hex digits (not the --account-sid), a colon and a token of letters and digits")
				}
				api.TestAccountSid, api.TestAuthToken = sid, tok
			}
			if rulesFile != "" {
				fh, err := os.Open(f.Path(rulesFile))
				if err != nil {
					return usageErr("--rules: %v", err)
				}
				rs, err := restapi.ParseRules(fh, rulesFile)
				fh.Close()
				if err != nil {
					return usageErr("--rules: %v", err)
				}
				api.Rules = rs
			}
			for _, o := range outcomes {
				r, err := restapi.ParseRule(outcomeRule(o))
				if err != nil {
					return cmdutil.InvalidValue("--outcome", o, err.Error())
				}
				api.Rules = append(api.Rules, r)
			}
			if maxCalls < 1 {
				return cmdutil.InvalidValue("--max-calls", fmt.Sprint(maxCalls), "want at least 1")
			}
			if maxSteps < 1 {
				return cmdutil.InvalidValue(s.Origin("max-steps"), fmt.Sprint(maxSteps), "want at least 1")
			}
			if timeout <= 0 {
				return cmdutil.InvalidValue(s.Origin("timeout"), timeout.String(), "want a positive duration such as 3s or 1500ms")
			}
			opts.Config = serve.Config{API: api, WebhookTimeout: timeout, MaxSteps: maxSteps, HTTP: f.Client()}
			if realTime {
				opts.Config.Scale = 1
			}
			if runF != nil {
				return runF(&opts)
			}
			return serveRun(c.Context(), &opts)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.Addr, "addr", "a", DefaultServeAddr, "listen on this loopback address (port 0 picks a free one)")
	fl.StringVar(&accountSid, "account-sid", "", "the account the API serves (also TWILIO_ACCOUNT_SID); default: made up and printed")
	fl.StringVar(&authToken, "auth-token", "", "its auth token: the SDK's password and the webhooks' signing key (also TWILIO_AUTH_TOKEN, CALLSIM_AUTH_TOKEN)")
	fl.StringArrayVar(&apiKeys, "api-key", nil, "an API key the SDK may authenticate with: SK...:SECRET (repeatable)")
	fl.StringVar(&testCreds, "test-credentials", "", "test credentials AC...:TOKEN: they may only create calls, which are validated (From +15005550006, Twilio's magic numbers) and never run")
	fl.StringArrayVar(&outcomes, "outcome", nil, "how calls to matching numbers end: PATTERN=OUTCOME [key=value ...] (repeatable; first match wins)")
	fl.StringVar(&rulesFile, "rules", "", "read outcome rules from this file, one a line (before any --outcome)")
	fl.IntVar(&maxCalls, "max-calls", restapi.DefaultMaxCalls, "calls kept in memory (about 520 bytes each)")
	fl.BoolVar(&realTime, "real-time", false, "play calls at the speed of a phone call instead of a simulated clock")
	fl.DurationVar(&timeout, "timeout", 15*time.Second, "per-webhook timeout (Twilio's cap is 15s)")
	fl.IntVar(&maxSteps, "max-steps", 100, "end a call after this many TwiML requests (loop guard)")
	return c
}

// outcomeRule turns --outcome PATTERN=OUTCOME [key=value ...] into a rule
// line; the rules file's PATTERN OUTCOME form is accepted as well.
func outcomeRule(s string) string {
	s = strings.TrimSpace(s)
	pat, rest, ok := strings.Cut(s, "=")
	if !ok || strings.ContainsAny(pat, " \t") {
		return s
	}
	return pat + " " + rest
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want HOST:PORT")
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("callsim serve listens on loopback only (127.0.0.1, ::1, localhost): it holds your auth token")
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func serveRun(ctx context.Context, o *ServeOptions) error {
	io := o.IO
	secrets := []string{}
	if !o.Generated {
		secrets = append(secrets, o.Config.API.AuthToken)
	}
	for _, s := range o.Config.API.APIKeys {
		secrets = append(secrets, s)
	}
	if t := o.Config.API.TestAuthToken; t != "" {
		secrets = append(secrets, t)
	}
	out := redact.NewRedactor(io.Out, secrets...)
	log := &eventLog{w: out, json: o.JSON}
	cfg := o.Config
	cfg.OnEvent = log.write
	srv, err := serve.New(cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	base, err := srv.Listen(o.Addr)
	if err != nil {
		return usageErr("--addr %s: %v", o.Addr, err)
	}
	api := cfg.API
	if o.JSON {
		log.write(serve.Event{Time: time.Now(), Kind: "listening", Message: base})
	} else {
		fmt.Fprintln(out, base)
	}
	clock := "simulated time"
	if cfg.Scale == 1 {
		clock = "real time"
	}
	fmt.Fprintf(io.ErrOut, "callsim serve: Twilio's Calls API on %s for account %s (%s). Ctrl-C stops it.\n", base, api.AccountSid, clock)
	if o.Generated {
		fmt.Fprintf(io.ErrOut, "  made-up credentials: TWILIO_ACCOUNT_SID=%s TWILIO_AUTH_TOKEN=%s\n", api.AccountSid, api.AuthToken)
	}
	for _, r := range api.Rules {
		fmt.Fprintf(io.ErrOut, "  outcome rule: %s\n", r.Outcome.Rule)
	}
	ctx, stop := o.Interrupt(ctx)
	defer stop()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintf(io.ErrOut, "callsim serve: stopped after %d API requests and %d calls\n", log.requests, log.calls)
	return nil
}

// eventLog prints the server's events, one at a time.
type eventLog struct {
	mu       sync.Mutex
	w        goio.Writer
	json     bool
	requests int
	calls    int
}

func (l *eventLog) write(e serve.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case serve.EventAPI:
		l.requests++
	case serve.EventCall:
		l.calls++
	}
	if l.json {
		switch e.Kind {
		case serve.EventCall:
			e.Transcript = nil // its steps were logged one by one
		case serve.EventStep:
			s := *e.Step
			s.Events = nil // logged as verb events while they happen
			e.Step = &s
		}
		b, err := json.Marshal(e)
		if err == nil {
			l.w.Write(append(b, '\n'))
		}
		return
	}
	fmt.Fprint(l.w, formatEvent(e))
}

// formatEvent is one event as the terminal shows it.
func formatEvent(e serve.Event) string {
	var b strings.Builder
	sid := e.CallSid
	switch e.Kind {
	case serve.EventAPI:
		a := e.Access
		fmt.Fprintf(&b, "API %s %s → %d", a.Method, a.Path, a.Status)
		if a.Code != 0 {
			fmt.Fprintf(&b, " %d %s", a.Code, a.Message)
		} else if sid != "" {
			fmt.Fprintf(&b, " %s", sid)
		}
		b.WriteString("\n")
	case serve.EventStatus:
		fmt.Fprintf(&b, "%s  %s", sid, e.Status)
		if e.Outcome != "" {
			fmt.Fprintf(&b, " · outcome %s", e.Outcome)
		}
		if e.AnsweredBy != "" {
			fmt.Fprintf(&b, " · answered by %s", e.AnsweredBy)
		}
		b.WriteString("\n")
	case serve.EventChange:
		fmt.Fprintf(&b, "%s  ⟲ %s through the API\n", sid, e.Change)
	case serve.EventStep:
		s := e.Step
		fmt.Fprintf(&b, "%s  → %s %s  %s", sid, s.Request.Method, s.Request.URL, s.Request.Kind)
		if r := s.Response; r != nil && s.Request.Method != "TWIML" {
			fmt.Fprintf(&b, "  ← %d · %s", r.Status, r.Latency.Round(100*time.Microsecond))
		}
		b.WriteString("\n")
		if s.Error != nil {
			fmt.Fprintf(&b, "%s    ✖ %s\n", sid, s.Error.Error())
		}
	case serve.EventVerb:
		fmt.Fprintf(&b, "%s    %s %s\n", sid, e.Verb.Icon(), e.Verb.Text)
	case serve.EventCall:
		mark := "✔"
		if e.Transcript.Failed {
			mark = "✘"
		}
		fmt.Fprintf(&b, "%s  %s %s\n", sid, mark, e.Transcript.Summary())
	case serve.EventError:
		fmt.Fprintf(&b, "%s  ✖ %s\n", sid, e.Message)
	}
	return b.String()
}
