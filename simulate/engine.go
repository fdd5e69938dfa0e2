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

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// Options say where the call goes and how Twilio's side behaves.
type Options struct {
	URL        string // the voice URL callsim delivers to
	Twiml      string // inline TwiML run as the first document instead of fetching URL (REST API Twiml)
	Method     string // GET or POST (default)
	SigningURL string // public URL to sign instead of URL (tunnel, proxy)
	AuthToken  string
	Timeout    time.Duration // per request; 0 = Twilio's 15 s

	FallbackURL, FallbackMethod string
	StatusCallback              string
	StatusCallbackMethod        string
	StatusEvents                []string // initiated, ringing, answered, completed; default completed
	// AsyncAMDStatusCallback receives the result of asynchronous answering
	// machine detection (the REST API's AsyncAmdStatusCallback).
	AsyncAMDStatusCallback, AsyncAMDStatusCallbackMethod string

	NoEnd    bool // skip the end-of-call CallStatus=completed request (legacy API)
	MaxSteps int  // TwiML requests before the loop guard ends the call; 0 = 100

	Caller Caller       // nil: nobody presses anything
	HTTP   *http.Client // shared client (transport); nil = a new one
	// OnStep, when set, sees every step as soon as its response is parsed.
	OnStep func(*Step)
	// Now gives the call's start time (tests fix it); nil = time.Now.
	Now func() time.Time
	// Sessions shape <Connect> and <Start><Stream> WebSocket sessions.
	Sessions SessionOptions
}

// Validate checks options that do not depend on the network.
func (o *Options) Validate() error {
	if _, err := webhook.ParseHTTPURL(o.URL); err != nil && (o.Twiml == "" || o.URL != "") {
		return &contract.InputError{Field: "url", Value: o.URL, Msg: err.Error()}
	}
	for _, m := range []struct{ field, v string }{{"method", o.Method}, {"fallback-method", o.FallbackMethod}, {"status-callback-method", o.StatusCallbackMethod}, {"async-amd-callback-method", o.AsyncAMDStatusCallbackMethod}} {
		if v := strings.ToUpper(m.v); v != "" && v != http.MethodGet && v != http.MethodPost {
			return contract.NewInputError(m.field, m.v, "must be GET or POST")
		}
	}
	for _, u := range []struct{ field, v string }{{"fallback-url", o.FallbackURL}, {"status-callback", o.StatusCallback}, {"signing-url", o.SigningURL}, {"async-amd-callback", o.AsyncAMDStatusCallback}} {
		if u.v == "" {
			continue
		}
		if _, err := webhook.ParseHTTPURL(u.v); err != nil {
			return &contract.InputError{Field: u.field, Value: u.v, Msg: err.Error()}
		}
	}
	if u, _ := url.Parse(o.URL); u != nil && u.Fragment != "" {
		if _, err := contract.ParseOverrides(u.Fragment); err != nil {
			return &contract.InputError{Field: "url", Value: o.URL, Msg: err.Error()}
		}
	}
	for _, e := range o.StatusEvents {
		if !slices.Contains(statusEvents, e) {
			return contract.NewInputError("status-events", e, "unknown event %q (allowed: %s)", e, strings.Join(statusEvents, ", "))
		}
	}
	if o.Timeout < 0 {
		return contract.NewInputError("timeout", o.Timeout.String(), "must be positive")
	}
	if o.MaxSteps < 0 {
		return contract.NewInputError("max-steps", strconv.Itoa(o.MaxSteps), "must be positive")
	}
	return nil
}

var defaultClient = &http.Client{Transport: webhook.NewTransport()}

// run is the state of one call in progress.
type run struct {
	call   *contract.Call
	opt    *Options
	signer *webhook.Sender
	docs   *twiml.Cache
	client *http.Client
	rnd    *rand.Rand
	t      *Transcript
	caller Caller
	onStep func(*Step)
	live   *liveRun // nil without CallHooks.Live

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
	sess      sessions // WebSocket sessions (connect.go)
}

// Run simulates the whole call: the first request, the TwiML it returns
// followed verb by verb, and the end-of-call and status-callback requests.
// The returned error is only for bad options; endpoint failures are in the
// transcript (Failed, Errors).
func Run(ctx context.Context, call *contract.Call, opt Options) (*Transcript, error) {
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
	signer *webhook.Sender
	docs   *twiml.Cache
}

// CallHooks are what may differ between the calls of one Runner; a nil
// field keeps the Options' own.
type CallHooks struct {
	Caller Caller
	OnStep func(*Step)
	HTTP   *http.Client
	Live   Live // an outside controller of the running call (the REST API)
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
	signer, err := webhook.NewSender(opt.AuthToken, opt.URL, opt.SigningURL, opt.Timeout)
	if err != nil {
		return nil, err
	}
	return &Runner{opt: opt, signer: signer, docs: docs}, nil
}

// Run places one call and returns its transcript.
func (rn *Runner) Run(ctx context.Context, call *contract.Call, h CallHooks) *Transcript {
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
		call: call, opt: opt, signer: rn.signer, docs: rn.docs, rnd: call.RunRand(),
		client: &http.Client{Transport: base.Transport, Jar: &webhook.LazyJar{}},
		caller: h.Caller, onStep: h.OnStep, maxSteps: opt.MaxSteps, startWall: time.Now(),
		t: &Transcript{
			CallSid: call.CallSid, AccountSid: call.AccountSid, APIVersion: call.Profile.Name,
			Direction: call.DirectionValue(), From: call.Caller.Format(call.Profile), To: call.Called.Format(call.Profile),
			StartedAt: now().UTC(),
			Steps:     []*Step{}, // an unanswered 2010-04-01 call has none: [] in JSON, not null
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
	r.live = newLiveRun(ctx, h.Live)
	r.run(ctx)
	r.t.Elapsed = time.Since(r.startWall)
	return r.t
}

// Preview builds the first request of the call without sending it (--dry-run).
func Preview(call *contract.Call, opt Options) (*webhook.Request, error) {
	rn, err := newRunner(opt, nil)
	if err != nil {
		return nil, err
	}
	return rn.signer.Build("initial", webhook.Target{URL: rn.signer.PublicURL(opt.URL), Method: opt.Method}, call.Params(call.FirstStatus(), true), call.RunRand())
}

func (r *run) run(ctx context.Context) {
	if !r.call.Answered() && !r.call.Profile.FetchUnanswered {
		r.unanswered(ctx)
		return
	}
	r.statusCallback(ctx, "initiated", "initiated")
	r.statusCallback(ctx, "ringing", "ringing")
	if r.ring(ctx) {
		return
	}
	if r.call.AnsweredBy != "" && !r.call.AsyncAMD {
		// synchronous detection: the Url is fetched once it has decided
		r.clock += time.Duration(r.call.MachineDetectionMillis()) * time.Millisecond
	}
	initial := webhook.Target{URL: r.signer.PublicURL(r.opt.URL), Method: r.opt.Method}
	status := r.call.FirstStatus()
	step, doc := r.first(ctx, initial, r.call.Params(status, true))
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
	r.asyncAMD(ctx)
	if step.Error != nil {
		r.applicationError(step)
	} else {
		r.execute(ctx, step, doc)
	}
	if !r.ended {
		r.finish("completed", "no more verbs")
	}
	r.endSessions(ctx)
	if r.call.Profile.EndRequest && !r.opt.NoEnd && r.t.Status == "completed" {
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

func (r *run) fail(step *Step, err *contract.TwilioError) {
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
	r.clock += r.elapse(time.Duration(e.Seconds * float64(time.Second)))
}

// fetch requests a TwiML document and parses it as Twilio would.
func (r *run) fetch(ctx context.Context, kind string, target webhook.Target, params contract.Params) (*Step, *twiml.Document) {
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
		r.docURL = req.URLWithUser(r.signer.PublicURL(resp.URL))
	} else {
		// The document's URL as configured: a GET request's URL also
		// carries the fields, which must not pile up on the next request
		// to the same document (a <Gather> without action).
		r.docURL = target.URL
	}
	doc := r.interpret(step, resp)
	r.notify(step)
	return step, doc
}

// begin adds the next step and builds its request; a nil request means it
// could not be built (a bad URL in the TwiML) and the step carries the error.
func (r *run) begin(kind string, target webhook.Target, params contract.Params) (*Step, *webhook.Request) {
	step := &Step{N: len(r.t.Steps) + 1}
	r.t.Steps = append(r.t.Steps, step)
	req, err := r.signer.Build(kind, target, params, r.rnd)
	if err != nil {
		var te *contract.TwilioError
		if !errors.As(err, &te) {
			te = contract.NewTwilioError(contract.ErrInvalidURL, "%v", err)
		}
		step.Request = &webhook.Request{Kind: kind, Method: strings.ToUpper(target.Method), URL: webhook.WithoutUser(target.URL), Params: params}
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
func (r *run) interpret(step *Step, resp *webhook.Response) *twiml.Document {
	mt, ok := mediaType(resp.ContentType)
	if !ok {
		r.fail(step, contract.NewTwilioError(contract.ErrInvalidContentType, "the response has no usable Content-Type (%q)", resp.ContentType))
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
	r.fail(step, contract.NewTwilioError(contract.ErrInvalidContentType, "%q is neither TwiML nor audio", mt))
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

func (r *run) parse(step *Step, resp *webhook.Response) *twiml.Document {
	if strings.TrimSpace(resp.Body) == "" {
		r.fail(step, contract.NewTwilioError(contract.ErrDocumentParse, "the response body is empty"))
		return nil
	}
	doc, err := r.docs.Parse(resp.Body)
	if err != nil {
		var p *twiml.Problem
		if errors.As(err, &p) {
			r.fail(step, &contract.TwilioError{Code: p.Code, Message: p.Message, Line: p.Line})
		} else {
			r.fail(step, contract.NewTwilioError(contract.ErrDocumentParse, "%v", err))
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
		r.fail(step, &contract.TwilioError{Code: f.Code, Message: f.Message, Line: f.Line})
		return nil
	}
	return doc
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
		if next, nd, took := r.takeChange(ctx, step); took {
			return next, nd
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
			// An empty recording requests nothing: the next verb runs.
			if next, nd := r.record(ctx, step, v); next != nil || r.ended {
				return next, nd
			}
		case "Dial":
			if next, nd, fetched := r.dial(ctx, step, v); fetched || r.ended {
				return next, nd
			}
		case "Connect", "Start", "Stop":
			if next, nd, fetched := r.session(ctx, step, v); fetched || r.ended {
				return next, nd
			}
		case "Enqueue":
			if next, nd, fetched := r.enqueue(ctx, step, v); fetched || r.ended {
				return next, nd
			}
		case "Redirect":
			target := r.resolve(v.Text)
			r.event(step, Event{Kind: EventRedirect, Verb: "Redirect", Line: v.Line, Text: webhook.WithoutUser(target)})
			return r.next(ctx, "redirect", webhook.Target{URL: target, Method: v.Attr("method")}, nil)
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
	next, nd, _ := r.takeChange(ctx, step)
	return next, nd
}

// next fetches the document a verb points to, with the loop guard.
func (r *run) next(ctx context.Context, kind string, target webhook.Target, extra contract.Params) (*Step, *twiml.Document) {
	if r.requests >= r.maxSteps {
		r.event(r.lastStep, Event{Kind: EventError, Text: fmt.Sprintf("loop guard: the call made %d requests (--max-steps)", r.requests)})
		r.t.Failed = true
		r.finish("completed", fmt.Sprintf("stopped after %d requests (--max-steps)", r.requests))
		return nil, nil
	}
	params := r.call.Params("in-progress", false).Merge(extra)
	return r.fetch(ctx, kind, target, params)
}

// notSimulated reports verbs callsim validates but does not play out, with
// what Twilio would do; it returns true when the call cannot go on.
func (r *run) notSimulated(step *Step, v *twiml.Node) bool {
	what, ends := "", true
	switch v.Name {
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

// rejectsFirst reports whether the document rejects the call before
// answering it (then Twilio sends no "answered" callback).
func rejectsFirst(doc *twiml.Document) bool {
	if doc == nil {
		return false
	}
	v := doc.Verbs()
	return len(v) > 0 && v[0].Name == "Reject"
}
