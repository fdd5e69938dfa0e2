package cmd

import (
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/callsim/callsim/demoapp"
)

// TestMain lets the acceptance scripts run callsim as a program: the test
// binary, called as "callsim", is callsim.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"callsim": func() { os.Exit(Main()) },
	})
}

// scriptToken is the auth token of the demo app scripts call ($DEMO_URL).
const scriptToken = "script-demo-token-0c1d"

// TestScripts runs the acceptance tests in testdata/script: callsim as a
// user runs it, in a fresh directory and environment. Update their expected
// output with
//
//	go test ./cmd -run TestScripts -update
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// A demo app like `callsim demo --serve`, listening before the
			// script starts (a background callsim would race the script).
			srv := httptest.NewServer((&demoapp.App{AuthToken: scriptToken}).Handler())
			env.Defer(srv.Close)
			env.Setenv("DEMO_URL", srv.URL)
			env.Setenv("DEMO_TOKEN", scriptToken)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": cmdExits,
		},
	})
}

// cmdExits is "exits CODE program [args...]": run the program and check its
// exit status; stdout and stderr are kept for the next commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}
