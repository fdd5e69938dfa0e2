package cmdutil

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/iostreams"
)

func testFactory(t *testing.T, env map[string]string) (*Factory, chan os.Signal, chan int) {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	sigs := make(chan os.Signal, 2)
	exits := make(chan int, 1)
	f := &Factory{
		IOStreams: io,
		Env:       MapEnv(env),
		WorkDir:   t.TempDir(),
		Signals:   func() (<-chan os.Signal, func()) { return sigs, func() {} },
		Exit:      func(code int) { exits <- code },
	}
	return f, sigs, exits
}

// The first Ctrl-C cancels the context; the second exits 130 at once.
func TestInterruptTwice(t *testing.T) {
	t.Parallel()
	f, sigs, exits := testFactory(t, nil)
	ctx, stop := f.InterruptContext(context.Background())
	defer stop()
	sigs <- os.Interrupt
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("first Ctrl-C did not cancel")
	}
	select {
	case code := <-exits:
		t.Fatalf("exit %d after one Ctrl-C", code)
	default:
	}
	sigs <- os.Interrupt
	select {
	case code := <-exits:
		if code != ExitInterrupted {
			t.Errorf("exit %d, want %d", code, ExitInterrupted)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Ctrl-C did not exit")
	}
	if got := f.IOStreams.ErrOut.(interface{ String() string }).String(); got != "callsim: interrupted twice: stopped at once\n" {
		t.Errorf("stderr %q", got)
	}
}

// After stop, signals are no longer this context's business.
func TestInterruptStopped(t *testing.T) {
	t.Parallel()
	f, sigs, exits := testFactory(t, nil)
	ctx, stop := f.InterruptContext(context.Background())
	stop()
	if ctx.Err() == nil {
		t.Error("stop left the context alive")
	}
	sigs <- os.Interrupt
	sigs <- os.Interrupt
	select {
	case code := <-exits:
		t.Errorf("exit %d after stop", code)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestConfigLookupAndUserDir(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	f, _, _ := testFactory(t, map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "xdg")})
	if c, err := f.Config(""); c != nil || err != nil {
		t.Fatalf("no file: %v %v", c, err)
	}
	dir, ok := f.UserConfigDir()
	if !ok {
		t.Fatal("no user config dir")
	}
	if err := os.MkdirAll(filepath.Join(dir, "callsim"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "callsim", "callsim.yaml")
	if err := os.WriteFile(file, []byte("api_version: 2010-04-01\nstatus_events: [ringing, completed]\nmax_steps: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f2, _, _ := testFactory(t, map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "xdg")})
	c, err := f2.Config("")
	if err != nil || c == nil || c.File != file {
		t.Fatalf("config %+v, %v", c, err)
	}
	for key, want := range map[string]string{"api_version": "2010-04-01", "status_events": "ringing,completed", "max_steps": "3"} {
		if got, ok := c.Lookup(key); !ok || got != want {
			t.Errorf("%s = %q %t, want %q", key, got, ok, want)
		}
	}
	if _, ok := c.Lookup("url"); ok {
		t.Error("url is not in the file")
	}
	if _, err := f2.Config("missing.yaml"); err == nil {
		t.Error("a missing --config file is not an error")
	}
}

func TestLayerSources(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t, map[string]string{"TWILIO_AUTH_TOKEN": "tw", "CALLSIM_FROM": ""})
	if err := os.WriteFile(filepath.Join(f.WorkDir, "callsim.yaml"), []byte("from: \"+14155550100\"\nto: \"+14155550111\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Config("")
	if err != nil {
		t.Fatal(err)
	}
	c := &cobra.Command{Use: "x"}
	var token, from, to, url string
	c.Flags().StringVar(&token, "auth-token", "", "")
	c.Flags().StringVar(&from, "from", "", "")
	c.Flags().StringVar(&to, "to", "", "")
	c.Flags().StringVar(&url, "url", "d", "")
	if err := c.Flags().Parse([]string{"--to", "+1"}); err != nil {
		t.Fatal(err)
	}
	s, err := f.Layer(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range []string{"auth-token", "from", "to", "url"} {
		got[n] = s.Source(n) + " " + c.Flags().Lookup(n).Value.String()
	}
	want := map[string]string{
		"auth-token": "TWILIO_AUTH_TOKEN tw",
		"from":       "callsim.yaml: from +14155550100",
		"to":         "--to +1",
		"url":        "default d",
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s: %q, want %q", k, got[k], want[k])
		}
	}
}
