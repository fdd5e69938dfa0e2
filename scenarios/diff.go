package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// diff explains a failed expectation to people who write the app in any
// language: a "want:" line and a "got:" line, values written as in JSON
// (which is also how the scenario's YAML reads them), text on several
// lines as a block; when the text wanted is itself on several lines, a
// unified diff.
// It is part of the reports (text, JUnit, TAP, JSON), so it must not
// change from one build to the next.
func diff(want, got any) string {
	ws, wok := want.(string)
	gs, gok := got.(string)
	if wok && gok && strings.Contains(ws, "\n") {
		return textDiff(ws, gs)
	}
	return "want: " + valueText(want) + "\n" + "got:  " + valueText(got) + "\n"
}

// textDiff is a unified diff of two texts, compared line by line.
func textDiff(want, got string) string {
	if want != got && withNewline(want) == withNewline(got) {
		return "the text wanted and the text got differ only in a final newline\n"
	}
	return udiff.Unified("want", "got", withNewline(want), withNewline(got))
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// valueText writes a value on one line as JSON would, with a space after
// commas and colons, and map keys sorted; a text on several lines is a
// YAML-style block instead.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		if strings.Contains(v, "\n") {
			return "|\n" + strings.TrimSuffix(indent(v, "  "), "\n")
		}
		return quote(v)
	case []string:
		parts := make([]string, len(v))
		for i, s := range v {
			parts[i] = quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []int:
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = quote(k) + ": " + quote(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case int:
		return strconv.Itoa(v)
	case float64:
		return formatNum(v)
	case bool:
		return strconv.FormatBool(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// quote writes a string as JSON does, without escaping <, > and & (TwiML
// is full of them).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
