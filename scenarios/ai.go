package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/connect"
)

// Voice AI steps and expectations. While a <Connect><ConversationRelay>
// session is open, each `speak` or `press` step is one caller turn (a
// `prompt` or `dtmf` message) and `hangup` ends the call; the steps'
// agent expectations are checked against that turn once the call is over.
// On any other step they check the sessions its TwiML opened: the agent's
// opening words (welcome greeting and turn 0), the session's end and the
// <Connect action> request, and Media Streams figures.

// aiKeys are the expectation keys of voice AI sessions.
var aiKeys = []string{"agent", "first_token_under", "last_token_under", "handoff", "session_status", "action_fields", "first_audio_under", "audio_back"}

// aiCheck is an expectation about a WebSocket session.
type aiCheck interface {
	check
	// runSession checks sess; turn is the caller turn the step played
	// (0: the agent's opening, for a step that opened the session).
	runSession(sess *simulate.Session, turn int) *Failure
}

// aiTurn is one caller turn a step played in a relay session.
type aiTurn struct {
	step *StepSpec
	sess *simulate.Session
	turn int
}

// aiState is the execution's voice AI bookkeeping.
type aiState struct {
	turns []aiTurn
}

// aiExpectation parses one voice AI expectation key.
func (p *parser) aiExpectation(k string, v *yaml.Node, kp string, b base) check {
	switch k {
	case "agent":
		if ms, ok := p.matchers(v, kp); ok {
			return &agentCheck{b, ms}
		}
	case "first_token_under", "last_token_under", "first_audio_under":
		if d, ok := p.duration(v, kp); ok {
			if d <= 0 {
				p.errorf(v, kp, "must be a positive duration")
				return nil
			}
			return &timingCheck{b, d}
		}
	case "audio_back":
		if d, ok := p.duration(v, kp); ok {
			return &audioBackCheck{b, d}
		}
	case "handoff":
		if mt, ok := p.matcher(v, kp, MatchContains); ok {
			return &handoffCheck{b, mt}
		}
	case "session_status":
		if mt, ok := p.matcher(v, kp, MatchEquals); ok {
			statuses := []string{connect.SessionStatusEnded, connect.SessionStatusCompleted, connect.SessionStatusFailed}
			if mt.Mode == MatchEquals && !slices.Contains(statuses, mt.Text) {
				p.errorf(v, kp, "%q is not a SessionStatus (allowed: %s)", mt.Text, strings.Join(statuses, ", "))
				return nil
			}
			return &sessionStatusCheck{b, mt}
		}
	case "action_fields":
		if rc, ok := p.requestCheck(v, kp, b).(*requestCheck); ok && rc != nil {
			return &actionFieldsCheck{b, rc}
		}
	}
	return nil
}

// RelayTurn implements simulate.SessionCaller: the next step is the
// caller's turn.
func (x *execution) RelayTurn(ctx context.Context, p simulate.RelayPrompt) (simulate.CallerTurn, bool, error) {
	if ctx.Err() != nil || x.stopped || len(x.failures) > 0 {
		return simulate.CallerTurn{Hangup: true}, true, nil
	}
	if x.next >= len(x.sc.Steps) {
		return simulate.CallerTurn{}, false, nil // nothing more to say: the agent may end the session
	}
	st := x.sc.Steps[x.next]
	var turn simulate.CallerTurn
	switch st.Action.Kind {
	case ActSpeak:
		turn.Say = st.Action.Speech
	case ActPress:
		turn.Digits = st.Action.Digits
	case ActHangup:
		turn.Hangup = true
	default:
		// Not a caller turn: the step answers what follows the session, so
		// the caller waits for the agent to end it (or hangs up).
		return simulate.CallerTurn{}, false, nil
	}
	x.next++
	x.played++
	x.ai.turns = append(x.ai.turns, aiTurn{step: st, sess: p.Session, turn: p.Turn})
	return turn, true, nil
}

// StreamInput implements simulate.SessionCaller: the scenario's streams
// carry the run's audio (or silence).
func (x *execution) StreamInput(context.Context, simulate.StreamPrompt) (simulate.StreamInput, error) {
	return simulate.StreamInput{}, nil
}

// checkTurns checks the steps played as relay turns, once their sessions
// are over.
func (x *execution) checkTurns() {
	for _, at := range x.ai.turns {
		if at.step.Expect == nil || at.sess == nil {
			continue
		}
		for _, c := range at.step.Expect.checks {
			ac, ok := c.(aiCheck)
			var f *Failure
			if ok {
				f = ac.runSession(at.sess, at.turn)
			} else {
				f = &Failure{Message: fmt.Sprintf("%s does not apply to a ConversationRelay caller turn (use %s)", c.key(), strings.Join(aiKeys, ", "))}
			}
			if f != nil {
				x.failures = append(x.failures, x.locate(f, at.step, "expect.", c))
			}
		}
	}
}

// windowSessions are the sessions opened by the TwiML of a window's requests.
func windowSessions(w *window) []*simulate.Session {
	var out []*simulate.Session
	for _, s := range w.requests {
		out = append(out, s.Sessions...)
	}
	return out
}

// runWindow applies c to the sessions a plain step's TwiML opened (turn 0).
func runWindow(w *window, c aiCheck, kind string) *Failure {
	var f *Failure
	n := 0
	for _, s := range windowSessions(w) {
		if kind != "" && s.Kind != kind && !(kind == simulate.SessionStream && s.Kind == simulate.SessionFork) {
			continue
		}
		n++
		if f = c.runSession(s, 0); f == nil {
			return nil
		}
	}
	if n == 0 {
		what := "ConversationRelay session"
		if kind == simulate.SessionStream {
			what = "media stream"
		}
		return &Failure{Message: fmt.Sprintf("this step opened no %s", what), Want: c.key(), Got: "no session"}
	}
	return f
}

func relayTurn(sess *simulate.Session, turn int) (*connect.Turn, *Failure) {
	if sess.Relay == nil {
		return nil, &Failure{Message: "the session is not a ConversationRelay session", Got: sess.Kind}
	}
	for i := range sess.Relay.Turns {
		if t := &sess.Relay.Turns[i]; t.Index == turn {
			return t, nil
		}
	}
	return nil, &Failure{Message: fmt.Sprintf("the session has no turn %d (it ended: %s)", turn, sess.Relay.Status), Got: "no turn"}
}

// agentCheck is agent: what the agent said in the turn (each matcher, in
// order, matches one of its utterances or the whole answer).
type agentCheck struct {
	base
	ms []*Matcher
}

func (c *agentCheck) run(w *window) *Failure { return runWindow(w, c, simulate.SessionRelay) }

func (c *agentCheck) runSession(sess *simulate.Session, turn int) *Failure {
	t, f := relayTurn(sess, turn)
	if f != nil {
		return f
	}
	said := []string{t.Agent()}
	for _, u := range t.Utterances {
		said = append(said, strings.TrimSpace(u.Text))
	}
	i := 0
	for _, s := range said {
		if i < len(c.ms) && c.ms[i].Match(s, true) {
			i++
		}
	}
	if i == len(c.ms) {
		return nil
	}
	want := make([]string, len(c.ms))
	for j, m := range c.ms {
		want[j] = m.want()
	}
	var w1 any = want
	if len(want) == 1 {
		w1 = want[0]
	}
	if !t.Answered && t.Agent() == "" {
		return fail(w1, "", "the agent did not answer turn %d", turn)
	}
	return fail(w1, t.Agent(), "the agent's answer does not match %s", c.ms[i])
}

// timingCheck is first_token_under, last_token_under and first_audio_under.
type timingCheck struct {
	base
	max time.Duration
}

func (c *timingCheck) run(w *window) *Failure {
	kind := simulate.SessionRelay
	if c.k == "first_audio_under" {
		kind = simulate.SessionStream
	}
	return runWindow(w, c, kind)
}

func (c *timingCheck) runSession(sess *simulate.Session, turn int) *Failure {
	want := "≤ " + c.max.String()
	if c.k == "first_audio_under" {
		s := sess.Stream
		switch {
		case s == nil:
			return fail(want, sess.Kind, "the session is not a media stream")
		case !s.HasFirstAudioBack:
			return fail(want, "no audio back", "the app sent no audio after the caller's audio ended")
		case s.FirstAudioBack > c.max:
			return fail(want, s.FirstAudioBack.String(), "the app's first audio came %s after the caller's audio ended, over %s", s.FirstAudioBack.Round(100*time.Microsecond), c.max)
		}
		return nil
	}
	t, f := relayTurn(sess, turn)
	if f != nil {
		return f
	}
	got, what := t.FirstToken, "first token"
	if c.k == "last_token_under" {
		got, what = t.LastToken, "last token"
	}
	if !t.Answered && got == 0 {
		return fail(want, "no answer", "the agent did not answer turn %d", turn)
	}
	if got > c.max {
		return fail(want, got.String(), "the agent's %s came %s after the caller's turn, over %s", what, got.Round(100*time.Microsecond), c.max)
	}
	return nil
}

// audioBackCheck is audio_back: at least this much of the app's audio.
type audioBackCheck struct {
	base
	min time.Duration
}

func (c *audioBackCheck) run(w *window) *Failure { return runWindow(w, c, simulate.SessionStream) }

func (c *audioBackCheck) runSession(sess *simulate.Session, _ int) *Failure {
	want := "≥ " + c.min.String()
	if sess.Stream == nil {
		return fail(want, sess.Kind, "the session is not a media stream")
	}
	got := time.Duration(sess.Stream.ReceivedSeconds * float64(time.Second))
	if got < c.min {
		return fail(want, got.String(), "the app sent %.2f s of audio, want at least %s", sess.Stream.ReceivedSeconds, c.min)
	}
	return nil
}

// handoffCheck is handoff: the `end` message's handoffData.
type handoffCheck struct {
	base
	m *Matcher
}

func (c *handoffCheck) run(w *window) *Failure { return runWindow(w, c, simulate.SessionRelay) }

func (c *handoffCheck) runSession(sess *simulate.Session, _ int) *Failure {
	if sess.Relay == nil {
		return fail(c.m.want(), sess.Kind, "the session is not a ConversationRelay session")
	}
	if sess.Relay.HandoffData == nil {
		if c.m.Match("", false) {
			return nil
		}
		return fail(c.m.want(), absentValue, "the agent ended without handoffData (session %s)", sess.Relay.Status)
	}
	if got := *sess.Relay.HandoffData; !c.m.Match(got, true) {
		return fail(c.m.want(), got, "the handoffData does not match %s", c.m)
	}
	return nil
}

// sessionStatusCheck is session_status: the SessionStatus the <Connect
// action> request reported.
type sessionStatusCheck struct {
	base
	m *Matcher
}

func (c *sessionStatusCheck) run(w *window) *Failure { return runWindow(w, c, simulate.SessionRelay) }

func (c *sessionStatusCheck) runSession(sess *simulate.Session, _ int) *Failure {
	if sess.Relay == nil {
		return fail(c.m.want(), sess.Kind, "the session is not a ConversationRelay session")
	}
	if !c.m.Match(sess.Relay.Status, true) {
		return fail(c.m.want(), sess.Relay.Status, "the session ended %s, want %s", sess.Relay.Status, c.m)
	}
	return nil
}

// actionFieldsCheck is action_fields: the fields of the <Connect action>
// request made after the session.
type actionFieldsCheck struct {
	base
	fields *requestCheck
}

func (c *actionFieldsCheck) run(w *window) *Failure { return runWindow(w, c, "") }

func (c *actionFieldsCheck) runSession(sess *simulate.Session, _ int) *Failure {
	if sess.Action == nil || sess.Action.Request == nil {
		return fail("a <Connect action> request", "none", "no <Connect action> request was made after the session (the <Connect> has no action, or the call ended)")
	}
	return c.fields.run(&window{requests: []*simulate.Step{sess.Action}})
}

// RelayTurn implements simulate.SessionCaller for callsim load.
func (c *Check) RelayTurn(ctx context.Context, p simulate.RelayPrompt) (simulate.CallerTurn, bool, error) {
	return c.x.RelayTurn(ctx, p)
}

// StreamInput implements simulate.SessionCaller for callsim load.
func (c *Check) StreamInput(ctx context.Context, p simulate.StreamPrompt) (simulate.StreamInput, error) {
	return c.x.StreamInput(ctx, p)
}
