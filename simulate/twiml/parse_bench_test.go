package twiml

import "testing"

// TwiML parse and validate on the documents a load run meets most: the
// benchmark endpoint's one-verb answer and a small menu. BenchmarkParse
// (fuzz_test.go) covers a 30-line IVR. Run with:
//
//	go test -run XXX -bench . -benchmem ./simulate/twiml/

func benchParse(b *testing.B, doc string) {
	body := []byte(doc)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d, err := Parse(body)
		if err != nil || d.Fatal() != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHangup(b *testing.B) {
	benchParse(b, `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`)
}

func BenchmarkParseMenu(b *testing.B) {
	benchParse(b, `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather numDigits="1" action="/voice/menu" input="dtmf speech" timeout="5">
    <Say voice="alice">For sales press 1 or say sales. For support press 2.</Say>
  </Gather>
  <Say>We did not hear anything. Goodbye.</Say>
  <Redirect method="POST">/voice/goodbye</Redirect>
</Response>`)
}

// BenchmarkValidate is validation alone, on the parsed 30-line IVR.
func BenchmarkValidate(b *testing.B) {
	d, err := Parse([]byte(ivr))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Validate(d.Root)
	}
}
