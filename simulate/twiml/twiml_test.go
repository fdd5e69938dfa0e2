package twiml

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ivr is a realistic 30-line IVR document (also used by the benchmark and
// as a fuzz seed).
const ivr = `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <!-- main menu -->
  <Say voice="Polly.Joanna" language="en-US">Thanks for calling Acme &amp; Sons.</Say>
  <Pause length="1"/>
  <Gather action="/ivr/menu" method="POST" numDigits="1" timeout="7" finishOnKey="" input="dtmf speech" hints="sales, support, billing" speechTimeout="auto">
    <Say voice="Polly.Joanna">
      For sales, press 1 or say <emphasis level="strong">sales</emphasis>.
      For support, press 2. <break time="300ms"/> For billing, press 3.
    </Say>
    <Play loop="1">https://cdn.example.com/hold.mp3</Play>
    <Pause length="2"/>
  </Gather>
  <Say>We did not receive any input.</Say>
  <Record action="/ivr/voicemail" maxLength="120" finishOnKey="#" playBeep="true" transcribe="false" recordingStatusCallback="/ivr/rec-status" recordingStatusCallbackEvent="in-progress completed"/>
  <Dial action="/ivr/dial-done" timeout="20" callerId="+14155550100" record="record-from-answer" answerOnBridge="true">
    <Number sendDigits="wwww1928" statusCallbackEvent="initiated ringing answered completed" statusCallback="https://example.com/status">+14155551212</Number>
    <Client>
      <Identity>agent_alice</Identity>
      <Parameter name="ticket" value="42"/>
    </Client>
    <Sip username="u" password="p">sip:alice@example.sip.twilio.com</Sip>
  </Dial>
  <Enqueue waitUrl="/ivr/wait" action="/ivr/dequeued">support</Enqueue>
  <Start><Stream url="wss://stream.example.com/audio" track="both_tracks"><Parameter name="a" value="b"/></Stream></Start>
  <Connect action="/ivr/connect-done"><ConversationRelay url="wss://relay.example.com" welcomeGreeting="Hi"/></Connect>
  <Pay chargeAmount="10.00" paymentConnector="Stripe" validCardTypes="visa amex"><Prompt for="payment-card-number"><Say>Card number please.</Say></Prompt></Pay>
  <Reject reason="busy"/>
  <Hangup/>
  <Redirect method="GET">/ivr/start?retry=1&amp;lang=en</Redirect>
</Response>
`

// key is the comparable part of a Problem.
type key struct {
	Code    int
	Sev     Severity
	Line    int
	Element string
	Attr    string
}

func keys(ps []Problem) []key {
	var out []key
	for _, p := range ps {
		out = append(out, key{p.Code, p.Severity, p.Line, p.Element, p.Attr})
	}
	return out
}

const W, E = SeverityWarning, SeverityError

// r wraps verbs in <Response> on line 1.
func r(verbs string) string { return "<Response>" + verbs + "</Response>" }

var validateCases = []struct {
	name string
	doc  string
	want []key
}{
	{"ivr", ivr, nil},
	{"empty response", `<Response/>`, nil},
	{"response with version", `<Response version="2010-04-01"/>`, nil},
	{"xmlns ignored", `<Response xmlns="http://www.twilio.com/twiml"><Hangup/></Response>`, nil},
	{"comments and PIs ignored", "<?xml version=\"1.0\"?>\n<!-- c --><Response><!-- x --><?php echo 1 ?><Hangup/></Response><!-- end -->", nil},
	{"bom", "\ufeff<Response><Say>hi</Say></Response>", nil},
	{"latin1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Response><Say>caf\xe9</Say></Response>", nil},
	{"every verb", r(`<Say>a</Say><Play>/a.mp3</Play><Play digits="ww12#"/><Pause/><Gather/><Record/><Dial>+1 (415) 555-1212</Dial>` +
		`<Enqueue workflowSid="WW1"><Task priority="5">{"a":1}</Task></Enqueue><Leave/><Hangup/><Echo/><Reject/><Redirect>next</Redirect>` +
		`<Connect><Room participantIdentity="x">room1</Room></Connect><Start><Siprec connectorName="c"/><Transcription/></Start>` +
		`<Stop><Stream name="s"/></Stop><Refer action="/r"><Sip>sip:a@b.com</Sip></Refer>`), nil},
	{"dial nouns", r(`<Dial><Conference muted="true" beep="onEnter" statusCallbackEvent="start end join">room</Conference></Dial>` +
		`<Dial><Queue url="/about">q</Queue></Dial><Dial><Sim>DE123</Sim></Dial><Dial><Application><ApplicationSid>AP1</ApplicationSid></Application></Dial>` +
		`<Dial><WhatsApp>+14155551212</WhatsApp></Dial><Dial><Client>bob</Client></Dial>`), nil},
	{"ssml", r(`<Say voice="Polly.Amy"><p><s>Hi <prosody rate="90%" volume="+6dB" pitch="-10%">there</prosody></s></p>` +
		`<say-as interpret-as="telephone">4155551212</say-as><sub alias="World Wide Web">WWW</sub><lang xml:lang="fr-FR">bonjour</lang>` +
		`<phoneme alphabet="ipa" ph="pɪˈkɑːn">pecan</phoneme><w role="amazon:VB">read</w><break strength="weak"/></Say>`), nil},
	{"methods case-insensitive", r(`<Redirect method="get">/x</Redirect><Gather method="post"/>`), nil},

	// 12200 family
	{"unknown verb", r(`<Speak>hi</Speak>`), []key{{12200, W, 1, "Speak", ""}}},
	{"wrong case verb", r(`<say>hi</say>`), []key{{12200, W, 1, "say", ""}}},
	{"unknown attribute", r(`<Say colour="red">hi</Say>`), []key{{12200, W, 1, "Say", "colour"}}},
	{"wrong case attribute", r(`<Gather numdigits="1"/>`), []key{{12200, W, 1, "Gather", "numdigits"}}},
	{"noun at top level", r(`<Number>+14155551212</Number>`), []key{{12200, W, 1, "Number", ""}}},
	{"unexpected text", r(`<Hangup>now</Hangup>`), []key{{12200, W, 1, "Hangup", ""}}},
	{"text in Gather", r(`<Gather>press 1</Gather>`), []key{{12200, W, 1, "Gather", ""}}},
	{"unknown SSML", r(`<Say><amazon:effect name="whispered">psst</amazon:effect></Say>`), []key{{12200, W, 1, "amazon:effect", ""}}},
	{"SSML outside Say", r(`<break time="1s"/>`), []key{{12200, W, 1, "break", ""}}},
	{"missing required attr", r(`<Hangup><Parameter value="x"/></Hangup>`), []key{{12200, W, 1, "Parameter", "name"}}},
	{"Play digits in Gather", r(`<Gather><Play digits="1"/></Gather>`), []key{{12200, W, 1, "Play", "digits"}}},
	{"Play empty", r(`<Play/>`), []key{{12200, W, 1, "Play", ""}}},
	{"Play digits only", r(`<Play digits="1234"/>`), nil},
	{"Sip without sip:", r(`<Dial><Sip>alice@example.com</Sip></Dial>`), []key{{12200, W, 1, "Sip", ""}}},
	{"Stream ws url", r(`<Connect><Stream url="https://x"/></Connect>`), []key{{12200, W, 1, "Stream", "url"}}},
	{"Sms deprecated", r(`<Sms to="+1415">hi</Sms>`), []key{{13803, W, 1, "Sms", ""}}},

	// Gather 133xx
	{"gather nested gather", r(`<Gather><Gather/></Gather>`), []key{{13320, W, 1, "Gather", ""}}},
	{"gather nested record", r(`<Gather><Record/></Gather>`), []key{{13320, W, 1, "Record", ""}}},
	{"gather finishOnKey", r(`<Gather finishOnKey="##"/><Gather finishOnKey="a"/>`), []key{{13310, W, 1, "Gather", "finishOnKey"}, {13310, W, 1, "Gather", "finishOnKey"}}},
	{"gather method", r(`<Gather method="PUT"/>`), []key{{13312, W, 1, "Gather", "method"}}},
	{"gather timeout", r(`<Gather timeout="soon"/><Gather timeout="0"/>`), []key{{13313, W, 1, "Gather", "timeout"}, {13313, W, 1, "Gather", "timeout"}}},
	{"gather numDigits", r(`<Gather numDigits="abc"/><Gather numDigits="0"/><Gather numDigits="-1"/>`),
		[]key{{13314, W, 1, "Gather", "numDigits"}, {13314, W, 1, "Gather", "numDigits"}, {13314, W, 1, "Gather", "numDigits"}}},
	{"gather nested say voice", r(`<Gather><Say voice="robot">x</Say></Gather>`), []key{{13321, W, 1, "Say", "voice"}}},
	{"gather nested say loop", r(`<Gather><Say loop="x">x</Say></Gather>`), []key{{13322, W, 1, "Say", "loop"}}},
	{"gather input", r(`<Gather input="voice"/><Gather input=""/>`), []key{{13326, W, 1, "Gather", "input"}, {13326, W, 1, "Gather", "input"}}},
	{"gather speechTimeout", r(`<Gather speechTimeout="fast"/>`), []key{{13327, W, 1, "Gather", "speechTimeout"}}},
	{"gather maxSpeechTime", r(`<Gather maxSpeechTime="x"/>`), []key{{13328, W, 1, "Gather", "maxSpeechTime"}}},
	{"gather partialResultCallbackMethod", r(`<Gather partialResultCallbackMethod="PATCH"/>`), []key{{13329, W, 1, "Gather", "partialResultCallbackMethod"}}},
	{"gather language", r(`<Gather language="english"/>`), []key{{13331, W, 1, "Gather", "language"}}},
	{"gather bargeIn", r(`<Gather bargeIn="yes"/>`), []key{{13332, W, 1, "Gather", "bargeIn"}}},
	{"gather profanityFilter", r(`<Gather profanityFilter="1"/>`), []key{{13333, W, 1, "Gather", "profanityFilter"}}},
	{"gather speechModel", r(`<Gather speechModel="best"/><Gather speechModel="googlev2_telephony"/>`), []key{{13334, W, 1, "Gather", "speechModel"}}},
	{"gather auto with default model", r(`<Gather speechTimeout="auto" speechModel="default"/><Gather speechTimeout="auto"/>`), []key{{13335, W, 1, "Gather", "speechTimeout"}}},
	{"gather actionOnEmptyResult", r(`<Gather actionOnEmptyResult="sure"/>`), []key{{13338, W, 1, "Gather", "actionOnEmptyResult"}}},
	{"gather action url", r(`<Gather action="http://exa mple.com/x"/>`), []key{{11100, W, 1, "Gather", "action"}}},

	// Play / Say / Pause
	{"play loop", r(`<Play loop="-1">/a.mp3</Play>`), []key{{13410, W, 1, "Play", "loop"}}},
	{"play digits", r(`<Play digits="12x"/>`), []key{{13430, W, 1, "Play", "digits"}}},
	{"play bad url", r(`<Play>ftp://x/a.mp3</Play>`), []key{{11100, W, 1, "Play", ""}}},
	{"say loop", r(`<Say loop="many">x</Say>`), []key{{13510, W, 1, "Say", "loop"}}},
	{"say voice", r(`<Say voice="robot">x</Say>`), []key{{13511, W, 1, "Say", "voice"}}},
	{"say prosody rate", r(`<Say><prosody rate="warp">x</prosody></Say>`), []key{{13513, W, 1, "prosody", "rate"}}},
	{"say empty", r(`<Say/><Say>   </Say>`), []key{{13520, W, 1, "Say", ""}, {13520, W, 1, "Say", ""}}},
	{"say only ssml break", r(`<Say><break time="1s"/></Say>`), nil},
	{"say too long", r(`<Say>` + strings.Repeat("a", 4097) + `</Say>`), []key{{13521, W, 1, "Say", ""}}},
	{"pause length", r(`<Pause length="0"/><Pause length="x"/>`), []key{{13910, W, 1, "Pause", "length"}, {13910, W, 1, "Pause", "length"}}},

	// Record 136xx
	{"record attrs", r(`<Record method="PUT" timeout="-1" maxLength="0" finishOnKey="x" transcribe="maybe" playBeep="no" trim="yes" recordingStatusCallbackEvent="done"/>`),
		[]key{{13610, W, 1, "Record", "method"}, {13611, W, 1, "Record", "timeout"}, {13612, W, 1, "Record", "maxLength"}, {13613, W, 1, "Record", "finishOnKey"},
			{13614, W, 1, "Record", "transcribe"}, {13616, W, 1, "Record", "playBeep"}, {13699, W, 1, "Record", "trim"}, {13621, W, 1, "Record", "recordingStatusCallbackEvent"}}},
	{"record finishOnKey multiple", r(`<Record finishOnKey="*#1"/><Record finishOnKey=""/>`), nil},

	// Dial 132xx
	{"dial attrs", r(`<Dial method="PUT" timeout="0" hangupOnStar="y" callerId="+1 555 abc" timeLimit="x" record="always" answerOnBridge="1" ringTone="xx">+14155551212</Dial>`),
		[]key{{13210, W, 1, "Dial", "method"}, {13212, W, 1, "Dial", "timeout"}, {13213, W, 1, "Dial", "hangupOnStar"}, {13214, W, 1, "Dial", "callerId"},
			{13216, W, 1, "Dial", "timeLimit"}, {13217, W, 1, "Dial", "record"}, {13219, W, 1, "Dial", "answerOnBridge"}, {13220, W, 1, "Dial", "ringTone"}}},
	{"dial callerId client", r(`<Dial callerId="client:alice"><Client>bob</Client></Dial><Dial callerId="support_line"><Client>bob</Client></Dial>`), nil},
	{"dial nested say", r(`<Dial><Say>hi</Say><Number>+14155551212</Number></Dial>`), []key{{13215, W, 1, "Say", ""}}},
	{"dial number method", r(`<Dial><Number method="PUT">+14155551212</Number></Dial>`), []key{{13221, W, 1, "Number", "method"}}},
	{"dial bad number", r(`<Dial>call-me-maybe</Dial><Dial><Number>+1 415 ABC</Number></Dial>`), []key{{13223, W, 1, "Dial", ""}, {13223, W, 1, "Number", ""}}},
	{"dial empty", r(`<Dial/>`), []key{{13223, W, 1, "Dial", ""}}},
	{"conference attrs", r(`<Dial><Conference muted="x" endConferenceOnExit="x" startConferenceOnEnter="x" waitUrl="ftp://x" waitMethod="x" beep="loud">c</Conference></Dial>`),
		[]key{{13230, W, 1, "Conference", "muted"}, {13231, E, 1, "Conference", "endConferenceOnExit"}, {13232, W, 1, "Conference", "startConferenceOnEnter"},
			{13233, W, 1, "Conference", "waitUrl"}, {13234, W, 1, "Conference", "waitMethod"}, {13235, W, 1, "Conference", "beep"}}},

	// Redirect, Reject, Enqueue, Start
	{"redirect method", r(`<Redirect method="DELETE">/x</Redirect>`), []key{{13710, W, 1, "Redirect", "method"}}},
	{"redirect empty", r(`<Redirect/>`), []key{{11100, E, 1, "Redirect", ""}}},
	{"redirect bad url", r(`<Redirect>http://a b/</Redirect>`), []key{{11100, E, 1, "Redirect", ""}}},
	{"reject reason", r(`<Reject reason="nope"/>`), []key{{13810, W, 1, "Reject", "reason"}}},
	{"enqueue", r(`<Enqueue method="X" waitUrlMethod="Y" waitUrl="ftp://w" action="mailto:x">q</Enqueue>`),
		[]key{{14201, E, 1, "Enqueue", "method"}, {14206, E, 1, "Enqueue", "waitUrlMethod"}, {14202, E, 1, "Enqueue", "waitUrl"}, {14203, E, 1, "Enqueue", "action"}}},
	{"enqueue empty", r(`<Enqueue/>`), []key{{14204, E, 1, "Enqueue", ""}}},
	{"enqueue long name", r(`<Enqueue>` + strings.Repeat("q", 65) + `</Enqueue>`), []key{{12200, W, 1, "Enqueue", ""}}},
	{"start bad noun", r(`<Start><Say>x</Say></Start>`), []key{{14300, E, 1, "Say", ""}}},

	// positions and order
	{"document order", "<Response>\n  <Gather numDigits=\"x\">\n    <Say loop=\"y\">a</Say>\n  </Gather>\n  <Pause length=\"z\"/>\n</Response>",
		[]key{{13314, W, 2, "Gather", "numDigits"}, {13322, W, 3, "Say", "loop"}, {13910, W, 5, "Pause", "length"}}},
}

func TestParseValidate(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse([]byte(tc.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tc.want, keys(doc.Problems)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nall: %v", diff, doc.Problems)
			}
			for _, p := range doc.Problems {
				if strings.ContainsAny(p.Message, "\n\r") || p.Message == "" {
					t.Errorf("bad message %q", p.Message)
				}
				if !strings.HasPrefix(p.Message, p.Element+": ") {
					t.Errorf("message %q does not start with element %q", p.Message, p.Element)
				}
			}
			// Validate on the parsed tree gives the same result.
			if diff := cmp.Diff(doc.Problems, Validate(doc.Root)); diff != "" {
				t.Errorf("Validate differs from Parse (-parse +validate):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		doc       string
		code      int
		line, col int
	}{
		{"empty", "", 12100, 1, 1},
		{"whitespace only", " \n\t", 12100, 1, 1},
		{"unclosed", "<Response>\n<Say>hi</Say>\n", 12100, 3, 1},
		{"unclosed inner", "<Response><Gather>\n</Response>", 12100, 2, 1},
		{"mismatched", "<Response>\n  <Say>hi</say>\n</Response>", 12100, 2, 10},
		{"unescaped amp", "<Response>\n<Say>Tom & Jerry</Say></Response>", 12100, 2, 11},
		{"unknown entity", "<Response><Say>&nbsp;</Say></Response>", 12100, 1, 22},
		{"text before decl", "hello<?xml version=\"1.0\"?><Response/>", 12100, 1, 1},
		{"space before decl", " <?xml version=\"1.0\"?><Response/>", 12100, 1, 2},
		{"newline before decl", "\n<?xml version=\"1.0\"?><Response/>", 12100, 2, 1},
		{"decl after root", "<Response/><?xml version=\"1.0\"?>", 12100, 1, 12},
		{"text before root", "oops<Response/>", 12100, 1, 1},
		{"multiple roots", "<Response/>\n<Response/>", 12100, 2, 1},
		{"trailing garbage", "<Response/>\ngarbage", 12100, 2, 1},
		{"stray end tag", "<Response/></Response>", 12100, 1, 12},
		{"unquoted attribute", "<Response><Pause length=2/></Response>", 12100, 1, 26},
		{"duplicate attribute", "<Response>\n<Pause length=\"1\" length=\"2\"/></Response>", 12100, 2, 1},
		{"bad version decl", "<?xml version=\"2.0\"?><Response/>", 12100, 1, 22},
		{"bad encoding", "<?xml version=\"1.0\" encoding=\"EBCDIC\"?><Response/>", 12100, 1, 40},
		{"invalid utf8", "<Response><Say>\xff</Say></Response>", 12100, 1, 17},
		{"double dash comment", "<Response><!-- a -- b --></Response>", 12100, 1, 21},
		{"doctype inside", "<Response><!DOCTYPE x></Response>", 12100, 1, 11},
		{"too deep", strings.Repeat("<Say>", 65) + strings.Repeat("</Say>", 65), 12100, 1, 321},
		{"not response", "<Foo/>", 12102, 1, 1},
		{"lowercase response", "\n  <response><Say>hi</Say></response>", 12102, 2, 3},
		{"bad response version", "<Response version=\"3\"/>", 12101, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse([]byte(tc.doc))
			if doc != nil {
				t.Errorf("doc = %+v, want nil", doc)
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("err = %v (%T), want *Problem", err, err)
			}
			got := []int{p.Code, p.Line, p.Col}
			if diff := cmp.Diff([]int{tc.code, tc.line, tc.col}, got); diff != "" {
				t.Errorf("code/line/col (-want +got):\n%s\n%v", diff, p)
			}
			if p.Severity != SeverityError {
				t.Errorf("severity = %q", p.Severity)
			}
			if s := p.Error(); strings.Contains(s, "\n") || !strings.HasPrefix(s, strings.Fields(s)[0]) {
				t.Errorf("Error() = %q", s)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	p := Problem{Code: 13314, Severity: W, Line: 3, Col: 5, Element: "Gather", Attr: "numDigits", Message: `Gather: invalid numDigits "abc" (must be a positive integer)`}
	want := `13314 line 3 col 5: Gather: invalid numDigits "abc" (must be a positive integer)`
	if got := p.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	doc, err := Parse([]byte(r(`<Gather numDigits="abc"/>`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Problems[0].Message; got != `Gather: invalid numDigits "abc" (must be a positive integer)` {
		t.Errorf("message = %q", got)
	}
}

func TestTree(t *testing.T) {
	doc, err := Parse([]byte(ivr))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range doc.Verbs() {
		names = append(names, v.Name)
	}
	want := []string{"Say", "Pause", "Gather", "Say", "Record", "Dial", "Enqueue", "Start", "Connect", "Pay", "Reject", "Hangup", "Redirect"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("verbs (-want +got):\n%s", diff)
	}
	if doc.Fatal() != nil {
		t.Errorf("Fatal() = %v", doc.Fatal())
	}
	v := doc.Verbs()
	if got := v[0].Text; got != "Thanks for calling Acme & Sons." {
		t.Errorf("Say text = %q", got)
	}
	if v[0].Line != 4 || v[0].Col != 3 {
		t.Errorf("Say at %d:%d, want 4:3", v[0].Line, v[0].Col)
	}
	gather := v[2]
	if diff := cmp.Diff([]Attr{{"action", "/ivr/menu"}, {"method", "POST"}, {"numDigits", "1"}, {"timeout", "7"}, {"finishOnKey", ""},
		{"input", "dtmf speech"}, {"hints", "sales, support, billing"}, {"speechTimeout", "auto"}}, gather.Attrs); diff != "" {
		t.Errorf("Gather attrs (-want +got):\n%s", diff)
	}
	say := gather.Children[0]
	if got, want := say.Text, "For sales, press 1 or say sales . For support, press 2. For billing, press 3."; got != want {
		t.Errorf("Gather/Say text = %q, want %q", got, want)
	}
	if got := say.Children[0].Text; got != "sales" {
		t.Errorf("emphasis text = %q", got)
	}
	if got := gather.Children[1].Text; got != "https://cdn.example.com/hold.mp3" {
		t.Errorf("Play text = %q", got)
	}
	if got := v[len(v)-1].Text; got != "/ivr/start?retry=1&lang=en" {
		t.Errorf("Redirect text = %q", got)
	}
	dial := v[5]
	if got := dial.Children[0].Text; got != "+14155551212" {
		t.Errorf("Number text = %q", got)
	}
	if got := dial.Children[1].Children[0].Text; got != "agent_alice" {
		t.Errorf("Identity = %q", got)
	}
	if dial.Text != "" {
		t.Errorf("Dial text = %q", dial.Text)
	}
	// Text split by a comment is concatenated.
	doc, _ = Parse([]byte(r(`<Dial>+1415<!-- x -->5551212</Dial>`)))
	if got := doc.Verbs()[0].Text; got != "+14155551212" {
		t.Errorf("Dial text = %q", got)
	}
	// CDATA counts as text.
	doc, _ = Parse([]byte(r(`<Say><![CDATA[a < b]]></Say>`)))
	if got := doc.Verbs()[0].Text; got != "a < b" {
		t.Errorf("CDATA text = %q", got)
	}
}

func TestDefaults(t *testing.T) {
	doc, err := Parse([]byte(r(`<Gather/><Record/><Dial>+14155551212</Dial><Say>x</Say><Pause/><Redirect>/x</Redirect><Play>/a.mp3</Play><Reject/><Enqueue>q</Enqueue>`)))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Node{}
	for _, v := range doc.Verbs() {
		byName[v.Name] = v
	}
	for _, tc := range []struct{ el, attr, want string }{
		{"Gather", "method", "POST"},
		{"Gather", "timeout", "5"},
		{"Gather", "finishOnKey", "#"},
		{"Gather", "input", "dtmf"},
		{"Gather", "numDigits", ""},
		{"Gather", "action", ""},
		{"Gather", "actionOnEmptyResult", "false"},
		{"Gather", "language", "en-US"},
		{"Gather", "speechModel", "default"},
		{"Record", "finishOnKey", "1234567890*#"},
		{"Record", "maxLength", "3600"},
		{"Record", "timeout", "5"},
		{"Record", "method", "POST"},
		{"Record", "playBeep", "true"},
		{"Record", "trim", "trim-silence"},
		{"Dial", "timeout", "30"},
		{"Dial", "method", "POST"},
		{"Dial", "timeLimit", "14400"},
		{"Dial", "hangupOnStar", "false"},
		{"Say", "loop", "1"},
		{"Say", "language", ""},
		{"Say", "voice", "man"},
		{"Pause", "length", "1"},
		{"Redirect", "method", "POST"},
		{"Play", "loop", "1"},
		{"Reject", "reason", "rejected"},
		{"Enqueue", "method", "POST"},
		{"Enqueue", "waitUrlMethod", "POST"},
	} {
		n := byName[tc.el]
		if got := n.Attr(tc.attr); got != tc.want {
			t.Errorf("%s.Attr(%q) = %q, want %q", tc.el, tc.attr, got, tc.want)
		}
		if got := Default(tc.el, tc.attr); got != tc.want {
			t.Errorf("Default(%q, %q) = %q, want %q", tc.el, tc.attr, got, tc.want)
		}
		if n.Has(tc.attr) {
			t.Errorf("%s.Has(%q) = true", tc.el, tc.attr)
		}
	}
	g := byName["Gather"]
	if n, ok := g.Int("timeout"); !ok || n != 5 {
		t.Errorf("Gather.Int(timeout) = %d, %v", n, ok)
	}
	if _, ok := g.Int("numDigits"); ok {
		t.Errorf("Gather.Int(numDigits) ok without value or default")
	}
	if !byName["Record"].Bool("playBeep") || byName["Dial"].Bool("hangupOnStar") {
		t.Errorf("Bool defaults wrong")
	}
	if got := Default("Nope", "x"); got != "" {
		t.Errorf("Default of unknown = %q", got)
	}

	// Present values win over defaults; Int trims, Bool is case-insensitive.
	doc, _ = Parse([]byte(r(`<Gather timeout=" 12 " finishOnKey="" actionOnEmptyResult="TRUE"/>`)))
	g = doc.Verbs()[0]
	if n, ok := g.Int("timeout"); !ok || n != 12 {
		t.Errorf("Int(timeout) = %d, %v", n, ok)
	}
	if !g.Has("finishOnKey") || g.Attr("finishOnKey") != "" {
		t.Errorf("empty finishOnKey must be kept: %q", g.Attr("finishOnKey"))
	}
	if !g.Bool("actionOnEmptyResult") {
		t.Errorf("Bool(actionOnEmptyResult) = false")
	}
	if doc.Problems != nil {
		t.Errorf("problems: %v", doc.Problems)
	}
}

func TestFatal(t *testing.T) {
	doc, err := Parse([]byte(r(`<Say loop="x">a</Say><Redirect/><Enqueue/>`)))
	if err != nil {
		t.Fatal(err)
	}
	f := doc.Fatal()
	if f == nil || f.Code != 11100 || f.Element != "Redirect" {
		t.Errorf("Fatal() = %v", f)
	}
	var nilDoc *Document
	if nilDoc.Fatal() != nil || nilDoc.Verbs() != nil {
		t.Errorf("nil document methods")
	}
	if Validate(nil) != nil {
		t.Errorf("Validate(nil) != nil")
	}
	ps := Validate(&Node{Name: "Foo", Line: 1, Col: 1})
	if len(ps) != 1 || ps[0].Code != 12102 {
		t.Errorf("Validate(<Foo>) = %v", ps)
	}
}

// TestVocabulary checks the table is self-consistent.
func TestVocabulary(t *testing.T) {
	resp := vocab().byName["Response"]
	for _, e := range vocab().elements {
		if e.Verb != resp.Allows(e.Name) {
			t.Errorf("%s: Verb=%v but Response allows it: %v", e.Name, e.Verb, resp.Allows(e.Name))
		}
		for _, c := range e.Children {
			if vocab().byName[c] == nil {
				t.Errorf("%s: child %s not in vocabulary", e.Name, c)
			}
		}
		seen := map[string]bool{}
		for _, a := range e.Attrs {
			if seen[a.Name] {
				t.Errorf("%s: duplicate attribute %s", e.Name, a.Name)
			}
			seen[a.Name] = true
			if a.Default != "" && !a.check(a.Default) {
				t.Errorf("%s.%s: default %q fails its own check", e.Name, a.Name, a.Default)
			}
			if a.hint() == "" {
				t.Errorf("%s.%s: empty hint", e.Name, a.Name)
			}
		}
		if _, ok := Lookup(e.Name); !ok {
			t.Errorf("Lookup(%s) failed", e.Name)
		}
	}
	if s, _ := Lookup("Gather"); s.Attr("numDigits").Code != 13314 || !s.Allows("Say") || s.Allows("Record") {
		t.Errorf("Gather spec wrong")
	}
}

func TestValueKinds(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		v    string
		ok   bool
	}{
		{KindURL, "https://example.com/a?b=c", true},
		{KindURL, "/relative/path", true},
		{KindURL, "relative", true},
		{KindURL, "", true},
		{KindURL, "HTTP://EXAMPLE.COM", true},
		{KindURL, "ftp://example.com", false},
		{KindURL, "http://", false},
		{KindURL, "//host/x", false},
		{KindURL, "http://a b", false},
		{KindURL, "http://[::1", false},
		{KindPhone, "+14155551212", true},
		{KindPhone, "(415) 555-1212", true},
		{KindPhone, "415.555.1212", true},
		{KindPhone, "+1234567890123456", false},
		{KindPhone, "+", false},
		{KindPhone, "1-800-FLOWERS", false},
		{KindCallerID, "client:bob", true},
		{KindCallerID, "sip:a@b", true},
		{KindCallerID, "client:", false},
		{KindCallerID, "", false},
		{KindCallerID, "a b", false},
		{KindMethod, " post ", true},
		{KindMethod, "PUT", false},
		{KindBool, "False", true},
		{KindBool, "1", false},
	} {
		a := AttrSpec{Kind: tc.kind}
		if got := a.check(tc.v); got != tc.ok {
			t.Errorf("kind %d check(%q) = %v, want %v", tc.kind, tc.v, got, tc.ok)
		}
	}
}
