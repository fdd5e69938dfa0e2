package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/callsim/callsim/internal/suggest"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/callsim/callsim/internal/redact"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
)

// The keys of each object of the format. The JSON Schema (schema.json)
// lists the same keys; a test keeps them in step.
var (
	scenarioKeys = []string{
		"name", "description", "skip",
		"url", "method", "auth_token", "signing_url", "timeout", "max_steps", "no_end",
		"fallback_url", "fallback_method", "status_callback", "status_callback_method", "status_events",
		"async_amd_callback", "async_amd_callback_method", "call", "steps", "when_steps_run_out", "expect_end",
	}
	callKeys   = []string{"direction", "from", "to", "api_version", "dial_status", "answered_by", "async_amd", "account_sid", "params", "seed", "no_geo"}
	stepKeys   = []string{"name", ActPress, ActSpeak, "confidence", ActWait, ActRecord, ActDialOutcome, ActHangup, "expect"}
	expectKeys = []string{
		"status", "content_type", "max_latency", "verbs", "body", "xpath", "url", "request",
		"say", "play", "gather", "record", "dial", "redirect", "hangup",
		"agent", "first_token_under", "last_token_under", "handoff", "session_status", "action_fields", "first_audio_under", "audio_back",
	}
	endKeys     = []string{"call_status", "end_reason", "completed_request", "status_callbacks", "errors", "warnings"}
	matcherKeys = []string{"equals", "contains", "regex"}
	recordKeys  = []string{"seconds", "ends", "transcription"}
	actionKeys  = []string{ActPress, ActSpeak, ActWait, ActRecord, ActDialOutcome, ActHangup}
)

// callStatuses are the final CallStatus values a call can end with.
var callStatuses = []string{"completed", "busy", "failed", "no-answer", "canceled"}

// Error is a problem in a scenario file, at a place and a key.
type Error struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Key    string `json:"key,omitempty"` // dotted path within the scenario, e.g. steps[1].expect.say
	Msg    string `json:"message"`
}

// Error formats the problem on one line: file:line:col: key: message.
func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d:%d: ", e.File, e.Line, e.Column)
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}

// ErrorList is every problem found, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Parser reads scenario files.
type Parser struct {
	// Env looks up variables for ${NAME}; nil = the process environment.
	Env func(string) (string, bool)
	// URL and AuthToken, when set, replace every scenario's url and
	// auth_token (--url, --auth-token).
	URL, AuthToken string
	// Params are added to (or override) every scenario's call.params (--param).
	Params contract.Params
}

// Discover expands files and folders into the scenario files to load:
// folders are searched recursively for *.yaml and *.yml (hidden folders
// skipped), in lexical order; files named explicitly are taken as they
// are. Each file appears once.
func Discover(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		clean := filepath.Clean(p)
		if !seen[clean] {
			seen[clean] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, unwrapPathError(err))
		}
		if !st.IsDir() {
			add(arg)
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != arg && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".yaml" || ext == ".yml" {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return out, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseFiles reads and checks every file; the error, if any, is an ErrorList
// with every problem of every file. Nothing is sent anywhere.
func (l *Parser) ParseFiles(paths []string) (*Suite, error) {
	suite := &Suite{}
	var errs ErrorList
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Line: 1, Column: 1, Msg: unwrapPathError(err).Error()})
			continue
		}
		f, err := l.Parse(p, data)
		if err != nil {
			var el ErrorList
			if errors.As(err, &el) {
				errs = append(errs, el...)
				continue
			}
			return nil, err
		}
		suite.Files = append(suite.Files, f)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return suite, nil
}

var yamlLine = lazyRegexp(`^yaml: line (\d+):(?: column (\d+):)? (.*)$`)

// Parse reads one scenario file. A file holds one scenario (a mapping),
// a list of them, or several YAML documents of either form.
func (l *Parser) Parse(path string, data []byte) (*File, error) {
	p := &parser{file: path, env: l.Env, l: l, at: map[string]*yaml.Node{}, unset: map[string][]string{}}
	if p.env == nil {
		p.env = os.LookupEnv
	}
	f := &File{Path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs := 0
	names := map[string]Pos{}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			line, col, msg := 1, 1, strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
				if m[2] != "" {
					col, _ = strconv.Atoi(m[2])
				}
				msg = m[3]
			}
			if strings.Contains(msg, "did not find expected ',' or") && bytes.Contains(data, []byte("${")) {
				msg += ` (inside {…} or […], quote a value with ${VAR}: "${VAR}")`
			}
			p.errs = append(p.errs, &Error{File: path, Line: line, Column: col, Msg: "bad YAML: " + msg})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		docs++
		root := resolve(doc.Content[0])
		var items []*yaml.Node
		prefix := false
		switch root.Kind {
		case yaml.MappingNode:
			items = []*yaml.Node{root}
		case yaml.SequenceNode:
			items = root.Content
			prefix = true
		default:
			p.errorf(root, "", "a scenario file holds a scenario (a mapping with url, call, steps…) or a list of them, not %s", describe(root))
			continue
		}
		for _, item := range items {
			sc := p.scenario(resolve(item), len(f.Scenarios), prefix)
			if sc == nil {
				continue
			}
			if prev, dup := names[sc.Name]; dup {
				at := sc.Pos
				if n := p.at["name"]; n != nil {
					at = pos(n)
				}
				p.errorAt(at, "name", "%q is already the name of the scenario at line %d; names in a file must differ", sc.Name, prev.Line)
			}
			names[sc.Name] = sc.Pos
			f.Scenarios = append(f.Scenarios, sc)
		}
	}
	if docs == 0 && len(p.errs) == 0 {
		p.errs = append(p.errs, &Error{File: path, Line: 1, Column: 1, Msg: "no scenario in the file"})
	}
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool {
			a, b := p.errs[i], p.errs[j]
			return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
		})
		return nil, p.errs
	}
	return f, nil
}

// maxMappings bounds the mappings one file may expand to.
const maxMappings = 100_000

// parser reads one file.
type parser struct {
	l    *Parser
	file string
	env  func(string) (string, bool)
	errs ErrorList
	// at maps the key paths of the scenario being read to their values,
	// to place errors the simulate package reports by option name.
	at    map[string]*yaml.Node
	unset map[string][]string // variables not set, by key path
	// merging holds the mappings whose merge keys are being expanded, to
	// stop a merge that refers to itself.
	merging map[*yaml.Node]bool
	work    int // mappings read, against maxMappings
	seen    int // errors before the current scenario
	// expanded maps what a ${…} became to how it is written: errors show
	// the expression, never the value (a variable may hold a secret).
	expanded map[string]string
}

func pos(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// reported tells whether the current scenario already has an error at key.
func (p *parser) reported(key string) bool {
	for _, e := range p.errs[p.seen:] {
		if e.Key == key {
			return true
		}
	}
	return false
}

func (p *parser) errorAt(at Pos, key, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: at.Line, Column: at.Column, Key: key, Msg: p.hideValues(fmt.Sprintf(format, args...))})
}

// hideValues writes the ${…} expressions in msg in place of their values,
// longest first, and hides passwords in URLs.
func (p *parser) hideValues(msg string) string {
	vals := make([]string, 0, len(p.expanded))
	for v := range p.expanded {
		if len(v) >= 4 {
			vals = append(vals, v)
		}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		msg = strings.ReplaceAll(msg, v, p.expanded[v])
	}
	return redact.URLPasswords(msg)
}

func (p *parser) errorf(n *yaml.Node, key, format string, args ...any) {
	p.errorAt(pos(n), key, format, args...)
}

// resolve follows aliases (*name).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return n.Value
		case "!!int", "!!float":
			return "the number " + n.Value
		}
		return "the text " + strconv.Quote(clipText(n.Value, 40))
	}
	return "an unsupported YAML value"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping is one YAML mapping with its keys checked.
type mapping struct {
	unknown int // keys that were not known (already reported)
	node    *yaml.Node
	path    string
	vals    map[string]*yaml.Node
	keys    map[string]*yaml.Node
	order   []string
}

// mapping reads n as a mapping whose keys must be in known (nil: any key).
func (p *parser) mapping(n *yaml.Node, path string, known []string) *mapping {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return &mapping{node: n, path: path, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
		}
		p.errorf(n, path, "want a mapping (key: value lines), got %s", describe(n))
		return nil
	}
	// Aliases and merge keys can make a small file expand enormously.
	if p.work++; p.work > maxMappings {
		if p.work == maxMappings+1 {
			p.errorf(n, path, "the file expands to more than %d mappings through aliases and merge keys", maxMappings)
		}
		return nil
	}
	m := &mapping{node: n, path: path, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, "a key must be a plain name, got %s", describe(k))
			continue
		}
		name := k.Value
		if prev := m.keys[name]; prev != nil {
			p.errorf(k, join(path, name), "duplicate key (first at line %d)", prev.Line)
			continue
		}
		if known != nil && !slices.Contains(known, name) {
			p.errorf(k, join(path, name), "unknown key%s", suggestion(name, known))
			m.unknown++
			continue
		}
		m.keys[name], m.vals[name] = k, v
		m.order = append(m.order, name)
	}
	// <<: *defaults merges keys that are not set explicitly.
	if len(merges) > 0 {
		if p.merging == nil {
			p.merging = map[*yaml.Node]bool{}
		}
		p.merging[n] = true
		defer delete(p.merging, n)
	}
	for _, mv := range merges {
		mv = resolve(mv)
		srcs := []*yaml.Node{mv}
		if mv.Kind == yaml.SequenceNode {
			srcs = mv.Content
		}
		for _, src := range srcs {
			if p.merging[resolve(src)] {
				p.errorf(mv, path, "the merge key (<<) refers to the mapping that contains it")
				continue
			}
			sub := p.mapping(src, path, known)
			if sub == nil {
				continue
			}
			for _, name := range sub.order {
				if m.vals[name] == nil {
					m.keys[name], m.vals[name] = sub.keys[name], sub.vals[name]
					m.order = append(m.order, name)
				}
			}
		}
	}
	return m
}

// suggestion proposes the known key closest to a misspelt one.
func suggestion(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if strings.EqualFold(k, name) || strings.EqualFold(strings.ReplaceAll(k, "_", ""), strings.ReplaceAll(strings.ReplaceAll(name, "-", ""), "_", "")) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if d := suggest.Distance(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known: " + strings.Join(known, ", ") + ")"
}

// ---- scalar values ----

// text reads a scalar and expands ${VAR}s in it.
func (p *parser) text(n *yaml.Node, path, want string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "want %s, got %s", want, describe(n))
		return "", false
	}
	if p.at != nil {
		p.at[path] = n
	}
	s, unset, err := Interpolate(n.Value, p.env)
	if err != nil {
		p.errorf(n, path, "%v", err)
		return "", false
	}
	if len(unset) > 0 {
		p.unset[path] = unset
	}
	if s != n.Value {
		if p.expanded == nil {
			p.expanded = map[string]string{}
		}
		p.expanded[s] = n.Value
	}
	return s, true
}

// got describes a bad value: as written, and what it became after ${…}.
func (p *parser) got(n *yaml.Node, path, value string) string {
	n = resolve(n)
	if value != n.Value {
		return fmt.Sprintf("%s (its value is not shown)%s", n.Value, p.hint(path))
	}
	return describe(n)
}

func (p *parser) isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// hint names unset variables behind a bad value.
func (p *parser) hint(path string) string {
	if u := p.unset[path]; len(u) > 0 {
		return " (${" + strings.Join(u, "}, ${") + "} not set)"
	}
	return ""
}

func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	if p.isNull(n) {
		return "", true
	}
	return p.text(n, path, "text")
}

func (p *parser) integer(n *yaml.Node, path string) (int, bool) {
	s, ok := p.text(n, path, "a whole number")
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		p.errorf(n, path, "want a whole number, got %s", p.got(n, path, s))
		return 0, false
	}
	return v, true
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	s, ok := p.text(n, path, "true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	p.errorf(n, path, "want true or false, got %s", p.got(n, path, s))
	return false, false
}

func (p *parser) float(n *yaml.Node, path string) (float64, bool) {
	s, ok := p.text(n, path, "a number")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.errorf(n, path, "want a number, got %s", p.got(n, path, s))
		return 0, false
	}
	return v, true
}

func (p *parser) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := p.text(n, path, "a duration such as 500ms or 2s")
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		p.errorf(n, path, "want a duration such as 500ms or 2s, got %s", p.got(n, path, s))
		return 0, false
	}
	if d <= 0 {
		p.errorf(n, path, "must be more than 0")
		return 0, false
	}
	return d, true
}

// list reads a list of scalars; with split, a single comma-separated
// scalar is a list too (status_events: initiated, completed).
func (p *parser) list(n *yaml.Node, path string, split bool) ([]*yaml.Node, []string, bool) {
	n = resolve(n)
	var items []*yaml.Node
	switch n.Kind {
	case yaml.SequenceNode:
		items = n.Content
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, []string{}, true
		}
		if !split {
			p.errorf(n, path, "want a list ([a, b] or - lines), got %s", describe(n))
			return nil, nil, false
		}
		items = []*yaml.Node{n}
	default:
		p.errorf(n, path, "want a list, got %s", describe(n))
		return nil, nil, false
	}
	var out []string
	var nodes []*yaml.Node
	ok := true
	for i, it := range items {
		ip := path
		if n.Kind == yaml.SequenceNode {
			ip = fmt.Sprintf("%s[%d]", path, i)
		}
		s, good := p.text(it, ip, "a plain value")
		if !good {
			ok = false
			continue
		}
		parts := []string{s}
		if split {
			parts = strings.Split(s, ",")
		}
		for _, part := range parts {
			if part = strings.TrimSpace(part); part != "" || !split {
				out = append(out, part)
				nodes = append(nodes, resolve(it))
			}
		}
	}
	if out == nil {
		out = []string{}
	}
	return nodes, out, ok
}

// matcher reads a text expectation: a plain value compared by mode, a
// /regex/flags, or {equals|contains|regex: …}.
func (p *parser) matcher(n *yaml.Node, path, mode string) (*Matcher, bool) {
	n = resolve(n)
	if n.Kind == yaml.MappingNode {
		m := p.mapping(n, path, matcherKeys)
		if m == nil {
			return nil, false
		}
		if len(m.order) != 1 {
			p.errorf(n, path, "write exactly one of equals, contains or regex")
			return nil, false
		}
		k := m.order[0]
		s, ok := p.text(m.vals[k], join(path, k), "text")
		if !ok {
			return nil, false
		}
		switch k {
		case "regex":
			mt, err := compileRegex(s, "", "/"+s+"/")
			if err != nil {
				p.errorf(m.vals[k], join(path, k), "%v", err)
				return nil, false
			}
			mt.Pos = pos(n)
			return mt, true
		case "contains":
			return &Matcher{Mode: MatchContains, Text: s, Raw: s, Pos: pos(n)}, true
		}
		return &Matcher{Mode: MatchEquals, Text: s, Raw: s, Pos: pos(n)}, true
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "want text, a /regex/ or {equals|contains|regex: …}, got %s", describe(n))
		return nil, false
	}
	s, ok := p.text(n, path, "text")
	if !ok {
		return nil, false
	}
	mt, err := newMatcher(s, mode)
	if err != nil {
		p.errorf(n, path, "%v", err)
		return nil, false
	}
	mt.Pos = pos(n)
	return mt, true
}

// ---- scenario ----

func (p *parser) scenario(n *yaml.Node, index int, inList bool) *Scenario {
	p.at = map[string]*yaml.Node{}
	p.unset = map[string][]string{}
	p.seen = len(p.errs)
	m := p.mapping(n, "", scenarioKeys)
	if m == nil {
		return nil
	}
	sc := &Scenario{File: p.file, Index: index, Pos: pos(n), OnRunOut: "hangup"}
	get := func(k string) *yaml.Node { return m.vals[k] }
	str := func(k string) string {
		if v := get(k); v != nil {
			s, _ := p.str(v, k)
			return s
		}
		return ""
	}

	sc.Name = strings.TrimSpace(str("name"))
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file))
		if inList {
			sc.Name += fmt.Sprintf(" #%d", index+1)
		}
	}
	sc.Description = str("description")
	if v := get("skip"); v != nil {
		if rv := resolve(v); rv.Kind == yaml.ScalarNode && rv.Tag == "!!bool" {
			if b, ok := p.boolean(v, "skip"); ok && b {
				sc.Skip = "skip: true"
			}
		} else if s, ok := p.str(v, "skip"); ok && s != "" {
			sc.Skip = s
		}
	}

	opt := simulate.Options{
		URL:                  strings.TrimSpace(str("url")),
		Method:               strings.ToUpper(strings.TrimSpace(str("method"))),
		AuthToken:            str("auth_token"),
		SigningURL:           strings.TrimSpace(str("signing_url")),
		FallbackURL:          strings.TrimSpace(str("fallback_url")),
		FallbackMethod:       strings.ToUpper(strings.TrimSpace(str("fallback_method"))),
		StatusCallback:       strings.TrimSpace(str("status_callback")),
		StatusCallbackMethod: strings.ToUpper(strings.TrimSpace(str("status_callback_method"))),

		AsyncAMDStatusCallback:       strings.TrimSpace(str("async_amd_callback")),
		AsyncAMDStatusCallbackMethod: strings.ToUpper(strings.TrimSpace(str("async_amd_callback_method"))),
	}
	if v := get("status_events"); v != nil {
		_, opt.StatusEvents, _ = p.list(v, "status_events", true)
	}
	if v := get("timeout"); v != nil {
		opt.Timeout, _ = p.duration(v, "timeout")
	}
	if v := get("max_steps"); v != nil {
		if n, ok := p.integer(v, "max_steps"); ok {
			if n < 1 {
				p.errorf(v, "max_steps", "must be at least 1")
			}
			opt.MaxSteps = n
		}
	}
	if v := get("no_end"); v != nil {
		opt.NoEnd, _ = p.boolean(v, "no_end")
	}
	if p.l.URL != "" {
		opt.URL = p.l.URL
	}
	if p.l.AuthToken != "" {
		opt.AuthToken = p.l.AuthToken
	}
	if opt.URL == "" && !p.reported("url") {
		at := m.node
		if k := m.keys["url"]; k != nil {
			at = k
		}
		p.errorf(at, "url", "missing: the voice webhook to call, e.g. ${APP_URL:-http://127.0.0.1:3000}/voice (or pass --url)%s", p.hint("url"))
	}
	sc.Options = opt
	if opt.AuthToken != "" {
		sc.Secrets = append(sc.Secrets, opt.AuthToken)
	}

	spec := contract.CallSpec{Direction: contract.Inbound}
	if v := get("call"); v != nil {
		p.call(v, &spec)
	}
	spec.Params = append(spec.Params, p.l.Params...)
	for i := 0; i < len(spec.Params); i++ { // later values win: --param over the file
		for j := 0; j < i; j++ {
			if spec.Params[j].Key == spec.Params[i].Key {
				spec.Params[j].Value = spec.Params[i].Value
				spec.Params = append(spec.Params[:i], spec.Params[i+1:]...)
				i--
				break
			}
		}
	}
	if _, ok := p.at["call.seed"]; !ok {
		h := fnv.New64a()
		io.WriteString(h, filepath.Base(p.file)+"\x00"+sc.Name)
		spec.Seed = h.Sum64()
	}

	if v := get("steps"); v != nil {
		sc.Steps = p.steps(v)
	}
	if len(sc.Steps) == 0 || sc.Steps[0].Action.Kind != "" {
		sc.Steps = append([]*StepSpec{{N: 0, Pos: sc.Pos}}, sc.Steps...)
	}
	if v := get("when_steps_run_out"); v != nil {
		if s, ok := p.str(v, "when_steps_run_out"); ok {
			if s != "hangup" && s != "fail" {
				p.errorf(v, "when_steps_run_out", "want hangup or fail, got %q", s)
			}
			sc.OnRunOut = s
			sc.OnRunOutPos = pos(m.keys["when_steps_run_out"])
		}
	}
	if v := get("expect_end"); v != nil {
		sc.End = p.expect(v, "expect_end", endKeys)
		if sc.End != nil && opt.StatusCallback == "" {
			for _, c := range sc.End.checks {
				if c.key() == "status_callbacks" {
					p.errorAt(c.pos(), "expect_end.status_callbacks", "the scenario sets no status_callback URL, so callsim sends no status callbacks to check")
				}
			}
		}
	}

	sc.ViaAPI = p.apiStart(&spec, sc, m)
	p.lifecycle(m, spec, opt, sc.End)

	// What the simulate package checks, placed at the key it is about.
	// Checked even after other problems, so that one run reports them all.
	if opt.URL != "" {
		before := len(p.errs)
		call, cerrs := callProblems(spec)
		for _, cerr := range cerrs {
			p.simulateError(cerr, m)
		}
		verrs := optionProblems(opt)
		for _, verr := range verrs {
			p.simulateError(verr, m)
		}
		if len(cerrs) == 0 && len(verrs) == 0 && len(p.errs) == before {
			if _, err := simulate.Preview(call, opt); err != nil {
				p.simulateError(err, m)
			}
		}
		sc.Call = call
	}
	if len(p.errs) > p.seen {
		return sc // reported; the file will not run
	}
	return sc
}

// simulateFields maps the simulate package's option names to scenario keys.
var simulateFields = map[string]string{
	"api-version": "call.api_version", "direction": "call.direction", "dial-status": "call.dial_status",
	"from": "call.from", "to": "call.to", "account-sid": "call.account_sid", "param": "call.params",
	"answered-by": "call.answered_by", "async-amd": "call.async_amd",
}

func (p *parser) simulateError(err error, m *mapping) {
	key, msg := "", err.Error()
	var ie *contract.InputError
	if errors.As(err, &ie) {
		key, msg = ie.Field, ie.Msg
		if k, ok := simulateFields[key]; ok {
			key = k
		} else {
			key = strings.ReplaceAll(key, "-", "_")
		}
	} else {
		var te *contract.TwilioError
		if errors.As(err, &te) {
			key, msg = "url", te.Message
		}
	}
	at := m.node
	if n := p.at[key]; n != nil {
		at = n
	} else if k := m.keys[strings.SplitN(key, ".", 2)[0]]; k != nil {
		at = k
	}
	if key == "url" && p.l.URL != "" {
		msg = "--url: " + msg
	}
	for _, e := range p.errs[p.seen:] {
		if e.Key == key {
			return // the parser said it already
		}
	}
	p.errorf(at, key, "%s%s", msg, p.hint(key))
}

func (p *parser) call(n *yaml.Node, spec *contract.CallSpec) {
	m := p.mapping(n, "call", callKeys)
	if m == nil {
		return
	}
	s := func(k string) string {
		if v := m.vals[k]; v != nil {
			out, _ := p.str(v, "call."+k)
			return strings.TrimSpace(out)
		}
		return ""
	}
	spec.Direction = contract.Direction(s("direction"))
	if spec.Direction == "" {
		spec.Direction = contract.Inbound
	}
	spec.From, spec.To = s("from"), s("to")
	spec.APIVersion = s("api_version")
	spec.DialStatus = s("dial_status")
	spec.AnsweredBy = s("answered_by")
	if v := m.vals["async_amd"]; v != nil {
		spec.AsyncAMD, _ = p.boolean(v, "call.async_amd")
	}
	spec.AccountSid = s("account_sid")
	if v := m.vals["seed"]; v != nil {
		str, ok := p.text(v, "call.seed", "a whole number")
		if ok {
			seed, err := strconv.ParseUint(strings.TrimSpace(str), 10, 64)
			if err != nil {
				p.errorf(v, "call.seed", "want a whole number ≥ 0, got %s", describe(resolve(v)))
			}
			spec.Seed = seed
		}
	}
	if v := m.vals["no_geo"]; v != nil {
		spec.NoGeo, _ = p.boolean(v, "call.no_geo")
	}
	if v := m.vals["params"]; v != nil {
		pm := p.mapping(v, "call.params", nil)
		if pm != nil {
			for _, k := range pm.order {
				path := "call.params." + k
				if resolve(pm.vals[k]).Kind != yaml.ScalarNode {
					p.errorf(pm.vals[k], path, "want a plain value (a request field is text), got %s", describe(resolve(pm.vals[k])))
					continue
				}
				val, _ := p.str(pm.vals[k], path)
				spec.Params = append(spec.Params, contract.Param{Key: k, Value: val})
			}
		}
	}
}

// ---- steps ----

func (p *parser) steps(n *yaml.Node) []*StepSpec {
	n = resolve(n)
	if p.isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "steps", "want a list of steps (- press: \"1\" …), got %s", describe(n))
		return nil
	}
	var out []*StepSpec
	hungUp := ""
	for i, item := range n.Content {
		path := fmt.Sprintf("steps[%d]", i)
		st := p.step(resolve(item), path, i+1)
		if st == nil {
			continue
		}
		if hungUp != "" {
			p.errorAt(st.Pos, path, "comes after %s hung up: the call is over by then", hungUp)
		}
		if st.Action.Kind == ActHangup {
			hungUp = path
		}
		if i > 0 && st.Action.Kind == "" && !st.unknownKeys {
			p.errorAt(st.Pos, path, "no action: every step after the first answers a prompt with one of %s", strings.Join(actionKeys, ", "))
		}
		out = append(out, st)
	}
	return out
}

// digitsRe is what a caller can press; w and W are pauses of SendDigits.
var digitsRe = lazyRegexp(`^[0-9*#]+$`)

// record reads a record action: seconds, or {seconds, ends, transcription}
// where ends says how the recording ends (key, key:#, silence,
// max-length, hangup).
func (p *parser) record(v *yaml.Node, kp string, a *Action) {
	seconds := func(n *yaml.Node, path string) {
		if secs, ok := p.integer(n, path); ok {
			if secs < 0 {
				p.errorf(n, path, "seconds recorded must not be negative")
			}
			a.Seconds = secs
		}
	}
	if resolve(v).Kind != yaml.MappingNode {
		seconds(v, kp)
		return
	}
	m := p.mapping(v, kp, recordKeys)
	if m == nil {
		return
	}
	if n := m.vals["seconds"]; n != nil {
		seconds(n, join(kp, "seconds"))
	} else {
		p.errorf(v, kp, "say how many seconds are recorded (seconds: 12)")
	}
	if n := m.vals["ends"]; n != nil {
		ep := join(kp, "ends")
		if s, ok := p.text(n, ep, "how the recording ends"); ok {
			end, key, err := simulate.ParseRecordEnd(s)
			if err != nil {
				p.errorf(n, ep, "%v%s", err, p.hint(ep))
			}
			a.RecordEnd, a.Digits = end, key
		}
	}
	if n := m.vals["transcription"]; n != nil {
		a.Transcription, _ = p.text(n, join(kp, "transcription"), "the transcribed text")
	}
}

func (p *parser) step(n *yaml.Node, path string, num int) *StepSpec {
	m := p.mapping(n, path, stepKeys)
	if m == nil {
		return nil
	}
	st := &StepSpec{N: num, Pos: pos(n), unknownKeys: m.unknown > 0}
	if v := m.vals["name"]; v != nil {
		st.Name, _ = p.str(v, join(path, "name"))
	}
	var acts []string
	for _, k := range m.order {
		if slices.Contains(actionKeys, k) {
			acts = append(acts, k)
		}
	}
	if len(acts) > 1 {
		p.errorf(m.keys[acts[1]], join(path, acts[1]), "a step has one action, and this one already has %s; put %s in a step of its own", acts[0], acts[1])
	}
	if len(acts) > 0 {
		k := acts[0]
		v := m.vals[k]
		kp := join(path, k)
		a := Action{Kind: k, Pos: pos(m.keys[k])}
		switch k {
		case ActPress:
			if s, ok := p.text(v, kp, "keys to press"); ok {
				s = strings.TrimSpace(s)
				if !digitsRe().MatchString(s) {
					p.errorf(v, kp, "%q: a caller presses only 0-9, * and #%s", s, p.hint(kp))
				}
				a.Digits = s
			}
		case ActSpeak:
			if s, ok := p.text(v, kp, "the words spoken"); ok {
				if strings.TrimSpace(s) == "" {
					p.errorf(v, kp, "empty: write the words the caller says%s", p.hint(kp))
				}
				a.Speech = s
			}
		case ActWait, ActHangup:
			if b, ok := p.boolean(v, kp); ok && !b {
				p.errorf(v, kp, "only true makes sense here; leave the key out instead")
			}
		case ActRecord:
			p.record(v, kp, &a)
		case ActDialOutcome:
			if s, ok := p.text(v, kp, "a dial outcome"); ok {
				s = strings.TrimSpace(s)
				if !slices.Contains(simulate.DialOutcomes(), s) {
					p.errorf(v, kp, "%q is not a dial outcome (allowed: %s)%s", s, strings.Join(simulate.DialOutcomes(), ", "), p.hint(kp))
				}
				a.Outcome = s
			}
		}
		st.Action = a
	}
	if v := m.vals["confidence"]; v != nil {
		cp := join(path, "confidence")
		if st.Action.Kind != ActSpeak {
			p.errorf(m.keys["confidence"], cp, "only goes with speak")
		} else if c, ok := p.float(v, cp); ok {
			if c <= 0 || c > 1 {
				p.errorf(v, cp, "must be more than 0 and at most 1")
			}
			st.Action.Confidence = c
		}
	}
	if v := m.vals["expect"]; v != nil {
		st.Expect = p.expect(v, join(path, "expect"), expectKeys)
	}
	return st
}

// ---- expectations ----

func (p *parser) expect(n *yaml.Node, path string, known []string) *Expect {
	m := p.mapping(n, path, known)
	if m == nil {
		return nil
	}
	e := &Expect{Pos: pos(resolve(n))}
	for _, k := range m.order {
		v, kp := m.vals[k], join(path, k)
		b := base{k: k, p: pos(m.keys[k])}
		var c check
		switch k {
		case "status":
			if s, ok := p.integer(v, kp); ok {
				if s < 100 || s > 599 {
					p.errorf(v, kp, "%d is not an HTTP status (100-599)", s)
				}
				c = &statusCheck{b, s}
			}
		case "content_type", "url", "redirect", "call_status":
			if mt, ok := p.matcher(v, kp, MatchEquals); ok {
				switch k {
				case "content_type":
					c = &contentTypeCheck{b, mt}
				case "url":
					c = &urlCheck{b, mt}
				case "redirect":
					c = &redirectCheck{b, mt}
				default:
					if mt.Mode == MatchEquals && !slices.Contains(callStatuses, mt.Text) {
						p.errorf(v, kp, "%q is not a final CallStatus (allowed: %s)", mt.Text, strings.Join(callStatuses, ", "))
					}
					c = &callStatusCheck{b, mt}
				}
			}
		case "agent", "first_token_under", "last_token_under", "handoff", "session_status", "action_fields", "first_audio_under", "audio_back":
			c = p.aiExpectation(k, v, kp, b)
		case "body", "end_reason":
			if mt, ok := p.matcher(v, kp, MatchContains); ok {
				if k == "body" {
					c = &bodyCheck{b, mt}
				} else {
					c = &endReasonCheck{b, mt}
				}
			}
		case "max_latency":
			if d, ok := p.duration(v, kp); ok {
				c = &latencyCheck{b, d}
			}
		case "verbs":
			nodes, verbs, ok := p.list(v, kp, false)
			for i, name := range verbs {
				if spec, known := twiml.Lookup(name); !known || !spec.Verb {
					p.errorf(nodes[i], kp, "%q is not a TwiML verb%s", name, verbSuggestion(name))
					ok = false
				}
			}
			if ok {
				c = &verbsCheck{b, verbs}
			}
		case "say", "play":
			if ms, ok := p.matchers(v, kp); ok {
				kind := simulate.EventSay
				if k == "play" {
					kind = simulate.EventPlay
				}
				c = &heardCheck{b, kind, ms}
			}
		case "gather", "record", "dial":
			c = p.promptCheck(v, kp, b)
		case "hangup", "completed_request":
			if bv, ok := p.boolean(v, kp); ok {
				if k == "hangup" {
					c = &hangupCheck{b, bv}
				} else {
					c = &completedRequestCheck{b, bv}
				}
			}
		case "xpath":
			p.xpaths(v, kp, b, e)
		case "request":
			c = p.requestCheck(v, kp, b)
		case "status_callbacks":
			nodes, evs, ok := p.list(v, kp, false)
			for i, ev := range evs {
				if !slices.Contains(simulate.StatusEvents(), ev) {
					p.errorf(nodes[i], kp, "%q is not a status callback event (allowed: %s)", ev, strings.Join(simulate.StatusEvents(), ", "))
					ok = false
				}
			}
			if ok {
				c = &statusCallbacksCheck{b, evs}
			}
		case "errors":
			nodes, raw, ok := p.list(v, kp, false)
			codes := []int{}
			for i, s := range raw {
				code, err := strconv.Atoi(s)
				if err != nil || code < 10000 || code > 99999 {
					p.errorf(nodes[i], kp, "%q is not a Twilio error code (5 digits, e.g. 11200)", s)
					ok = false
				}
				codes = append(codes, code)
			}
			if ok {
				c = &errorsCheck{b, codes}
			}
		case "warnings":
			if w, ok := p.integer(v, kp); ok {
				if w < 0 {
					p.errorf(v, kp, "must not be negative")
				}
				c = &warningsCheck{b, w}
			}
		}
		if c != nil {
			e.checks = append(e.checks, c)
		}
	}
	return e
}

func verbSuggestion(name string) string {
	for _, v := range []string{"Say", "Play", "Pause", "Gather", "Record", "Dial", "Redirect", "Hangup", "Reject", "Enqueue", "Leave", "Connect", "Start", "Stop", "Pay", "Refer", "Sms"} {
		if strings.EqualFold(v, name) {
			return fmt.Sprintf(" (did you mean %q? TwiML names are case-sensitive)", v)
		}
	}
	return ""
}

// matchers reads one matcher or a list of them (say, play).
func (p *parser) matchers(n *yaml.Node, path string) ([]*Matcher, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		m, ok := p.matcher(n, path, MatchContains)
		return []*Matcher{m}, ok
	}
	if len(n.Content) == 0 {
		p.errorf(n, path, "empty list: write what must be heard")
		return nil, false
	}
	var out []*Matcher
	ok := true
	for i, it := range n.Content {
		m, good := p.matcher(it, fmt.Sprintf("%s[%d]", path, i), MatchContains)
		ok = ok && good
		out = append(out, m)
	}
	return out, ok
}

func (p *parser) promptCheck(n *yaml.Node, path string, b base) check {
	verb := map[string]string{"gather": "Gather", "record": "Record", "dial": "Dial"}[b.k]
	c := &promptCheck{base: b, verb: verb}
	rn := resolve(n)
	if rn.Kind == yaml.ScalarNode && rn.Tag == "!!bool" {
		if v, ok := p.boolean(n, path); ok && !v {
			p.errorf(n, path, "false is not supported: use verbs or xpath to say a verb is absent")
		}
		return c
	}
	if verb == "Dial" && rn.Kind == yaml.ScalarNode && rn.Tag != "!!null" {
		m, ok := p.matcher(n, path, MatchEquals)
		if !ok {
			return nil
		}
		c.to = m
		return c
	}
	m := p.mapping(n, path, nil)
	if m == nil {
		return nil
	}
	spec, _ := twiml.Lookup(verb)
	for _, k := range m.order {
		kp := join(path, k)
		if verb == "Dial" && k == "to" {
			c.to, _ = p.matcher(m.vals[k], kp, MatchEquals)
			continue
		}
		as := spec.Attr(k)
		if as == nil {
			p.errorf(m.keys[k], kp, "<%s> has no attribute %q%s", verb, k, attrSuggestion(spec, k, verb == "Dial"))
			continue
		}
		mt, ok := p.matcher(m.vals[k], kp, MatchEquals)
		if !ok {
			continue
		}
		mt.Fold = as.Kind == twiml.KindBool || as.Kind == twiml.KindMethod
		c.attrs = append(c.attrs, attrMatch{k, mt})
	}
	return c
}

func attrSuggestion(spec *twiml.ElementSpec, name string, dial bool) string {
	var names []string
	for _, a := range spec.Attrs {
		names = append(names, a.Name)
	}
	if dial {
		names = append(names, "to")
	}
	for _, a := range names {
		if strings.EqualFold(a, name) {
			return fmt.Sprintf(" (did you mean %q? attribute names are case-sensitive)", a)
		}
	}
	best, bestD := "", 3
	for _, a := range names {
		if d := suggest.Distance(name, a); d < bestD {
			best, bestD = a, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (attributes: " + strings.Join(names, ", ") + ")"
}

// clip shortens a text for an error message to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func (p *parser) xpaths(n *yaml.Node, path string, b base, e *Expect) {
	m := p.mapping(n, path, nil)
	if m == nil {
		return
	}
	if len(m.order) == 0 {
		p.errorf(n, path, "empty: map XPath expressions to what they must select")
	}
	for _, expr := range m.order {
		kp := fmt.Sprintf("%s[%s]", path, strconv.Quote(clip(expr, 80)))
		x, err := CompileXPath(expr)
		if err != nil {
			p.errorf(m.keys[expr], kp, "bad XPath: %v", err)
			continue
		}
		c := &xpathCheck{base: base{k: "xpath[" + strconv.Quote(expr) + "]", p: pos(m.keys[expr])}, x: x}
		v := resolve(m.vals[expr])
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			f := false
			c.exists = &f
		case v.Kind == yaml.ScalarNode && v.Tag == "!!bool":
			bv, ok := p.boolean(v, kp)
			if !ok {
				continue
			}
			c.exists = &bv
		case v.Kind == yaml.ScalarNode && v.Tag == "!!int":
			iv, ok := p.integer(v, kp)
			if !ok {
				continue
			}
			c.count = &iv
		default:
			mt, ok := p.matcher(v, kp, MatchEquals)
			if !ok {
				continue
			}
			c.m = mt
		}
		e.checks = append(e.checks, c)
	}
}

func (p *parser) requestCheck(n *yaml.Node, path string, b base) check {
	m := p.mapping(n, path, nil)
	if m == nil {
		return nil
	}
	if len(m.order) == 0 {
		p.errorf(n, path, "empty: list the request fields to check")
		return nil
	}
	c := &requestCheck{base: b}
	for _, k := range m.order {
		kp := join(path, k)
		if p.isNull(m.vals[k]) {
			c.fields = append(c.fields, fieldMatch{k, &Matcher{Mode: MatchAbsent, Pos: pos(m.vals[k])}})
			continue
		}
		mt, ok := p.matcher(m.vals[k], kp, MatchEquals)
		if ok {
			c.fields = append(c.fields, fieldMatch{k, mt})
		}
	}
	return c
}
