package connect

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
	"github.com/zaf/g711"
)

// SampleRate is the rate of Twilio's stream audio, 8 kHz µ-law mono.
const SampleRate = 8000

// ulawSilence is µ-law for a zero sample.
const ulawSilence = 0xFF

// ReadWAV decodes a 16-bit PCM WAV file of any rate and channel count to
// 8 kHz mono µ-law, the audio a stream carries.
func ReadWAV(r io.ReadSeeker) ([]byte, error) {
	dec := wav.NewDecoder(r)
	if !dec.IsValidFile() {
		return nil, errors.New("not a valid WAV file")
	}
	if dec.WavAudioFormat != 1 {
		return nil, fmt.Errorf("WAV audio format %d is not supported: want PCM (1)", dec.WavAudioFormat)
	}
	if dec.BitDepth != 16 {
		return nil, fmt.Errorf("WAV has %d-bit samples: want 16-bit PCM", dec.BitDepth)
	}
	buf, err := dec.FullPCMBuffer()
	if err != nil {
		return nil, fmt.Errorf("reading WAV samples: %v", err)
	}
	ch := buf.Format.NumChannels
	if ch < 1 || buf.Format.SampleRate <= 0 {
		return nil, errors.New("WAV header has no channels or no sample rate")
	}
	mono := make([]int16, len(buf.Data)/ch)
	for i := range mono {
		sum := 0
		for c := 0; c < ch; c++ {
			sum += buf.Data[i*ch+c]
		}
		mono[i] = int16(sum / ch)
	}
	return EncodeUlaw(Resample(mono, buf.Format.SampleRate, SampleRate)), nil
}

// Resample converts PCM samples from rate from to rate to by linear
// interpolation. No kept Go library resamples without cgo; for speech at
// telephone quality linear interpolation is enough, and downsampling first
// averages each output sample's input span so that energy above 4 kHz is
// damped rather than folded back (a box filter, not a perfect low-pass).
func Resample(in []int16, from, to int) []int16 {
	if from == to || len(in) == 0 {
		return append([]int16(nil), in...)
	}
	n := int(int64(len(in)) * int64(to) / int64(from))
	out := make([]int16, n)
	step := float64(from) / float64(to)
	for i := range out {
		pos := float64(i) * step
		if step > 1 {
			// Average the input samples this output sample stands for.
			lo, hi := int(pos), int(pos+step)
			hi = min(hi, len(in))
			if hi <= lo {
				hi = lo + 1
			}
			sum := 0
			for _, v := range in[lo:hi] {
				sum += int(v)
			}
			out[i] = int16(sum / (hi - lo))
			continue
		}
		j := int(pos)
		frac := pos - float64(j)
		a := float64(in[j])
		b := a
		if j+1 < len(in) {
			b = float64(in[j+1])
		}
		out[i] = int16(a + (b-a)*frac)
	}
	return out
}

// EncodeUlaw converts 16-bit samples to µ-law bytes.
func EncodeUlaw(pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, v := range pcm {
		out[i] = g711.EncodeUlawFrame(v)
	}
	return out
}

// Silence is d of µ-law silence at 8 kHz.
func Silence(d time.Duration) []byte {
	out := make([]byte, int(d.Seconds()*SampleRate))
	for i := range out {
		out[i] = ulawSilence
	}
	return out
}

// WriteWAV writes µ-law audio as a 16-bit PCM 8 kHz mono WAV file, which
// every player opens.
func WriteWAV(w io.WriteSeeker, ulaw []byte) error {
	enc := wav.NewEncoder(w, SampleRate, 16, 1, 1)
	data := make([]int, len(ulaw))
	for i, b := range ulaw {
		data[i] = int(g711.DecodeUlawFrame(b))
	}
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: SampleRate}, Data: data, SourceBitDepth: 16}
	if err := enc.Write(buf); err != nil {
		return err
	}
	return enc.Close()
}

// audioSeconds is the length of µ-law audio of n bytes.
func audioSeconds(n int) float64 { return float64(n) / SampleRate }
