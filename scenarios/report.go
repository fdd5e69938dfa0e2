package scenarios

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/callsim/callsim/internal/iostreams"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/webhook"
)

// TextOptions control the human-readable output.
type TextOptions struct {
	Color bool
	// StableTimes leaves measured times out, so golden files do not churn.
	StableTimes bool
	// Verbose shows the transcript of passing scenarios too.
	Verbose bool
	// ResultLines starts the report with a ✔ / ✘ / ↷ line per scenario,
	// for output that had no live progress (a CI log).
	ResultLines bool
}

type pal struct{ ok, bad, warn, dim, head *color.Color }

func newPal(on bool) pal {
	mk := func(a ...color.Attribute) *color.Color { return iostreams.NewColor(on, a...) }
	return pal{ok: mk(color.FgGreen, color.Bold), bad: mk(color.FgRed, color.Bold), warn: mk(color.FgYellow), dim: mk(color.Faint), head: mk(color.Bold)}
}

func (o TextOptions) dur(d time.Duration) string {
	if o.StableTimes {
		return "<time>"
	}
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// ResultLine is the one-line outcome of a scenario, for progress output.
func ResultLine(r *Result, o TextOptions) string {
	p := newPal(o.Color)
	switch r.Status {
	case Skipped:
		return fmt.Sprintf("%s %s  %s", p.warn.Sprint("↷"), r.Scenario.ID(), p.dim.Sprint("skipped: "+r.SkipReason))
	case Failed:
		f := r.Last().Failures[0]
		where := f.Key
		if f.Step > 0 {
			where = fmt.Sprintf("step %d: %s", f.Step, f.Key)
		}
		return fmt.Sprintf("%s %s  %s", p.bad.Sprint("✘"), r.Scenario.ID(), p.dim.Sprintf("(%s, %s)", where, o.dur(r.Elapsed)))
	}
	extra := ""
	if r.Flaky() {
		extra = fmt.Sprintf(", passed on attempt %d of %d", len(r.Attempts), len(r.Attempts))
	}
	a := r.Last()
	return fmt.Sprintf("%s %s  %s", p.ok.Sprint("✔"), r.Scenario.ID(), p.dim.Sprintf("(%s, %s, %s%s)", plural(a.Steps, "step"), plural(a.Requests, "request"), o.dur(r.Elapsed), extra))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Summary is the closing line: "3 passed, 1 failed, 2 skipped in 1.2s".
func Summary(rep *Report, o TextOptions) string {
	p := newPal(o.Color)
	passed, failed, skipped := rep.Counts()
	s := p.ok.Sprintf("%d passed", passed) + ", "
	if failed > 0 {
		s += p.bad.Sprintf("%d failed", failed)
	} else {
		s += fmt.Sprintf("%d failed", failed)
	}
	if skipped > 0 {
		s += ", " + p.warn.Sprintf("%d skipped", skipped)
	}
	flaky := 0
	for _, r := range rep.Results {
		if r.Flaky() {
			flaky++
		}
	}
	if flaky > 0 {
		s += fmt.Sprintf(" (%d flaky: passed on a retry)", flaky)
	}
	if !o.StableTimes {
		s += " in " + o.dur(rep.Elapsed)
	}
	return s
}

// FailureText explains a failed scenario: each failed expectation with
// its step, where it is written, and what it wanted and got, then the
// transcript of the call. Console, JUnit and TAP show the same text.
func FailureText(r *Result, o TextOptions) string {
	p := newPal(o.Color)
	var b strings.Builder
	sc := r.Scenario
	fmt.Fprintf(&b, "%s %s (%s:%d:%d)\n", p.bad.Sprint("✘"), p.head.Sprint(sc.Name), sc.File, sc.Pos.Line, sc.Pos.Column)
	last := r.Last()
	if last == nil {
		return b.String()
	}
	writeFailures(&b, sc, last, p)
	for i, a := range r.Attempts[:len(r.Attempts)-1] {
		if len(a.Failures) > 0 {
			f := a.Failures[0]
			fmt.Fprintf(&b, "  %s\n", p.dim.Sprintf("attempt %d of %d also failed: %s", i+1, len(r.Attempts), shortFailure(f)))
		}
	}
	if last.Transcript != nil {
		b.WriteString("  transcript of the call:\n")
		b.WriteString(indent(failedTranscriptText(last.Transcript, o), "    "))
	}
	return b.String()
}

func shortFailure(f *Failure) string {
	if f.Step > 0 {
		return fmt.Sprintf("step %d %s: %s", f.Step, f.Key, f.Message)
	}
	return f.Key + ": " + f.Message
}

func writeFailures(b *strings.Builder, sc *Scenario, a *Attempt, p pal) {
	step := -1
	for _, f := range a.Failures {
		if f.Step != step {
			step = f.Step
			switch {
			case f.Step > 0:
				label := "step " + strconv.Itoa(f.Step)
				if f.Action != "" {
					label += " (" + f.Action + ")"
				} else {
					label += " (the call's first response)"
				}
				fmt.Fprintf(b, "  %s at %s:%d\n", p.head.Sprint(label), sc.File, f.StepLine)
			case f.Step == 0 && strings.HasPrefix(f.Key, "expect_end"):
				fmt.Fprintf(b, "  %s\n", p.head.Sprint("end of the call"))
			}
		}
		where := ""
		if f.Line > 0 {
			where = fmt.Sprintf(" at %d:%d", f.Line, f.Column)
		}
		fmt.Fprintf(b, "    %s%s: %s\n", p.bad.Sprint(f.Key), where, f.Message)
		b.WriteString(indent(f.Diff, "      "))
	}
}

func transcriptText(t *simulate.Transcript, o TextOptions) string {
	var b strings.Builder
	report.WriteText(&b, t, report.Options{Color: o.Color, StableTimes: o.StableTimes})
	return b.String()
}

// failedTranscriptText is the transcript of a failed attempt: its last
// line is marked ✘ even when the call itself went well, since the
// scenario did not.
func failedTranscriptText(t *simulate.Transcript, o TextOptions) string {
	var b strings.Builder
	report.WriteText(&b, t, report.Options{Color: o.Color, StableTimes: o.StableTimes, Failed: true})
	return b.String()
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// WriteText writes what a run prints when it is done: the explanation of
// every failure (and, verbose, every transcript), then the closing line.
func WriteText(w io.Writer, rep *Report, o TextOptions) error {
	var b strings.Builder
	if o.ResultLines {
		for _, r := range rep.Results {
			b.WriteString(ResultLine(r, o) + "\n")
		}
	}
	for _, r := range rep.Results {
		switch {
		case r.Status == Failed:
			b.WriteString("\n" + FailureText(r, o))
		case o.Verbose && r.Last() != nil && r.Last().Transcript != nil:
			b.WriteString("\n" + ResultLine(r, o) + "\n" + indent(transcriptText(r.Last().Transcript, o), "    "))
		}
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	b.WriteString(Summary(rep, o) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// ---- JUnit ----

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	File      string      `xml:"file,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitMessage `xml:"skipped"`
	Failure   *junitMessage `xml:"failure"`
	Error     *junitMessage `xml:"error"`
	Flaky     []junitRerun  `xml:"flakyFailure"`
	Rerun     []junitRerun  `xml:"rerunFailure"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// junitRerun is Maven Surefire's record of an earlier attempt, which CI
// tools show for retried tests.
type junitRerun struct {
	Message string     `xml:"message,attr"`
	Type    string     `xml:"type,attr"`
	Text    junitCDATA `xml:"stackTrace"`
}

type junitCDATA struct {
	Text string `xml:",cdata"`
}

// xmlSafe drops what XML 1.0 cannot hold (control characters, bad UTF-8),
// which an app's response body may contain.
func xmlSafe(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20 || (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

func (o TextOptions) secs(d time.Duration) string {
	if o.StableTimes {
		return "0.000"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// WriteJUnit writes the run as JUnit XML: one testsuite per file, one
// testcase per scenario, the console's failure text in each failure.
func WriteJUnit(w io.Writer, rep *Report, o TextOptions) error {
	o.Color = false
	root := junitSuites{Name: "callsim", Time: o.secs(rep.Elapsed)}
	index := map[string]int{}
	for _, r := range rep.Results {
		file := r.Scenario.File
		i, ok := index[file]
		if !ok {
			i = len(root.Suites)
			index[file] = i
			st := junitSuite{Name: file, File: file}
			if !o.StableTimes && !rep.Started.IsZero() {
				st.Timestamp = rep.Started.UTC().Format("2006-01-02T15:04:05")
			}
			root.Suites = append(root.Suites, st)
		}
		s := &root.Suites[i]
		c := junitCase{Name: r.Scenario.Name, Classname: strings.TrimSuffix(file, filepath.Ext(file)), File: file, Line: r.Scenario.Pos.Line, Time: o.secs(r.Elapsed)}
		s.Tests++
		root.Tests++
		switch r.Status {
		case Skipped:
			c.Skipped = &junitMessage{Message: r.SkipReason}
			s.Skipped++
			root.Skipped++
		case Failed:
			c.Failure = &junitMessage{Message: xmlSafe(headline(r.Last())), Type: "expectation", Text: xmlSafe(FailureText(r, o))}
			s.Failures++
			root.Failures++
			for _, a := range r.Attempts[:len(r.Attempts)-1] {
				c.Rerun = append(c.Rerun, junitRerun{Message: xmlSafe(headline(a)), Type: "expectation", Text: junitCDATA{xmlSafe(attemptText(r.Scenario, a, o))}})
			}
		default:
			for _, a := range r.Attempts[:max(0, len(r.Attempts)-1)] {
				c.Flaky = append(c.Flaky, junitRerun{Message: xmlSafe(headline(a)), Type: "expectation", Text: junitCDATA{xmlSafe(attemptText(r.Scenario, a, o))}})
			}
		}
		s.Cases = append(s.Cases, c)
	}
	for i := range root.Suites {
		var total time.Duration
		for _, r := range rep.Results {
			if r.Scenario.File == root.Suites[i].Name {
				total += r.Elapsed
			}
		}
		root.Suites[i].Time = o.secs(total)
	}
	return writeJUnit(w, root)
}

// headline is a failure in one line.
func headline(a *Attempt) string {
	if a == nil || len(a.Failures) == 0 {
		return ""
	}
	return shortFailure(a.Failures[0])
}

func attemptText(sc *Scenario, a *Attempt, o TextOptions) string {
	var b strings.Builder
	writeFailures(&b, sc, a, newPal(false))
	if a.Transcript != nil {
		b.WriteString("  transcript of the call:\n")
		b.WriteString(indent(failedTranscriptText(a.Transcript, o), "    "))
	}
	return b.String()
}

// ---- TAP ----

// WriteTAP writes the run as TAP version 14, a YAML block under each
// failure with the console's text.
func WriteTAP(w io.Writer, rep *Report, o TextOptions) error {
	o.Color = false
	var b strings.Builder
	fmt.Fprintf(&b, "TAP version 14\n1..%d\n", len(rep.Results))
	for i, r := range rep.Results {
		desc := strings.NewReplacer("#", `\#`, "\n", " ").Replace(r.Scenario.ID())
		switch r.Status {
		case Skipped:
			fmt.Fprintf(&b, "ok %d - %s # SKIP %s\n", i+1, desc, strings.ReplaceAll(r.SkipReason, "\n", " "))
		case Passed:
			fmt.Fprintf(&b, "ok %d - %s\n", i+1, desc)
			if r.Flaky() {
				fmt.Fprintf(&b, "  ---\n  attempts: %d\n  ...\n", len(r.Attempts))
			}
		default:
			fmt.Fprintf(&b, "not ok %d - %s\n", i+1, desc)
			f := r.Last().Failures[0]
			b.WriteString("  ---\n")
			fmt.Fprintf(&b, "  message: %s\n", yamlQuote(headline(r.Last())))
			fmt.Fprintf(&b, "  severity: fail\n")
			fmt.Fprintf(&b, "  file: %s\n", yamlQuote(r.Scenario.File))
			line := f.Line
			if line == 0 {
				line = r.Scenario.Pos.Line
			}
			fmt.Fprintf(&b, "  line: %d\n", line)
			if len(r.Attempts) > 1 {
				fmt.Fprintf(&b, "  attempts: %d\n", len(r.Attempts))
			}
			b.WriteString("  output: |\n")
			b.WriteString(indent(FailureText(r, o), "    "))
			b.WriteString("  ...\n")
		}
	}
	passed, failed, skipped := rep.Counts()
	fmt.Fprintf(&b, "# %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

// yamlQuote writes s as a YAML double-quoted string (a JSON string is one).
func yamlQuote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// ---- JSON ----

// JSONReport is the --json document.
type JSONReport struct {
	Passed    int        `json:"passed"`
	Failed    int        `json:"failed"`
	Skipped   int        `json:"skipped"`
	ElapsedMS int64      `json:"elapsed_ms"`
	Files     []JSONFile `json:"files"`
}

// JSONFile is one scenario file's results.
type JSONFile struct {
	File      string         `json:"file"`
	Scenarios []JSONScenario `json:"scenarios"`
}

// JSONScenario is one scenario's result with every attempt.
type JSONScenario struct {
	Name       string        `json:"name"`
	Line       int           `json:"line"`
	Status     string        `json:"status"`
	SkipReason string        `json:"skip_reason,omitempty"`
	ElapsedMS  int64         `json:"elapsed_ms"`
	Attempts   []JSONAttempt `json:"attempts"`
}

// JSONAttempt is one replay; failed attempts carry the transcript.
type JSONAttempt struct {
	Passed     bool                 `json:"passed"`
	ElapsedMS  int64                `json:"elapsed_ms"`
	Steps      int                  `json:"steps"`
	Requests   int                  `json:"requests"`
	Failures   []*Failure           `json:"failures"`
	Transcript *simulate.Transcript `json:"transcript,omitempty"`
}

// ms is d in whole milliseconds, the unit of every duration in callsim's
// JSON.
func (o TextOptions) ms(d time.Duration) int64 {
	if o.StableTimes {
		return 0
	}
	return webhook.Milliseconds(d)
}

// JSON builds the --json document.
func JSON(rep *Report, o TextOptions) *JSONReport {
	out := &JSONReport{ElapsedMS: o.ms(rep.Elapsed), Files: []JSONFile{}}
	out.Passed, out.Failed, out.Skipped = rep.Counts()
	index := map[string]int{}
	for _, r := range rep.Results {
		i, ok := index[r.Scenario.File]
		if !ok {
			i = len(out.Files)
			index[r.Scenario.File] = i
			out.Files = append(out.Files, JSONFile{File: r.Scenario.File})
		}
		js := JSONScenario{Name: r.Scenario.Name, Line: r.Scenario.Pos.Line, Status: r.Status, SkipReason: r.SkipReason, ElapsedMS: o.ms(r.Elapsed), Attempts: []JSONAttempt{}}
		for _, a := range r.Attempts {
			ja := JSONAttempt{Passed: a.Passed, ElapsedMS: o.ms(a.Elapsed), Steps: a.Steps, Requests: a.Requests, Failures: a.Failures}
			if ja.Failures == nil {
				ja.Failures = []*Failure{}
			}
			if !a.Passed {
				ja.Transcript = a.Transcript
				if o.StableTimes && a.Transcript != nil {
					ja.Transcript = stableTranscript(a.Transcript)
				}
			}
			js.Attempts = append(js.Attempts, ja)
		}
		out.Files[i].Scenarios = append(out.Files[i].Scenarios, js)
	}
	return out
}

// WriteJSONReport writes the --json document.
func WriteJSONReport(w io.Writer, rep *Report, o TextOptions) error {
	return report.WriteJSON(w, JSON(rep, o))
}

// stableTranscript copies a transcript without its measured times.
func stableTranscript(t *simulate.Transcript) *simulate.Transcript {
	c := *t
	c.Elapsed, c.StartedAt = 0, time.Time{}
	c.Steps = make([]*simulate.Step, len(t.Steps))
	for i, s := range t.Steps {
		cs := *s
		if s.Response != nil {
			r := *s.Response
			r.Latency = 0
			r.Headers = r.Headers.Clone()
			r.Headers.Del("Date")
			cs.Response = &r
		}
		c.Steps[i] = &cs
	}
	return &c
}

// ---- GitHub Actions ----

// WriteGitHub writes an ::error annotation for every failed scenario, at
// the expectation that failed, for GitHub Actions (GITHUB_ACTIONS=true).
func WriteGitHub(w io.Writer, rep *Report) error {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Status != Failed {
			continue
		}
		for _, f := range r.Last().Failures {
			line, col := f.Line, f.Column
			if line == 0 {
				line, col = r.Scenario.Pos.Line, r.Scenario.Pos.Column
			}
			msg := f.Message
			if f.Diff != "" {
				msg += "\n" + f.Diff
			}
			title := r.Scenario.Name + ": " + f.Key
			if f.Step > 0 {
				title = fmt.Sprintf("%s: step %d %s", r.Scenario.Name, f.Step, f.Key)
			}
			fmt.Fprintf(&b, "::error file=%s,line=%d,col=%d,title=%s::%s\n", ghProp(r.Scenario.File), line, col, ghProp(title), ghData(msg))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteGitHubErrors annotates problems found while loading files.
func WriteGitHubErrors(w io.Writer, errs ErrorList) error {
	var b strings.Builder
	for _, e := range errs {
		msg := e.Msg
		if e.Key != "" {
			msg = e.Key + ": " + msg
		}
		fmt.Fprintf(&b, "::error file=%s,line=%d,col=%d,title=callsim scenario file::%s\n", ghProp(e.File), e.Line, e.Column, ghData(msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(strings.TrimRight(s, "\n"))
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// writeJUnit writes a JUnit document: the XML header, the suites indented,
// a final newline.
func writeJUnit(w io.Writer, root any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
