package simulate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/callsim/callsim/simulate/twiml"
)

// Options say where the call goes and how Twilio's side behaves.
type Options struct {
	URL        string // the voice URL callsim delivers to
	Method     string // GET or POST (default)
	SigningURL string // public URL to sign instead of URL (tunnel, proxy)
	AuthToken  string
	Timeout    time.Duration // per request; 0 = Twilio's 15 s

	FallbackURL, FallbackMethod string
	StatusCallback              string
	StatusCallbackMethod        string
	StatusEvents                []string // initiated, ringing, answered, completed; default completed

	NoEnd    bool // skip the end-of-call CallStatus=completed request
	MaxSteps int  // TwiML requests before the loop guard ends the call; 0 = 100

	Caller Caller       // nil: nobody presses anything
	HTTP   *http.Client // shared client (transport); nil = a new one
	// OnStep, when set, sees every step as soon as its response is parsed.
	OnStep func(*Step)
	// Now gives the call's start time (tests fix it); nil = time.Now.
	Now func() time.Time
}

// StatusEvents Twilio can report to a status callback.
var StatusEvents = []string{"initiated", "ringing", "answered", "completed"}

// Validate checks options that do not depend on the network.
func (o *Options) Validate() error {
	if _, err := parseHTTPURL(o.URL); err != nil {
		return &InputError{Field: "url", Value: o.URL, Msg: err.Error()}
	}
	for _, m := range []struct{ field, v string }{{"method", o.Method}, {"fallback-method", o.FallbackMethod}, {"status-callback-method", o.StatusCallbackMethod}} {
		if v := strings.ToUpper(m.v); v != "" && v != http.MethodGet && v != http.MethodPost {
			return inputErr(m.field, m.v, "must be GET or POST")
		}
	}
	for _, u := range []struct{ field, v string }{{"fallback-url", o.FallbackURL}, {"status-callback", o.StatusCallback}, {"signing-url", o.SigningURL}} {
		if u.v == "" {
			continue
		}
		if _, err := parseHTTPURL(u.v); err != nil {
			return &InputError{Field: u.field, Value: u.v, Msg: err.Error()}
		}
	}
	if u, _ := url.Parse(o.URL); u != nil && u.Fragment != "" {
		if _, err := ParseOverrides(u.Fragment); err != nil {
			return &InputError{Field: "url", Value: o.URL, Msg: err.Error()}
		}
	}
	for _, e := range o.StatusEvents {
		if !slices.Contains(StatusEvents, e) {
			return inputErr("status-events", e, "unknown event %q (allowed: %s)", e, strings.Join(StatusEvents, ", "))
		}
	}
	if o.Timeout < 0 {
		return inputErr("timeout", o.Timeout.String(), "must be positive")
	}
	if o.MaxSteps < 0 {
		return inputErr("max-steps", strconv.Itoa(o.MaxSteps), "must be positive")
	}
	return nil
}

var defaultClient = &http.Client{Transport: NewTransport()}

// run is the state of one call in progress.
type run struct {
	call   *Call
	opt    *Options
	signer *Signer
	docs   *twiml.Cache
	client *http.Client
	rnd    *rand.Rand
	t      *Transcript
	caller Caller
	onStep func(*Step)

	docURL    string // public URL of the current document, with the credentials it was requested with
	clock     time.Duration
	requests  int
	heard     []Event
	sequence  int
	ended     bool
	answered  bool
	lastStep  *Step
	maxSteps  int
	startWall time.Time
}

// Run simulates the whole call: the first request, the TwiML it returns
// followed verb by verb, and the end-of-call and status-callback requests.
// The returned error is only for bad options; endpoint failures are in the
// transcript (Failed, Errors).
func Run(ctx context.Context, call *Call, opt Options) (*Transcript, error) {
	rn, err := newRunner(opt, nil)
	if err != nil {
		return nil, err
	}
	return rn.Run(ctx, call, CallHooks{}), nil
}

// Runner places many calls with one set of options, as a load run does:
// the options are checked once, and each distinct TwiML document the app
// answers with is parsed once. Safe for concurrent use.
type Runner struct {
	opt    Options
	signer *Signer
	docs   *twiml.Cache
}

// CallHooks are what may differ between the calls of one Runner; a nil
// field keeps the Options' own.
type CallHooks struct {
	Caller Caller
	OnStep func(*Step)
	HTTP   *http.Client
}

// NewRunner checks the options; the error is an *InputError naming the
// field.
func NewRunner(opt Options) (*Runner, error) {
	return newRunner(opt, twiml.NewCache(256, 16<<10))
}

func newRunner(opt Options, docs *twiml.Cache) (*Runner, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	signer, err := NewSigner(opt.AuthToken, opt.URL, opt.SigningURL, opt.Timeout)
	if err != nil {
		return nil, err
	}
	return &Runner{opt: opt, signer: signer, docs: docs}, nil
}

// Run places one call and returns its transcript.
func (rn *Runner) Run(ctx context.Context, call *Call, h CallHooks) *Transcript {
	opt := &rn.opt
	base := h.HTTP
	if base == nil {
		base = opt.HTTP
	}
	if base == nil {
		base = defaultClient
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	r := &run{
		call: call, opt: opt, signer: rn.signer, docs: rn.docs, rnd: call.runRand(),
		client: &http.Client{Transport: base.Transport, Jar: &lazyJar{}},
		caller: h.Caller, onStep: h.OnStep, maxSteps: opt.MaxSteps, startWall: time.Now(),
		t: &Transcript{
			CallSid: call.CallSid, AccountSid: call.AccountSid, APIVersion: call.Profile.Name,
			Direction: call.DirectionValue(), From: call.Caller.Format(call.Profile), To: call.Called.Format(call.Profile),
			StartedAt: now().UTC(),
		},
	}
	if r.caller == nil {
		r.caller = opt.Caller
	}
	if r.caller == nil {
		r.caller = &ScriptCaller{}
	}
	if r.onStep == nil {
		r.onStep = opt.OnStep
	}
	if r.maxSteps == 0 {
		r.maxSteps = 100
	}
	r.run(ctx)
	r.t.Elapsed = time.Since(r.startWall)
	return r.t
}

// Preview builds the first request of the call without sending it (--dry-run).
func Preview(call *Call, opt Options) (*Request, error) {
	rn, err := newRunner(opt, nil)
	if err != nil {
		return nil, err
	}
	return rn.signer.Build("initial", Target{rn.signer.PublicURL(opt.URL), opt.Method}, call.Params(call.FirstStatus(), true), call.runRand())
}

func (r *run) run(ctx context.Context) {
	r.statusCallback(ctx, "initiated", "initiated")
	r.statusCallback(ctx, "ringing", "ringing")
	initial := Target{r.signer.PublicURL(r.opt.URL), r.opt.Method}
	status := r.call.FirstStatus()
	step, doc := r.fetch(ctx, "initial", initial, r.call.Params(status, true))
	if step.Error != nil && r.opt.FallbackURL != "" {
		step, doc = r.fallback(ctx, step)
	}
	if !r.call.Answered() {
		r.finish(r.call.DialStatus, "the call was not answered: "+r.call.DialStatus)
		r.statusCallback(ctx, "completed", r.call.DialStatus)
		return
	}
	r.answered = !rejectsFirst(doc)
	if r.answered {
		r.statusCallback(ctx, "answered", "in-progress")
	}
	if step.Error != nil {
		r.applicationError(step)
	} else {
		r.execute(ctx, step, doc)
	}
	if !r.ended {
		r.finish("completed", "no more verbs")
	}
	if !r.opt.NoEnd && r.t.Status == "completed" {
		r.endOfCall(ctx, initial)
	}
	r.statusCallback(ctx, "completed", r.t.Status)
}

func (r *run) finish(status, reason string) {
	if r.ended {
		return
	}
	r.ended = true
	r.t.Status = status
	r.t.EndReason = reason
	r.t.Duration = r.clock
}

func (r *run) fail(step *Step, err *TwilioError) {
	step.Error = err
	r.t.Failed = true
	r.t.Errors = append(r.t.Errors, err)
}

// applicationError is what the caller hears when Twilio cannot run the app.
func (r *run) applicationError(step *Step) {
	r.event(step, Event{Kind: EventSay, Text: "We are sorry, an application error has occurred. Goodbye.", Code: step.Error.Code})
	r.finish("completed", fmt.Sprintf("application error %d", step.Error.Code))
}

func (r *run) event(step *Step, e Event) {
	step.Events = append(step.Events, e)
	switch e.Kind {
	case EventSay, EventPlay, EventPause:
		r.heard = append(r.heard, e)
	case EventWarning:
		r.t.Warnings++
	}
	r.clock += time.Duration(e.Seconds * float64(time.Second))
}

// fetch requests a TwiML document and parses it as Twilio would.
func (r *run) fetch(ctx context.Context, kind string, target Target, params Params) (*Step, *twiml.Document) {
	r.requests++
	step, req := r.begin(kind, target, params)
	if req == nil {
		return step, nil
	}
	resp, terr := r.signer.Send(ctx, r.client, req)
	step.Response = resp
	if terr != nil {
		r.fail(step, terr)
		r.notify(step)
		return step, nil
	}
	if resp.URL != "" {
		r.docURL = req.urlWithUser(r.signer.PublicURL(resp.URL))
	} else {
		r.docURL = req.urlWithUser(req.URL)
	}
	doc := r.interpret(step, resp)
	r.notify(step)
	return step, doc
}

// begin adds the next step and builds its request; a nil request means it
// could not be built (a bad URL in the TwiML) and the step carries the error.
func (r *run) begin(kind string, target Target, params Params) (*Step, *Request) {
	step := &Step{N: len(r.t.Steps) + 1}
	r.t.Steps = append(r.t.Steps, step)
	req, err := r.signer.Build(kind, target, params, r.rnd)
	if err != nil {
		var te *TwilioError
		if !errors.As(err, &te) {
			te = twErr(ErrInvalidURL, "%v", err)
		}
		step.Request = &Request{Kind: kind, Method: strings.ToUpper(target.Method), URL: withoutUser(target.URL), Params: params}
		r.fail(step, te)
		r.notify(step)
		return step, nil
	}
	step.Request = req
	return step, req
}

func (r *run) notify(step *Step) {
	r.lastStep = step
	if r.onStep != nil {
		r.onStep(step)
	}
}

var audioTypes = []string{"audio/mpeg", "audio/mp3", "audio/wav", "audio/wave", "audio/x-wav", "audio/aiff", "audio/x-aifc", "audio/x-aiff", "audio/x-gsm", "audio/gsm", "audio/ulaw", "audio/basic"}

// interpret applies Twilio's content-type rules and parses TwiML; a nil
// document with no step error means the response was played or read out and
// the call hangs up.
func (r *run) interpret(step *Step, resp *Response) *twiml.Document {
	mt, ok := mediaType(resp.ContentType)
	if !ok {
		r.fail(step, twErr(ErrInvalidContentType, "the response has no usable Content-Type (%q)", resp.ContentType))
		return nil
	}
	switch {
	case mt == "text/xml" || mt == "application/xml" || mt == "text/html":
		return r.parse(step, resp)
	case slices.Contains(audioTypes, mt):
		r.event(step, Event{Kind: EventPlay, Text: fmt.Sprintf("the response itself (%s, %d bytes)", mt, resp.Size), Seconds: 5})
		r.event(step, Event{Kind: EventHangup, Text: "audio response played, then Twilio hangs up"})
		r.finish("completed", "audio response played")
		return nil
	case mt == "text/plain":
		if doc, perr := r.docs.Parse(resp.Body); perr == nil {
			return r.accept(step, doc)
		}
		text := strings.TrimSpace(resp.Body)
		r.event(step, Event{Kind: EventSay, Text: text, Seconds: speechSeconds(text)})
		r.event(step, Event{Kind: EventHangup, Text: "plain text read aloud, then Twilio hangs up"})
		r.finish("completed", "plain text response read aloud")
		return nil
	}
	r.fail(step, twErr(ErrInvalidContentType, "%q is neither TwiML nor audio", mt))
	return nil
}

// mediaTypes remembers parsed Content-Type values ("" when unusable): an
// app sends one or two, and a load run asks for every response. At most
// maxMediaTypes are kept, so odd values cannot grow it without bound.
var (
	mediaTypes     sync.Map
	mediaTypeCount atomic.Int32
)

const maxMediaTypes = 64

// mediaType is the lower-case media type of a Content-Type header, or
// false when it is empty or malformed.
func mediaType(ct string) (string, bool) {
	if v, ok := mediaTypes.Load(ct); ok {
		mt := v.(string)
		return mt, mt != ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		mt = ""
	}
	if mediaTypeCount.Add(1) <= maxMediaTypes {
		mediaTypes.Store(ct, mt)
	}
	return mt, mt != ""
}

func (r *run) parse(step *Step, resp *Response) *twiml.Document {
	if strings.TrimSpace(resp.Body) == "" {
		r.fail(step, twErr(ErrDocumentParse, "the response body is empty"))
		return nil
	}
	doc, err := r.docs.Parse(resp.Body)
	if err != nil {
		var p *twiml.Problem
		if errors.As(err, &p) {
			r.fail(step, &TwilioError{Code: p.Code, Message: p.Message, Line: p.Line})
		} else {
			r.fail(step, twErr(ErrDocumentParse, "%v", err))
		}
		return nil
	}
	return r.accept(step, doc)
}

func (r *run) accept(step *Step, doc *twiml.Document) *twiml.Document {
	step.Document = doc
	step.Problems = doc.Problems
	for _, p := range doc.Problems {
		if p.Severity == twiml.SeverityWarning {
			r.t.Warnings++
		}
	}
	if f := doc.Fatal(); f != nil {
		r.fail(step, &TwilioError{Code: f.Code, Message: f.Message, Line: f.Line})
		return nil
	}
	return doc
}

// fallback requests the fallback URL after the voice URL failed.
func (r *run) fallback(ctx context.Context, failed *Step) (*Step, *twiml.Document) {
	params := r.call.Params(r.call.FirstStatus(), true).Merge(FallbackFields(failed.Error.Code, failed.Request.URL))
	r.event(failed, Event{Kind: EventFallback, Text: "requesting the fallback URL", Code: failed.Error.Code})
	step, doc := r.fetch(ctx, "fallback", Target{r.signer.PublicURL(r.opt.FallbackURL), r.opt.FallbackMethod}, params)
	if step.Error == nil {
		r.t.Rescued = true
	}
	return step, doc
}

func (r *run) resolve(ref string) string {
	base, err := url.Parse(r.docURL)
	if err != nil {
		return ref
	}
	u, err := base.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ref
	}
	return u.String()
}

// execute runs documents until the call ends; each verb that fetches a new
// document replaces the current one.
func (r *run) execute(ctx context.Context, step *Step, doc *twiml.Document) {
	for doc != nil && !r.ended {
		if ctx.Err() != nil {
			r.finish("completed", "canceled")
			return
		}
		step, doc = r.document(ctx, step, doc)
		if step != nil && step.Error != nil && !r.ended {
			r.applicationError(step)
		}
	}
}

// document runs one document's verbs; it returns the next step and
// document when a verb fetched one, or nil when the call ended or ran out.
func (r *run) document(ctx context.Context, step *Step, doc *twiml.Document) (*Step, *twiml.Document) {
	for i, v := range doc.Verbs() {
		if r.ended {
			return nil, nil
		}
		if known, ok := twiml.Lookup(v.Name); !ok || !known.Verb {
			continue // reported by validation (12200); Twilio skips it
		}
		switch v.Name {
		case "Say", "Play", "Pause":
			r.audio(step, v)
		case "Gather":
			if next, nd, fetched := r.gather(ctx, step, v); fetched || r.ended {
				return next, nd
			}
		case "Record":
			return r.record(ctx, step, v)
		case "Dial":
			if next, nd, fetched := r.dial(ctx, step, v); fetched || r.ended {
				return next, nd
			}
		case "Redirect":
			target := r.resolve(v.Text)
			r.event(step, Event{Kind: EventRedirect, Verb: "Redirect", Line: v.Line, Text: withoutUser(target)})
			return r.next(ctx, "redirect", Target{target, v.Attr("method")}, nil)
		case "Hangup":
			r.event(step, Event{Kind: EventHangup, Verb: "Hangup", Line: v.Line, Text: "the app hung up"})
			r.finish("completed", "<Hangup>")
		case "Reject":
			reason := v.Attr("reason")
			status := "busy"
			if reason != "busy" {
				status = "no-answer"
			}
			r.event(step, Event{Kind: EventReject, Verb: "Reject", Line: v.Line, Text: "rejected: " + reason})
			if i == 0 && !r.answered {
				r.finish(status, "<Reject reason=\""+reason+"\">")
			} else {
				r.finish("completed", "<Reject> after the call was answered")
			}
		default:
			if r.notSimulated(step, v) {
				return nil, nil
			}
		}
	}
	return nil, nil
}

// next fetches the document a verb points to, with the loop guard.
func (r *run) next(ctx context.Context, kind string, target Target, extra Params) (*Step, *twiml.Document) {
	if r.requests >= r.maxSteps {
		r.event(r.lastStep, Event{Kind: EventError, Text: fmt.Sprintf("loop guard: the call made %d requests (--max-steps)", r.requests)})
		r.t.Failed = true
		r.finish("completed", fmt.Sprintf("stopped after %d requests (--max-steps)", r.requests))
		return nil, nil
	}
	params := r.call.Params("in-progress", false).Merge(extra)
	return r.fetch(ctx, kind, target, params)
}

// audio plays Say, Play and Pause, at the top level or nested in Gather.
func (r *run) audio(step *Step, v *twiml.Node) {
	switch v.Name {
	case "Say":
		r.say(step, v)
	case "Play":
		r.play(step, v)
	case "Pause":
		n, _ := v.Int("length")
		r.event(step, Event{Kind: EventPause, Verb: "Pause", Line: v.Line, Seconds: float64(n), Text: fmt.Sprintf("%d s", n)})
	}
}

func (r *run) say(step *Step, v *twiml.Node) {
	loops := loopCount(v)
	text := v.Text
	secs := speechSeconds(text) * float64(loops)
	if loops > 1 {
		text = fmt.Sprintf("%s (×%d)", text, loops)
	}
	r.event(step, Event{Kind: EventSay, Verb: "Say", Line: v.Line, Text: text, Seconds: secs})
}

func (r *run) play(step *Step, v *twiml.Node) {
	loops := loopCount(v)
	text := strings.TrimSpace(v.Text)
	if d := v.Attr("digits"); d != "" && text == "" {
		text = "DTMF " + d
	}
	if loops > 1 {
		text = fmt.Sprintf("%s (×%d)", text, loops)
	}
	r.event(step, Event{Kind: EventPlay, Verb: "Play", Line: v.Line, Text: text, Seconds: 5 * float64(loops)})
}

// loopCount treats loop="0" (until hang-up) as one pass: the caller would
// hang up eventually; callsim moves on.
func loopCount(v *twiml.Node) int {
	n, ok := v.Int("loop")
	if !ok || n < 1 {
		return 1
	}
	return min(n, 1000)
}

// speechSeconds estimates how long text-to-speech takes (about 2.5 words/s).
func speechSeconds(text string) float64 {
	words := len(strings.Fields(text))
	if words == 0 {
		return 0
	}
	return float64(words)/2.5 + 0.5
}

func (r *run) prompt(ctx context.Context, verb string, v *twiml.Node, p Prompt) (Action, bool) {
	p.Verb, p.Node, p.Heard, p.Step = verb, v, r.heard, len(r.t.Steps)
	r.heard = nil
	act, err := r.caller.Next(ctx, p)
	if err != nil || act.Hangup {
		text := "the caller hung up"
		if err != nil {
			text = err.Error()
		}
		r.event(r.lastStep, Event{Kind: EventCallerHangup, Verb: verb, Line: v.Line, Text: text})
		r.finish("completed", "the caller hung up")
		return act, false
	}
	return act, true
}

func (r *run) gather(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	for _, c := range v.Children {
		r.audio(step, c)
	}
	input := strings.Fields(v.Attr("input"))
	act, ok := r.prompt(ctx, "Gather", v, Prompt{Input: input})
	if !ok {
		return nil, nil, false
	}
	timeout, _ := v.Int("timeout")
	target := Target{r.resolve(v.Attr("action")), v.Attr("method")}
	if !v.Has("action") {
		target.URL = r.docURL
	}
	var extra Params
	switch {
	case act.Digits != "":
		digits, finished := gatherDigits(act.Digits, v)
		r.event(step, Event{Kind: EventPress, Verb: "Gather", Line: v.Line, Text: act.Digits, Seconds: float64(len(act.Digits)) * 0.3})
		if digits == "" && !v.Bool("actionOnEmptyResult") {
			return nil, nil, false // only the finishing key: Twilio treats it as no input
		}
		extra = GatherDigitsFields(r.call.Profile, digits, finished)
	case act.Speech != "":
		r.event(step, Event{Kind: EventSpeak, Verb: "Gather", Line: v.Line, Text: act.Speech, Seconds: speechSeconds(act.Speech)})
		extra = GatherSpeechFields(act.Speech, act.Confidence)
	default:
		r.event(step, Event{Kind: EventNoInput, Verb: "Gather", Line: v.Line, Text: fmt.Sprintf("no input within %d s", timeout), Seconds: float64(timeout)})
		if !v.Bool("actionOnEmptyResult") {
			return nil, nil, false
		}
	}
	next, doc := r.next(ctx, "gather", target, extra)
	return next, doc, true
}

// gatherDigits applies numDigits and finishOnKey: the finishing key is not
// sent, and keys after numDigits are not heard.
func gatherDigits(pressed string, v *twiml.Node) (digits, finished string) {
	finish := v.Attr("finishOnKey")
	max, limited := v.Int("numDigits")
	for _, k := range pressed {
		if finish != "" && strings.ContainsRune(finish, k) {
			return digits, string(k)
		}
		digits += string(k)
		if limited && max > 0 && utf8.RuneCountInString(digits) >= max {
			return digits, ""
		}
	}
	return digits, ""
}

func (r *run) record(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document) {
	act, ok := r.prompt(ctx, "Record", v, Prompt{})
	if !ok {
		return nil, nil
	}
	secs := act.RecordSeconds
	if max, ok := v.Int("maxLength"); ok && max > 0 && secs > max {
		secs = max
	}
	key := act.Digits
	if key == "" && secs > 0 {
		if fk := v.Attr("finishOnKey"); fk != "" {
			key = string([]rune(fk)[len([]rune(fk))-1])
		}
	}
	r.event(step, Event{Kind: EventRecord, Verb: "Record", Line: v.Line, Text: fmt.Sprintf("recorded %d s", secs), Seconds: float64(secs)})
	if secs == 0 {
		r.event(step, Event{Kind: EventNoInput, Verb: "Record", Line: v.Line, Text: "empty recording: Twilio moves to the next verb"})
		return nil, nil
	}
	extra := RecordFields(r.call.Profile, r.call.AccountSid, NewSID("RE", r.rnd), secs, key)
	target := Target{r.resolve(v.Attr("action")), v.Attr("method")}
	if !v.Has("action") {
		target.URL = r.docURL
	}
	return r.next(ctx, "record", target, extra)
}

func dialTargets(v *twiml.Node) []string {
	var out []string
	if t := strings.TrimSpace(v.Text); t != "" {
		out = append(out, t)
	}
	for _, c := range v.Children {
		t := strings.TrimSpace(c.Text)
		switch c.Name {
		case "Client":
			t = "client:" + t
		case "Conference":
			t = "conference " + t
		case "Queue":
			t = "queue " + t
		case "Sip", "Number", "Sim", "Application", "WhatsApp":
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

func (r *run) dial(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	targets := dialTargets(v)
	act, ok := r.prompt(ctx, "Dial", v, Prompt{Dial: targets})
	if !ok {
		return nil, nil, false
	}
	outcome := act.DialOutcome
	if outcome == "" {
		outcome = "completed"
	}
	var secs int
	if outcome == "completed" {
		secs = 20 + r.rnd.IntN(100)
		if limit, ok := v.Int("timeLimit"); ok && limit > 0 && secs > limit {
			secs = limit
		}
	} else if outcome == "no-answer" {
		ring, _ := v.Int("timeout")
		r.clock += time.Duration(ring) * time.Second
	}
	r.event(step, Event{Kind: EventDial, Verb: "Dial", Line: v.Line, Text: strings.Join(targets, ", "), Outcome: outcome, Seconds: float64(secs)})
	if !v.Has("action") {
		return nil, nil, false
	}
	extra := DialFields(r.call.Profile, outcome, NewSID("CA", r.rnd), secs)
	if rec := v.Attr("record"); outcome == "completed" && rec != "" && rec != "do-not-record" && rec != "false" {
		extra = extra.Add("RecordingUrl", RecordingURL(r.call.AccountSid, NewSID("RE", r.rnd)))
	}
	next, doc := r.next(ctx, "dial", Target{r.resolve(v.Attr("action")), v.Attr("method")}, extra)
	return next, doc, true
}

// notSimulated reports verbs callsim validates but does not play out, with
// what Twilio would do; it returns true when the call cannot go on.
func (r *run) notSimulated(step *Step, v *twiml.Node) bool {
	what, ends := "", true
	switch v.Name {
	case "Enqueue":
		what = "the caller would wait in queue " + strconv.Quote(strings.TrimSpace(v.Text)) + "; leaving it, Twilio requests the action URL with QueueResult"
	case "Connect":
		what = "Twilio would connect the call to a stream, room or agent; when that ends it requests the action URL, if any"
	case "Pay":
		what = "Twilio would collect a payment and then request the action URL with Result"
	case "Refer":
		what = "Twilio would send a SIP REFER (SIP calls only) and request the action URL"
	case "Start", "Stop":
		what, ends = "asynchronous: Twilio starts or stops it and continues at once", false
	case "Leave":
		what, ends = "only meaningful in an Enqueue waitUrl document; ignored here", false
	case "Sms":
		what, ends = "<Sms> is not supported in voice calls (13803); Twilio moves on", false
	default:
		return false
	}
	r.event(step, Event{Kind: EventNotSimulated, Verb: v.Name, Line: v.Line, Text: what})
	if ends {
		r.finish("completed", "<"+v.Name+"> is not simulated")
	}
	return ends
}

// endOfCall is the seed's last request: the first URL again with CallStatus=completed.
func (r *run) endOfCall(ctx context.Context, initial Target) {
	params := r.call.Params("completed", false)
	if r.call.Profile.StatusCallbacks {
		params = params.Set("CallDuration", strconv.Itoa(callSeconds(r.t.Duration)))
	}
	r.request(ctx, "end", initial, params)
}

// request makes a request whose answer is not TwiML to run (end of call,
// status callbacks): only its HTTP outcome counts.
func (r *run) request(ctx context.Context, kind string, target Target, params Params) *Step {
	step, req := r.begin(kind, target, params)
	if req == nil {
		return step
	}
	resp, terr := r.signer.Send(ctx, r.client, req)
	step.Response = resp
	if terr != nil {
		r.fail(step, terr)
	}
	r.notify(step)
	return step
}

func (r *run) statusCallback(ctx context.Context, event, status string) {
	if r.opt.StatusCallback == "" {
		return
	}
	events := r.opt.StatusEvents
	if len(events) == 0 {
		events = []string{"completed"}
	}
	if !slices.Contains(events, event) {
		return
	}
	at := r.t.StartedAt.Add(r.clock).Format(TimestampFormat)
	params := r.call.Params(status, false).
		Merge(StatusCallbackFields(r.call.Profile, event, status, callSeconds(r.t.Duration), r.answered, r.sequence, at))
	r.sequence++
	r.request(ctx, "status-callback", Target{r.signer.PublicURL(r.opt.StatusCallback), r.opt.StatusCallbackMethod}, params)
}

func sipCode(status string) string {
	switch status {
	case "busy":
		return "486"
	case "no-answer":
		return "487"
	case "failed":
		return "404"
	}
	return "200"
}

// rejectsFirst reports whether the document rejects the call before
// answering it (then Twilio sends no "answered" callback).
func rejectsFirst(doc *twiml.Document) bool {
	if doc == nil {
		return false
	}
	v := doc.Verbs()
	return len(v) > 0 && v[0].Name == "Reject"
}

// callSeconds is a duration as Twilio reports it: whole seconds, rounded up.
func callSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
