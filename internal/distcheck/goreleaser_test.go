package distcheck

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var build = flag.Bool("build", false, "build callsim with the release configuration's flags and check the version it prints (slow the first time: -trimpath rebuilds every package)")

// goreleaser is the subset of GoReleaser's v2 configuration that
// .goreleaser.yaml uses. Decoding rejects any other key, so that a typo
// fails here rather than at release time; a new key needs a field here
// (and `goreleaser check`).
type goreleaser struct {
	Version     int
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID           string
		Main         string
		Binary       string
		Env          []string
		Goos         []string
		Goarch       []string
		Flags        []string
		Ldflags      []string
		ModTimestamp string `yaml:"mod_timestamp"`
	}
	Archives []struct {
		ID              string
		IDs             []string `yaml:"ids"`
		Formats         []string
		FormatOverrides []struct {
			Goos    string
			Formats []string
		} `yaml:"format_overrides"`
		NameTemplate string   `yaml:"name_template"`
		BuildsInfo   fileInfo `yaml:"builds_info"`
		Files        []archiveFile
	}
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string
	}
	Snapshot struct {
		VersionTemplate string `yaml:"version_template"`
	}
	Changelog struct {
		Sort    string
		Filters struct{ Exclude []string }
	}
	Release struct {
		GitHub     struct{ Owner, Name string } `yaml:"github"`
		Prerelease string
	}
}

// archiveFile is a files entry: a glob, or src and dst.
type archiveFile struct {
	Src         string
	Dst         string
	StripParent bool `yaml:"strip_parent"`
	Info        fileInfo
}

// fileInfo is what an archived file records besides its bytes.
type fileInfo struct {
	Mtime string
}

func (f *archiveFile) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&f.Src)
	}
	type plain archiveFile
	return n.Decode((*plain)(f))
}

const versionVar = "github.com/callsim/callsim/cmd.buildVersion"

func readGoreleaser(t *testing.T) *goreleaser {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var g goreleaser
	if err := dec.Decode(&g); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	return &g
}

func TestGoreleaserConfig(t *testing.T) {
	t.Parallel()
	g := readGoreleaser(t)
	root := repoRoot(t)
	if g.Version != 2 || len(g.Builds) != 1 || len(g.Archives) != 1 {
		t.Fatalf("version %d, %d builds, %d archives; want version 2, one of each", g.Version, len(g.Builds), len(g.Archives))
	}
	b := g.Builds[0]
	if b.Main != "." || b.Binary != "callsim" {
		t.Errorf("build main %q binary %q", b.Main, b.Binary)
	}
	slices.Sort(b.Goos)
	slices.Sort(b.Goarch)
	if !slices.Equal(b.Goos, []string{"darwin", "linux", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("targets %v × %v", b.Goos, b.Goarch)
	}
	if !slices.Contains(b.Flags, "-trimpath") || !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("flags %v, env %v: want -trimpath and CGO_ENABLED=0", b.Flags, b.Env)
	}
	if ld := strings.Join(b.Ldflags, " "); !strings.Contains(ld, "-X "+versionVar+"={{ .Version }}") {
		t.Errorf("ldflags %q do not set %s", ld, versionVar)
	}
	a := g.Archives[0]
	if !strings.Contains(a.NameTemplate, ".Os") || !strings.Contains(a.NameTemplate, ".Arch") || !strings.Contains(a.NameTemplate, ".Version") {
		t.Errorf("archive names %q do not tell versions and platforms apart", a.NameTemplate)
	}
	if len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("Windows archives are not zip: %+v", a.FormatOverrides)
	}
	// GoReleaser only warns when a glob matches nothing, and the archives
	// go out without the file: catch a moved file now.
	for _, f := range a.Files {
		m, err := filepath.Glob(filepath.Join(root, f.Src))
		if err != nil || len(m) == 0 {
			t.Errorf("archive file %q matches nothing in the repository", f.Src)
		}
	}
	// Reproducible archives: every file dated by the commit.
	if a.BuildsInfo.Mtime != "{{ .CommitDate }}" {
		t.Errorf("the binary in the archive is dated %q, want {{ .CommitDate }}", a.BuildsInfo.Mtime)
	}
	for _, f := range a.Files {
		if f.Info.Mtime != "{{ .CommitDate }}" {
			t.Errorf("archive file %q is dated %q, want {{ .CommitDate }}", f.Src, f.Info.Mtime)
		}
	}
	if g.Checksum.NameTemplate == "" {
		t.Error("no checksums file")
	}
}

// The variable the release's ldflags set is a string variable of package
// cmd initialised to a constant, the only kind -X can set.
func TestVersionVariable(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	dir := filepath.Join(repoRoot(t), "cmd")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	name := versionVar[strings.LastIndex(versionVar, ".")+1:]
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name != name {
						continue
					}
					if len(vs.Values) <= i {
						t.Fatalf("%s has no initial value", versionVar)
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); !ok || lit.Kind != token.STRING {
						t.Fatalf("%s is not initialised to a string constant: -X cannot set it", versionVar)
					}
					return
				}
			}
		}
	}
	t.Fatalf("no variable %s", versionVar)
}

// A binary built as the release builds it prints the release's version.
func TestReleaseBuildVersion(t *testing.T) {
	if !*build {
		t.Skip("pass -build to run")
	}
	t.Parallel()
	g := readGoreleaser(t)
	b := g.Builds[0]
	const version = "9.8.7"
	ldflags := strings.ReplaceAll(strings.Join(b.Ldflags, " "), "{{ .Version }}", version)
	exe := filepath.Join(t.TempDir(), "callsim")
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-ldflags", ldflags, "-o", exe, b.Main)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), b.Env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	out, err := exec.Command(exe, "--version").CombinedOutput()
	if want := "callsim version " + version + "\n"; err != nil || string(out) != want {
		t.Errorf("callsim --version: %v, %q; want %s", err, out, strconv.Quote(want))
	}
}
