package load

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseRate reads calls per unit of time: "20", "20/s", "600/m", "1/500ms".
func ParseRate(raw string) (float64, error) {
	num, unit, hasUnit := strings.Cut(strings.TrimSpace(raw), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("want a positive number of calls per second, e.g. 20/s or 600/m")
	}
	per := time.Second
	if hasUnit {
		switch unit = strings.TrimSpace(unit); unit {
		case "s":
		case "m", "min":
			per = time.Minute
		case "h":
			per = time.Hour
		default:
			if per, err = time.ParseDuration(unit); err != nil || per <= 0 {
				return 0, fmt.Errorf("unknown unit %q (s, m, h, or a duration like 100ms)", unit)
			}
		}
	}
	return n / per.Seconds(), nil
}
