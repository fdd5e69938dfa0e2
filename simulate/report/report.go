package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/callsim/callsim/internal/iostreams"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// Options control how a transcript is shown to a person.
type Options struct {
	Color   bool
	Verbose bool // every field and header of every request, raw bodies
	// StableTimes replaces measured latencies with a placeholder, so golden
	// files do not churn.
	StableTimes bool
	// Failed marks the summary ✘ whatever the call's own outcome: the call
	// is shown because something about it failed (a scenario's check).
	Failed bool
	// ProfileNote adds to the header that the API profile is the default
	// one and how to choose today's fields: for a person at a terminal who
	// did not choose.
	ProfileNote bool
}

type palette struct {
	head, dim, key, ok, bad, warn, tag, attr, val, text *color.Color
}

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) *color.Color { return iostreams.NewColor(on, attrs...) }
	return palette{
		head: mk(color.Bold), dim: mk(color.Faint), key: mk(color.FgCyan),
		ok: mk(color.FgGreen, color.Bold), bad: mk(color.FgRed, color.Bold), warn: mk(color.FgYellow),
		tag: mk(color.FgBlue), attr: mk(color.FgCyan), val: mk(color.FgGreen), text: mk(color.Reset),
	}
}

// WriteText renders the transcript for a person.
func WriteText(w io.Writer, t *simulate.Transcript, o Options) error {
	lv := NewLive(w, t, o)
	for _, s := range t.Steps {
		lv.Step(s)
	}
	return lv.End(t)
}

// Live writes a call's report as the call goes: each request and response
// as soon as the engine has it (Step is a simulate OnStep hook), what the
// caller heard and did as it happens, the summary at the end. Its output
// is WriteText's. A write error stops the writing; End returns it.
type Live struct {
	w      io.Writer
	o      Options
	pal    palette
	prev   contract.Params
	steps  []*simulate.Step
	shown  []int            // events of steps[i] already written
	held   []*simulate.Step // status callbacks not yet written
	err    error
	header bool
}

// NewLive starts the report of the call t (its header fields are set when
// the engine starts the call; the steps come through Step).
func NewLive(w io.Writer, t *simulate.Transcript, o Options) *Live {
	lv := &Live{w: w, o: o, pal: newPalette(o.Color)}
	if t != nil {
		lv.Header(t)
	}
	return lv
}

// Header writes the call's first line; later calls do nothing.
func (lv *Live) Header(t *simulate.Transcript) {
	if lv.header {
		return
	}
	lv.header = true
	lv.write(fmt.Sprintf("%s %s call %s · API %s · from %s to %s\n", lv.pal.head.Sprint("callsim"), t.Direction, t.CallSid, t.APIVersion, t.From, t.To))
	if lv.o.ProfileNote {
		lv.write(lv.pal.dim.Sprintf("    API %s is callsim's default; for the fields Twilio sends today use --api-version 2010-04-01 (or api_version: 2010-04-01 in callsim.yaml)\n", t.APIVersion))
	}
}

// Step writes what happened since the last step, then the new step's
// request, response and TwiML. A status callback waits for the next
// TwiML request or the end: the TwiML it interrupted may still be
// playing, and the report keeps a document's events under it.
func (lv *Live) Step(s *simulate.Step) {
	if s.Request != nil && callback(s.Request.Kind) {
		lv.held = append(lv.held, s)
		return
	}
	lv.Flush()
	lv.release()
	lv.step(s)
}

func (lv *Live) release() {
	held := lv.held
	lv.held = nil
	for _, s := range held {
		lv.step(s)
	}
}

func (lv *Live) step(s *simulate.Step) {
	var b strings.Builder
	b.WriteString("\n")
	writeStepHead(&b, s, lv.prev, lv.pal, lv.o)
	if s.Request != nil && !sideRequest(s.Request.Kind) {
		lv.prev = s.Request.Params
	}
	// Events the step already has (an audio answer played, a callback's
	// warning) belong right under it.
	for _, e := range s.Events {
		writeEvent(&b, e, lv.pal)
		writeLatency(&b, e, lv.pal, lv.o)
	}
	lv.steps = append(lv.steps, s)
	lv.shown = append(lv.shown, len(s.Events))
	lv.write(b.String())
}

// Flush writes the events the engine added to the steps since the last
// write: what the caller heard, pressed or said.
func (lv *Live) Flush() {
	var b strings.Builder
	for i, s := range lv.steps {
		for _, e := range s.Events[lv.shown[i]:] {
			writeEvent(&b, e, lv.pal)
			writeLatency(&b, e, lv.pal, lv.o)
		}
		lv.shown[i] = len(s.Events)
	}
	lv.write(b.String())
}

// End writes the last events and the summary line.
func (lv *Live) End(t *simulate.Transcript) error {
	lv.Flush()
	lv.release()
	mark := lv.pal.ok.Sprint("✔")
	if t.Failed || lv.o.Failed {
		mark = lv.pal.bad.Sprint("✘")
	}
	lv.write(fmt.Sprintf("\n%s %s%s\n", mark, t.Summary(), sentStatusNote(t)))
	return lv.err
}

// sentStatusNote keeps the summary true when --param replaced CallStatus:
// the call ended as the summary says, but the end-of-call request told the
// app something else.
func sentStatusNote(t *simulate.Transcript) string {
	for i := len(t.Steps) - 1; i >= 0; i-- {
		r := t.Steps[i].Request
		if r == nil || r.Kind != "end" {
			continue
		}
		if v, ok := r.Params.Get("CallStatus"); ok && v != t.Status {
			return fmt.Sprintf("; the requests said CallStatus=%s (--param)", v)
		}
		break
	}
	return ""
}

func (lv *Live) write(s string) {
	if lv.err != nil || s == "" {
		return
	}
	_, lv.err = io.WriteString(lv.w, s)
}

func (o Options) latency(d time.Duration) string {
	if o.StableTimes {
		return "<latency>"
	}
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

func writeStepHead(b *strings.Builder, s *simulate.Step, prev contract.Params, pal palette, o Options) {
	req := s.Request
	signed := pal.dim.Sprint("unsigned")
	if req.Signed() {
		signed = pal.ok.Sprint("signed")
	}
	fmt.Fprintf(b, "%s %s %s  %s  %s\n", pal.head.Sprintf("%d", s.N), pal.head.Sprint(req.Method), req.URL, pal.dim.Sprint(req.Kind), signed)
	if req.SendURL != "" {
		fmt.Fprintf(b, "    %s %s\n", pal.dim.Sprint("delivered to"), req.SendURL)
	}
	if req.Retries > 0 {
		fmt.Fprintf(b, "    %s\n", pal.warn.Sprintf("↻ sent %d times: %d retries after failed attempts (#rc)", req.Retries+1, req.Retries))
	}
	show := req.Params
	hidden := 0
	var removed []string
	if prev != nil && !o.Verbose {
		changed := req.Params.Changed(prev)
		show = nil
		for _, k := range changed {
			show = append(show, contract.Param{Key: k, Value: req.Params.Value(k)})
		}
		hidden = len(req.Params) - len(show)
	}
	if prev != nil && !sideRequest(req.Kind) {
		removed = removedKeys(prev, req.Params)
	}
	writeTable(b, show, pal, "    ")
	if len(removed) > 0 {
		fmt.Fprintf(b, "    %s %s\n", pal.key.Sprint("removed:"), strings.Join(removed, ", "))
	}
	if hidden > 0 {
		fmt.Fprintf(b, "    %s\n", pal.dim.Sprintf("(%d fields unchanged)", hidden))
	}
	if o.Verbose {
		fmt.Fprintf(b, "    %s\n", pal.dim.Sprint("headers:"))
		writeTable(b, req.Headers, pal, "      ")
	}
	if r := s.Response; r != nil {
		st := pal.ok
		if r.Status < 200 || r.Status > 299 {
			st = pal.bad
		}
		fmt.Fprintf(b, "  ← %s · %s · %s · %d B\n", st.Sprintf("%d %s", r.Status, statusText(r.Status)), o.latency(r.Latency), orNone(r.ContentType), r.Size)
		if r.URL != "" {
			fmt.Fprintf(b, "    %s %s\n", pal.dim.Sprint("after redirects:"), r.URL)
		}
		writeBody(b, s, pal, o)
	}
	if s.Error != nil {
		fmt.Fprintf(b, "  %s %s\n", pal.bad.Sprint("✖"), pal.bad.Sprint(s.Error.Error()))
	}
	for _, h := range Hints(s) {
		fmt.Fprintf(b, "    %s %s\n", pal.warn.Sprint("hint:"), h)
	}
	for _, p := range s.Problems {
		c := pal.warn
		if p.Severity != twiml.SeverityWarning {
			c = pal.bad
		}
		fmt.Fprintf(b, "    %s %s\n", c.Sprint("⚠"), c.Sprint(p.Error()))
	}
}

func writeEvent(b *strings.Builder, e simulate.Event, pal palette) {
	text := e.Text
	switch e.Kind {
	case simulate.EventSay, simulate.EventSpeak, simulate.EventCallerTurn, simulate.EventAgent:
		text = fmt.Sprintf("%q", e.Text)
	case simulate.EventPress:
		text = pressedText(e)
	case simulate.EventDial:
		text = fmt.Sprintf("dialled %s → %s", e.Text, e.Outcome)
	}
	if e.Code != 0 && e.Kind != simulate.EventSay {
		text = fmt.Sprintf("%d %s", e.Code, text)
	}
	line := fmt.Sprintf("    %s  %s", e.Icon(), text)
	switch e.Kind {
	case simulate.EventWarning, simulate.EventNotSimulated:
		line = pal.warn.Sprint(line)
	case simulate.EventError, simulate.EventCallerHangup:
		line = pal.bad.Sprint(line)
	}
	b.WriteString(line + "\n")
}

func writeBody(b *strings.Builder, s *simulate.Step, pal palette, o Options) {
	body := s.Response.Body
	if strings.TrimSpace(body) == "" {
		return
	}
	kind := s.Request.Kind
	if !o.Verbose && (kind == "end" || callback(kind)) {
		return
	}
	if s.Document != nil || strings.HasPrefix(strings.TrimSpace(body), "<") {
		st := twiml.Style{Tag: paint(pal.tag), AttrName: paint(pal.attr), AttrValue: paint(pal.val), Comment: paint(pal.dim)}
		if pretty, err := twiml.Pretty([]byte(body), st); err == nil {
			body = pretty
		}
	}
	const maxLines = 40
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if len(lines) > maxLines && !o.Verbose {
		lines = append(lines[:maxLines], pal.dim.Sprintf("… %d more lines (--verbose shows all)", len(lines)-maxLines))
	}
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
}

func paint(c *color.Color) func(string) string {
	return func(s string) string { return c.Sprint(s) }
}

// callback reports request kinds whose answer Twilio ignores (status,
// detection, recording, transcription, partial-result, dialled-leg and
// stream status callbacks).
func callback(kind string) bool {
	switch kind {
	case "status-callback", "amd-callback", "recording-status", "transcription", "partial-result", "dial-leg-status", "stream-status":
		return true
	}
	return false
}

// sideRequest reports requests that are not the call's own next request:
// callbacks, and TwiML fetched for another party (the called party's
// whisper, the queue's hold music, the dequeued caller's announcement).
func sideRequest(kind string) bool {
	switch kind {
	case "whisper", "enqueue-wait", "dequeue-whisper":
		return true
	}
	return callback(kind)
}

// ParamTable writes params as an aligned two-column table without colour,
// as the transcript shows them.
func ParamTable(b *strings.Builder, p contract.Params, indent string) {
	writeTable(b, p, newPalette(false), indent)
}

func writeTable(b *strings.Builder, p contract.Params, pal palette, indent string) {
	width := 0
	for _, kv := range p {
		width = max(width, len(kv.Key))
	}
	for _, kv := range p {
		fmt.Fprintf(b, "%s%s  %s\n", indent, pal.key.Sprintf("%-*s", width, kv.Key), kv.Value)
	}
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "status"
}

func orNone(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return s
}

// WriteJSON writes the transcript as one JSON document. Bodies keep their
// & < > as sent (no \u0026); durations are whole milliseconds (_ms).
func WriteJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteMermaid renders the call as a Mermaid sequence diagram.
func WriteMermaid(w io.Writer, t *simulate.Transcript) error {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	b.WriteString("    participant Caller\n    participant Twilio as Twilio (callsim)\n    participant App\n")
	for _, s := range t.Steps {
		r := s.Request
		// The path may be clipped; the fields that say what the caller
		// did never are.
		label := mermaidText(r.Method+" "+pathOf(r.URL), 60)
		if st := r.Params.Value("CallStatus"); st != "" {
			label += " (CallStatus=" + mermaidText(st, 0) + ")"
		}
		for _, k := range []string{"Digits", "SpeechResult", "DialCallStatus", "RecordingDuration", "ErrorCode"} {
			if v, ok := r.Params.Get(k); ok {
				label += " " + k + "=" + mermaidText(v, 0)
			}
		}
		fmt.Fprintf(&b, "    Twilio->>App: %s\n", label)
		switch {
		case s.Response != nil && s.Error == nil:
			fmt.Fprintf(&b, "    App-->>Twilio: %d %s\n", s.Response.Status, mermaidText(orNone(s.Response.ContentType), 0))
		case s.Error != nil:
			fmt.Fprintf(&b, "    App--xTwilio: %s\n", mermaidText(s.Error.Error(), 0))
		}
		for _, e := range s.Events {
			switch e.Kind {
			case simulate.EventSay, simulate.EventPlay, simulate.EventPause:
				fmt.Fprintf(&b, "    Twilio->>Caller: %s %s\n", verbOf(e), mermaidText(e.Text, 0))
			case simulate.EventPress:
				text := "presses " + e.Text
				if full := pressedText(e); full != fmt.Sprintf("pressed %q", e.Text) {
					text += " (" + strings.ReplaceAll(full[strings.Index(full, ": ")+2:], `"`, "") + ")"
				}
				fmt.Fprintf(&b, "    Caller->>Twilio: %s\n", mermaidText(text, 0))
			case simulate.EventSpeak:
				fmt.Fprintf(&b, "    Caller->>Twilio: says %s\n", mermaidText(e.Text, 0))
			case simulate.EventNoInput:
				fmt.Fprintf(&b, "    Note over Caller,Twilio: %s %s\n", verbOf(e), mermaidText(e.Text, 0))
			case simulate.EventRecord:
				fmt.Fprintf(&b, "    Caller->>Twilio: %s\n", mermaidText(e.Text, 0))
			case simulate.EventDial:
				fmt.Fprintf(&b, "    Twilio->>Caller: dials %s, %s\n", mermaidText(e.Text, 0), e.Outcome)
			case simulate.EventHangup, simulate.EventReject, simulate.EventCallerHangup, simulate.EventNotSimulated, simulate.EventError, simulate.EventFallback, simulate.EventWarning:
				text := e.Text
				if v := verbOf(e); v != "" {
					text = v + ": " + text
				}
				if e.Code != 0 {
					text = fmt.Sprintf("%d %s", e.Code, text)
				}
				fmt.Fprintf(&b, "    Note over Twilio: %s\n", mermaidText(text, 0))
			default:
				mermaidSession(&b, e, func(s string) string { return mermaidText(s, 0) })
			}
		}
	}
	fmt.Fprintf(&b, "    Note over Caller,App: %s\n", mermaidText("ended: "+t.EndReason+", CallStatus="+t.Status, 0))
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidEscapes keeps a message on one line and writes the characters
// Mermaid reads as syntax as its entity codes (#35; is #, #59; is ;).
var mermaidEscapes = strings.NewReplacer("#", "#35;", ";", "#59;", "\n", " ", "\r", " ", "\"", "#quot;")

// mermaidText is s for a Mermaid message; max > 0 clips it to max runes
// (at a word break when there is one) with an ellipsis.
func mermaidText(s string, max int) string {
	if r := []rune(s); max > 0 && len(r) > max {
		cut := string(r[:max-1])
		if i := strings.LastIndexByte(cut, ' '); i > max/2 {
			cut = cut[:i]
		}
		s = cut + "…"
	}
	return mermaidEscapes.Replace(s)
}

// verbOf is the TwiML verb behind an event: the engine names it on most
// events; what Twilio itself says (the application-error message) is a Say.
func verbOf(e simulate.Event) string {
	if e.Verb != "" {
		return e.Verb
	}
	switch e.Kind {
	case simulate.EventSay:
		return "Say"
	case simulate.EventPlay:
		return "Play"
	case simulate.EventPause:
		return "Pause"
	}
	return ""
}

func pathOf(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			p := rest[j:]
			if k := strings.IndexByte(p, '?'); k >= 0 {
				p = p[:k]
			}
			return p
		}
		return "/"
	}
	return raw
}

// WritePreview shows a request that was not sent (--dry-run), with a curl
// line that sends it exactly, signature included.
func WritePreview(w io.Writer, req *webhook.Request, o Options) error {
	var b strings.Builder
	pal := newPalette(o.Color)
	signed := pal.dim.Sprint("unsigned (no auth token configured)")
	if req.Signed() {
		signed = pal.ok.Sprint("signed")
	}
	fmt.Fprintf(&b, "%s %s %s  %s  %s\n", pal.head.Sprint("dry run:"), pal.head.Sprint(req.Method), req.URL, pal.dim.Sprint(req.Kind), signed)
	if req.SendURL != "" {
		fmt.Fprintf(&b, "    %s %s\n", pal.dim.Sprint("delivered to"), req.SendURL)
	}
	writeTable(&b, req.Params, pal, "    ")
	fmt.Fprintf(&b, "    %s\n", pal.dim.Sprint("headers:"))
	writeTable(&b, req.Headers, pal, "      ")
	fmt.Fprintf(&b, "\n%s\n%s\n", pal.dim.Sprint("# the same request with curl:"), req.Curl())
	_, err := io.WriteString(w, b.String())
	return err
}
