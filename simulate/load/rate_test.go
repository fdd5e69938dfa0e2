package load

import "testing"

func TestParseRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"20": 20, "20/s": 20, "600/m": 10, "600/min": 10, "7200/h": 2, "1/500ms": 2, " 2.5 / s ": 2.5} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "x/s", "1/0s", "1/parsec", "NaN", "Inf"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q): no error", bad)
		}
	}
}
