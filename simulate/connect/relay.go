package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// RelayConfig is a <ConversationRelay> noun: the attributes a session obeys
// and its <Parameter>s. Attributes that only steer Twilio's speech providers
// (voice, ttsProvider, hints…) stay in Attrs for the report.
type RelayConfig struct {
	URL                          string
	WelcomeGreeting              string
	WelcomeGreetingInterruptible string // none, dtmf, speech, any
	Language                     string // transcription language of prompts
	Interruptible                string // none, dtmf, speech, any
	Preemptible                  bool
	DTMFDetection                bool
	PartialPrompts               bool
	Parameters                   []Field           // <Parameter name value/>, in order
	Attrs                        map[string]string // every attribute as written
}

// ParseRelayConfig reads a <ConversationRelay>'s attributes and <Parameter>s.
// Errors name the attribute.
func ParseRelayConfig(attrs map[string]string, params []Field) (RelayConfig, error) {
	c := RelayConfig{
		URL:                          attrs["url"],
		WelcomeGreeting:              attrs["welcomeGreeting"],
		WelcomeGreetingInterruptible: InterruptibleDefault,
		Language:                     RelayLanguageDefault,
		Interruptible:                InterruptibleDefault,
		Parameters:                   params,
		Attrs:                        attrs,
	}
	if c.URL == "" {
		return c, errors.New(`<ConversationRelay> needs a "url" attribute`)
	}
	if v := attrs["language"]; v != "" {
		c.Language = v
	}
	if v := attrs["transcriptionLanguage"]; v != "" {
		c.Language = v
	}
	var err error
	for _, a := range []struct {
		name string
		dst  *string
	}{{"interruptible", &c.Interruptible}, {"welcomeGreetingInterruptible", &c.WelcomeGreetingInterruptible}} {
		if v, ok := attrs[a.name]; ok {
			if *a.dst, err = interruptMode(v); err != nil {
				return c, fmt.Errorf("<ConversationRelay %s=%q>: %v", a.name, v, err)
			}
		}
	}
	for _, a := range []struct {
		name string
		dst  *bool
	}{{"preemptible", &c.Preemptible}, {"dtmfDetection", &c.DTMFDetection}, {"partialPrompts", &c.PartialPrompts}} {
		if v, ok := attrs[a.name]; ok {
			if *a.dst, err = strconv.ParseBool(v); err != nil {
				return c, fmt.Errorf("<ConversationRelay %s=%q>: want true or false", a.name, v)
			}
		}
	}
	return c, nil
}

func interruptMode(v string) (string, error) {
	switch strings.ToLower(v) {
	case "none", "false":
		return "none", nil
	case "any", "true":
		return "any", nil
	case "dtmf", "speech":
		return strings.ToLower(v), nil
	}
	return "", errors.New("want none, dtmf, speech, any, true or false")
}

// allows reports whether input of kind ("speech" or "dtmf") cuts speech
// played under interruptible mode.
func allows(mode, kind string) bool { return mode == "any" || mode == kind }

// RelayOptions tune how callsim plays the caller.
type RelayOptions struct {
	// ReplyTimeout bounds the wait for the agent's answer to one caller
	// turn; 0 means 15 s. A turn without an answer in time stays unanswered
	// and the session goes on.
	ReplyTimeout time.Duration
	// RealTime waits out the agent's simulated speaking time instead of
	// adding it to the simulated clock.
	RealTime bool
}

// Message is one WebSocket message of a session, as sent or received.
type Message struct {
	At   time.Time       `json:"at"`
	Dir  string          `json:"dir"`            // "sent" (callsim → app) or "received"
	Data json.RawMessage `json:"data,omitempty"` // the message, when it is JSON
	Text string          `json:"text,omitempty"` // the frame as text, when it is not JSON
}

// Utterance is one talk cycle of the agent: its tokens up to last:true.
type Utterance struct {
	Text          string        `json:"text"`
	Tokens        int           `json:"tokens"`
	Lang          string        `json:"lang,omitempty"`
	Interruptible string        `json:"interruptible"` // mode in force: none, dtmf, speech, any
	Preemptible   bool          `json:"preemptible"`
	Complete      bool          `json:"complete"` // last:true received
	Speaking      time.Duration `json:"speaking"` // simulated TTS time
}

// Interruption is what a caller who talked over the agent had heard.
type Interruption struct {
	UtteranceUntilInterrupt  string `json:"utteranceUntilInterrupt"`
	DurationUntilInterruptMs int64  `json:"durationUntilInterruptMs"`
}

// Play is a `play` the agent asked for.
type Play struct {
	Source      string `json:"source"`
	Loop        int    `json:"loop"`
	Preemptible bool   `json:"preemptible"`
}

// Turn is one caller input and the agent's answer to it. Turn 0 is the
// welcome greeting and whatever the agent says before the caller speaks.
type Turn struct {
	Index      int           `json:"index"`
	Caller     string        `json:"caller,omitempty"`     // what the caller said (prompt)
	Digits     string        `json:"digits,omitempty"`     // keys the caller pressed
	NotSent    string        `json:"notSent,omitempty"`    // why the input did not reach the app
	Greeting   string        `json:"greeting,omitempty"`   // welcomeGreeting spoken by Twilio
	Started    time.Time     `json:"started"`              // the prompt (or setup) was sent
	Utterances []Utterance   `json:"utterances,omitempty"` // the agent's talk cycles
	Plays      []Play        `json:"plays,omitempty"`
	SentDigits []string      `json:"sentDigits,omitempty"`
	Languages  []string      `json:"languages,omitempty"`  // language switches, "tts=…" / "transcription=…"
	FirstToken time.Duration `json:"firstToken,omitempty"` // prompt → first token, wall clock
	LastToken  time.Duration `json:"lastToken,omitempty"`  // prompt → last:true, wall clock
	Answered   bool          `json:"answered"`             // a talk cycle completed
	// Interrupted is set when the next caller input cut this turn's speech.
	Interrupted *Interruption `json:"interrupted,omitempty"`

	firstAt time.Time // wall clock of the first token, start of speech
}

// Agent is everything the agent said in the turn.
func (t *Turn) Agent() string {
	parts := make([]string, 0, len(t.Utterances))
	for _, u := range t.Utterances {
		parts = append(parts, strings.TrimSpace(u.Text))
	}
	return strings.Join(parts, " ")
}

func (t *Turn) clone() Turn {
	c := *t
	c.Utterances = append([]Utterance(nil), t.Utterances...)
	c.Plays = append([]Play(nil), t.Plays...)
	c.SentDigits = append([]string(nil), t.SentDigits...)
	c.Languages = append([]string(nil), t.Languages...)
	if t.Interrupted != nil {
		i := *t.Interrupted
		c.Interrupted = &i
	}
	return c
}

// RelayResult is a finished session: what the report shows and what the
// <Connect action> request carries.
type RelayResult struct {
	SessionID    string        `json:"sessionId"`
	Status       string        `json:"sessionStatus"` // SessionStatus*
	Duration     time.Duration `json:"duration"`      // simulated
	HandoffData  *string       `json:"handoffData,omitempty"`
	ErrorCode    int           `json:"errorCode,omitempty"`
	ErrorMessage string        `json:"errorMessage,omitempty"`
	// CallStatus is the call's status for the action request: "completed"
	// once the caller hung up, else "in-progress".
	CallStatus string    `json:"callStatus"`
	Turns      []Turn    `json:"turns"`
	Messages   []Message `json:"messages"`
	Problems   []Problem `json:"problems,omitempty"`
}

// ActionFields are the parameters the <Connect action> request adds to the
// standard voice parameters (reference §7.4).
func (r *RelayResult) ActionFields() []Field {
	f := []Field{
		{"SessionId", r.SessionID},
		{"SessionStatus", r.Status},
		{"SessionDuration", strconv.Itoa(int(math.Ceil(r.Duration.Seconds())))},
	}
	if r.HandoffData != nil {
		f = append(f, Field{"HandoffData", *r.HandoffData})
	}
	if r.ErrorCode != 0 {
		f = append(f, Field{"ErrorCode", strconv.Itoa(r.ErrorCode)})
	}
	if r.ErrorMessage != "" {
		f = append(f, Field{"ErrorMessage", r.ErrorMessage})
	}
	return f
}

// ErrSessionEnded is returned by caller actions once the session is over.
var ErrSessionEnded = errors.New("the ConversationRelay session has ended")

// Relay is a ConversationRelay session in progress: callsim is Twilio and
// the caller, the app is the agent. Its methods are safe for concurrent use,
// but caller turns are meant to be played one at a time.
type Relay struct {
	d     *Dialer
	cfg   RelayConfig
	opts  RelayOptions
	conn  *websocket.Conn
	start time.Time
	stop  context.CancelFunc // ends the reader
	gone  chan struct{}      // closed when the reader has returned

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change
	sessionID string
	lang      string
	turns     []*Turn
	msgs      []Message
	problems  []Problem
	malformed int           // consecutive invalid messages
	skipped   time.Duration // simulated time not waited for
	ended     bool
	result    RelayResult
	unwatch   func() bool // stops watching the caller's context
}

// DialRelay opens the session: the signed handshake, then `setup`. A
// handshake failure is an *Error with code 64102.
func DialRelay(ctx context.Context, d *Dialer, cfg RelayConfig, call Call, opts RelayOptions) (*Relay, error) {
	if d == nil {
		d = &Dialer{}
	}
	if _, err := checkURL(cfg.URL, CodeRelayConnect, CodeRelayConnect); err != nil {
		return nil, err
	}
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = 15 * time.Second
	}
	conn, err := d.dial(ctx, cfg.URL, true, CodeRelayConnect)
	if err != nil {
		return nil, err
	}
	r := &Relay{d: d, cfg: cfg, opts: opts, conn: conn, start: d.now(), gone: make(chan struct{}),
		changed: make(chan struct{}), sessionID: d.newSID("VX"), lang: cfg.Language}
	r.result.SessionID = r.sessionID
	params := make(map[string]string, len(cfg.Parameters))
	for _, p := range cfg.Parameters {
		params[p.Name] = p.Value
	}
	status := call.CallStatus
	if status == "" {
		status = CallStatusDefault
	}
	callType := call.CallType
	if callType == "" {
		callType = CallTypeDefault
	}
	t0 := &Turn{Started: r.start}
	if cfg.WelcomeGreeting != "" {
		// Twilio speaks the greeting itself as the socket opens.
		t0.Greeting = cfg.WelcomeGreeting
		t0.Utterances = []Utterance{{Text: cfg.WelcomeGreeting, Lang: r.lang, Interruptible: cfg.WelcomeGreetingInterruptible,
			Complete: true, Speaking: speakingTime(cfg.WelcomeGreeting)}}
		t0.firstAt, t0.Answered = r.start, true
	}
	r.turns = []*Turn{t0}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	if err := r.send(ctx, setupMsg{Type: "setup", SessionID: r.sessionID, AccountSid: call.AccountSid,
		ParentCallSid: call.ParentCallSid, CallSid: call.CallSid, From: call.From, To: call.To,
		ForwardedFrom: call.ForwardedFrom, CallType: callType, CallerName: call.CallerName,
		Direction: call.Direction, CallStatus: strings.ToUpper(status), CustomParameters: params}); err != nil {
		stop()
		conn.CloseNow()
		return nil, &Error{Code: CodeRelayConnect, Message: fmt.Sprintf("sending setup to %s: %v", cfg.URL, err)}
	}
	go r.read(rctx)
	// A caller's context ending ends the session as a hang-up would.
	unwatch := context.AfterFunc(ctx, func() {
		r.finish(CloseNormal, SessionStatusFailed, 0, "session cancelled: "+context.Cause(ctx).Error(), "", nil)
	})
	r.mu.Lock()
	r.unwatch = unwatch
	r.mu.Unlock()
	return r, nil
}

// SessionID is the VX SID sent in `setup`.
func (r *Relay) SessionID() string { return r.sessionID }

// Done is closed when the session has ended (app `end`, close, hang-up).
func (r *Relay) Done() <-chan struct{} { return r.gone }

// speakingTime is how long TTS takes to say text at WordsPerSecond.
func speakingTime(text string) time.Duration {
	return time.Duration(float64(len(strings.Fields(text))) / WordsPerSecond * float64(time.Second))
}

// SayOptions shape one caller utterance.
type SayOptions struct {
	// BargeIn > 0: the caller starts this long after the agent began its
	// last answer, interrupting it if it is still playing and interruptible.
	// 0: the caller waits until the agent has finished speaking.
	BargeIn time.Duration
	// Lang overrides the prompt's lang (default: the transcription language).
	Lang string
}

// Say plays one caller utterance: `interrupt` if it cuts the agent, the
// prompt (with partials when partialPrompts is on), then waits for the
// agent's answer. The returned turn is a copy.
func (r *Relay) Say(ctx context.Context, text string, o SayOptions) (Turn, error) {
	if err := r.yieldTo(ctx, "speech", o.BargeIn); err != nil {
		return Turn{}, err
	}
	r.mu.Lock()
	lang := r.lang
	r.mu.Unlock()
	if o.Lang != "" {
		lang = o.Lang
	}
	if r.cfg.PartialPrompts {
		words := strings.Fields(text)
		for i := 1; i < len(words); i++ {
			if err := r.send(ctx, promptMsg{Type: "prompt", VoicePrompt: strings.Join(words[:i], " "), Lang: lang}); err != nil {
				return Turn{}, r.lost(err)
			}
		}
	}
	t := r.newTurn(&Turn{Caller: text})
	if err := r.send(ctx, promptMsg{Type: "prompt", VoicePrompt: text, Lang: lang, Last: true}); err != nil {
		return Turn{}, r.lost(err)
	}
	return r.await(ctx, t)
}

// Press plays caller key presses: one `dtmf` message per digit when
// dtmfDetection is on (Twilio sends none otherwise: the turn records why),
// then waits for the agent's answer.
func (r *Relay) Press(ctx context.Context, digits string, o SayOptions) (Turn, error) {
	if !r.cfg.DTMFDetection {
		t := r.newTurn(&Turn{Digits: digits, NotSent: "dtmfDetection is off: Twilio does not send dtmf messages"})
		r.mu.Lock()
		defer r.mu.Unlock()
		return t.clone(), nil
	}
	if err := r.yieldTo(ctx, "dtmf", o.BargeIn); err != nil {
		return Turn{}, err
	}
	t := r.newTurn(&Turn{Digits: digits})
	for _, d := range digits {
		if err := r.send(ctx, dtmfMsg{Type: "dtmf", Digit: string(d)}); err != nil {
			return Turn{}, r.lost(err)
		}
	}
	return r.await(ctx, t)
}

// lost maps a failed write: the session's own end takes precedence.
func (r *Relay) lost(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return ErrSessionEnded
	}
	return err
}

// yieldTo lets the agent's last answer play until the caller's input of
// kind arrives (after bargeIn, or when the speech ends), sending
// `interrupt` if the input cuts it.
func (r *Relay) yieldTo(ctx context.Context, kind string, bargeIn time.Duration) error {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return ErrSessionEnded
	}
	prev := r.turns[len(r.turns)-1]
	var total time.Duration
	for _, u := range prev.Utterances {
		total += u.Speaking
	}
	at := total // when the caller's input comes, from the start of speech
	var cut *Interruption
	if bargeIn > 0 && bargeIn < total {
		if u := playingAt(prev.Utterances, bargeIn); u != nil && allows(u.Interruptible, kind) {
			at = bargeIn
			cut = &Interruption{UtteranceUntilInterrupt: heard(prev.Utterances, bargeIn), DurationUntilInterruptMs: bargeIn.Milliseconds()}
		}
	}
	wait := time.Duration(0)
	if !prev.firstAt.IsZero() {
		wait = at - r.d.now().Sub(prev.firstAt)
	}
	if wait > 0 && !r.opts.RealTime {
		r.skipped += wait
	}
	r.mu.Unlock()
	if wait > 0 && r.opts.RealTime {
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-r.gone:
			tm.Stop()
			return ErrSessionEnded
		case <-tm.C:
		}
	}
	if cut == nil {
		return nil
	}
	r.mu.Lock()
	prev.Interrupted = cut
	r.mu.Unlock()
	if err := r.send(ctx, interruptMsg{Type: "interrupt", UtteranceUntilInterrupt: cut.UtteranceUntilInterrupt,
		DurationUntilInterruptMs: cut.DurationUntilInterruptMs}); err != nil {
		return r.lost(err)
	}
	return nil
}

// playingAt is the utterance being spoken at offset d of the speech.
func playingAt(us []Utterance, d time.Duration) *Utterance {
	for i := range us {
		if d < us[i].Speaking {
			return &us[i]
		}
		d -= us[i].Speaking
	}
	return nil
}

// heard is the text spoken in the first d of the speech, whole words.
func heard(us []Utterance, d time.Duration) string {
	var words []string
	for _, u := range us {
		words = append(words, strings.Fields(u.Text)...)
	}
	n := min(int(d.Seconds()*WordsPerSecond), len(words))
	return strings.Join(words[:n], " ")
}

func (r *Relay) newTurn(t *Turn) *Turn {
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Index = len(r.turns)
	t.Started = r.d.now()
	r.turns = append(r.turns, t)
	return t
}

// await waits until turn t is answered, the session ends or the reply
// timeout passes.
func (r *Relay) await(ctx context.Context, t *Turn) (Turn, error) {
	timer := time.NewTimer(r.opts.ReplyTimeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		if t.Answered || r.ended {
			c := t.clone()
			r.mu.Unlock()
			return c, nil
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			r.mu.Lock()
			defer r.mu.Unlock()
			return t.clone(), nil
		case <-ctx.Done():
			return Turn{}, ctx.Err()
		}
	}
}

func (r *Relay) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// send writes one JSON message and logs it.
func (r *Relay) send(ctx context.Context, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, Message{At: r.d.now(), Dir: "sent", Data: data})
	r.mu.Unlock()
	return r.conn.Write(ctx, websocket.MessageText, data)
}

// read receives the app's messages until the session ends.
func (r *Relay) read(ctx context.Context) {
	defer close(r.gone)
	for {
		typ, data, err := r.conn.Read(ctx)
		if err != nil {
			code := websocket.CloseStatus(err)
			msg := "the app closed the WebSocket without sending end"
			if code >= 0 {
				msg = fmt.Sprintf("the app closed the WebSocket (code %d) without sending end", code)
			} else if ctx.Err() == nil {
				msg = "the WebSocket connection was lost: " + err.Error()
			}
			r.finish(CloseNormal, SessionStatusFailed, CodeRelayServerClosed, msg, "", nil)
			return
		}
		if !r.handle(ctx, typ, data) {
			return
		}
	}
}

// handle processes one message; false ends the reader.
func (r *Relay) handle(ctx context.Context, typ websocket.MessageType, data []byte) bool {
	now := r.d.now()
	m := Message{At: now, Dir: "received"}
	var msg AppMessage
	var perr error
	if typ != websocket.MessageText {
		perr = errors.New("binary frame: ConversationRelay takes JSON text frames")
	} else {
		msg, perr = ParseRelayMessage(data)
	}
	if json.Valid(data) {
		m.Data = append(json.RawMessage(nil), data...)
	} else if utf8.Valid(data) {
		m.Text = string(data)
	} else {
		m.Text = fmt.Sprintf("(%d bytes of binary)", len(data))
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	if r.ended {
		r.mu.Unlock()
		return false
	}
	if perr != nil {
		r.malformed++
		r.problems = append(r.problems, Problem{At: now, Code: CodeRelayInvalidMessage, Level: LevelError, Message: perr.Error()})
		tooMany := r.malformed >= MaxConsecutiveMalformed
		r.mu.Unlock()
		if tooMany {
			r.finish(CloseMalformed, SessionStatusFailed, CodeRelayServerClosed, CloseMalformedReason, "", nil)
			return false
		}
		// The session goes on without the message; Twilio tells the app why.
		_ = r.send(ctx, errorMsg{Type: "error", Description: perr.Error()})
		return true
	}
	r.malformed = 0
	t := r.turns[len(r.turns)-1]
	switch msg.Type {
	case "text":
		if t.firstAt.IsZero() {
			t.firstAt = now
			t.FirstToken = now.Sub(t.Started)
		}
		n := len(t.Utterances)
		if n == 0 || t.Utterances[n-1].Complete {
			if n > 0 {
				r.problems = append(r.problems, Problem{At: now, Code: CodeRelayInvalidMessage, Level: LevelWarning,
					Message: fmt.Sprintf("text token %q after last:true in turn %d: spoken as a new utterance", msg.Token, t.Index)})
			}
			mode := r.cfg.Interruptible
			if msg.Interruptible != nil {
				mode = map[bool]string{true: "any", false: "none"}[*msg.Interruptible]
			}
			pre := r.cfg.Preemptible
			if msg.Preemptible != nil {
				pre = *msg.Preemptible
			}
			t.Utterances = append(t.Utterances, Utterance{Lang: msg.Lang, Interruptible: mode, Preemptible: pre})
			n++
		}
		u := &t.Utterances[n-1]
		u.Text += msg.Token
		u.Tokens++
		// Speech starts with the first tokens: what has arrived can be heard.
		u.Speaking = speakingTime(u.Text)
		if msg.Last {
			u.Complete = true
			t.LastToken = now.Sub(t.Started)
			t.Answered = true
		}
	case "play":
		pre := msg.Preemptible != nil && *msg.Preemptible
		t.Plays = append(t.Plays, Play{Source: msg.Source, Loop: msg.Loop, Preemptible: pre})
	case "sendDigits":
		t.SentDigits = append(t.SentDigits, msg.Digits)
	case "language":
		if msg.TTSLanguage != "" {
			t.Languages = append(t.Languages, "tts="+msg.TTSLanguage)
		}
		if msg.TranscriptionLanguage != "" {
			t.Languages = append(t.Languages, "transcription="+msg.TranscriptionLanguage)
			r.lang = msg.TranscriptionLanguage
		}
	case "end":
		r.mu.Unlock()
		r.finish(CloseNormal, SessionStatusEnded, 0, "", "", msg.HandoffData)
		return false
	}
	r.notify()
	r.mu.Unlock()
	return true
}

// finish ends the session once: records the outcome and closes the socket
// (Twilio closes it after `end` and on hang-up).
func (r *Relay) finish(closeCode websocket.StatusCode, status string, code int, message, callStatus string, handoff *string) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	if callStatus == "" {
		callStatus = "in-progress"
	}
	now := r.d.now()
	res := &r.result
	res.Status, res.ErrorCode, res.ErrorMessage, res.CallStatus = status, code, message, callStatus
	res.HandoffData = handoff
	res.Duration = now.Sub(r.start) + r.skipped
	if code != 0 {
		r.problems = append(r.problems, Problem{At: now, Code: code, Level: LevelError, Message: message})
	}
	r.notify()
	unwatch := r.unwatch
	r.mu.Unlock()
	reason := ""
	if closeCode == CloseMalformed {
		reason = CloseMalformedReason
	}
	r.conn.Close(closeCode, reason)
	r.stop()
	if unwatch != nil {
		unwatch()
	}
}

// Hangup ends the session as a caller hanging up (SessionStatus completed,
// CallStatus completed) unless it has already ended, and returns the result.
func (r *Relay) Hangup() *RelayResult {
	r.finish(CloseNormal, SessionStatusCompleted, 0, "", "completed", nil)
	return r.Result()
}

// Finish waits up to grace for the app to end the session (an agent often
// sends `end` right after its last words), then hangs up.
func (r *Relay) Finish(ctx context.Context, grace time.Duration) *RelayResult {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-r.gone:
	case <-t.C:
	case <-ctx.Done():
	}
	return r.Hangup()
}

// Result waits until the session has ended (see Done, Hangup, Finish) and
// returns its outcome.
func (r *Relay) Result() *RelayResult {
	<-r.gone
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.result
	for _, t := range r.turns {
		if t.Index == 0 && len(t.Utterances) == 0 && len(t.Plays) == 0 && len(t.SentDigits) == 0 && len(t.Languages) == 0 {
			continue // no greeting and the agent did not speak first
		}
		res.Turns = append(res.Turns, t.clone())
	}
	res.Messages = append([]Message(nil), r.msgs...)
	res.Problems = append([]Problem(nil), r.problems...)
	return &res
}

// FailedRelay is the result of a session whose WebSocket never opened
// (err from DialRelay): the <Connect action> request still reports it.
func FailedRelay(d *Dialer, err error) *RelayResult {
	if d == nil {
		d = &Dialer{}
	}
	r := &RelayResult{SessionID: d.newSID("VX"), Status: SessionStatusFailed, CallStatus: "in-progress", ErrorMessage: err.Error()}
	var e *Error
	if errors.As(err, &e) {
		r.ErrorCode, r.ErrorMessage = e.Code, e.Message
	}
	return r
}
