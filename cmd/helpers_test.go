package cmd

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/internal/iostreams"
)

// cli runs callsim in-process in a world of its own: a working directory,
// an environment (only what the test puts in env) and no terminal. Tests
// using it may run in parallel.
type cli struct {
	t   *testing.T
	dir string
	env map[string]string
	// tty makes standard output and error terminals.
	tty bool
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	return &cli{t: t, dir: dir, env: map[string]string{"HOME": dir}}
}

// factory is a Factory over buffers; stdin is what standard input holds.
func (c *cli) factory(stdin string) (*cmdutil.Factory, *iostreams.IOStreams) {
	io, in, _, _ := iostreams.Test()
	in.WriteString(stdin)
	io.SetStdoutTTY(c.tty)
	io.SetStderrTTY(c.tty)
	env := cmdutil.MapEnv(c.env)
	io.ReadEnv(env)
	return &cmdutil.Factory{IOStreams: io, Env: env, WorkDir: c.dir, Now: time.Now}, io
}

// run executes callsim with args and returns its exit code and output.
func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	f, io := c.factory(stdin)
	code = Execute(f, args)
	return code, io.Out.(interface{ String() string }).String(), io.ErrOut.(interface{ String() string }).String()
}

// write creates a file under the test's directory and returns its path.
func (c *cli) write(name, text string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// repoRoot is the module's directory, whatever the working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Dir(filepath.Dir(file))
}
