package cmd

import (
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/callsim/callsim/internal/demoapp"
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
	repo := repoRoot(t)
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
			// Under -race, every callsim would otherwise wait a second on exit
			// for reports from other goroutines; any race is still reported.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			// A free loopback port for a background `callsim demo --serve`.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			env.Setenv("FREE_ADDR", ln.Addr().String())
			ln.Close()
			// The repository's example scenarios, as examples/.
			return copyExamples(repo, filepath.Join(env.WorkDir, "examples"))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"waitport": cmdWaitPort,
			"twapi":    cmdTwilioAPI,
			"freeaddr": cmdFreeAddr,
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

// cmdWaitPort is "waitport ADDR": wait (up to 10 s) until something listens
// on ADDR, such as a background callsim demo --serve.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport ADDR")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s: %v", args[0], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func copyExamples(repo, dst string) error {
	files, err := filepath.Glob(filepath.Join(repo, "scenarios", "*.yaml"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
