package scenarios

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// rawValue is a YAML document as an editor that does not resolve merge
// keys sees it: "<<" is a key like any other.
func rawValue(n *yaml.Node) any {
	n = resolve(n)
	switch n.Kind {
	case yaml.DocumentNode:
		return rawValue(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = rawValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			out = append(out, rawValue(c))
		}
		return out
	}
	var v any
	n.Decode(&v)
	return v
}

// The schema accepts YAML merge keys where the shipped examples use them,
// whether or not the editor resolves them first.
func TestSchemaAcceptsMergeKeys(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	src := []byte(`- &base
  name: Base
  url: http://127.0.0.1:3000/voice
  call: &who {from: "+14155550100"}
- <<: *base
  name: Derived
  call:
    <<: *who
    to: "+14155550101"
  steps:
    - press: "1"
      expect: {say: Thanks}
- <<: [*base]
  name: From a list
`)
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(rawValue(&doc)); err != nil {
		t.Errorf("schema rejects merge keys: %v", err)
	}
	bad := map[string]any{"name": "x", "url": "http://x/voice", "<<": "not a mapping"}
	if sch.Validate(bad) == nil {
		t.Error("schema accepts a merge key that merges no mapping")
	}
}

// Errors show a ${…} as written, never its value, and no URL password.
func TestErrorsHideVariableValues(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SECRET_METHOD": "hunter2-method", "APP_URL": "http://bob:pw-1234@127.0.0.1:notaport"}
	p := &Parser{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	var msg string
	for _, src := range []string{"url: ${APP_URL}/voice\n", "url: http://127.0.0.1:3000/voice\ncall: {direction: '${SECRET_METHOD}'}\n"} {
		_, err := p.Parse("t.yaml", []byte(src))
		if err == nil {
			t.Fatalf("no error for %q", src)
		}
		msg += err.Error() + "\n"
	}
	for _, secret := range []string{"hunter2-method", "pw-1234"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows %q:\n%s", secret, msg)
		}
	}
	if !strings.Contains(msg, "${SECRET_METHOD}") {
		t.Errorf("error does not name the variable:\n%s", msg)
	}
}
