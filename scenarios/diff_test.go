package scenarios

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		want, got any
		out       string
	}{
		{"strings", "busy", "completed", "want: \"busy\"\ngot:  \"completed\"\n"},
		{"markup and unicode", "<Say>", "é & \"x\"", "want: \"<Say>\"\ngot:  \"é & \\\"x\\\"\"\n"},
		{"string and list", "/press 2/i", []string{"Connecting."}, "want: \"/press 2/i\"\ngot:  [\"Connecting.\"]\n"},
		{"empty lists", []int{}, []int{11200, 11200}, "want: []\ngot:  [11200, 11200]\n"},
		{"empty node set", 2, []string{}, "want: 2\ngot:  []\n"},
		{"maps, keys sorted", map[string]string{"timeout": "5", "action": "/a"}, map[string]string{"timeout": "3", "action": "/a"},
			"want: {\"action\": \"/a\", \"timeout\": \"5\"}\ngot:  {\"action\": \"/a\", \"timeout\": \"3\"}\n"},
		{"numbers and booleans", 1.5, true, "want: 1.5\ngot:  true\n"},
		{"other values as JSON", []any{1, "a"}, nil, "want: [1,\"a\"]\ngot:  nothing\n"},
		{"text on several lines", "…Bye…", "line 1\nline 2", "want: \"…Bye…\"\ngot:  |\n  line 1\n  line 2\n"},
		{"two texts on several lines", "a\nb\nc", "a\nB\nc\n", "--- want\n+++ got\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"only a final newline", "a\nb", "a\nb\n", "the text wanted and the text got differ only in a final newline\n"},
	} {
		if got := diff(c.want, c.got); got != c.out {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, c.out)
		}
		for _, goSyntax := range []string{"string(", "any(", "[]string{", "map[string]string{", "\u00a0"} {
			if strings.Contains(diff(c.want, c.got), goSyntax) {
				t.Errorf("%s: Go syntax %q in %q", c.name, goSyntax, diff(c.want, c.got))
			}
		}
	}
}
