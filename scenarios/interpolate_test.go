package scenarios

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInterpolate(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"HOST": "127.0.0.1", "EMPTY": "", "PORT": "3000"})
	for _, c := range []struct {
		in, want, err string
		unset         []string
	}{
		{in: "plain", want: "plain"},
		{in: "costs $5 and $ more", want: "costs $5 and $ more"},
		{in: "http://${HOST}:${PORT}/voice", want: "http://127.0.0.1:3000/voice"},
		{in: "${MISSING}/voice", want: "/voice", unset: []string{"MISSING"}},
		{in: "${MISSING:-http://localhost:3000}/voice", want: "http://localhost:3000/voice"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY-fallback}", want: ""},
		{in: "${MISSING-fallback}", want: "fallback"},
		{in: "${MISSING:-http://${HOST}:${PORT}}", want: "http://127.0.0.1:3000"},
		{in: "${MISSING:-${ALSO_MISSING}}", want: "", unset: []string{"ALSO_MISSING"}},
		{in: "$${HOST} and $$", want: "${HOST} and $"},
		{in: "${HOST:?must be set}", want: "127.0.0.1"},
		{in: "${MISSING:?set it to the app URL}", err: "MISSING: set it to the app URL"},
		{in: "${EMPTY:?}", err: "EMPTY: must be set"},
		{in: "${EMPTY?}", want: ""},
		{in: "${HOST", err: "unterminated ${"},
		{in: "${}", err: "a variable name is"},
		{in: "${1X}", err: "a variable name is"},
		{in: "${HOST:+x}", err: `unexpected ":+x"`},
	} {
		got, unset, err := Interpolate(c.in, env)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q = %q, %v; want %q", c.in, got, err, c.want)
		}
		if d := cmp.Diff(c.unset, unset); d != "" {
			t.Errorf("%q unset (-want +got):\n%s", c.in, d)
		}
	}
}
