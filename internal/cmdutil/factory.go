// Package cmdutil hands callsim's commands what they take from the process
// (streams, environment, config file, clock, HTTP client, signals), so that
// commands and their tests never touch the process themselves.
package cmdutil

import (
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/callsim/callsim/internal/iostreams"
)

// Factory gives a command what it needs, lazily where that costs something.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Env looks variables up; the process's in New, a map's in tests.
	Env iostreams.Env
	// WorkDir is where ./callsim.yaml and ./scenarios are looked for; ""
	// is the process's working directory.
	WorkDir string
	// Now is the clock.
	Now func() time.Time
	// HttpClient is the client calls go through; nil (or a nil result) is
	// the simulate package's own tuned client.
	HttpClient func() *http.Client
	// Signals delivers Ctrl-C (and SIGTERM); stop ends the delivery.
	Signals func() (c <-chan os.Signal, stop func())
	// Exit ends the process at once (a second Ctrl-C).
	Exit func(code int)

	mu      sync.Mutex
	configs map[string]configResult
}

type configResult struct {
	c   *Config
	err error
}

// New is the factory of the running process.
func New() *Factory {
	env := iostreams.Env(os.LookupEnv)
	return &Factory{
		IOStreams: iostreams.System(env),
		Env:       env,
		Now:       time.Now,
		Signals: func() (<-chan os.Signal, func()) {
			c := make(chan os.Signal, 2)
			signal.Notify(c, os.Interrupt, syscall.SIGTERM)
			return c, func() { signal.Stop(c) }
		},
		Exit: os.Exit,
	}
}

// MapEnv is an environment made of m, for tests.
func MapEnv(m map[string]string) iostreams.Env {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// Getenv is the variable's value, "" when unset.
func (f *Factory) Getenv(name string) string {
	v, _ := f.Env(name)
	return v
}

// Path resolves a relative path against WorkDir.
func (f *Factory) Path(p string) string {
	if f.WorkDir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(f.WorkDir, p)
}

// Client is the HTTP client for calls, nil for the simulate package's own.
func (f *Factory) Client() *http.Client {
	if f.HttpClient == nil {
		return nil
	}
	return f.HttpClient()
}

// UserConfigDir is os.UserConfigDir computed from Env rather than the
// process environment.
func (f *Factory) UserConfigDir() (string, bool) {
	switch runtime.GOOS {
	case "windows":
		v := f.Getenv("AppData")
		return v, v != ""
	case "darwin", "ios":
		if h := f.Getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support"), true
		}
		return "", false
	}
	if x := f.Getenv("XDG_CONFIG_HOME"); x != "" {
		// As os.UserConfigDir: a relative XDG_CONFIG_HOME means none.
		return x, filepath.IsAbs(x)
	}
	if h := f.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".config"), true
	}
	return "", false
}
