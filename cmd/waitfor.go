package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/waitfor"
	"github.com/callsim/callsim/scenarios"
)

// addWaitForFlag is --wait-for, for the commands that call an app.
func addWaitForFlag(c *cobra.Command, d *time.Duration) {
	c.Flags().DurationVar(d, "wait-for", 0,
		"before the first call, wait up to this long (e.g. 30s) for the app to answer HTTP at each URL's host, for CI jobs that start the app alongside callsim")
}

// checkWaitFor rejects a --wait-for that cannot mean anything.
func checkWaitFor(d time.Duration) error {
	if d < 0 {
		return cmdutil.InvalidValue("--wait-for", d.String(), "want a duration of 0 or more, e.g. 30s")
	}
	return nil
}

// waitForApp waits up to d (0: not at all) until the app answers at
// every URL's host; on the first failed probe it says on errOut what it is
// waiting for, so that a CI log shows why the job pauses.
func waitForApp(ctx context.Context, errOut io.Writer, d time.Duration, urls []string) error {
	if d <= 0 || len(urls) == 0 {
		return nil
	}
	err := waitfor.Wait(ctx, urls, d, waitfor.Options{Waiting: func(u string, err error) {
		fmt.Fprintf(errOut, "callsim: waiting up to %s for %s to answer (%v)\n", d, u, err)
	}})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return &cmdutil.ExitError{Code: ExitFailed, Err: errors.New("interrupted while waiting for the app (--wait-for)")}
	}
	return &cmdutil.ExitError{Code: ExitFailed, Err: fmt.Errorf("--wait-for: %v", err)}
}

// scenarioURLs are the voice URLs of the scenarios that will be played.
func scenarioURLs(list []*scenarios.Scenario) []string {
	var urls []string
	for _, sc := range list {
		if sc.Skip == "" {
			urls = append(urls, sc.Options.URL)
		}
	}
	return urls
}
