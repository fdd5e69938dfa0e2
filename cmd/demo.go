package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/demoapp"
	"github.com/callsim/callsim/simulate"
)

type demoOptions struct {
	call  callOptions
	serve bool
	addr  string
}

func newDemoCmd(io *IO, g *globals) *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Start the bundled sample IVR on loopback and place a full call against it",
		Long: `demo starts callsim's sample voice app (an IVR that validates Twilio signatures)
on a random loopback port and walks it with an inbound call: menu, opening hours,
a recorded message, then sales. With --serve it only runs the app, for
'callsim run' or your own experiments.`,
		Example: `  callsim demo
  callsim demo --digits 1 --dial-outcome busy
  callsim demo --serve --addr 127.0.0.1:3000`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := o.call.resolve(c, g, simulate.Inbound)
			if err != nil {
				return err
			}
			return o.run(c, g, io, s)
		},
	}
	addCallFlags(c, &o.call, simulate.Inbound)
	c.Flags().BoolVar(&o.serve, "serve", false, "only run the demo app and print its URL; stop with Ctrl-C")
	c.Flags().StringVar(&o.addr, "addr", "127.0.0.1:0", "address for the demo app (loopback)")
	c.Flags().Lookup("digits").DefValue = "3,2,1"
	return c
}

func (o *demoOptions) run(c *cobra.Command, g *globals, io *IO, s *settings) error {
	token := o.call.opts.AuthToken
	if token == "" {
		var b [16]byte
		rand.Read(b[:])
		token = hex.EncodeToString(b[:])
	}
	app := &demoapp.App{AuthToken: token}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageErr("--addr %s: %v", o.addr, err)
	}
	srv := &http.Server{Handler: app.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	if o.serve {
		fmt.Fprintf(io.Out, "%s/voice\n", base)
		if o.call.opts.AuthToken == "" {
			fmt.Fprintf(io.ErrOut, "demo app on %s/voice, status callbacks on %s/status; signatures not checked (set --auth-token to check them). Ctrl-C stops it.\n", base, base)
			app.AuthToken = ""
		} else {
			fmt.Fprintf(io.ErrOut, "demo app on %s/voice, status callbacks on %s/status, validating signatures. Ctrl-C stops it.\n", base, base)
		}
		ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 0)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}

	if !c.Flags().Changed("digits") && len(o.call.script.Digits) == 0 {
		o.call.script.Digits = []string{"3", "2", "1"}
	}
	o.call.opts.URL = base + "/voice"
	o.call.opts.AuthToken = token
	if o.call.opts.StatusCallback == "" {
		o.call.opts.StatusCallback = base + "/status"
	}
	if !g.json && o.call.diagram == "" {
		fmt.Fprintf(io.ErrOut, "demo app listening on %s/voice (validating X-Twilio-Signature)\n", base)
	}
	return o.call.place(c, g, io, s)
}
