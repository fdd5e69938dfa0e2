package scenarios

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Match modes of a Matcher.
const (
	MatchEquals   = "equals"
	MatchContains = "contains"
	MatchRegex    = "regex"
	MatchAbsent   = "absent" // request fields: the field must not be sent
)

// Matcher compares a text the app produced with what a scenario expects.
// In YAML it is a plain value (compared as the key documents: whole value
// or substring), a "/regular expression/flags" (flags i, m, s), or a
// mapping with exactly one of equals, contains or regex.
type Matcher struct {
	Mode string
	Text string         // equals / contains
	Re   *regexp.Regexp // regex
	Raw  string         // as written, for messages
	Fold bool           // equals ignores case (boolean TwiML attributes)
	Pos  Pos
}

var regexLiteral = lazyRegexp(`^/(.*)/([imsU]*)$`)

// lazyRegexp returns an accessor for a regexp compiled on first use: the
// package's patterns are only needed when scenarios are loaded, and compiling
// them at init would slow down every command's start-up, even --version.
func lazyRegexp(src string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(src) })
}

// parseRegexLiteral recognises "/re/flags"; ok is false for any other text.
func parseRegexLiteral(s string) (pattern, flags string, ok bool) {
	m := regexLiteral().FindStringSubmatch(s)
	if m == nil || m[1] == "" {
		return "", "", false
	}
	return m[1], m[2], true
}

// newMatcher builds a matcher from a plain string: a /regex/ or text
// compared with mode.
func newMatcher(s, mode string) (*Matcher, error) {
	if pat, flags, ok := parseRegexLiteral(s); ok {
		return compileRegex(pat, flags, s)
	}
	return &Matcher{Mode: mode, Text: s, Raw: s}, nil
}

func compileRegex(pat, flags, raw string) (*Matcher, error) {
	src := pat
	if flags != "" {
		src = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %s: %s", raw, regexMessage(err))
	}
	return &Matcher{Mode: MatchRegex, Re: re, Raw: raw}, nil
}

func regexMessage(err error) string {
	var s = err.Error()
	s = strings.TrimPrefix(s, "error parsing regexp: ")
	return s
}

// Match reports whether s satisfies the matcher. present is false when
// the value does not exist at all (a request field not sent).
func (m *Matcher) Match(s string, present bool) bool {
	if m.Mode == MatchAbsent {
		return !present
	}
	if !present {
		return false
	}
	switch m.Mode {
	case MatchContains:
		return strings.Contains(s, m.Text)
	case MatchRegex:
		return m.Re.MatchString(s)
	}
	if m.Fold {
		return strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(m.Text))
	}
	return s == m.Text
}

// String is the matcher as the scenario wrote it.
func (m *Matcher) String() string {
	switch m.Mode {
	case MatchAbsent:
		return "(not sent)"
	case MatchRegex:
		return m.Raw
	}
	return strconv.Quote(m.Text)
}

// want is the matcher's value in a diff: the text itself or the /regex/.
func (m *Matcher) want() string {
	switch m.Mode {
	case MatchAbsent:
		return absentValue
	case MatchRegex:
		return m.Raw
	case MatchContains:
		return "…" + m.Text + "…"
	}
	return m.Text
}

// absentValue stands for a field that was not sent, in diffs.
const absentValue = "(not sent)"

// matchURL compares a URL the call used with an expected one: an absolute
// URL is compared whole; a path (starting with /) with the URL's path and
// query; anything else (or a regex) with the whole URL.
func (m *Matcher) matchURL(raw string) bool {
	if m.Mode != MatchEquals {
		return m.Match(raw, true)
	}
	if m.Text == raw {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if strings.HasPrefix(m.Text, "/") {
		want := m.Text
		if !strings.Contains(want, "?") {
			return u.Path == want || (u.Path == "" && want == "/")
		}
		return u.RequestURI() == want
	}
	return false
}
