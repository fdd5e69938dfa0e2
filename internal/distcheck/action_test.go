package distcheck

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

var actionlint = flag.String("actionlint", "", "path of an actionlint binary: check the example workflow and the action's steps with it")

// action is the part of action.yml the tests read.
type action struct {
	Name        string
	Description string
	Inputs      map[string]struct {
		Description string
		Required    bool
		Default     *string
	}
	Runs struct {
		Using string
		Steps []struct {
			Name  string
			Uses  string
			If    string
			Shell string
			Run   string
			Env   map[string]string
			With  map[string]string
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

func readAction(t *testing.T) (*action, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &a, data
}

// step is the script of the step named name, as GitHub runs it.
func (a *action) step(t *testing.T, name string) string {
	t.Helper()
	for _, s := range a.Runs.Steps {
		if s.Name == name {
			if s.Shell != "bash" {
				t.Fatalf("step %q: shell %q, want bash", name, s.Shell)
			}
			return s.Run
		}
	}
	t.Fatalf("action.yml has no step %q", name)
	return ""
}

// Every input is documented and used, every use is of an input, and the
// scripts get each input through the environment variable named for it.
func TestActionInputs(t *testing.T) {
	t.Parallel()
	a, data := readAction(t)
	if a.Runs.Using != "composite" || a.Name == "" || a.Description == "" {
		t.Errorf("runs.using %q, name %q, description %q", a.Runs.Using, a.Name, a.Description)
	}
	var want []string
	for name, in := range a.Inputs {
		want = append(want, name)
		if strings.TrimSpace(in.Description) == "" {
			t.Errorf("input %s has no description", name)
		}
		if in.Required && in.Default != nil {
			t.Errorf("input %s is required and has a default", name)
		}
	}
	if !a.Inputs["version"].Required {
		t.Error("the version input is optional: callsim would not be pinned")
	}
	var used []string
	for _, m := range regexp.MustCompile(`\binputs\.([a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(data), -1) {
		used = append(used, m[1])
	}
	slices.Sort(want)
	slices.Sort(used)
	if diff := cmp.Diff(want, slices.Compact(used)); diff != "" {
		t.Errorf("inputs defined (-) and used (+):\n%s", diff)
	}
	for _, s := range a.Runs.Steps {
		if s.Run != "" && strings.Contains(s.Run, "${{") {
			t.Errorf("step %q splices an expression into its script; pass it through env", s.Name)
		}
		for k, v := range s.Env {
			name, ok := strings.CutPrefix(k, "INPUT_")
			if !ok {
				continue
			}
			if want := "${{ inputs." + strings.ReplaceAll(strings.ToLower(name), "_", "-") + " }}"; v != want {
				t.Errorf("step %q: env %s is %q, want %q", s.Name, k, v, want)
			}
		}
	}
}

// fakeBin writes executable bash scripts named after the keys into a
// directory and returns it.
func fakeBin(t *testing.T, bash string, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!"+bash+"\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func lookBash(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the scripts run under bash; GitHub's Windows runners have Git Bash, this test does not look for it")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	return bash
}

// runStep runs script as GitHub runs a bash step, in dir with env only,
// and returns its exit code and output.
func runStep(t *testing.T, bash, dir, script string, env []string) (int, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", file)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("bash: %v", err)
	return 0, ""
}

// The run step turns the inputs into a callsim run command line and its
// environment, splitting lists on spaces without globbing, and fails when
// callsim does.
func TestActionRunStep(t *testing.T) {
	t.Parallel()
	bash := lookBash(t)
	a, _ := readAction(t)
	script := a.step(t, "Run callsim scenarios")
	bin := fakeBin(t, bash, map[string]string{"callsim": `
for a in "$@"; do printf '%s\n' "$a"; done > "$RECORD.args"
printf 'APP_URL=%s\nTWILIO_AUTH_TOKEN=%s\nINPUT_AUTH_TOKEN=%s\n' "${APP_URL-unset}" "${TWILIO_AUTH_TOKEN-unset}" "${INPUT_AUTH_TOKEN-unset}" > "$RECORD.env"
exit "${FAKE_EXIT:-0}"
`})
	for _, tc := range []struct {
		name     string
		inputs   map[string]string // without INPUT_
		env      []string
		exit     int
		wantArgs []string
		wantEnv  string
	}{{
		name:     "defaults",
		inputs:   map[string]string{"PATH": "scenarios", "JUNIT": "callsim-junit.xml"},
		env:      []string{"APP_URL=http://app:3000"},
		wantArgs: []string{"run", "--junit", "callsim-junit.xml", "--", "scenarios"},
		wantEnv:  "APP_URL=http://app:3000\nTWILIO_AUTH_TOKEN=unset\nINPUT_AUTH_TOKEN=unset\n",
	}, {
		name: "every input",
		inputs: map[string]string{
			"PATH": " scenarios/a.yaml  more/ ", "APP_URL": "http://127.0.0.1:3000", "AUTH_TOKEN": "tok-5150",
			"WAIT_FOR": "30s", "JUNIT": "out/junit.xml", "ARGS": "--parallel 4 --run sales*",
		},
		env:      []string{"APP_URL=http://app:3000", "TWILIO_AUTH_TOKEN=from-the-job"},
		wantArgs: []string{"run", "--wait-for", "30s", "--junit", "out/junit.xml", "--parallel", "4", "--run", "sales*", "--", "scenarios/a.yaml", "more/"},
		wantEnv:  "APP_URL=http://127.0.0.1:3000\nTWILIO_AUTH_TOKEN=tok-5150\nINPUT_AUTH_TOKEN=unset\n",
	}, {
		name:     "no path, no report",
		inputs:   map[string]string{},
		wantArgs: []string{"run", "--"},
		wantEnv:  "APP_URL=unset\nTWILIO_AUTH_TOKEN=unset\nINPUT_AUTH_TOKEN=unset\n",
	}, {
		name:     "callsim fails",
		inputs:   map[string]string{"PATH": "scenarios"},
		env:      []string{"FAKE_EXIT=1"},
		exit:     1,
		wantArgs: []string{"run", "--", "scenarios"},
		wantEnv:  "APP_URL=unset\nTWILIO_AUTH_TOKEN=unset\nINPUT_AUTH_TOKEN=unset\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			// A file the glob in --run would match, were it globbed.
			if err := os.WriteFile(filepath.Join(work, "salesman"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			record := filepath.Join(t.TempDir(), "callsim")
			env := append([]string{"PATH=" + bin, "RECORD=" + record}, tc.env...)
			for _, k := range []string{"PATH", "APP_URL", "AUTH_TOKEN", "WAIT_FOR", "JUNIT", "ARGS"} {
				env = append(env, "INPUT_"+k+"="+tc.inputs[k])
			}
			code, out := runStep(t, bash, work, script, env)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.exit, out)
			}
			args, err := os.ReadFile(record + ".args")
			if err != nil {
				t.Fatalf("callsim was not run: %v\n%s", err, out)
			}
			if diff := cmp.Diff(tc.wantArgs, strings.Split(strings.TrimSuffix(string(args), "\n"), "\n")); diff != "" {
				t.Errorf("callsim arguments (-want +got):\n%s", diff)
			}
			gotEnv, _ := os.ReadFile(record + ".env")
			if diff := cmp.Diff(tc.wantEnv, string(gotEnv)); diff != "" {
				t.Errorf("callsim environment (-want +got):\n%s", diff)
			}
			if tok := tc.inputs["AUTH_TOKEN"]; tok != "" {
				// The runner masks the token in the log from then on; it
				// must not be printed before, or other than there.
				if !strings.HasPrefix(out, "::add-mask::"+tok+"\n") || strings.Count(out, tok) != 1 {
					t.Errorf("the token is not masked first, or is printed again:\n%s", out)
				}
			}
		})
	}
}

// The install step installs the version asked for with go install, puts
// the Go bin directory on the job's PATH and shows callsim's version.
func TestActionInstallStep(t *testing.T) {
	t.Parallel()
	bash := lookBash(t)
	a, _ := readAction(t)
	script := a.step(t, "Install callsim")
	gopath := t.TempDir()
	bin := fakeBin(t, bash, map[string]string{"go": `
case "$1 $2" in
"env GOBIN") echo "${FAKE_GOBIN-}" ;;
"env GOPATH") echo "$FAKE_GOPATH" ;;
"install "*) printf '%s\n' "$*" >> "$RECORD" ;;
*) echo "unexpected: go $*" >&2; exit 9 ;;
esac
`})
	// What go install would leave there.
	if err := os.MkdirAll(filepath.Join(gopath, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gopath, "bin", "callsim"), []byte("#!"+bash+"\necho \"callsim version 0.3.0\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "go-install")
	githubPath := filepath.Join(dir, "github-path")
	env := []string{"PATH=" + bin, "RECORD=" + record, "GITHUB_PATH=" + githubPath, "FAKE_GOPATH=" + gopath}

	code, out := runStep(t, bash, dir, script, append(env, "CALLSIM_VERSION=v0.3.0"))
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if got, _ := os.ReadFile(record); string(got) != "install github.com/callsim/callsim@v0.3.0\n" {
		t.Errorf("go was run with %q", got)
	}
	if got, _ := os.ReadFile(githubPath); string(got) != filepath.Join(gopath, "bin")+"\n" {
		t.Errorf("GITHUB_PATH got %q, want the GOPATH bin directory", got)
	}
	if !strings.Contains(out, "callsim version 0.3.0") {
		t.Errorf("callsim --version not shown:\n%s", out)
	}

	code, out = runStep(t, bash, dir, script, append(env, "CALLSIM_VERSION="))
	if code != 2 || !strings.Contains(out, "::error title=callsim action::the version input is required") {
		t.Errorf("without a version: exit %d, output:\n%s", code, out)
	}
}

// The upload keeps the report whatever the outcome of the run.
func TestActionUploadsAlways(t *testing.T) {
	t.Parallel()
	a, _ := readAction(t)
	for _, s := range a.Runs.Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			if !strings.HasPrefix(s.If, "always()") || s.With["path"] != "${{ inputs.junit }}" {
				t.Errorf("upload step: if %q, path %q", s.If, s.With["path"])
			}
			return
		}
	}
	t.Error("no actions/upload-artifact step")
}

// actionlint checks the example workflow's use of the action against
// action.yml, and the action's own steps as the steps of a reusable
// workflow with the same inputs (it does not check an action's steps
// itself). It only finds local actions in a git project with
// .github/workflows, which this repository does not carry: the check runs
// in a copy.
func TestActionlint(t *testing.T) {
	if *actionlint == "" {
		t.Skip("pass -actionlint PATH to run")
	}
	t.Parallel()
	root := repoRoot(t)
	a, data := readAction(t)
	proj := t.TempDir()
	workflows := filepath.Join(proj, ".github", "workflows")
	if err := os.MkdirAll(workflows, 0o755); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(root, "testdata", "github", "workflow.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Runs struct {
			Steps []yaml.Node
		}
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]map[string]any{}
	for name, in := range a.Inputs {
		spec := map[string]any{"type": "string", "required": in.Required}
		if in.Default != nil {
			spec["default"] = *in.Default
		}
		inputs[name] = spec
	}
	steps, err := yaml.Marshal(map[string]any{
		"name": "action steps",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"steps": map[string]any{"runs-on": "ubuntu-latest", "steps": raw.Runs.Steps}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		".git":                               nil, // a worktree's .git is a file too
		"action.yml":                         data,
		".github/workflows/example.yml":      example,
		".github/workflows/action-steps.yml": steps,
	} {
		if err := os.WriteFile(filepath.Join(proj, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(*actionlint, "-no-color")
	cmd.Dir = proj
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("actionlint: %v\n%s\naction-steps.yml:\n%s", err, out, steps)
	}
}
