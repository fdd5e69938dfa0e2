package report

import (
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
	var b strings.Builder
	pal := newPalette(o.Color)
	fmt.Fprintf(&b, "%s %s call %s · API %s · from %s to %s\n", pal.head.Sprint("callsim"), t.Direction, t.CallSid, t.APIVersion, t.From, t.To)
	var prev contract.Params
	for _, s := range t.Steps {
		b.WriteString("\n")
		writeStep(&b, s, prev, pal, o)
		if s.Request != nil && !sideRequest(s.Request.Kind) {
			prev = s.Request.Params
		}
	}
	b.WriteString("\n")
	mark := pal.ok.Sprint("✔")
	if t.Failed {
		mark = pal.bad.Sprint("✘")
	}
	fmt.Fprintf(&b, "%s %s\n", mark, t.Summary())
	_, err := io.WriteString(w, b.String())
	return err
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

func writeStep(b *strings.Builder, s *simulate.Step, prev contract.Params, pal palette, o Options) {
	req := s.Request
	signed := pal.dim.Sprint("unsigned")
	if req.Signed() {
		signed = pal.ok.Sprint("signed")
	}
	fmt.Fprintf(b, "%s %s %s  %s  %s\n", pal.head.Sprintf("%d", s.N), pal.head.Sprint(req.Method), req.URL, pal.dim.Sprint(req.Kind), signed)
	if req.SendURL != "" {
		fmt.Fprintf(b, "    %s %s\n", pal.dim.Sprint("delivered to"), req.SendURL)
	}
	show := req.Params
	hidden := 0
	if prev != nil && !o.Verbose {
		changed := req.Params.Changed(prev)
		show = nil
		for _, k := range changed {
			show = append(show, contract.Param{Key: k, Value: req.Params.Value(k)})
		}
		hidden = len(req.Params) - len(show)
	}
	writeTable(b, show, pal, "    ")
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
	for _, p := range s.Problems {
		c := pal.warn
		if p.Severity != twiml.SeverityWarning {
			c = pal.bad
		}
		fmt.Fprintf(b, "    %s %s\n", c.Sprint("⚠"), c.Sprint(p.Error()))
	}
	for _, e := range s.Events {
		writeEvent(b, e, pal)
		writeLatency(b, e, pal, o)
	}
}

func writeEvent(b *strings.Builder, e simulate.Event, pal palette) {
	text := e.Text
	switch e.Kind {
	case simulate.EventSay, simulate.EventSpeak, simulate.EventCallerTurn, simulate.EventAgent:
		text = fmt.Sprintf("%q", e.Text)
	case simulate.EventPress:
		text = fmt.Sprintf("pressed %q", e.Text)
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
// recording, transcription, partial-result and dialled-leg callbacks).
func callback(kind string) bool {
	switch kind {
	case "status-callback", "recording-status", "transcription", "partial-result", "dial-leg-status":
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

// WriteJSON writes the transcript as one JSON document.
func WriteJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// WriteMermaid renders the call as a Mermaid sequence diagram.
func WriteMermaid(w io.Writer, t *simulate.Transcript) error {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	b.WriteString("    participant Caller\n    participant Twilio as Twilio (callsim)\n    participant App\n")
	q := func(s string) string {
		s = strings.NewReplacer(";", ",", "#", "＃", "\n", " ", "\"", "'").Replace(s)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return s
	}
	for _, s := range t.Steps {
		r := s.Request
		label := r.Method + " " + pathOf(r.URL)
		if st := r.Params.Value("CallStatus"); st != "" {
			label += " (CallStatus=" + st + ")"
		}
		for _, k := range []string{"Digits", "SpeechResult", "DialCallStatus", "RecordingDuration"} {
			if v, ok := r.Params.Get(k); ok {
				label += " " + k + "=" + v
			}
		}
		fmt.Fprintf(&b, "    Twilio->>App: %s\n", q(label))
		switch {
		case s.Response != nil && s.Error == nil:
			fmt.Fprintf(&b, "    App-->>Twilio: %d %s\n", s.Response.Status, q(orNone(s.Response.ContentType)))
		case s.Error != nil:
			fmt.Fprintf(&b, "    App--xTwilio: %s\n", q(s.Error.Error()))
		}
		for _, e := range s.Events {
			switch e.Kind {
			case simulate.EventSay, simulate.EventPlay, simulate.EventPause:
				fmt.Fprintf(&b, "    Twilio->>Caller: %s %s\n", e.Verb, q(e.Text))
			case simulate.EventPress:
				fmt.Fprintf(&b, "    Caller->>Twilio: presses %s\n", q(e.Text))
			case simulate.EventSpeak:
				fmt.Fprintf(&b, "    Caller->>Twilio: says %s\n", q(e.Text))
			case simulate.EventNoInput:
				fmt.Fprintf(&b, "    Note over Caller,Twilio: %s\n", q(e.Text))
			case simulate.EventRecord:
				fmt.Fprintf(&b, "    Caller->>Twilio: %s\n", q(e.Text))
			case simulate.EventDial:
				fmt.Fprintf(&b, "    Twilio->>Caller: dials %s, %s\n", q(e.Text), e.Outcome)
			case simulate.EventHangup, simulate.EventReject, simulate.EventCallerHangup, simulate.EventNotSimulated, simulate.EventError, simulate.EventFallback:
				fmt.Fprintf(&b, "    Note over Twilio: %s\n", q(e.Text))
			default:
				mermaidSession(&b, e, q)
			}
		}
	}
	fmt.Fprintf(&b, "    Note over Caller,App: %s\n", q("ended: "+t.EndReason+", CallStatus="+t.Status))
	_, err := io.WriteString(w, b.String())
	return err
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
