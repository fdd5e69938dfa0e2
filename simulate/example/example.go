package example

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/report"
	"github.com/callsim/callsim/simulate/webhook"
)

// Kind is one request `callsim example` can show.
type Kind struct {
	Name        string // as typed on the command line
	Request     string // Request.Kind, as the engine names it
	Description string // one line, for help and the markdown format
}

// Kinds lists the example requests, in the order a call makes them.
func Kinds() []Kind { return slices.Clone(kinds) }

var kinds = []Kind{
	{"inbound", "initial", "the first request of an inbound call: someone phoned your Twilio number"},
	{"outbound", "initial", "the first request of an outbound call your app placed through the REST API"},
	{"completed", "end", "the end-of-call request (legacy API): the voice URL again with CallStatus=completed"},
	{"gather", "gather", "the Gather action request: what the caller pressed"},
	{"record", "record", "the Record action request: the message the caller left"},
	{"dial", "dial", "the Dial action request: how the dialled call went"},
	{"status-callback", "status-callback", "the status callback of the completed event"},
	{"no-answer", "status-callback", "the status callback of an outbound call nobody answered (2010-04-01 fetches no TwiML for it)"},
	{"amd-callback", "amd-callback", "the AsyncAmdStatusCallback request: what asynchronous answering machine detection found"},
	// Requests TwiML asks for besides the action URLs. Appended, so the
	// kinds above keep their seed streams (and their golden examples).
	{"recording-status", "recording-status", "the recordingStatusCallback of <Record> or <Dial record>: the recording is ready"},
	{"transcription", "transcription", "the transcribeCallback of <Record transcribe=\"true\">: the text of the message"},
	{"partial-result", "partial-result", "a partialResultCallback of a speech <Gather>: the words recognised so far"},
	{"dial-leg-status", "dial-leg-status", "the statusCallback of a <Number>, <Client> or <Sip>: the dialled leg ended"},
	{"whisper", "whisper", "the <Number url> request: TwiML for the called party before the legs are bridged"},
	{"enqueue-wait", "enqueue-wait", "the <Enqueue waitUrl> request: what the caller hears while waiting in the queue"},
	{"enqueue", "enqueue", "the <Enqueue> action request: how the caller left the queue"},
	{"dequeue-whisper", "dequeue-whisper", "the <Dial><Queue url> request: TwiML for the caller taken out of the queue"},
}

// Applies reports whether profile p ever sends this kind of request: the
// first API re-requested the voice URL at the end of the call and knew no
// callbacks for unanswered calls or detection; today's does the reverse.
func (k Kind) Applies(p *contract.Profile) bool {
	switch k.Name {
	case "completed":
		return p.EndRequest
	case "no-answer":
		return !p.FetchUnanswered
	case "amd-callback":
		return p.AMD != nil
	}
	return true
}

// notSent explains why profile p never sends kind k.
func notSent(k Kind, p *contract.Profile) error {
	msg := fmt.Sprintf("the %s API never sends a %s request", p.Name, k.Name)
	switch k.Name {
	case "completed":
		msg = fmt.Sprintf("the %s API sends no end-of-call request to the voice URL: the end of the call goes to the status callback (callsim example status-callback)", p.Name)
	case "no-answer":
		msg = fmt.Sprintf("the %s API requests the voice URL even for an unanswered call, with DialStatus (callsim example outbound --dial-status no-answer)", p.Name)
	case "amd-callback":
		msg = fmt.Sprintf("the %s API has no asynchronous answering machine detection (it reports a machine through DialStatus)", p.Name)
	}
	return &contract.InputError{Value: k.Name, Msg: msg}
}

// KindNames lists the example kinds in order.
func KindNames() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	return names
}

// LookupKind finds an example kind by name.
func LookupKind(name string) (Kind, error) {
	for _, k := range kinds {
		if k.Name == name {
			return k, nil
		}
	}
	return Kind{}, &contract.InputError{Value: name, Msg: fmt.Sprintf("unknown request kind %q (allowed: %s)", name, strings.Join(KindNames(), ", "))}
}

var formats = []string{"query", "form", "curl", "http", "json", "yaml", "table", "markdown"}

// Formats lists the formats Format writes.
func Formats() []string { return slices.Clone(formats) }

// DefaultSeed makes examples reproducible: the same seed gives the
// same SIDs, numbers and tokens on every run and machine, so docs built from
// them do not churn.
const DefaultSeed uint64 = 20100401

// Time is the clock of reproducible examples: the status callback's
// Timestamp.
func Time() time.Time { return exampleTime }

var exampleTime = time.Date(2026, time.February, 12, 11, 48, 25, 0, time.UTC)

// streamExample is the first seed stream of example values, one per kind.
const streamExample = 0x6578616d706c65

// DefaultURL is the URL an example request goes to when none is given.
func DefaultURL(kind string) string {
	switch kind {
	case "gather", "record", "dial":
		return "https://example.com/voice/" + kind
	case "status-callback", "no-answer":
		return "https://example.com/voice/status"
	case "amd-callback":
		return "https://example.com/voice/amd"
	case "recording-status", "transcription", "partial-result", "whisper", "enqueue":
		return "https://example.com/voice/" + kind
	case "dial-leg-status":
		return "https://example.com/voice/leg-status"
	case "enqueue-wait":
		return "https://example.com/voice/hold"
	case "dequeue-whisper":
		return "https://example.com/voice/dequeued"
	}
	return "https://example.com/voice"
}

// Options say where an example request goes and how it is signed.
type Options struct {
	URL       string    // the voice URL, action URL or status callback; "" = DefaultURL
	Method    string    // GET or POST (default)
	AuthToken string    // signs the request when set
	Now       time.Time // when the call ended (status callback Timestamp); zero = Time()
	Speech    string    // gather: the caller said this instead of pressing keys
}

// Call makes the call an example kind belongs to: outbound for
// "outbound", inbound for every other kind.
func Call(kind string, spec contract.CallSpec) (*contract.Call, error) {
	k, err := LookupKind(kind)
	if err != nil {
		return nil, err
	}
	if prof, err := contract.LookupProfile(spec.APIVersion); err == nil && !k.Applies(prof) {
		return nil, notSent(k, prof)
	}
	spec.Direction = contract.Inbound
	switch kind {
	case "outbound":
		spec.Direction = contract.Outbound
	case "no-answer":
		spec.Direction = contract.Outbound
		if spec.DialStatus == "" || spec.DialStatus == "answered" {
			spec.DialStatus = "no-answer"
		}
	case "amd-callback":
		spec.Direction, spec.AsyncAMD = contract.Outbound, true
		if spec.AnsweredBy == "" && (spec.DialStatus == "" || spec.DialStatus == "answered") {
			spec.AnsweredBy = "machine_end_beep"
		}
	}
	return contract.NewCall(spec)
}

// Build builds the request of that kind Twilio would send during call,
// with values drawn from the call's seed, signed when opt.AuthToken is set.
// --param overrides (call.Overrides) win over every generated field.
func Build(kind string, call *contract.Call, opt Options) (*webhook.Request, error) {
	k, err := LookupKind(kind)
	if err != nil {
		return nil, err
	}
	if !k.Applies(call.Profile) {
		return nil, notSent(k, call.Profile)
	}
	if (kind == "inbound" && call.Direction != contract.Inbound) || (kind == "outbound" && call.Direction != contract.Outbound) {
		return nil, &contract.InputError{Value: kind, Msg: fmt.Sprintf("a %s example needs a %s call", kind, kind)}
	}
	if opt.URL == "" {
		opt.URL = DefaultURL(kind)
	}
	if _, err := webhook.ParseHTTPURL(opt.URL); err != nil {
		return nil, &contract.InputError{Field: "url", Value: opt.URL, Msg: err.Error()}
	}
	if m := strings.ToUpper(opt.Method); m != "" && m != http.MethodGet && m != http.MethodPost {
		return nil, contract.NewInputError("method", opt.Method, "must be GET or POST")
	}
	now := opt.Now
	if now.IsZero() {
		now = exampleTime
	}
	p := call.Profile
	// The call's length is shared by every kind (completed and
	// status-callback agree); the rest is drawn per kind so no two
	// requests share a token or SID.
	seconds := 20 + call.RunRand().IntN(160)
	r := contract.NewRandStream(call.Seed, streamExample+uint64(slices.Index(kinds, k)))
	var params contract.Params
	switch kind {
	case "inbound", "outbound":
		params = call.Params(call.FirstStatus(), true)
	case "completed":
		// As the engine's end-of-call request.
		params = call.Params("completed", false)
		if p.StatusCallbacks {
			params = params.Set("CallDuration", strconv.Itoa(seconds))
		}
	case "gather":
		params = call.Params("in-progress", false)
		if opt.Speech != "" {
			params = params.Merge(contract.GatherSpeechFields(opt.Speech, float64(80+r.IntN(20))/100))
		} else {
			params = params.Merge(contract.GatherDigitsFields(p, fmt.Sprintf("%04d", r.IntN(10000)), "#"))
		}
	case "record":
		params = call.Params("in-progress", false).
			Merge(contract.RecordFields(p, call.AccountSid, contract.NewSID("RE", r), 3+r.IntN(40), "#"))
	case "dial":
		params = call.Params("in-progress", false).
			Merge(contract.DialFields(p, "completed", contract.NewSID("CA", r), 20+r.IntN(100)))
	case "status-callback":
		at := now.UTC().Format(contract.TimestampFormat)
		params = call.Params("completed", false).
			Merge(contract.StatusCallbackFields(p, "completed", "completed", seconds, true, 0, at))
	case "no-answer":
		// after initiated (0) and ringing (1), as the engine sends them
		at := now.UTC().Format(contract.TimestampFormat)
		params = call.Params(call.DialStatus, false).
			Merge(contract.StatusCallbackFields(p, "completed", call.DialStatus, 0, false, 2, at))
	case "amd-callback":
		params = contract.AsyncAMDFields(call.CallSid, call.AccountSid, call.AnsweredBy, call.MachineDetectionMillis())
	default:
		params = verbRequest(kind, call, r, now)
	}
	params = params.Merge(call.Overrides)
	signer := &webhook.Sender{AuthToken: opt.AuthToken}
	return signer.Build(k.Request, webhook.Target{URL: opt.URL, Method: opt.Method}, params, r)
}

// QueryURL is the example as a GET URL: the URL with every field in
// its query string (for a POST request, the URL it would be as a GET).
func QueryURL(req *webhook.Request) string {
	if req.Method == http.MethodGet || len(req.Params) == 0 {
		return req.URL
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return req.URL
	}
	contract.AppendQuery(u, req.Params)
	return u.String()
}

// HTTP is the request as raw HTTP/1.1 with lines ending in eol
// ("\r\n" on the wire).
func HTTP(req *webhook.Request, eol string) string {
	u, err := url.Parse(req.URL)
	target, host := req.URL, ""
	if err == nil {
		target, host = u.RequestURI(), u.Host
	}
	var b strings.Builder
	b.WriteString(req.Method + " " + target + " HTTP/1.1" + eol)
	b.WriteString("Host: " + host + eol)
	for _, h := range req.Headers {
		b.WriteString(h.Key + ": " + h.Value + eol)
	}
	if req.Method == http.MethodPost {
		b.WriteString("Content-Length: " + strconv.Itoa(len(req.Body)) + eol)
	}
	b.WriteString(eol)
	if req.Method == http.MethodPost {
		// The empty line after the body is for people; servers ignore it.
		b.WriteString(req.Body + eol)
	}
	return b.String()
}

// Format writes an example request in one of Formats(). p and
// kind (a Kinds name) give the field meanings and the description in
// the markdown and table formats.
func Format(w io.Writer, req *webhook.Request, format string, p *contract.Profile, kind string) error {
	var b bytes.Buffer
	switch format {
	case "query":
		b.WriteString(QueryURL(req) + "\n")
	case "form":
		b.WriteString(req.Params.Encode() + "\n")
	case "curl":
		b.WriteString(req.Curl() + "\n")
	case "http":
		b.WriteString(HTTP(req, "\r\n"))
	case "json":
		return report.WriteJSON(w, req)
	case "yaml":
		if err := writeExampleYAML(&b, req); err != nil {
			return err
		}
	case "table":
		writeExampleTable(&b, req)
	case "markdown":
		writeExampleMarkdown(&b, req, p, kind)
	default:
		return &contract.InputError{Field: "format", Value: format, Msg: fmt.Sprintf("unknown format %q (allowed: %s)", format, strings.Join(formats, ", "))}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeExampleTable(b *bytes.Buffer, req *webhook.Request) {
	var s strings.Builder
	fmt.Fprintf(&s, "%s %s\n", req.Method, req.URL)
	report.ParamTable(&s, req.Params, "  ")
	s.WriteString("headers:\n")
	report.ParamTable(&s, req.Headers, "  ")
	b.WriteString(s.String())
}

func writeExampleMarkdown(b *bytes.Buffer, req *webhook.Request, p *contract.Profile, kind string) {
	desc := kind
	if k, err := LookupKind(kind); err == nil {
		desc = k.Description
	}
	fmt.Fprintf(b, "Example: %s (API version %s, %s).\n\n", desc, p.Name, req.Method)
	b.WriteString("```http\n")
	b.WriteString(HTTP(req, "\n"))
	b.WriteString("```\n\n")
	b.WriteString("| Field | Example | Meaning |\n|---|---|---|\n")
	for _, kv := range req.Params {
		meaning := contract.KindFieldMeaning(p, kind, kv.Key)
		if meaning == "" {
			meaning = "Added with --param."
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", kv.Key, mdCode(kv.Value), mdCell(meaning))
	}
}

// mdCode renders a value as inline code in a table cell.
func mdCode(v string) string {
	if v == "" {
		return "*(empty)*"
	}
	fence := "`"
	for strings.Contains(v, fence) {
		fence += "`"
	}
	if fence != "`" {
		v = " " + v + " "
	}
	return fence + mdCell(v) + fence
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func writeExampleYAML(b *bytes.Buffer, req *webhook.Request) error {
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	mapping := func(p contract.Params) *yaml.Node {
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, kv := range p {
			n.Content = append(n.Content, str(kv.Key), str(kv.Value))
		}
		return n
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) { doc.Content = append(doc.Content, str(k), v) }
	add("kind", str(req.Kind))
	add("method", str(req.Method))
	add("url", str(req.URL))
	add("params", mapping(req.Params))
	if req.Body != "" {
		add("body", str(req.Body))
	}
	add("headers", mapping(req.Headers))
	if req.Signature != "" {
		add("signature", str(req.Signature))
	}
	enc := yaml.NewEncoder(b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}
