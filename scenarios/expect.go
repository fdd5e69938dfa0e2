package scenarios

import (
	"context"
	"fmt"
	"mime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate"
)

// Expect is the expectations of one step (expect:) or of the whole call
// (expect_end:), checked in the order written.
type Expect struct {
	Pos    Pos
	checks []check
}

// Keys lists the expectation keys in the order written.
func (e *Expect) Keys() []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, c := range e.checks {
		out = append(out, c.key())
	}
	return out
}

// check is one expectation.
type check interface {
	key() string
	pos() Pos
	// run returns nil when the expectation holds.
	run(w *window) *Failure
}

// Failure is one expectation that did not hold, or a step the app did not
// let the caller take.
type Failure struct {
	Step     int    `json:"step"`                // step number as written; 0 = the call as a whole
	StepLine int    `json:"step_line,omitempty"` // where the step starts
	Action   string `json:"action,omitempty"`    // the step's action, e.g. `press: "1"`
	Key      string `json:"key"`                 // e.g. expect.say, expect_end.status_callbacks, press
	Line     int    `json:"line,omitempty"`      // where the expectation is written
	Column   int    `json:"column,omitempty"`
	Message  string `json:"message"`
	Want     any    `json:"want,omitempty"`
	Got      any    `json:"got,omitempty"`
	Diff     string `json:"diff,omitempty"` // want and got for people: see diff
}

func fail(want, got any, format string, args ...any) *Failure {
	return &Failure{Message: fmt.Sprintf(format, args...), Want: want, Got: got, Diff: diff(want, got)}
}

// window is what happened in one step: from its action up to the next
// prompt, or to the end of the call.
type window struct {
	step     *StepSpec
	requests []*simulate.Step // every request sent in the window, in order
	events   []simulate.Event
	prompt   *simulate.Prompt // the prompt that closed the window; nil when the call ended
	t        *simulate.Transcript
	ctx      context.Context
}

// twimlKinds are the requests whose answer is TwiML the call runs.
var twimlKinds = []string{"initial", "gather", "record", "dial", "redirect", "fallback", "enqueue", "connect-action"}

func (w *window) twiml() []*simulate.Step {
	var out []*simulate.Step
	for _, s := range w.requests {
		if s.Request != nil && slices.Contains(twimlKinds, s.Request.Kind) {
			out = append(out, s)
		}
	}
	return out
}

// first is the first TwiML request of the window: the app's answer to the
// step's action (or to the call's first request).
func (w *window) first() *simulate.Step {
	if ts := w.twiml(); len(ts) > 0 {
		return ts[0]
	}
	return nil
}

// noRequest explains a window without a request.
func (w *window) noRequest(want any) *Failure {
	why := "the call went on without fetching TwiML"
	if w.prompt != nil {
		why = "the next prompt, " + describePrompt(*w.prompt) + ", came from the same document"
	} else if w.t != nil && w.t.EndReason != "" {
		why = "the call ended: " + w.t.EndReason
	}
	return &Failure{Message: "the app was not asked for anything in this step (" + why + ")", Want: want}
}

// noResponse explains a request that got no usable HTTP response.
func noResponse(s *simulate.Step, want any) *Failure {
	got := "no response"
	if s.Error != nil {
		got = s.Error.Error()
	}
	return &Failure{Message: fmt.Sprintf("%s %s got no response: %s", s.Request.Method, s.Request.URL, got), Want: want, Got: got, Diff: diff(want, got)}
}

func target(s *simulate.Step) string { return s.Request.Method + " " + s.Request.URL }

// firstResponse is the step's first request, which must have been answered.
func (w *window) firstResponse(want any) (*simulate.Step, *Failure) {
	s := w.first()
	if s == nil {
		return nil, w.noRequest(want)
	}
	if s.Response == nil {
		return nil, noResponse(s, want)
	}
	return s, nil
}

// firstDocument is the step's first request, which must have returned TwiML.
func (w *window) firstDocument(want any) (*simulate.Step, *Failure) {
	s := w.first()
	if s == nil {
		return nil, w.noRequest(want)
	}
	if s.Document == nil {
		why := "it is not TwiML"
		if s.Error != nil {
			why = s.Error.Error()
		}
		return nil, fail(want, "no TwiML document", "%s returned no TwiML document: %s", target(s), why)
	}
	return s, nil
}

// ---- response expectations ----

type base struct {
	k string
	p Pos
}

func (b base) key() string { return b.k }
func (b base) pos() Pos    { return b.p }

type statusCheck struct {
	base
	want int
}

func (c *statusCheck) run(w *window) *Failure {
	s, f := w.firstResponse(c.want)
	if f != nil {
		return f
	}
	if s.Response.Status != c.want {
		return fail(c.want, s.Response.Status, "%s answered %d, want %d", target(s), s.Response.Status, c.want)
	}
	return nil
}

type contentTypeCheck struct {
	base
	m *Matcher
}

func (c *contentTypeCheck) run(w *window) *Failure {
	s, f := w.firstResponse(c.m.want())
	if f != nil {
		return f
	}
	got := s.Response.ContentType
	ok := c.m.Match(got, true)
	if c.m.Mode == MatchEquals && !strings.Contains(c.m.Text, ";") {
		mt, _, _ := mime.ParseMediaType(got)
		ok = strings.EqualFold(mt, strings.TrimSpace(c.m.Text))
	}
	if !ok {
		return fail(c.m.want(), got, "%s answered with Content-Type %q, want %s", target(s), got, c.m)
	}
	return nil
}

type latencyCheck struct {
	base
	max time.Duration
}

func (c *latencyCheck) run(w *window) *Failure {
	ts := w.twiml()
	want := "≤ " + c.max.String()
	if len(ts) == 0 {
		return w.noRequest(want)
	}
	var slow []string
	for _, s := range ts {
		if s.Response != nil && s.Response.Latency > c.max {
			slow = append(slow, fmt.Sprintf("%s took %s", target(s), s.Response.Latency.Round(100*time.Microsecond)))
		}
	}
	if len(slow) > 0 {
		return &Failure{Message: fmt.Sprintf("the app answered slower than %s: %s", c.max, strings.Join(slow, "; ")), Want: want, Got: slow}
	}
	return nil
}

type verbsCheck struct {
	base
	want []string
}

func (c *verbsCheck) run(w *window) *Failure {
	s, f := w.firstDocument(c.want)
	if f != nil {
		return f
	}
	got := []string{}
	for _, v := range s.Document.Verbs() {
		got = append(got, v.Name)
	}
	if !slices.Equal(got, c.want) {
		return fail(c.want, got, "the verbs of the TwiML from %s differ", target(s))
	}
	return nil
}

type bodyCheck struct {
	base
	m *Matcher
}

func (c *bodyCheck) run(w *window) *Failure {
	s, f := w.firstResponse(c.m.want())
	if f != nil {
		return f
	}
	if !c.m.Match(s.Response.Body, true) {
		f := fail(c.m.want(), s.Response.Body, "the body from %s does not match %s", target(s), c.m)
		if c.m.Mode == MatchEquals && strings.Contains(s.Response.Body, "\n") {
			f.Diff = textDiff(c.m.want(), s.Response.Body)
		}
		return f
	}
	return nil
}

type xpathCheck struct {
	base
	x *XPath
	// exactly one of:
	exists *bool
	count  *int
	m      *Matcher
}

func (c *xpathCheck) wantValue() any {
	switch {
	case c.exists != nil:
		return *c.exists
	case c.count != nil:
		return *c.count
	}
	return c.m.want()
}

func (c *xpathCheck) run(w *window) *Failure {
	s, f := w.firstDocument(c.wantValue())
	if f != nil {
		f.Message += " (for " + c.x.String() + ")"
		return f
	}
	ctx := w.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	v, err := c.x.Eval(ctx, s.Document)
	if err != nil {
		return &Failure{Message: fmt.Sprintf("%s in the TwiML from %s could not be evaluated: %v", c.x, target(s), err), Want: c.wantValue()}
	}
	var ok bool
	got := v.Got()
	switch {
	case c.exists != nil:
		b := v.Bool
		if v.IsSet {
			b = len(v.Nodes) > 0
		} else if v.IsNum {
			b = v.Num != 0
		} else if !v.IsBool {
			b = v.Str != ""
		}
		ok = b == *c.exists
		if !v.IsSet {
			got = b
		}
	case c.count != nil:
		n := len(v.Nodes)
		if !v.IsSet {
			n = int(v.Num)
			if !v.IsNum {
				return fail(*c.count, got, "%s is not a node set or number, cannot count it", c.x)
			}
		}
		ok = n == *c.count
	default:
		if v.IsSet {
			for _, n := range v.Nodes {
				ok = ok || c.m.Match(n, true)
			}
		} else {
			str := v.Str
			switch {
			case v.IsNum:
				str = formatNum(v.Num)
			case v.IsBool:
				str = strconv.FormatBool(v.Bool)
			}
			ok = c.m.Match(str, true)
			got = str
		}
	}
	if !ok {
		return fail(c.wantValue(), got, "%s in the TwiML from %s does not match", c.x, target(s))
	}
	return nil
}

type urlCheck struct {
	base
	m *Matcher
}

func (c *urlCheck) run(w *window) *Failure {
	s := w.first()
	if s == nil {
		return w.noRequest(c.m.want())
	}
	if !c.m.matchURL(s.Request.URL) {
		return fail(c.m.want(), s.Request.URL, "the step's first request went to %s %s, want %s", s.Request.Method, s.Request.URL, c.m)
	}
	return nil
}

type fieldMatch struct {
	name string
	m    *Matcher
}

type requestCheck struct {
	base
	fields []fieldMatch
}

func (c *requestCheck) run(w *window) *Failure {
	want := map[string]string{}
	for _, f := range c.fields {
		want[f.name] = f.m.want()
	}
	s := w.first()
	if s == nil {
		return w.noRequest(want)
	}
	got := map[string]string{}
	ok := true
	for _, f := range c.fields {
		v, present := s.Request.Params.Get(f.name)
		if !f.m.Match(v, present) {
			ok = false
		}
		switch {
		case !present:
			got[f.name] = absentValue
		case f.m.Match(v, present):
			got[f.name] = f.m.want() // a match shows as equal in the diff
		default:
			got[f.name] = v
		}
	}
	if !ok {
		return fail(want, got, "the fields callsim sent to %s differ", target(s))
	}
	return nil
}

// ---- what the call did ----

type heardCheck struct {
	base
	kind string // simulate.EventSay or EventPlay
	ms   []*Matcher
}

func (c *heardCheck) run(w *window) *Failure {
	var got []string
	for _, e := range w.events {
		if e.Kind == c.kind {
			got = append(got, e.Text)
		}
	}
	i := 0
	for _, t := range got {
		if i < len(c.ms) && c.ms[i].Match(t, true) {
			i++
		}
	}
	if i == len(c.ms) {
		return nil
	}
	verb := "Say"
	if c.kind == simulate.EventPlay {
		verb = "Play"
	}
	want := make([]string, len(c.ms))
	for j, m := range c.ms {
		want[j] = m.want()
	}
	if got == nil {
		got = []string{}
	}
	var w1 any = want
	if len(want) == 1 {
		w1 = want[0]
	}
	msg := fmt.Sprintf("no <%s> in this step matches %s", verb, c.ms[i])
	if len(c.ms) > 1 {
		msg = fmt.Sprintf("no <%s> in this step matches %s (item %d, after the ones before it)", verb, c.ms[i], i+1)
	}
	if len(got) == 0 {
		msg = fmt.Sprintf("nothing was %s in this step", map[string]string{"Say": "said", "Play": "played"}[verb])
	}
	return fail(w1, got, "%s", msg)
}

type attrMatch struct {
	name string
	m    *Matcher
}

// promptCheck is gather:, record: and dial:: the step must end at that
// verb, with those attributes.
type promptCheck struct {
	base
	verb  string
	attrs []attrMatch
	to    *Matcher // dial: a number, client or address dialled
}

func (c *promptCheck) run(w *window) *Failure {
	want := map[string]string{}
	for _, a := range c.attrs {
		want[a.name] = a.m.want()
	}
	if c.to != nil {
		want["to"] = c.to.want()
	}
	if w.prompt == nil || w.prompt.Verb != c.verb {
		got := "the end of the call"
		if w.prompt != nil {
			got = describePrompt(*w.prompt)
		} else if w.t != nil && w.t.EndReason != "" {
			got += " (" + w.t.EndReason + ")"
		}
		return &Failure{Message: fmt.Sprintf("the step did not end at a <%s>: it ended at %s", c.verb, got), Want: "<" + c.verb + ">", Got: got, Diff: diff("<"+c.verb+">", got)}
	}
	got := map[string]string{}
	ok := true
	for _, a := range c.attrs {
		v := w.prompt.Node.Attr(a.name)
		if a.m.Match(v, true) {
			got[a.name] = a.m.want()
		} else {
			ok = false
			got[a.name] = v
		}
	}
	if c.to != nil {
		matched := false
		for _, d := range w.prompt.Dial {
			matched = matched || c.to.Match(d, true)
		}
		if matched {
			got["to"] = c.to.want()
		} else {
			ok = false
			got["to"] = strings.Join(w.prompt.Dial, ", ")
		}
	}
	if !ok {
		return fail(want, got, "the app's %s differs", describePrompt(*w.prompt))
	}
	return nil
}

type redirectCheck struct {
	base
	m *Matcher
}

func (c *redirectCheck) run(w *window) *Failure {
	got := []string{}
	for _, e := range w.events {
		if e.Kind == simulate.EventRedirect {
			if c.m.matchURL(e.Text) {
				return nil
			}
			got = append(got, e.Text)
		}
	}
	if len(got) == 0 {
		return fail(c.m.want(), got, "the app did not <Redirect> in this step")
	}
	return fail(c.m.want(), got, "no <Redirect> in this step goes to %s", c.m)
}

type hangupCheck struct {
	base
	want bool
}

func (c *hangupCheck) run(w *window) *Failure {
	got := false
	for _, e := range w.events {
		got = got || (e.Kind == simulate.EventHangup && e.Verb == "Hangup")
	}
	if got != c.want {
		if c.want {
			return fail(c.want, got, "the app did not <Hangup> in this step")
		}
		return fail(c.want, got, "the app hung up in this step")
	}
	return nil
}

// ---- expect_end: the call as a whole ----

type callStatusCheck struct {
	base
	m *Matcher
}

func (c *callStatusCheck) run(w *window) *Failure {
	if !c.m.Match(w.t.Status, true) {
		return fail(c.m.want(), w.t.Status, "the call ended with CallStatus=%s (%s)", w.t.Status, w.t.EndReason)
	}
	return nil
}

type endReasonCheck struct {
	base
	m *Matcher
}

func (c *endReasonCheck) run(w *window) *Failure {
	if !c.m.Match(w.t.EndReason, true) {
		return fail(c.m.want(), w.t.EndReason, "the call ended otherwise: %s", w.t.EndReason)
	}
	return nil
}

type completedRequestCheck struct {
	base
	want bool
}

func (c *completedRequestCheck) run(w *window) *Failure {
	var end *simulate.Step
	for _, s := range w.t.Steps {
		if s.Request != nil && s.Request.Kind == "end" {
			end = s
		}
	}
	got := end != nil && end.Error == nil
	if got == c.want {
		return nil
	}
	switch {
	case c.want && end == nil:
		return fail(c.want, got, "callsim sent no end-of-call request (CallStatus=completed): the call ended with CallStatus=%s (%s)", w.t.Status, w.t.EndReason)
	case c.want:
		return fail(c.want, got, "the end-of-call request failed: %s", end.Error)
	}
	return fail(c.want, got, "callsim sent the end-of-call request %s", target(end))
}

// callbackEvent infers the status callback event from the CallStatus sent.
func callbackEvent(s *simulate.Step) string {
	switch st := s.Request.Params.Value("CallStatus"); st {
	case "initiated", "ringing":
		return st
	case "in-progress":
		return "answered"
	}
	return "completed"
}

type statusCallbacksCheck struct {
	base
	want []string
}

func (c *statusCallbacksCheck) run(w *window) *Failure {
	got := []string{}
	for _, s := range w.t.Steps {
		if s.Request == nil || s.Request.Kind != "status-callback" {
			continue
		}
		ev := callbackEvent(s)
		if s.Error != nil {
			ev += fmt.Sprintf(" (failed: %d)", s.Error.Code)
		}
		got = append(got, ev)
	}
	if !slices.Equal(got, c.want) {
		return fail(c.want, got, "the status callbacks delivered differ")
	}
	return nil
}

type errorsCheck struct {
	base
	want []int
}

func errorCodes(t *simulate.Transcript) []int {
	got := []int{}
	for _, e := range t.Errors {
		got = append(got, e.Code)
	}
	return got
}

func (c *errorsCheck) run(w *window) *Failure {
	got := errorCodes(w.t)
	if !slices.Equal(got, c.want) {
		return fail(c.want, got, "the call's Twilio errors differ: %s", errorsText(w.t))
	}
	if w.t.Failed && len(w.t.Errors) == 0 {
		return &Failure{Message: "the call failed: " + w.t.EndReason}
	}
	return nil
}

func errorsText(t *simulate.Transcript) string {
	if len(t.Errors) == 0 {
		return "none"
	}
	var parts []string
	for _, e := range t.Errors {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "; ")
}

// defaultErrors fails a call whose endpoints failed when expect_end does
// not list the errors it expects.
func defaultErrors(t *simulate.Transcript) *Failure {
	if !t.Failed {
		return nil
	}
	if len(t.Errors) == 0 {
		return &Failure{Key: "expect_end.errors", Message: "the call failed: " + t.EndReason}
	}
	return &Failure{Key: "expect_end.errors", Message: "the call failed: " + errorsText(t) +
		" (if the app should fail like this, list the codes in expect_end.errors)", Want: []int{}, Got: errorCodes(t), Diff: diff([]int{}, errorCodes(t))}
}

type warningsCheck struct {
	base
	want int
}

func (c *warningsCheck) run(w *window) *Failure {
	if w.t.Warnings != c.want {
		var probs []string
		for _, s := range w.t.Steps {
			for _, p := range s.Problems {
				probs = append(probs, p.Error())
			}
		}
		sort.Strings(probs)
		return fail(c.want, w.t.Warnings, "the call had %d TwiML warnings: %s", w.t.Warnings, strings.Join(probs, "; "))
	}
	return nil
}
