package cmd

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/callsim/callsim/internal/cmdutil"
	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/connect"
)

// groupVoiceAI files the flags of <Connect> WebSocket sessions
// (ConversationRelay, Media Streams).
const groupVoiceAI = "Voice AI"

// Stream pacing: a phone sends audio in real time; fast is for tests.
const (
	paceRealtime = "realtime"
	paceFast     = "fast"
)

// voiceAIFlags are the raw values of the Voice AI flags.
type voiceAIFlags struct {
	audio, saveAudio, pace     string
	silence, hold, reply       time.Duration
	noStreamSignature, signWSS bool
}

func addVoiceAIFlags(c *cobra.Command, o *voiceAIFlags) {
	f := c.Flags()
	f.StringVar(&o.audio, "audio", "", "caller audio for Media Streams: a 16-bit PCM WAV file (any rate, converted to 8 kHz µ-law)")
	f.DurationVar(&o.silence, "silence", 2*time.Second, "without --audio, the caller sends this much generated silence")
	f.StringVar(&o.saveAudio, "save-audio", "", "save the audio the app played on a <Connect><Stream> as a WAV file")
	f.Var(cmdutil.NewEnum(&o.pace, paceRealtime, paceRealtime, paceFast), "pace", "Media Streams pacing: realtime (20 ms frames as on a phone) or fast (as fast as the socket takes them)")
	f.DurationVar(&o.hold, "hold", 3*time.Second, "after its audio, the caller stays this long on a <Connect><Stream> for the app to answer or close it")
	f.DurationVar(&o.reply, "reply-timeout", 15*time.Second, "how long a ConversationRelay caller waits for the agent's answer to a turn")
	f.BoolVar(&o.noStreamSignature, "no-stream-signature", false, "leave X-Twilio-Signature off Media Streams handshakes (Twilio's own libraries disagree whether it is sent)")
	f.BoolVar(&o.signWSS, "sign-as-wss", false, "sign a ws:// WebSocket URL as wss://, for apps that rebuild the URL as wss:// + Host")
	setGroup(f, groupVoiceAI, "audio", "silence", "save-audio", "pace", "hold", "reply-timeout", "no-stream-signature", "sign-as-wss")
	completeValues(c, "pace", paceRealtime, paceFast)
}

// sessionOptions checks the flags and reads --audio.
func (o *voiceAIFlags) sessionOptions() (simulate.SessionOptions, error) {
	so := simulate.SessionOptions{Silence: o.silence, Fast: o.pace == paceFast, Hold: o.hold, ReplyTimeout: o.reply,
		NoStreamSignature: o.noStreamSignature, SignAsWSS: o.signWSS}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--silence", o.silence}, {"--hold", o.hold}, {"--reply-timeout", o.reply}} {
		if d.v <= 0 {
			return so, cmdutil.InvalidValue(d.name, d.v.String(), "want a positive duration such as 3s or 1500ms")
		}
	}
	if o.audio != "" {
		f, err := os.Open(o.audio)
		if err != nil {
			return so, cmdutil.UsageErr("--audio: %v", err)
		}
		defer f.Close()
		if so.Audio, err = connect.ReadWAV(f); err != nil {
			return so, cmdutil.UsageErr("--audio %s: %v", o.audio, err)
		}
	}
	return so, nil
}

// saveAudio writes what the app played on its bidirectional streams, in
// call order, to path.
func saveAudio(path string, t *simulate.Transcript) (string, error) {
	var played []byte
	n := 0
	for _, s := range t.Sessions {
		if s.Stream != nil && s.Stream.Bidirectional {
			played = append(played, s.Stream.Played...)
			n++
		}
	}
	if n == 0 {
		return "--save-audio: the call opened no <Connect><Stream>; nothing saved", nil
	}
	f, err := os.Create(path)
	if err != nil {
		return "", cmdutil.UsageErr("--save-audio: %v", err)
	}
	if err := connect.WriteWAV(f, played); err != nil {
		f.Close()
		return "", fmt.Errorf("--save-audio %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("--save-audio %s: %v", path, err)
	}
	return fmt.Sprintf("saved %.2f s of the app's audio to %s", float64(len(played))/connect.SampleRate, path), nil
}
