package simulate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate/connect"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// Event kinds of WebSocket sessions (<Connect>, <Start><Stream>).
const (
	EventCallerTurn = "caller" // what the caller said or pressed in a session
	EventAgent      = "agent"  // what a ConversationRelay agent answered
	EventSession    = "session"
	EventStream     = "stream"
)

// Latency is the timing of one agent answer (wall clock, from the end of
// the caller's input): the first and the last token, or the first audio.
type Latency struct {
	FirstToken time.Duration `json:"first_token_ns,omitempty"`
	LastToken  time.Duration `json:"last_token_ns,omitempty"`
	FirstAudio time.Duration `json:"first_audio_ns,omitempty"`
}

// Session is one WebSocket session the call opened, with everything that
// crossed the socket (timestamped) for --json and expectations.
type Session struct {
	Kind   string                `json:"kind"` // relay, stream (bidirectional), fork (<Start><Stream>)
	StepN  int                   `json:"step"` // the step whose TwiML opened it
	URL    string                `json:"url"`
	Relay  *connect.RelayResult  `json:"relay,omitempty"`
	Stream *connect.StreamResult `json:"stream,omitempty"`
	Action *Step                 `json:"-"` // the <Connect action> request, when one was made
	Config map[string]string     `json:"attributes,omitempty"`
	Params []connect.Field       `json:"parameters,omitempty"`
	stream *connect.Stream       // a fork still running
	cancel context.CancelFunc    // stops a fork's caller audio
	audio  chan struct{}         // closed when a fork's caller audio is done
	sent   int                   // status events already sent
	step   *Step                 // the step whose TwiML started it
	node   *twiml.Node           // the <Stream> or <ConversationRelay>
}

// Session kinds.
const (
	SessionRelay  = "relay"
	SessionStream = "stream"
	SessionFork   = "fork"
)

// SessionOptions shape the WebSocket sessions TwiML opens.
type SessionOptions struct {
	// Audio is the caller's audio on a Media Stream (8 kHz µ-law, see
	// connect.ReadWAV); nil: Silence of generated silence.
	Audio   []byte
	Silence time.Duration // 0: 2 s
	// Fast sends stream audio as fast as the socket takes it and plays the
	// app's audio instantly; the default is real time, as on a phone.
	Fast bool
	// Hold is how long a caller whose audio has been sent stays on a
	// <Connect><Stream> for the app to answer or close it; 0: 3 s.
	Hold time.Duration
	// ReplyTimeout bounds the wait for an agent's answer; 0: 15 s.
	ReplyTimeout time.Duration
	// Grace is how long callsim waits for a relay agent to end the session
	// once the caller has nothing more to say; 0: 1 s.
	Grace time.Duration
	// NoStreamSignature leaves X-Twilio-Signature off Media Streams handshakes.
	NoStreamSignature bool
	// SignAsWSS signs ws:// URLs as wss:// (connect.Dialer.SignAsWSS).
	SignAsWSS bool
}

// CallerTurn is one thing the caller does in a ConversationRelay session.
type CallerTurn struct {
	Say     string
	Digits  string
	BargeIn time.Duration // talk over the agent this long after it began
	Hangup  bool
}

// RelayPrompt is where a ConversationRelay session waits on the caller.
type RelayPrompt struct {
	Turn    int    // index of the caller turn to come (1 = first)
	Agent   string // what the agent said last
	Node    *twiml.Node
	Session *Session // its Relay is set once the session is over
}

// StreamPrompt is where a Media Stream waits on the caller's audio.
type StreamPrompt struct {
	Bidirectional bool
	Node          *twiml.Node
}

// StreamInput is the caller's side of a Media Stream.
type StreamInput struct {
	Audio  []byte // 8 kHz µ-law; nil: the options' audio
	Digits string // keys pressed after the audio (bidirectional only)
}

// SessionCaller is a Caller that can also play the caller of a WebSocket
// session; a Caller without it has nothing to say and hangs up.
type SessionCaller interface {
	// RelayTurn gives the caller's next turn; ok false: nothing more to say.
	RelayTurn(ctx context.Context, p RelayPrompt) (t CallerTurn, ok bool, err error)
	// StreamInput gives the caller's audio and keys for a stream.
	StreamInput(ctx context.Context, p StreamPrompt) (StreamInput, error)
}

// RelayTurn implements SessionCaller: the next --speech entry is said, then
// the next --digits entry is pressed; when both are used up the caller is done.
func (s *ScriptCaller) RelayTurn(_ context.Context, _ RelayPrompt) (CallerTurn, bool, error) {
	if s.speech < len(s.Speech) {
		s.speech++
		return CallerTurn{Say: s.Speech[s.speech-1]}, true, nil
	}
	if s.digits < len(s.Digits) {
		s.digits++
		return CallerTurn{Digits: s.Digits[s.digits-1]}, true, nil
	}
	return CallerTurn{}, false, nil
}

// StreamInput implements SessionCaller: the options' audio, then the next
// --digits entry on a bidirectional stream.
func (s *ScriptCaller) StreamInput(_ context.Context, p StreamPrompt) (StreamInput, error) {
	if p.Bidirectional && s.digits < len(s.Digits) {
		s.digits++
		return StreamInput{Digits: s.Digits[s.digits-1]}, nil
	}
	return StreamInput{}, nil
}

// RelayTurn implements SessionCaller at the keyboard.
func (pc *PromptCaller) RelayTurn(_ context.Context, p RelayPrompt) (CallerTurn, bool, error) {
	if p.Agent != "" {
		fmt.Fprintf(pc.Out, "  🤖 %s\n", p.Agent)
	}
	ans, ok := pc.ask("💬 you say (\"press: 12\" for keys, empty or \"hangup\" to end): ")
	switch {
	case !ok || ans == "" || ans == "hangup":
		return CallerTurn{}, false, nil
	case strings.HasPrefix(ans, "press:"):
		return CallerTurn{Digits: strings.TrimSpace(strings.TrimPrefix(ans, "press:"))}, true, nil
	}
	return CallerTurn{Say: ans}, true, nil
}

// StreamInput implements SessionCaller at the keyboard: the options' audio.
func (pc *PromptCaller) StreamInput(context.Context, StreamPrompt) (StreamInput, error) {
	return StreamInput{}, nil
}

// sessions is the WebSocket state of one call.
type sessions struct {
	forks []*Session
}

func (r *run) sessionOptions() *SessionOptions { return &r.opt.Sessions }

func (r *run) dialer() *connect.Dialer {
	d := &connect.Dialer{HTTPClient: r.client, NoStreamSignature: r.opt.Sessions.NoStreamSignature, SignAsWSS: r.opt.Sessions.SignAsWSS,
		NewSID: func(prefix string) string { return contract.NewSID(prefix, r.rnd) }}
	if tok := r.signer.AuthToken; tok != "" {
		d.Sign = connect.HMACSigner(tok)
	}
	return d
}

// connectCall is what a session tells the app about the call.
func (r *run) connectCall() connect.Call {
	p := r.call.Params("in-progress", false)
	return connect.Call{AccountSid: r.call.AccountSid, CallSid: r.call.CallSid, ParentCallSid: p.Value("ParentCallSid"),
		From: r.t.From, To: r.t.To, ForwardedFrom: p.Value("ForwardedFrom"), CallerName: p.Value("CallerName"),
		Direction: r.call.DirectionValue()}
}

// wsURL resolves a WebSocket url against the document (a relative one
// takes the document's host, http→ws, https→wss; see facts in doc.go).
func (r *run) wsURL(ref string) string {
	ref = strings.TrimSpace(ref)
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" {
		return ref
	}
	abs := r.resolve(ref)
	u, err := url.Parse(abs)
	if err != nil {
		return ref
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	u.User = nil
	return u.String()
}

func nounParts(n *twiml.Node) (map[string]string, []connect.Field) {
	attrs := make(map[string]string, len(n.Attrs))
	for _, a := range n.Attrs {
		attrs[a.Name] = a.Value
	}
	var params []connect.Field
	for _, c := range n.Children {
		if c.Name == "Parameter" {
			params = append(params, connect.Field{Name: c.Attr("name"), Value: c.Attr("value")})
		}
	}
	return attrs, params
}

func (r *run) sessionCaller() SessionCaller {
	if sc, ok := r.caller.(SessionCaller); ok {
		return sc
	}
	return nil
}

// session runs <Connect>, <Start> and <Stop>; fetched reports that a
// <Connect action> document replaced the current one.
func (r *run) session(ctx context.Context, step *Step, v *twiml.Node) (*Step, *twiml.Document, bool) {
	switch v.Name {
	case "Start":
		for _, c := range v.Children {
			if c.Name == "Stream" {
				r.fork(ctx, step, c)
			} else {
				r.event(step, Event{Kind: EventNotSimulated, Verb: "Start", Line: c.Line, Text: "<" + c.Name + "> would start alongside the call; not simulated"})
			}
		}
		return nil, nil, false
	case "Stop":
		for _, c := range v.Children {
			if c.Name == "Stream" {
				r.stopForks(ctx, step, c.Attr("name"))
			} else {
				r.event(step, Event{Kind: EventNotSimulated, Verb: "Stop", Line: c.Line, Text: "<" + c.Name + "> would stop; not simulated"})
			}
		}
		return nil, nil, false
	}
	var noun *twiml.Node
	for _, c := range v.Children {
		if c.Name == "ConversationRelay" || c.Name == "Stream" {
			noun = c
			break
		}
	}
	if noun == nil {
		r.notSimulated(step, v)
		return nil, nil, false
	}
	var (
		sess    *Session
		hungUp  bool
		appDone bool
	)
	if noun.Name == "ConversationRelay" {
		sess, hungUp = r.relay(ctx, step, noun)
		appDone = !hungUp
	} else {
		sess, hungUp, appDone = r.connectStream(ctx, step, noun)
	}
	r.t.Sessions = append(r.t.Sessions, sess)
	if !v.Has("action") || (!appDone && !hungUp) {
		if hungUp {
			r.finish("completed", "the caller hung up during <Connect>")
		}
		return nil, nil, false
	}
	target := webhook.Target{URL: r.resolve(v.Attr("action")), Method: v.Attr("method")}
	var extra contract.Params
	status := "in-progress"
	if sess.Relay != nil {
		for _, f := range sess.Relay.ActionFields() {
			extra = extra.Add(f.Name, f.Value)
		}
		status = sess.Relay.CallStatus
	}
	if hungUp {
		// The call is over: Twilio still reports the session to the action
		// URL, but nothing it answers can run.
		params := r.call.Params("completed", false).Merge(extra)
		sess.Action = r.request(ctx, "connect-action", target, params)
		r.finish("completed", "the caller hung up during <Connect>")
		return nil, nil, false
	}
	next, doc := r.next(ctx, "connect-action", target, extra.Set("CallStatus", status))
	sess.Action = next
	return next, doc, true
}

func (r *run) newSession(step *Step, kind string, noun *twiml.Node, attrs map[string]string, params []connect.Field) *Session {
	sess := &Session{Kind: kind, StepN: step.N, URL: attrs["url"], Config: attrs, Params: params, step: step, node: noun}
	step.Sessions = append(step.Sessions, sess)
	return sess
}

// relay plays a <Connect><ConversationRelay> session; hungUp reports that
// the caller (not the app) ended it.
func (r *run) relay(ctx context.Context, step *Step, noun *twiml.Node) (*Session, bool) {
	attrs, params := nounParts(noun)
	if u, ok := attrs["url"]; ok && u != "" {
		attrs["url"] = r.wsURL(u)
	}
	sess := r.newSession(step, SessionRelay, noun, attrs, params)
	so := r.sessionOptions()
	cfg, err := connect.ParseRelayConfig(attrs, params)
	d := r.dialer()
	var res *connect.RelayResult
	if err != nil {
		res = connect.FailedRelay(d, &connect.Error{Code: connect.CodeRelayConnect, Message: err.Error()})
	} else {
		rel, derr := connect.DialRelay(ctx, d, cfg, r.connectCall(), connect.RelayOptions{ReplyTimeout: so.ReplyTimeout})
		if derr != nil {
			res = connect.FailedRelay(d, derr)
		} else {
			res = r.converse(ctx, rel, sess)
		}
	}
	sess.Relay = res
	r.relayEvents(step, noun, res)
	r.clock += res.Duration
	return sess, res.CallStatus == "completed"
}

// settle is how long callsim lets an agent act on its last answer before
// the caller's next turn (see converse).
const settle = 25 * time.Millisecond

// converse plays the caller's turns until the caller or the app is done.
func (r *run) converse(ctx context.Context, rel *connect.Relay, sess *Session) *connect.RelayResult {
	sc := r.sessionCaller()
	grace := r.opt.Sessions.Grace
	if grace <= 0 {
		grace = time.Second
	}
	agent := sess.Config["welcomeGreeting"] // what the caller heard first
	for i := 1; sc != nil; i++ {
		// On a phone the caller hears the answer for seconds before speaking
		// again, so an agent's `end` right after its last words always comes
		// first; settle gives it that chance without waiting out the speech.
		wait := time.NewTimer(settle)
		select {
		case <-rel.Done():
			wait.Stop()
			return rel.Result()
		case <-wait.C:
		}
		turn, ok, err := sc.RelayTurn(ctx, RelayPrompt{Turn: i, Agent: agent, Node: sess.node, Session: sess})
		if err != nil || turn.Hangup {
			return rel.Hangup()
		}
		if !ok {
			break
		}
		var t connect.Turn
		if turn.Digits != "" {
			t, err = rel.Press(ctx, turn.Digits, connect.SayOptions{BargeIn: turn.BargeIn})
		} else {
			t, err = rel.Say(ctx, turn.Say, connect.SayOptions{BargeIn: turn.BargeIn})
		}
		if errors.Is(err, connect.ErrSessionEnded) {
			return rel.Result()
		}
		if err != nil {
			return rel.Hangup()
		}
		agent = t.Agent()
	}
	return rel.Finish(ctx, grace)
}

func (r *run) relayEvents(step *Step, noun *twiml.Node, res *connect.RelayResult) {
	r.event(step, Event{Kind: EventSession, Verb: "ConversationRelay", Line: noun.Line, Text: fmt.Sprintf("ConversationRelay %s session %s", noun.Attr("url"), res.SessionID)})
	for _, t := range res.Turns {
		switch {
		case t.Greeting != "":
			r.event(step, Event{Kind: EventAgent, Verb: "ConversationRelay", Text: "(welcome greeting) " + t.Greeting})
		case t.Caller != "":
			r.event(step, Event{Kind: EventCallerTurn, Verb: "ConversationRelay", Text: t.Caller})
		case t.Digits != "":
			r.event(step, Event{Kind: EventCallerTurn, Verb: "ConversationRelay", Text: "pressed " + t.Digits})
		}
		if t.NotSent != "" {
			r.event(step, Event{Kind: EventWarning, Verb: "ConversationRelay", Text: t.NotSent})
		}
		if t.Greeting != "" && len(t.Utterances) > 0 {
			t.Utterances = t.Utterances[1:] // shown above
		}
		if says := turnSays(t); says != "" || (t.Answered && t.Index > 0) {
			e := Event{Kind: EventAgent, Verb: "ConversationRelay", Text: says}
			if t.Index > 0 {
				e.Latency = &Latency{FirstToken: t.FirstToken, LastToken: t.LastToken}
			}
			r.event(step, e)
		} else if t.Index > 0 {
			r.event(step, Event{Kind: EventWarning, Verb: "ConversationRelay", Text: "the agent did not answer"})
		}
		if t.Interrupted != nil {
			r.event(step, Event{Kind: EventSession, Verb: "ConversationRelay", Text: fmt.Sprintf("interrupted after %d ms: the caller heard %q", t.Interrupted.DurationUntilInterruptMs, t.Interrupted.UtteranceUntilInterrupt)})
		}
	}
	for _, p := range res.Problems {
		kind := EventWarning
		if p.Level == connect.LevelError {
			kind = EventError
		}
		r.event(step, Event{Kind: kind, Verb: "ConversationRelay", Code: p.Code, Text: p.Message})
	}
	end := "session " + res.Status
	if res.HandoffData != nil {
		end += ", handoffData " + *res.HandoffData
	}
	if res.ErrorCode != 0 {
		r.event(step, Event{Kind: EventError, Verb: "ConversationRelay", Code: res.ErrorCode, Text: res.ErrorMessage})
		if res.ErrorCode == connect.CodeRelayConnect {
			r.t.Failed = true // the app's socket could not be reached: an endpoint failure
		}
	}
	r.event(step, Event{Kind: EventSession, Verb: "ConversationRelay", Text: end})
}

// turnSays is the agent's answer in a turn, with its plays, digits and
// language switches.
func turnSays(t connect.Turn) string {
	var parts []string
	if a := t.Agent(); a != "" {
		parts = append(parts, a)
	}
	for _, p := range t.Plays {
		parts = append(parts, "[play "+p.Source+"]")
	}
	for _, d := range t.SentDigits {
		parts = append(parts, "[sendDigits "+d+"]")
	}
	for _, l := range t.Languages {
		parts = append(parts, "[language "+l+"]")
	}
	return strings.Join(parts, " ")
}

func (r *run) streamOptions() connect.StreamOptions {
	return connect.StreamOptions{Unpaced: r.opt.Sessions.Fast}
}

func (r *run) callerAudio(in StreamInput) []byte {
	if in.Audio != nil {
		return in.Audio
	}
	if r.opt.Sessions.Audio != nil {
		return r.opt.Sessions.Audio
	}
	d := r.opt.Sessions.Silence
	if d <= 0 {
		d = 2 * time.Second
	}
	return connect.Silence(d)
}

func (r *run) newStream(ctx context.Context, step *Step, noun *twiml.Node, bidi bool) (*Session, *connect.Stream, error) {
	attrs, params := nounParts(noun)
	if u := attrs["url"]; u != "" {
		attrs["url"] = r.wsURL(u)
	}
	if cb := attrs["statusCallback"]; cb != "" {
		attrs["statusCallback"] = r.resolve(cb)
	}
	kind := SessionStream
	if !bidi {
		kind = SessionFork
	}
	sess := r.newSession(step, kind, noun, attrs, params)
	cfg, err := connect.ParseStreamConfig(attrs, params, bidi)
	if err != nil {
		var ce *connect.Error
		if !errors.As(err, &ce) {
			ce = &connect.Error{Code: connect.CodeStreamMalformedURL, Message: err.Error()}
		}
		sess.Stream = &connect.StreamResult{Bidirectional: bidi, Err: ce}
		return sess, nil, ce
	}
	s := connect.NewStream(r.dialer(), cfg, r.connectCall(), r.streamOptions())
	err = s.Open(ctx)
	sess.Stream = s.Result()
	r.streamStatus(ctx, step, sess)
	if err != nil {
		return sess, nil, err
	}
	r.event(step, Event{Kind: EventStream, Verb: "Stream", Line: noun.Line, Text: fmt.Sprintf("%s %s to %s", streamKind(kind), s.SID(), attrs["url"])})
	return sess, s, nil
}

// streamStatus sends the stream's status callbacks not sent yet, signed
// like every webhook.
func (r *run) streamStatus(ctx context.Context, step *Step, sess *Session) {
	evs := sess.Stream.StatusEvents
	for _, ev := range evs[min(sess.sent, len(evs)):] {
		var params contract.Params
		for _, f := range ev.Fields {
			params = params.Add(f.Name, f.Value)
		}
		r.callback(ctx, "stream-status", webhook.Target{URL: ev.URL, Method: ev.Method}, params)
	}
	sess.sent = len(evs)
}

// connectStream plays a <Connect><Stream>: the caller's audio, then the
// hold for the app's answer; appDone reports that the app closed it.
func (r *run) connectStream(ctx context.Context, step *Step, noun *twiml.Node) (sess *Session, hungUp, appDone bool) {
	sess, s, err := r.newStream(ctx, step, noun, true)
	if err != nil {
		r.streamProblemEvents(step, noun, sess.Stream, err)
		return sess, false, true // Connect ends as if the socket closed (reference §5)
	}
	var in StreamInput
	if sc := r.sessionCaller(); sc != nil {
		if in, err = sc.StreamInput(ctx, StreamPrompt{Bidirectional: true, Node: noun}); err != nil {
			sess.Stream = s.Stop(ctx)
			r.streamEvents(ctx, step, noun, sess)
			return sess, true, false
		}
	}
	audio := r.callerAudio(in)
	if err := s.SendAudio(ctx, audio); err == nil && in.Digits != "" {
		s.SendDTMF(ctx, in.Digits)
	}
	hold := r.opt.Sessions.Hold
	if hold <= 0 {
		hold = 3 * time.Second
	}
	if s.Wait(ctx, hold) {
		sess.Stream = s.Result()
	} else {
		sess.Stream = s.Stop(ctx)
		hungUp = true
	}
	r.streamEvents(ctx, step, noun, sess)
	r.clock += time.Duration(sess.Stream.SentSeconds * float64(time.Second))
	return sess, hungUp, !hungUp
}

func (r *run) streamProblemEvents(step *Step, noun *twiml.Node, res *connect.StreamResult, err error) {
	r.t.Failed = true
	var ce *connect.Error
	if errors.As(err, &ce) {
		r.event(step, Event{Kind: EventError, Verb: "Stream", Line: noun.Line, Code: ce.Code, Text: ce.Message})
	} else {
		r.event(step, Event{Kind: EventError, Verb: "Stream", Line: noun.Line, Text: err.Error()})
	}
}

func (r *run) streamEvents(ctx context.Context, step *Step, noun *twiml.Node, sess *Session) {
	res := sess.Stream
	r.streamStatus(ctx, step, sess)
	e := Event{Kind: EventStream, Verb: "Stream", Line: noun.Line,
		Text: fmt.Sprintf("%s %s: %.2f s of caller audio sent, %.2f s of app audio received (%.2f s played), %d marks, %d clears",
			streamKind(sess.Kind), res.StreamSid, res.SentSeconds, res.ReceivedSeconds, res.PlayedSeconds, len(res.Marks), len(res.Clears))}
	if res.HasFirstAudioBack {
		e.Latency = &Latency{FirstAudio: res.FirstAudioBack}
	}
	r.event(step, e)
	for _, p := range res.Problems {
		kind := EventWarning
		if p.Level == connect.LevelError {
			kind = EventError
		}
		r.event(step, Event{Kind: kind, Verb: "Stream", Code: p.Code, Text: p.Message})
	}
	end := "the caller hung up: stop sent"
	if sess.Kind == SessionFork {
		end = "stopped: stop sent"
	}
	if res.ClosedByApp {
		end = "the app closed the stream"
	}
	r.event(step, Event{Kind: EventSession, Verb: "Stream", Text: end})
}

// fork starts a <Start><Stream> that runs beside the call.
func (r *run) fork(ctx context.Context, step *Step, noun *twiml.Node) {
	sess, s, err := r.newStream(ctx, step, noun, false)
	r.t.Sessions = append(r.t.Sessions, sess)
	if err != nil {
		r.streamProblemEvents(step, noun, sess.Stream, err)
		return
	}
	var in StreamInput
	if sc := r.sessionCaller(); sc != nil {
		in, _ = sc.StreamInput(ctx, StreamPrompt{Node: noun})
	}
	actx, cancel := context.WithCancel(ctx)
	sess.stream, sess.cancel, sess.audio = s, cancel, make(chan struct{})
	audio := r.callerAudio(in)
	go func() {
		defer close(sess.audio)
		s.SendAudio(actx, audio)
	}()
	r.sess.forks = append(r.sess.forks, sess)
}

// stopForks stops the running forks named name (all when name is empty).
func (r *run) stopForks(ctx context.Context, step *Step, name string) {
	kept := r.sess.forks[:0]
	for _, f := range r.sess.forks {
		if name != "" && f.Config["name"] != name {
			kept = append(kept, f)
			continue
		}
		r.endFork(ctx, step, f)
	}
	r.sess.forks = kept
}

func (r *run) endFork(ctx context.Context, step *Step, f *Session) {
	if r.opt.Sessions.Fast {
		<-f.audio // an unpaced fork has sent its audio by the time the call moves on
	}
	f.cancel()
	<-f.audio
	f.Stream = f.stream.Stop(ctx)
	r.streamEvents(ctx, step, f.node, f)
}

// endSessions stops the forks still running when the call ends.
func (r *run) endSessions(ctx context.Context) {
	if len(r.sess.forks) == 0 || r.lastStep == nil {
		return
	}
	for _, f := range r.sess.forks {
		r.endFork(context.WithoutCancel(ctx), r.lastStep, f)
	}
	r.sess.forks = nil
}

func streamKind(kind string) string {
	if kind == SessionFork {
		return "forked stream"
	}
	return "bidirectional stream"
}
