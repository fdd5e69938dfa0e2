package cmd

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docsEpoch dates the man pages in docs/cli (SOURCE_DATE_EPOCH), so the
// generated reference only changes when the commands do.
const docsEpoch = "1767225600" // 2026-01-01

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
	c.env["SOURCE_DATE_EPOCH"] = docsEpoch
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
