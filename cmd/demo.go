package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/demoapp"
	"github.com/callsim/callsim/simulate/contract"
)

// DemoOptions is `callsim demo`.
type DemoOptions struct {
	Call  *CallOptions
	Serve bool
	Addr  string
	// DigitsGiven is --digits passed (else the demo presses 3, 2, 1).
	DigitsGiven bool
	// AI calls the voice AI demo: a ConversationRelay agent, then a Media
	// Streams echo, with a forked stream alongside.
	AI bool
}

// NewCmdDemo is `callsim demo`.
func NewCmdDemo(f *cmdutil.Factory, runF func(*DemoOptions) error) *cobra.Command {
	var (
		flags callFlags
		opts  DemoOptions
	)
	c := &cobra.Command{
		Use:   "demo",
		Short: "Start the bundled sample IVR on loopback and place a full call against it",
		Long: `demo starts callsim's sample voice app (an IVR that validates Twilio signatures)
on a random loopback port and walks it with an inbound call: menu, opening hours,
a recorded message, then sales. With --serve it only runs the app, for
'callsim run' or your own experiments.`,
		Example: `  callsim demo
  callsim demo --digits 1 --dial-outcome busy
  callsim demo --serve --addr 127.0.0.1:3000
  callsim demo --ai
  callsim demo --ai --speech "I want a person"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := demoFlagsUsed(c, opts.Serve); err != nil {
				return err
			}
			call, err := flags.callOptions(f, c, contract.Inbound, false)
			if err != nil {
				return err
			}
			if err := checkCallFlagCombos(c, true); err != nil {
				return err
			}
			opts.Call = call
			opts.DigitsGiven = c.Flags().Changed("digits")
			if runF != nil {
				return runF(&opts)
			}
			return demoRun(c.Context(), &opts)
		},
	}
	addCallFlags(c, &flags, contract.Inbound)
	c.Flags().BoolVar(&opts.Serve, "serve", false, "only run the demo app and print its URL; stop with Ctrl-C")
	c.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:0", "address for the demo app (loopback)")
	c.Flags().BoolVar(&opts.AI, "ai", false, "call the voice AI demo instead: a ConversationRelay agent, then a Media Streams echo (default speech: opening hours, then goodbye)")
	c.Flags().Lookup("digits").DefValue = "3,2,1"
	setGroup(c.Flags(), "Demo app", "ai", "serve", "addr")
	return c
}

// demoFlagsUsed rejects the flags the demo has no use for: it calls its own
// app at its own URL, and with --serve places no call at all.
func demoFlagsUsed(c *cobra.Command, serve bool) error {
	fl := c.Flags()
	for _, name := range []string{"url", "signing-url"} {
		if fl.Changed(name) {
			return usageErr("--%s does nothing with demo: the demo calls its own app (use callsim inbound --%s to call yours)", name, name)
		}
	}
	if !serve {
		return nil
	}
	var bad string
	fl.Visit(func(f *pflag.Flag) {
		if bad == "" && f.Annotations[groupAnnotation] != nil && f.Name != "auth-token" && f.Name != "serve" && f.Name != "addr" {
			bad = f.Name
		}
	})
	if bad != "" {
		return usageErr("--%s does nothing with demo --serve: it places no call (only --auth-token and --addr apply)", bad)
	}
	if fl.Changed("json") {
		return usageErr("--json does nothing with demo --serve: it prints the app's URL")
	}
	return nil
}

func demoRun(ctx context.Context, o *DemoOptions) error {
	call := o.Call
	io := call.IO
	token := call.Options.AuthToken
	if token == "" {
		var b [16]byte
		rand.Read(b[:])
		token = hex.EncodeToString(b[:])
	}
	app := &demoapp.App{AuthToken: token}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return usageErr("--addr %s: %v", o.Addr, err)
	}
	srv := &http.Server{Handler: app.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	if o.Serve {
		fmt.Fprintf(io.Out, "%s/voice\n", base)
		if call.Options.AuthToken == "" {
			fmt.Fprintf(io.ErrOut, "demo app on %s/voice, status callbacks on %s/status; signatures not checked (set --auth-token to check them). Ctrl-C stops it.\n", base, base)
			app.AuthToken = ""
		} else {
			fmt.Fprintf(io.ErrOut, "demo app on %s/voice, status callbacks on %s/status, validating signatures. Ctrl-C stops it.\n", base, base)
		}
		ctx, stop := call.Interrupt(ctx)
		defer stop()
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 0)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}

	call.Options.URL = base + "/voice"
	if o.AI {
		call.Options.URL = base + demoapp.AIPath
		if len(call.Script.Speech) == 0 {
			call.Script.Speech = []string{"what are your opening hours", "thanks, goodbye"}
		}
	} else if !o.DigitsGiven && len(call.Script.Digits) == 0 {
		call.Script.Digits = []string{"3", "2", "1"}
	}
	call.Options.AuthToken = token
	if call.Options.StatusCallback == "" {
		call.Options.StatusCallback = base + "/status"
	}
	if !call.JSON && call.Diagram == "" {
		fmt.Fprintf(io.ErrOut, "demo app listening on %s (validating X-Twilio-Signature)\n", call.Options.URL)
	}
	return callRun(ctx, call)
}
