package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/callsim/callsim/simulate/twiml"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

// yamlToJSON converts a YAML file to the value a YAML language server
// validates: YAML 1.2 scalars (2010-04-01 is a string), aliases and merge
// keys resolved.
func yamlToJSON(t *testing.T, data []byte) []any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []any
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if len(doc.Content) > 0 {
			out = append(out, nodeValue(doc.Content[0]))
		}
	}
	return out
}

func nodeValue(n *yaml.Node) any {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Tag == "!!merge" {
				merges = append(merges, resolve(n.Content[i+1]))
				continue
			}
			m[n.Content[i].Value] = nodeValue(n.Content[i+1])
		}
		for _, mv := range merges {
			srcs := []*yaml.Node{mv}
			if mv.Kind == yaml.SequenceNode {
				srcs = mv.Content
			}
			for _, src := range srcs {
				for k, v := range nodeValue(src).(map[string]any) {
					if _, ok := m[k]; !ok {
						m[k] = v
					}
				}
			}
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, nodeValue(c))
		}
		return l
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int":
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return json.Number(strconv.FormatInt(v, 10))
		}
	case "!!float":
		return json.Number(n.Value)
	}
	return n.Value
}

func validateFile(t *testing.T, sch *jsonschema.Schema, path string) error {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range yamlToJSON(t, data) {
		// Round-trip through JSON so the validator sees JSON types only.
		raw, _ := json.Marshal(doc)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			return err
		}
	}
	return nil
}

// Every example in scenarios/ is valid under the schema.
func TestSchemaValidatesExamples(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	valid := append(exampleFiles(t), filepath.Join(testdata, "report", "ivr.yaml"), filepath.Join(testdata, "report", "end.yaml"))
	for _, f := range valid {
		if err := validateFile(t, sch, f); err != nil {
			t.Errorf("%s does not validate: %v", f, err)
		}
	}
	// Files the loader rejects for their keys or types, the schema rejects too.
	for _, name := range []string{"unknown_key", "wrong_type", "steps", "file_shape"} {
		if err := validateFile(t, sch, filepath.Join(testdata, "errors", name+".yaml")); err == nil {
			t.Errorf("errors/%s.yaml validates against the schema", name)
		}
	}
}

// The schema and the loader know the same keys, so they cannot drift.
func TestSchemaKeysMatchLoader(t *testing.T) {
	t.Parallel()
	var doc struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			OneOf      []struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"oneOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(def string) []string {
		d, ok := doc.Defs[def]
		if !ok {
			t.Fatalf("schema has no $defs/%s", def)
		}
		props := d.Properties
		for _, o := range d.OneOf {
			if len(o.Properties) > 0 {
				props = o.Properties
			}
		}
		var out []string
		for k := range props {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	sorted := func(s []string) []string {
		s = slices.Clone(s)
		sort.Strings(s)
		return s
	}
	vocab := func(el string, extra ...string) []string {
		spec, _ := twiml.Lookup(el)
		out := extra
		for _, a := range spec.Attrs {
			out = append(out, a.Name)
		}
		return sorted(out)
	}
	for def, loader := range map[string][]string{
		"scenario": scenarioKeys, "call": callKeys, "step": stepKeys, "expect": expectKeys,
		"expect_end": endKeys, "matcher": matcherKeys,
		"attrs_gather": vocab("Gather"), "attrs_record": vocab("Record"), "attrs_dial": vocab("Dial", "to"),
	} {
		if d := cmp.Diff(sorted(loader), keys(def)); d != "" {
			t.Errorf("$defs/%s and the loader disagree (-loader +schema):\n%s", def, d)
		}
	}
}

// The schema's verb list is TwiML's.
func TestSchemaVerbs(t *testing.T) {
	t.Parallel()
	var doc struct {
		Defs struct {
			Expect struct {
				Properties struct {
					Verbs struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"verbs"`
				} `json:"properties"`
			} `json:"expect"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, v := range doc.Defs.Expect.Properties.Verbs.Items.Enum {
		if spec, ok := twiml.Lookup(v); !ok || !spec.Verb {
			t.Errorf("schema lists %q, not a TwiML verb", v)
		}
	}
	if n := len(doc.Defs.Expect.Properties.Verbs.Items.Enum); n < 15 {
		t.Errorf("only %d verbs", n)
	}
}

// The examples exercise every action and expectation (play aside: the
// demo app plays no audio).
func TestExamplesCoverTheFormat(t *testing.T) {
	t.Parallel()
	_, env := demoEnv(t)
	suite, err := (&Parser{Env: env}).ParseFiles(exampleFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, sc := range suite.Scenarios() {
		for _, st := range sc.Steps {
			used[st.Action.Kind] = true
			for _, k := range st.Expect.Keys() {
				used["expect."+strings.SplitN(k, "[", 2)[0]] = true
			}
		}
		for _, k := range sc.End.Keys() {
			used["expect_end."+k] = true
		}
		if sc.OnRunOut == "fail" {
			used["when_steps_run_out: fail"] = true
		}
	}
	want := append([]string{}, actionKeys...)
	for _, k := range expectKeys {
		if k != "play" {
			want = append(want, "expect."+k)
		}
	}
	for _, k := range endKeys {
		want = append(want, "expect_end."+k)
	}
	want = append(want, "when_steps_run_out: fail")
	for _, k := range want {
		if !used[k] {
			t.Errorf("no example uses %s", k)
		}
	}
}
