package phonenumbers

// callsim: not part of upstream. See CALLSIM.md.

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on first use, for the
// package-level patterns that are costly to compile: compiling them at init
// slowed the start-up of every program linking the package. It has the
// methods of regexp.Regexp that the package calls on those patterns.
type lazyRegexp struct {
	once sync.Once
	src  string
	re   *regexp.Regexp
}

func newLazyRegexp(src string) *lazyRegexp { return &lazyRegexp{src: src} }

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

func (l *lazyRegexp) String() string                       { return l.src }
func (l *lazyRegexp) MatchString(s string) bool            { return l.get().MatchString(s) }
func (l *lazyRegexp) FindIndex(b []byte) []int             { return l.get().FindIndex(b) }
func (l *lazyRegexp) FindStringIndex(s string) []int       { return l.get().FindStringIndex(s) }
func (l *lazyRegexp) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }
