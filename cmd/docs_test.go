package cmd

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

// docs/cli is the output of `callsim docs`; this fails when it is stale.
// Regenerate it with
//
//	go test ./cmd -run TestDocs -update
func TestDocs(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	repo := filepath.Join(repoRoot(t), "docs", "cli")
	tmp := t.TempDir()
	code, out, errOut := c.run("", "docs", "--dir", tmp)
	if code != 0 || !strings.HasPrefix(out, "wrote ") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	got := readTree(t, tmp)
	for _, want := range []string{"callsim.md", "callsim_example.md", "callsim_sign.md", "callsim_verify.md", "callsim_fields.md", "callsim_docs.md", "man/callsim-example.1"} {
		if got[want] == "" {
			t.Errorf("docs lack %s", want)
		}
	}
	for name, text := range got {
		if strings.Contains(text, "Auto generated") {
			t.Errorf("%s has a generation stamp", name)
		}
	}
	// TwiML verbs survive the Markdown-to-man conversion; flags are listed
	// by topic in both formats.
	for name, want := range map[string][]string{
		"man/callsim-inbound.1":      {"one entry per <Gather>:", "every <Record>ed message", ".SH CALL OPTIONS", ".SH CALLER SCRIPT OPTIONS", ".SH GLOBAL OPTIONS"},
		"callsim_inbound.md":         {"### Call options", "### Caller script options", "### Signing options", "### Callback options", "### Output options", "### Global options"},
		"man/callsim-load.1":         {".SH LOAD OPTIONS"},
		"man/callsim-example.1":      {".SH OPTIONS"},
		"callsim_fields.md":          {"### Options\n", "### Options inherited from parent commands"},
		"callsim_completion_bash.md": {"source <(callsim completion bash)"},
	} {
		for _, w := range want {
			if !strings.Contains(got[name], w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	// No date without SOURCE_DATE_EPOCH: regenerating changes nothing.
	if !strings.Contains(got["man/callsim.1"], `.TH "CALLSIM" "1" "" "callsim" "callsim manual"`) {
		t.Errorf("man header: %.80q", got["man/callsim.1"])
	}
	again := t.TempDir()
	if code, _, errOut := c.run("", "docs", "--dir", again); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if d := cmp.Diff(got, readTree(t, again)); d != "" {
		t.Errorf("a second generation differs:\n%s", d)
	}
	dated := newCLI(t)
	dated.env["SOURCE_DATE_EPOCH"] = "1767225600" // 2026-01-01
	datedDir := t.TempDir()
	if code, _, errOut := dated.run("", "docs", "--dir", datedDir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if man := readTree(t, datedDir)["man/callsim.1"]; !strings.Contains(man, `.TH "CALLSIM" "1" "Jan 2026"`) {
		t.Errorf("SOURCE_DATE_EPOCH ignored: %.80q", man)
	}
	// Generating from a fresh tree gives the same pages as the CLI.
	fresh := t.TempDir()
	f, _ := c.factory("")
	if _, err := writeDocs(NewCmdRoot(f), fresh, f.Env); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, readTree(t, fresh)); d != "" {
		t.Errorf("docs from a fresh command tree differ from `callsim docs`:\n%s", d)
	}
	if *update {
		if err := os.RemoveAll(repo); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := c.run("", "docs", "--dir", repo); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return
	}
	if d := cmp.Diff(readTree(t, repo), got); d != "" {
		t.Errorf("docs/cli is stale; regenerate with: go test ./cmd -run TestDocs -update\n%s", d)
	}
	if code, _, errOut := c.run("", "docs"); code != ExitUsage || !strings.Contains(errOut, "--dir") {
		t.Errorf("docs without --dir: exit %d %q", code, errOut)
	}
}
