package connect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
	"github.com/google/go-cmp/cmp"
)

// echoApp is a bidirectional Media Streams app: it echoes each caller frame,
// answers dtmf "1" with 10 s of audio and a mark "long", dtmf "2" with a
// clear, dtmf "3" with a mark on an empty buffer, "4" with protocol
// mistakes, and "0" by closing the socket. It checks the handshake signature.
func echoApp(t testing.TB, log *agentLog) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validSignature(r, testToken) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		var sid string
		send := func(v map[string]any) {
			v["streamSid"] = sid
			data, _ := json.Marshal(v)
			c.Write(ctx, websocket.MessageText, data)
		}
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Errorf("app got invalid JSON %q", data)
				return
			}
			log.add(m)
			switch m["event"] {
			case "start":
				sid = m["streamSid"].(string)
			case "media":
				send(map[string]any{"event": "media", "media": map[string]any{"payload": m["media"].(map[string]any)["payload"]}})
			case "dtmf":
				switch m["dtmf"].(map[string]any)["digit"] {
				case "1":
					send(map[string]any{"event": "media", "media": map[string]any{"payload": base64.StdEncoding.EncodeToString(Silence(10 * time.Second))}})
					send(map[string]any{"event": "mark", "mark": map[string]any{"name": "long"}})
				case "2":
					send(map[string]any{"event": "clear"})
				case "3":
					send(map[string]any{"event": "mark", "mark": map[string]any{"name": "now"}})
				case "4":
					c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3})
					c.Write(ctx, websocket.MessageText, []byte(`{"event":"media","streamSid":"MZother","media":{"payload":""}}`))
					c.Write(ctx, websocket.MessageText, []byte(`{"event":"shout","streamSid":"`+sid+`"}`))
				case "0":
					c.Close(websocket.StatusNormalClosure, "done")
					return
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// testWAV writes a 16 kHz stereo 16-bit WAV of a 440 Hz tone.
func testWAV(t *testing.T, d time.Duration) string {
	path := filepath.Join(t.TempDir(), "caller.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := int(d.Seconds() * 16000)
	data := make([]int, 2*n)
	for i := 0; i < n; i++ {
		v := int(8000 * math.Sin(2*math.Pi*440*float64(i)/16000))
		data[2*i], data[2*i+1] = v, v
	}
	enc := wav.NewEncoder(f, 16000, 16, 2, 1)
	if err := enc.Write(&audio.IntBuffer{Format: &audio.Format{NumChannels: 2, SampleRate: 16000}, Data: data, SourceBitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readWAVFile(t *testing.T, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ulaw, err := ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return ulaw
}

func TestStreamBidirectional(t *testing.T) {
	t.Parallel()
	log := &agentLog{}
	srv := echoApp(t, log)
	cfg, err := ParseStreamConfig(map[string]string{"url": wsURL(srv, "/media"), "statusCallback": "http://app/status"},
		[]Field{{"greeting", "hi"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	d := testDialer()
	d.Now = time.Now
	ctx := context.Background()
	s := NewStream(d, cfg, testCall, StreamOptions{Speed: 20})
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	caller := readWAVFile(t, testWAV(t, time.Second))
	if len(caller) != 8000 {
		t.Fatalf("1 s at 16 kHz stereo → %d µ-law bytes, want 8000", len(caller))
	}
	start := time.Now()
	if err := s.SendAudio(ctx, caller[:7990]); err != nil { // the last frame is padded
		t.Fatal(err)
	}
	// 50 frames of 20 ms at 20× speed: about 50 ms.
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Errorf("50 frames at 20× took %v: not paced", el)
	}
	// Marks: "long" waits for 10 s of audio (500 ms at 20×); a clear answers it.
	s.SendDTMF(ctx, "3")
	s.SendDTMF(ctx, "1")
	time.Sleep(20 * time.Millisecond)
	s.SendDTMF(ctx, "2")
	s.SendDTMF(ctx, "1")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := s.Result().Marks; len(m) == 3 && !m[2].Echoed.IsZero() {
			break
		}
	}
	s.SendDTMF(ctx, "4")
	s.SendDTMF(ctx, "0")
	if !s.Wait(ctx, 5*time.Second) {
		t.Fatal("the app's close did not end the stream")
	}
	res := s.Stop(ctx)

	var events []string
	seq := 0
	msgs := log.all()
	for i, m := range msgs {
		events = append(events, m["event"].(string))
		if i == 0 {
			if d := cmp.Diff(map[string]any{"event": "connected", "protocol": "Call", "version": "1.0.0"}, m); d != "" {
				t.Errorf("connected (-want +got):\n%s", d)
			}
			continue
		}
		seq++
		if m["sequenceNumber"] != strconv.Itoa(seq) || m["streamSid"] != s.SID() {
			t.Errorf("message %d: sequenceNumber %v streamSid %v", i, m["sequenceNumber"], m["streamSid"])
		}
		if m["event"] == "media" {
			md := m["media"].(map[string]any)
			chunk := i - 1
			payload, _ := base64.StdEncoding.DecodeString(md["payload"].(string))
			if md["track"] != "inbound" || md["chunk"] != strconv.Itoa(chunk) || md["timestamp"] != strconv.Itoa((chunk-1)*20) || len(payload) != 160 {
				t.Errorf("media %d: %v (%d bytes)", i, md, len(payload))
			}
		}
	}
	wantStart := map[string]any{"event": "start", "sequenceNumber": "1", "streamSid": s.SID(), "start": map[string]any{
		"streamSid": s.SID(), "accountSid": testCall.AccountSid, "callSid": testCall.CallSid, "tracks": []any{"inbound"},
		"customParameters": map[string]any{"greeting": "hi"},
		"mediaFormat":      map[string]any{"encoding": "audio/x-mulaw", "sampleRate": 8000.0, "channels": 1.0}}}
	if d := cmp.Diff(wantStart, msgs[1]); d != "" {
		t.Errorf("start (-want +got):\n%s", d)
	}
	// Echoes interleave with the dtmf messages as the app answers.
	count := map[string]int{}
	for _, e := range events[52:] {
		count[e]++
	}
	if d := cmp.Diff(map[string]int{"dtmf": 6, "mark": 3}, count); d != "" {
		t.Errorf("after the audio (-want +got):\n%s", d)
	}
	if len(res.Marks) != 3 {
		t.Fatalf("marks %+v", res.Marks)
	}
	now, cleared, played := res.Marks[0], res.Marks[1], res.Marks[2]
	if now.Cleared || now.Echoed.Before(now.Received) {
		t.Errorf("mark on an empty buffer: %+v", now)
	}
	if !cleared.Cleared || len(res.Clears) != 1 || res.Clears[0].MarksAnswered != 1 || res.Clears[0].Discarded < 1 {
		t.Errorf("cleared mark %+v, clears %+v", cleared, res.Clears)
	}
	// Its 10 s of audio arrived after the clear: 500 ms of play-out at 20×.
	if played.Cleared || len(res.Clears) == 0 || played.Echoed.Sub(res.Clears[0].At) < 500*time.Millisecond {
		t.Errorf("mark after 2 s of audio at 20× echoed too early: %+v, clears %+v", played, res.Clears)
	}
	if res.SentSeconds != 1 || res.MediaSent != 50 || res.MediaReceived != 52 || res.ReceivedSeconds != 21 {
		t.Errorf("sent %vs (%d) received %vs (%d)", res.SentSeconds, res.MediaSent, res.ReceivedSeconds, res.MediaReceived)
	}
	if res.PlayedSeconds >= 21 || res.PlayedSeconds < 11 {
		t.Errorf("played %vs, want 11–21 (some of 10 s cleared)", res.PlayedSeconds)
	}
	if !res.ClosedByApp {
		t.Error("ClosedByApp false")
	}
	if data, err := json.Marshal(res); err != nil || !json.Valid(data) {
		t.Errorf("result does not marshal for --json: %v", err)
	}
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, p.String())
	}
	wantProblems := []string{"warning 31950: binary frame: Media Streams take JSON text frames",
		`warning 31951: streamSid "MZother" is not this stream's (` + s.SID() + ")"}
	if d := cmp.Diff(wantProblems, problems); d != "" {
		t.Errorf("problems, each code once (-want +got):\n%s", d)
	}
	var cb []string
	for _, e := range res.StatusEvents {
		cb = append(cb, e.Fields[4].Value)
		if e.URL != "http://app/status" || e.Method != "POST" || e.Fields[2] != (Field{"StreamSid", s.SID()}) || e.Fields[3] != (Field{"StreamName", s.SID()}) {
			t.Errorf("status event %+v", e)
		}
	}
	if d := cmp.Diff([]string{"stream-started", "stream-stopped"}, cb); d != "" {
		t.Errorf("status events (-want +got):\n%s", d)
	}
	var buf bytes.Buffer
	out := filepath.Join(t.TempDir(), "app.wav")
	f, _ := os.Create(out)
	if err := WriteWAV(f, res.Played); err != nil {
		t.Fatal(err)
	}
	f.Close()
	back := readWAVFile(t, out)
	buf.Write(back)
	if len(back) != len(res.Played) {
		t.Errorf("saved WAV has %d samples, want %d", len(back), len(res.Played))
	}
}

// TestStreamStopAndLatency: Twilio stops the stream (hang-up); the first
// audio back after the caller's audio is measured.
func TestStreamStopAndLatency(t *testing.T) {
	t.Parallel()
	log := &agentLog{}
	srv := echoApp(t, log)
	cfg, _ := ParseStreamConfig(map[string]string{"url": wsURL(srv, "/media")}, nil, true)
	ctx := context.Background()
	s := NewStream(testDialer(), cfg, testCall, StreamOptions{Unpaced: true})
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SendAudio(ctx, Silence(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	s.SendDTMF(ctx, "1") // audio comes back after the caller's audio
	s.SendDTMF(ctx, "3")
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Result().Marks) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	res := s.Stop(ctx)
	if !res.HasFirstAudioBack || res.FirstAudioBack <= 0 {
		t.Errorf("first audio back %v %v", res.HasFirstAudioBack, res.FirstAudioBack)
	}
	msgs := log.all()
	last := msgs[len(msgs)-1]
	want := map[string]any{"event": "stop", "sequenceNumber": last["sequenceNumber"], "streamSid": s.SID(),
		"stop": map[string]any{"accountSid": testCall.AccountSid, "callSid": testCall.CallSid}}
	if d := cmp.Diff(want, last); d != "" {
		t.Errorf("stop (-want +got):\n%s", d)
	}
	if res.ClosedByApp {
		t.Error("ClosedByApp after Stop")
	}
	if err := s.SendAudio(ctx, Silence(time.Second)); !errors.Is(err, ErrStreamStopped) {
		t.Errorf("SendAudio after Stop = %v", err)
	}
}

func TestStreamUnidirectional(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, string(data))
			mu.Unlock()
			c.Write(r.Context(), websocket.MessageText, []byte(`{"event":"clear"}`))
		}
	}))
	t.Cleanup(srv.Close)
	cfg, err := ParseStreamConfig(map[string]string{"url": wsURL(srv, "/fork?x=1"), "track": "both_tracks", "name": "tap",
		"statusCallback": "http://app/s", "statusCallbackMethod": "GET"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	d := testDialer()
	d.NoStreamSignature = true
	ctx, cancel := context.WithCancel(context.Background())
	s := NewStream(d, cfg, testCall, StreamOptions{Unpaced: true})
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SendDTMF(ctx, "1"); err == nil {
		t.Error("dtmf on a unidirectional stream was sent")
	}
	s.SendAudio(ctx, Silence(40*time.Millisecond))
	s.SendOutboundAudio(ctx, bytes.Repeat([]byte{0x7f}, FrameBytes))
	// The app answers each message with a clear, which a fork does not take.
	for deadline := time.Now().Add(5 * time.Second); len(s.Result().Problems) < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cancel() // the call ends: Twilio stops the stream
	<-s.Done()
	res := s.Result()
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, p.String())
	}
	want := []string{`warning 31920: <Stream url="` + cfg.URL + `"> has a query string, which Twilio does not support: pass values with <Parameter>`,
		"error 31924: the app sent a message on a unidirectional (<Start>) stream"}
	if d := cmp.Diff(want, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	mu.Lock()
	defer mu.Unlock()
	var start map[string]any
	json.Unmarshal([]byte(got[1]), &start)
	if tr := start["start"].(map[string]any)["tracks"]; !cmp.Equal(tr, []any{"inbound", "outbound"}) {
		t.Errorf("tracks %v", tr)
	}
	// Two slots of caller audio, one of played audio; both tracks in each.
	var frames []string
	for _, raw := range got[2:8] {
		var m struct {
			Media struct{ Track, Chunk, Timestamp, Payload string }
		}
		json.Unmarshal([]byte(raw), &m)
		p, _ := base64.StdEncoding.DecodeString(m.Media.Payload)
		frames = append(frames, m.Media.Track+" "+m.Media.Chunk+" "+m.Media.Timestamp+" "+strconv.FormatBool(p[0] == ulawSilence))
	}
	want = []string{"inbound 1 0 true", "outbound 1 0 true", "inbound 2 20 true", "outbound 2 20 true", "inbound 3 40 true", "outbound 3 40 false"}
	if d := cmp.Diff(want, frames); d != "" {
		t.Errorf("media frames (-want +got):\n%s", d)
	}
	var stop map[string]any
	json.Unmarshal([]byte(got[len(got)-1]), &stop)
	if stop["event"] != "stop" || stop["sequenceNumber"] != "8" {
		t.Errorf("last message %s", got[len(got)-1])
	}
	if n := len(res.StatusEvents); n != 2 || res.StatusEvents[0].Fields[3] != (Field{"StreamName", "tap"}) || res.StatusEvents[0].Method != "GET" {
		t.Errorf("status events %+v", res.StatusEvents)
	}
}

func TestStreamHandshakeFailures(t *testing.T) {
	t.Parallel()
	srv := echoApp(t, &agentLog{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "ws://" + ln.Addr().String() + "/"
	ln.Close()
	// A server that accepts the connection and never answers.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		mute.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected certificate is the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	for _, tc := range []struct {
		name string
		url  string
		sign func(string) string
		code int
	}{
		{"bad signature", wsURL(srv, "/media"), HMACSigner("nope"), CodeStreamHandshake},
		{"refused", closed, HMACSigner(testToken), CodeStreamRefused},
		{"not a websocket", "ws" + srv.URL[4:] + "/", nil, CodeStreamHandshake},
		{"no answer", "ws://" + mute.Addr().String() + "/", nil, CodeStreamTimeout},
		{"untrusted certificate", "wss" + tlsSrv.URL[5:] + "/", nil, CodeStreamTLS},
	} {
		cfg, err := ParseStreamConfig(map[string]string{"url": tc.url, "statusCallback": "http://app/s"}, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		d := &Dialer{Sign: tc.sign}
		if tc.code == CodeStreamTimeout {
			d.ConnectTimeout = 200 * time.Millisecond
		}
		s := NewStream(d, cfg, testCall, StreamOptions{})
		err = s.Open(context.Background())
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code {
			t.Errorf("%s: %v, want code %d", tc.name, err, tc.code)
			continue
		}
		res := s.Result()
		if len(res.StatusEvents) != 1 || res.StatusEvents[0].Fields[4].Value != "stream-error" || res.StatusEvents[0].Fields[5] != (Field{"StreamError", e.Message}) {
			t.Errorf("%s: status events %+v", tc.name, res.StatusEvents)
		}
	}
}

func TestParseStreamConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attrs   map[string]string
		connect bool
		code    int
	}{
		{map[string]string{"url": "wss://x/", "track": "both_tracks"}, true, CodeStreamInvalidTrack},
		{map[string]string{"url": "wss://x/", "track": "left"}, false, CodeStreamInvalidTrack},
		{map[string]string{"url": "https://x/"}, false, CodeStreamScheme},
		{map[string]string{"url": "wss://"}, false, CodeStreamMalformedURL},
		{map[string]string{}, true, CodeStreamMalformedURL},
	} {
		_, err := ParseStreamConfig(tc.attrs, nil, tc.connect)
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code {
			t.Errorf("ParseStreamConfig(%v, %v) = %v, want code %d", tc.attrs, tc.connect, err, tc.code)
		}
	}
}

func TestResample(t *testing.T) {
	t.Parallel()
	if got := Resample([]int16{0, 100, 200, 300}, 8000, 16000); !cmp.Equal(got, []int16{0, 50, 100, 150, 200, 250, 300, 300}) {
		t.Errorf("upsample = %v", got)
	}
	if got := Resample([]int16{0, 100, 200, 300, 400, 500}, 24000, 8000); !cmp.Equal(got, []int16{100, 400}) {
		t.Errorf("downsample = %v", got)
	}
	if got := Resample([]int16{1, 2, 3}, 8000, 8000); !cmp.Equal(got, []int16{1, 2, 3}) {
		t.Errorf("same rate = %v", got)
	}
	// A 440 Hz tone keeps its amplitude through 44.1 kHz → 8 kHz.
	in := make([]int16, 44100)
	for i := range in {
		in[i] = int16(10000 * math.Sin(2*math.Pi*440*float64(i)/44100))
	}
	peak := 0
	for _, v := range Resample(in, 44100, 8000) {
		peak = max(peak, int(v))
	}
	if peak < 9000 || peak > 10000 {
		t.Errorf("440 Hz peak after resampling = %d, want ≈10000", peak)
	}
}

func TestReadWAVErrors(t *testing.T) {
	t.Parallel()
	if _, err := ReadWAV(bytes.NewReader([]byte("RIFF nonsense"))); err == nil {
		t.Error("ReadWAV accepted garbage")
	}
}

func TestStreamStopBeforeOpen(t *testing.T) {
	t.Parallel()
	cfg, _ := ParseStreamConfig(map[string]string{"url": "wss://example.com/media"}, nil, true)
	s := NewStream(nil, cfg, testCall, StreamOptions{})
	res := s.Stop(context.Background())
	if res.MediaSent != 0 || len(res.Messages) != 0 {
		t.Errorf("result %+v", res)
	}
	if err := s.SendAudio(context.Background(), Silence(time.Second)); !errors.Is(err, ErrStreamStopped) {
		t.Errorf("SendAudio after Stop = %v", err)
	}
}
