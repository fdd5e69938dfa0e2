package installcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

var install = flag.Bool("install", false, "build a module zip of the repository, go install it from a file:// GOPROXY and run the installed callsim demo (slow; CI runs it)")

const modulePath = "github.com/callsim/callsim"

// testVersion is the version the zip is published at. It is a prerelease of
// v0.0.0, so it sorts below any real release and cannot be mistaken for one.
const testVersion = "v0.0.0-installcheck"

// repoFile is a git-tracked file of the working tree, as a module zip entry.
type repoFile struct{ root, rel string }

func (f repoFile) Path() string { return f.rel }
func (f repoFile) Lstat() (os.FileInfo, error) {
	return os.Lstat(filepath.Join(f.root, filepath.FromSlash(f.rel)))
}
func (f repoFile) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.root, filepath.FromSlash(f.rel)))
}

// repoRoot is the directory of callsim's go.mod: the tests run in
// internal/installcheck.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.HasPrefix(data, []byte("module "+modulePath+"\n")) {
		t.Fatalf("%s is not the root of %s (go.mod: %v)", root, modulePath, err)
	}
	return root
}

// trackedFiles lists the files git tracks in the working tree, which is what
// a release's module zip holds: build output, dist/ and other ignored or
// untracked files stay out, as they would from the proxy. Files deleted from
// the working tree but not yet from the index are left out too.
func trackedFiles(t *testing.T, root string) []modzip.File {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot tell tracked files from junk")
	}
	cmd := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--full-name")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if bytes.Contains(stderr.Bytes(), []byte("not a git repository")) {
			t.Skipf("%s is not a git checkout (a module zip or a copy): nothing to build the zip from", root)
		}
		t.Fatalf("git ls-files: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var files []modzip.File
	for _, rel := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if rel == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel))); errors.Is(err, os.ErrNotExist) {
			continue
		}
		files = append(files, repoFile{root, rel})
	}
	return files
}

// TestModuleZip checks on every run what the proxy will make of the
// repository: a valid zip within the module limits, holding everything the
// build embeds (the patched phonenumbers and its data, the fixtures) and no
// nested module, which the zip would silently leave out.
func TestModuleZip(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := trackedFiles(t, root)
	checked, err := modzip.CheckFiles(files)
	if err != nil {
		t.Fatalf("module zip of %s: %v", root, err)
	}
	for _, om := range checked.Omitted {
		// A nested go.mod makes its whole directory vanish from the zip.
		t.Errorf("left out of the module zip: %s (%v)", om.Path, om.Err)
	}
	valid := map[string]bool{}
	for _, p := range checked.Valid {
		valid[p] = true
	}
	for _, p := range []string{
		"go.mod", "go.sum", "main.go",
		"internal/phonenumbers/LICENSE",
		"internal/phonenumbers/phonenumberutil.go",
		"internal/phonenumbers/data/metadata.xml.gz",
		"internal/phonenumbers/data/prefix_to_geocodings/en.txt.gz",
		"fixtures/areacodes.csv",
	} {
		if !valid[p] {
			t.Errorf("%s is not in the module zip", p)
		}
	}

	var zip bytes.Buffer
	if err := modzip.Create(&zip, module.Version{Path: modulePath, Version: testVersion}, files); err != nil {
		t.Fatal(err)
	}
	if zip.Len() > modzip.MaxZipFile/10 {
		t.Errorf("module zip is %d bytes, over a tenth of the %d-byte limit", zip.Len(), modzip.MaxZipFile)
	}
	t.Logf("module zip: %d files, %d bytes", len(checked.Valid), zip.Len())
}

// TestInstall publishes the repository's tracked files as
// github.com/callsim/callsim@v0.0.0-installcheck on a file:// GOPROXY, runs
// go install for it (offline: the dependencies come from the local module
// cache's download directory) and runs the installed binary's demo, a full
// call against the bundled app on loopback.
func TestInstall(t *testing.T) {
	if !*install {
		t.Skip("slow (builds callsim from a module zip); run with -install")
	}
	root := repoRoot(t)
	files := trackedFiles(t, root)
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	hostModCache := goEnv(t, goCmd, "GOMODCACHE")

	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	vdir := filepath.Join(proxy, filepath.FromSlash(modulePath), "@v")
	if err := os.MkdirAll(vdir, 0o777); err != nil {
		t.Fatal(err)
	}
	var zip bytes.Buffer
	if err := modzip.Create(&zip, module.Version{Path: modulePath, Version: testVersion}, files); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{testVersion, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list":                []byte(testVersion + "\n"),
		testVersion + ".info": info,
		testVersion + ".mod":  gomod,
		testVersion + ".zip":  zip.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}

	// A module cache of its own, so a zip from an earlier run (same version,
	// other contents) is never reused, and nothing is left in the real one.
	modCache := filepath.Join(tmp, "modcache")
	gobin := filepath.Join(tmp, "bin")
	env := append(cleanEnv(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(hostModCache, "cache", "download")),
		"GOSUMDB=off",
		"GOFLAGS=",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		"GOMODCACHE="+modCache,
		"GOBIN="+gobin,
	)
	// The module cache is read-only; the go command can remove it.
	t.Cleanup(func() {
		cmd := exec.Command(goCmd, "clean", "-modcache")
		cmd.Env = env
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go clean -modcache: %v\n%s", err, out)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	installCmd := exec.CommandContext(ctx, goCmd, "install", modulePath+"@"+testVersion)
	installCmd.Env = env
	installCmd.Dir = tmp // outside callsim's module, as a user would be
	start := time.Now()
	if out, err := installCmd.CombinedOutput(); err != nil {
		t.Fatalf("go install %s@%s: %v\n%s", modulePath, testVersion, err, out)
	}
	t.Logf("go install took %v", time.Since(start).Round(time.Millisecond))

	bin := filepath.Join(gobin, "callsim")
	if _, err := os.Stat(bin); err != nil {
		if _, errExe := os.Stat(bin + ".exe"); errExe != nil {
			t.Fatalf("go install left no callsim in GOBIN: %v", err)
		}
		bin += ".exe"
	}

	out := run(t, ctx, bin, env, "--version")
	if want := strings.TrimPrefix(testVersion, "v"); !strings.Contains(out, want) {
		t.Errorf("callsim --version = %q, want the installed version %s", out, want)
	}

	out = run(t, ctx, bin, env, "demo", "--color", "never")
	for _, want := range []string{
		"callsim inbound call CA",     // the call's header
		"Connecting you to sales.",    // the demo app's TwiML, six requests in
		"CallStatus=completed",        // the call's end
		"Thanks for talking to sales", // the last prompt
	} {
		if !strings.Contains(out, want) {
			t.Errorf("callsim demo output lacks %q:\n%s", want, out)
		}
	}
}

// run runs the installed binary and returns its standard output; it fails
// the test unless the binary exits 0.
func run(t *testing.T, ctx context.Context, bin string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// A home of its own: no callsim.yaml of the user's plays a part.
	home := t.TempDir()
	cmd.Env = append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	cmd.Dir = home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("callsim %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// cleanEnv is the test's environment without the variables that would make
// the go command or callsim behave differently from a user's plain install
// and run (callsim's own settings, Twilio credentials, Go module settings
// set again below).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "CALLSIM_"), strings.HasPrefix(name, "TWILIO_"),
			name == "APP_URL", name == "NO_COLOR",
			name == "GOPROXY", name == "GOSUMDB", name == "GOFLAGS", name == "GOWORK",
			name == "GOTOOLCHAIN", name == "GOMODCACHE", name == "GOBIN",
			name == "GOPRIVATE", name == "GONOPROXY", name == "GONOSUMDB", name == "GOINSECURE":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func goEnv(t *testing.T, goCmd, name string) string {
	t.Helper()
	out, err := exec.Command(goCmd, "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		t.Fatalf("go env %s is empty", name)
	}
	return v
}
