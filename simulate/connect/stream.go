package connect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// StreamConfig is a <Stream> noun under <Connect> (bidirectional) or
// <Start> (unidirectional fork).
type StreamConfig struct {
	URL                  string
	Name                 string
	Track                string // inbound_track, outbound_track or both_tracks
	StatusCallback       string
	StatusCallbackMethod string
	Parameters           []Field // <Parameter name value/>, in order
	Bidirectional        bool    // under <Connect>
	Attrs                map[string]string
}

// ParseStreamConfig reads a <Stream>'s attributes and <Parameter>s; connect
// says it is under <Connect>. A wrong track is *Error 31941, a bad url
// 31922/31923.
func ParseStreamConfig(attrs map[string]string, params []Field, connect bool) (StreamConfig, error) {
	c := StreamConfig{URL: attrs["url"], Name: attrs["name"], Track: attrs["track"], StatusCallback: attrs["statusCallback"],
		StatusCallbackMethod: attrs["statusCallbackMethod"], Parameters: params, Bidirectional: connect, Attrs: attrs}
	if c.URL == "" {
		return c, &Error{Code: CodeStreamMalformedURL, Message: `<Stream> needs a "url" attribute`}
	}
	if _, err := checkURL(c.URL, CodeStreamMalformedURL, CodeStreamScheme); err != nil {
		return c, err
	}
	if c.Track == "" {
		c.Track = "inbound_track"
	}
	switch {
	case connect && c.Track != "inbound_track":
		return c, &Error{Code: CodeStreamInvalidTrack, Message: fmt.Sprintf("<Connect><Stream track=%q>: only inbound_track is allowed", c.Track)}
	case c.Track != "inbound_track" && c.Track != "outbound_track" && c.Track != "both_tracks":
		return c, &Error{Code: CodeStreamInvalidTrack, Message: fmt.Sprintf("<Stream track=%q>: want inbound_track, outbound_track or both_tracks", c.Track)}
	}
	if c.StatusCallbackMethod == "" {
		c.StatusCallbackMethod = "POST"
	}
	return c, nil
}

func (c *StreamConfig) tracks() []string {
	switch c.Track {
	case "outbound_track":
		return []string{"outbound"}
	case "both_tracks":
		return []string{"inbound", "outbound"}
	}
	return []string{"inbound"}
}

// StreamOptions set the pace of a stream.
type StreamOptions struct {
	// Speed > 1 sends caller audio and plays the app's audio that many times
	// faster than real time; 0 or 1 is real time.
	Speed float64
	// Unpaced sends caller audio as fast as the socket takes it and plays
	// the app's audio instantly (marks come back at once).
	Unpaced bool
}

// StatusEvent is one stream status callback request for the engine to send.
type StatusEvent struct {
	URL    string  `json:"url"`
	Method string  `json:"method"`
	Fields []Field `json:"fields"`
}

// MarkRecord is one `mark` from the app and its echo.
type MarkRecord struct {
	Name     string    `json:"name"`
	Received time.Time `json:"received"`
	Echoed   time.Time `json:"echoed,omitempty"`
	Cleared  bool      `json:"cleared"` // echoed early by a `clear`
}

// ClearRecord is one `clear` from the app.
type ClearRecord struct {
	At            time.Time `json:"at"`
	Discarded     float64   `json:"discardedSeconds"` // buffered audio dropped
	MarksAnswered int       `json:"marksAnswered"`
}

// StreamResult is a stream's report.
type StreamResult struct {
	StreamSid     string `json:"streamSid"`
	Name          string `json:"name"`
	Bidirectional bool   `json:"bidirectional"`
	// SentSeconds is caller (inbound) audio sent; ReceivedSeconds the app's
	// audio received; PlayedSeconds what of it played (not cleared).
	SentSeconds     float64 `json:"sentSeconds"`
	ReceivedSeconds float64 `json:"receivedSeconds"`
	PlayedSeconds   float64 `json:"playedSeconds"`
	// FirstAudioBack is the wall-clock time from the end of the caller's
	// audio to the app's first media after it (HasFirstAudioBack false: none).
	FirstAudioBack    time.Duration `json:"firstAudioBack,omitempty"`
	HasFirstAudioBack bool          `json:"hasFirstAudioBack"`
	Marks             []MarkRecord  `json:"marks,omitempty"`
	Clears            []ClearRecord `json:"clears,omitempty"`
	ClosedByApp       bool          `json:"closedByApp"`
	MediaSent         int           `json:"mediaSent"`
	MediaReceived     int           `json:"mediaReceived"`
	// Messages holds every message but media frames, which are counted.
	Messages     []Message     `json:"messages"`
	Problems     []Problem     `json:"problems,omitempty"`
	StatusEvents []StatusEvent `json:"statusEvents,omitempty"`
	Err          *Error        `json:"error,omitempty"`
	// Played is the app's audio that played, µ-law 8 kHz (see WriteWAV).
	Played []byte `json:"-"`
}

// Stream is one Media Stream: callsim is Twilio, the app receives the
// caller's audio and, when bidirectional, plays audio back.
type Stream struct {
	d    *Dialer
	cfg  StreamConfig
	call Call
	opts StreamOptions
	sid  string
	gone chan struct{}
	once sync.Once // closes gone

	mu        sync.Mutex
	conn      *websocket.Conn
	start     time.Time
	seq       int
	chunks    map[string]int
	slot      int           // next 20 ms slot of the stream's timeline
	nextFrame time.Time     // pacing schedule of caller frames
	audioEnd  time.Time     // the last caller frame was sent
	playEnd   time.Time     // the app's buffered audio will have played
	pending   []pendingMark // marks awaiting echo, in order
	received  int           // bytes of the app's audio
	flagged   map[int]bool
	stopped   bool
	res       StreamResult
	writeMu   sync.Mutex // keeps sequence numbers in wire order
}

// NewStream prepares a stream with a fresh MZ SID; Open connects it.
func NewStream(d *Dialer, cfg StreamConfig, call Call, opts StreamOptions) *Stream {
	if d == nil {
		d = &Dialer{}
	}
	s := &Stream{d: d, cfg: cfg, call: call, opts: opts, sid: d.newSID("MZ"), gone: make(chan struct{}),
		chunks: map[string]int{}, flagged: map[int]bool{}}
	s.res = StreamResult{StreamSid: s.sid, Name: cfg.Name, Bidirectional: cfg.Bidirectional}
	if s.res.Name == "" {
		s.res.Name = s.sid
	}
	return s
}

func (s *Stream) closeGone() { s.once.Do(func() { close(s.gone) }) }

// SID is the stream's MZ SID.
func (s *Stream) SID() string { return s.sid }

// failOpen records why the stream could not start: a stream-error event
// for the status callback, and the stream stopped as if hung up.
func (s *Stream) failOpen(e *Error) error {
	s.mu.Lock()
	s.res.Err = e
	s.statusEvent("stream-error", e.Message)
	s.stopped = true
	s.mu.Unlock()
	s.closeGone()
	return e
}

// Open connects and sends `connected` and `start`. On failure it returns an
// *Error (319xx) and the result holds the stream-error callback.
func (s *Stream) Open(ctx context.Context) error {
	u, err := url.Parse(s.cfg.URL)
	if err == nil && u.RawQuery != "" {
		s.problem(QueryStringWarning, LevelWarning, fmt.Sprintf("<Stream url=%q> has a query string, which Twilio does not support: pass values with <Parameter>", s.cfg.URL))
	}
	conn, err := s.d.dial(ctx, s.cfg.URL, SignMediaStreams && !s.d.NoStreamSignature, 0)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeStreamTimeout, Message: err.Error()}
		}
		return s.failOpen(e)
	}
	s.mu.Lock()
	s.conn = conn
	s.start = s.d.now()
	s.mu.Unlock()
	params := make(map[string]string, len(s.cfg.Parameters))
	for _, p := range s.cfg.Parameters {
		params[p.Name] = p.Value
	}
	err = s.writeJSON(ctx, connectedMsg{Event: "connected", Protocol: "Call", Version: "1.0.0"})
	if err == nil {
		err = s.sendSeq(ctx, streamMsg{Event: "start", Start: &startBody{StreamSid: s.sid, AccountSid: s.call.AccountSid,
			CallSid: s.call.CallSid, Tracks: s.cfg.tracks(), CustomParameters: params,
			MediaFormat: mediaFormat{Encoding: "audio/x-mulaw", SampleRate: SampleRate, Channels: 1}}})
	}
	if err != nil {
		conn.CloseNow()
		e := &Error{Code: CodeStreamCloseError, Message: fmt.Sprintf("stream %s: sending start: %v", s.cfg.URL, err)}
		return s.failOpen(e)
	}
	// The caller's context ending stops the stream as a hang-up would.
	unwatch := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Stop(sctx)
	})
	s.mu.Lock()
	s.statusEvent("stream-started", "")
	s.mu.Unlock()
	go func() {
		s.read(context.WithoutCancel(ctx))
		unwatch()
	}()
	return nil
}

// Done is closed once the stream is over (stopped, or closed by the app).
func (s *Stream) Done() <-chan struct{} { return s.gone }

func (s *Stream) speed() float64 {
	if s.opts.Unpaced {
		return math.Inf(1)
	}
	if s.opts.Speed > 1 {
		return s.opts.Speed
	}
	return 1
}

// playTime is how long n bytes of µ-law take to play at the stream's speed.
func (s *Stream) playTime(n int) time.Duration {
	return time.Duration(float64(n) / SampleRate / s.speed() * float64(time.Second))
}

// SendAudio streams caller audio (µ-law 8 kHz) on the inbound track as
// 20 ms media frames, paced; the last frame is padded with silence. With
// both_tracks each slot also carries an outbound frame of silence; on an
// outbound_track stream the audio only takes its time.
func (s *Stream) SendAudio(ctx context.Context, ulaw []byte) error {
	if err := s.sendTrack(ctx, "inbound", ulaw); err != nil {
		return err
	}
	s.mu.Lock()
	s.audioEnd = s.d.now()
	s.res.HasFirstAudioBack = false
	s.mu.Unlock()
	return nil
}

// SendOutboundAudio streams audio Twilio plays into the call on the
// outbound track, for <Start><Stream track="outbound_track|both_tracks">
// (with silence on the inbound track when both are streamed).
func (s *Stream) SendOutboundAudio(ctx context.Context, ulaw []byte) error {
	return s.sendTrack(ctx, "outbound", ulaw)
}

func (s *Stream) sendTrack(ctx context.Context, track string, ulaw []byte) error {
	frameGap := time.Duration(float64(FrameDuration) / s.speed())
	silence := Silence(FrameDuration)
	tracks := s.cfg.tracks()
	for off := 0; off < len(ulaw); off += FrameBytes {
		frame := ulaw[off:min(off+FrameBytes, len(ulaw))]
		if len(frame) < FrameBytes {
			frame = append(append([]byte(nil), frame...), silence[len(frame):]...)
		}
		if err := s.pace(ctx, frameGap); err != nil {
			return err
		}
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return ErrStreamStopped
		}
		// One 20 ms slot of the stream's timeline: every streamed track
		// carries a frame for it, silence on the track not speaking.
		ts := strconv.Itoa(FirstMediaTimestamp + s.slot*int(FrameDuration/time.Millisecond))
		s.slot++
		s.mu.Unlock()
		for _, tr := range tracks {
			payload := silence
			if tr == track {
				payload = frame
			}
			s.mu.Lock()
			s.chunks[tr]++
			chunk := s.chunks[tr]
			s.mu.Unlock()
			err := s.sendSeq(ctx, streamMsg{Event: "media", Media: &mediaBody{Track: tr, Chunk: strconv.Itoa(chunk),
				Timestamp: ts, Payload: base64.StdEncoding.EncodeToString(payload)}})
			if err != nil {
				return s.lost(err)
			}
			if tr == "inbound" {
				s.mu.Lock()
				s.res.MediaSent++
				s.mu.Unlock()
			}
		}
	}
	return nil
}

// ErrStreamStopped is returned by sends once the stream is over.
var ErrStreamStopped = errors.New("the media stream has stopped")

func (s *Stream) lost(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrStreamStopped
	}
	return err
}

// pace waits until the next frame is due: frames follow a schedule from
// the first one, so a slow write does not stretch the stream.
func (s *Stream) pace(ctx context.Context, gap time.Duration) error {
	s.mu.Lock()
	now := s.d.now()
	if s.nextFrame.Before(now) {
		s.nextFrame = now
	}
	wait := s.nextFrame.Sub(now)
	s.nextFrame = s.nextFrame.Add(gap)
	s.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.gone:
		return ErrStreamStopped
	}
}

// SendDTMF sends caller key presses; Twilio sends dtmf on bidirectional
// streams only.
func (s *Stream) SendDTMF(ctx context.Context, digits string) error {
	if !s.cfg.Bidirectional {
		return errors.New("dtmf messages are sent on bidirectional (<Connect>) streams only")
	}
	for _, d := range digits {
		if err := s.sendSeq(ctx, streamMsg{Event: "dtmf", DTMF: &dtmfBody{Track: "inbound_track", Digit: string(d)}}); err != nil {
			return s.lost(err)
		}
	}
	return nil
}

// Wait blocks until the app closes the stream or d passes; it reports
// whether the stream is over.
func (s *Stream) Wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.gone:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// Stop ends the stream as Twilio does on hang-up or <Stop><Stream>: `stop`,
// then close 1000, then the stream-stopped callback. It returns the result.
func (s *Stream) Stop(ctx context.Context) *StreamResult {
	s.mu.Lock()
	if s.stopped || s.conn == nil {
		never := s.conn == nil && !s.stopped
		s.stopped = true
		s.mu.Unlock()
		if never {
			s.closeGone() // Stop before Open: nothing was streamed
		}
		<-s.gone
		return s.Result()
	}
	// Marked first so that no frame or mark echo follows `stop`.
	s.stopped = true
	s.mu.Unlock()
	s.writeMu.Lock()
	err := s.sendSeqLocked(ctx, streamMsg{Event: "stop", Stop: &stopBody{AccountSid: s.call.AccountSid, CallSid: s.call.CallSid}})
	s.writeMu.Unlock()
	s.mu.Lock()
	if err != nil {
		s.problemLocked(CodeStreamCloseError, LevelError, "sending stop: "+err.Error())
	}
	s.statusEvent("stream-stopped", "")
	s.mu.Unlock()
	s.conn.Close(CloseNormal, "")
	<-s.gone
	return s.Result()
}

// Result is a snapshot of the stream's report, complete once Done is closed.
func (s *Stream) Result() *StreamResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.res
	r.Marks = append([]MarkRecord(nil), s.res.Marks...)
	r.Clears = append([]ClearRecord(nil), s.res.Clears...)
	r.Messages = append([]Message(nil), s.res.Messages...)
	r.Problems = append([]Problem(nil), s.res.Problems...)
	r.StatusEvents = append([]StatusEvent(nil), s.res.StatusEvents...)
	r.Played = append([]byte(nil), s.res.Played...)
	r.PlayedSeconds = audioSeconds(len(r.Played))
	r.SentSeconds = float64(r.MediaSent) * FrameDuration.Seconds()
	r.ReceivedSeconds = audioSeconds(s.received)
	return &r
}

// statusEvent queues a status callback; s.mu held.
func (s *Stream) statusEvent(event, streamErr string) {
	if s.cfg.StatusCallback == "" {
		return
	}
	f := []Field{{"AccountSid", s.call.AccountSid}, {"CallSid", s.call.CallSid}, {"StreamSid", s.sid},
		{"StreamName", s.res.Name}, {"StreamEvent", event}}
	if streamErr != "" {
		f = append(f, Field{"StreamError", streamErr})
	}
	f = append(f, Field{"Timestamp", s.d.now().UTC().Format(StreamStatusTimeFormat)})
	s.res.StatusEvents = append(s.res.StatusEvents, StatusEvent{URL: s.cfg.StatusCallback, Method: s.cfg.StatusCallbackMethod, Fields: f})
}

func (s *Stream) problem(code int, level, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problemLocked(code, level, msg)
}

func (s *Stream) problemLocked(code int, level, msg string) {
	s.res.Problems = append(s.res.Problems, Problem{At: s.d.now(), Code: code, Level: level, Message: msg})
}

// flagOnce records a problem the first time its code occurs: Twilio sends
// 31950/31951/31924 once per stream.
func (s *Stream) flagOnce(code int, level, msg string) {
	if s.flagged[code] {
		return
	}
	s.flagged[code] = true
	s.problemLocked(code, level, msg)
}

// sendSeq stamps the next sequence number and writes; writeMu keeps the
// numbers in the order they reach the wire.
func (s *Stream) sendSeq(ctx context.Context, m streamMsg) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.sendSeqLocked(ctx, m)
}

// sendSeqLocked is sendSeq with writeMu held.
func (s *Stream) sendSeqLocked(ctx context.Context, m streamMsg) error {
	s.mu.Lock()
	if s.stopped && m.Event != "stop" {
		s.mu.Unlock()
		return ErrStreamStopped
	}
	s.seq++
	m.SequenceNumber = strconv.Itoa(s.seq)
	m.StreamSid = s.sid
	s.mu.Unlock()
	return s.writeLocked(ctx, m, m.Event == "media")
}

func (s *Stream) writeJSON(ctx context.Context, v any) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.writeLocked(ctx, v, false)
}

func (s *Stream) writeLocked(ctx context.Context, v any, media bool) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !media {
		s.mu.Lock()
		s.res.Messages = append(s.res.Messages, Message{At: s.d.now(), Dir: "sent", Data: data})
		s.mu.Unlock()
	}
	return s.conn.Write(ctx, websocket.MessageText, data)
}

// read receives the app's messages until the stream ends.
func (s *Stream) read(ctx context.Context) {
	defer s.closeGone()
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			s.mu.Lock()
			if !s.stopped {
				s.stopped = true
				s.res.ClosedByApp = true
				if code := websocket.CloseStatus(err); code < 0 {
					s.problemLocked(CodeStreamCloseError, LevelError, "connection reset without closing handshake: "+err.Error())
				}
				s.statusEvent("stream-stopped", "")
			}
			s.mu.Unlock()
			s.conn.CloseNow()
			return
		}
		s.handle(ctx, typ, data)
	}
}

func (s *Stream) handle(ctx context.Context, typ websocket.MessageType, data []byte) {
	now := s.d.now()
	s.mu.Lock()
	echo := s.handleLocked(now, typ, data)
	s.mu.Unlock()
	if echo {
		s.echo(ctx)
	}
}

// handleLocked applies one message; true means marks are due now.
func (s *Stream) handleLocked(now time.Time, typ websocket.MessageType, data []byte) bool {
	if !s.cfg.Bidirectional {
		s.logLocked(now, data)
		s.flagOnce(CodeStreamProtocol, LevelError, "the app sent a message on a unidirectional (<Start>) stream")
		return false
	}
	if typ != websocket.MessageText {
		s.logLocked(now, data)
		s.flagOnce(CodeStreamBinary, LevelWarning, "binary frame: Media Streams take JSON text frames")
		return false
	}
	m, err := ParseStreamMessage(data, s.sid)
	if err != nil {
		s.logLocked(now, data)
		s.flagOnce(CodeStreamNotCompliant, LevelWarning, err.Error())
		return false
	}
	if m.Event != "media" {
		s.logLocked(now, data)
	}
	if s.playEnd.Before(now) {
		s.playEnd = now
	}
	switch m.Event {
	case "media":
		s.res.MediaReceived++
		s.received += len(m.Audio)
		s.res.Played = append(s.res.Played, m.Audio...)
		s.playEnd = s.playEnd.Add(s.playTime(len(m.Audio)))
		if !s.audioEnd.IsZero() && !s.res.HasFirstAudioBack {
			s.res.HasFirstAudioBack = true
			s.res.FirstAudioBack = now.Sub(s.audioEnd)
		}
	case "mark":
		// Due when the audio queued before it has played.
		s.res.Marks = append(s.res.Marks, MarkRecord{Name: m.Mark, Received: now})
		s.pending = append(s.pending, pendingMark{index: len(s.res.Marks) - 1, due: s.playEnd})
		if wait := s.playEnd.Sub(now); wait > 0 {
			time.AfterFunc(wait, func() { s.echo(context.Background()) })
			return false
		}
		return true
	case "clear":
		drop := 0
		if !s.opts.Unpaced {
			left := s.playEnd.Sub(now)
			drop = min(int(left.Seconds()*SampleRate*s.speed()), len(s.res.Played))
		}
		s.res.Played = s.res.Played[:len(s.res.Played)-drop]
		s.playEnd = now
		s.res.Clears = append(s.res.Clears, ClearRecord{At: now, Discarded: audioSeconds(drop), MarksAnswered: len(s.pending)})
		for i := range s.pending {
			s.res.Marks[s.pending[i].index].Cleared = true
			s.pending[i].due = now
		}
		return len(s.pending) > 0
	}
	return false
}

type pendingMark struct {
	index int
	due   time.Time
}

// logLocked keeps a received message for the report.
func (s *Stream) logLocked(now time.Time, data []byte) {
	m := Message{At: now, Dir: "received"}
	switch {
	case json.Valid(data):
		m.Data = append(json.RawMessage(nil), data...)
	case utf8.Valid(data):
		m.Text = string(data)
	default:
		m.Text = fmt.Sprintf("(%d bytes of binary)", len(data))
	}
	s.res.Messages = append(s.res.Messages, m)
}

// echo sends back every pending mark that is due, in order. Holding
// writeMu while taking them keeps echoes in mark order on the wire.
func (s *Stream) echo(ctx context.Context) {
	// An app that stops reading must not hold writeMu (and so Stop) forever.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	now := s.d.now()
	n := 0
	for n < len(s.pending) && !s.pending[n].due.After(now) {
		n++
	}
	var names []string
	for _, p := range s.pending[:n] {
		s.res.Marks[p.index].Echoed = now
		names = append(names, s.res.Marks[p.index].Name)
	}
	s.pending = s.pending[n:]
	s.mu.Unlock()
	for _, name := range names {
		if err := s.sendSeqLocked(ctx, streamMsg{Event: "mark", Mark: &markBody{Name: name}}); err != nil {
			return
		}
	}
}
