package twiml

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPretty(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"ivr menu",
			`<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/menu" numDigits="1"><Say voice="alice">Press 1 for sales.</Say><Pause length="2"/></Gather><Say>Goodbye</Say><Hangup/></Response>`,
			`<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather action="/menu" numDigits="1">
    <Say voice="alice">Press 1 for sales.</Say>
    <Pause length="2"/>
  </Gather>
  <Say>Goodbye</Say>
  <Hangup/>
</Response>
`},
		{"reindent and collapse whitespace",
			"<Response>\n\t\t<Say>\n   Hello\n   world   </Say>\n<Hangup></Hangup>\n\n</Response>",
			"<Response>\n  <Say>Hello world</Say>\n  <Hangup/>\n</Response>\n"},
		{"ssml kept inline",
			`<Response><Say>Hello <emphasis level="strong">world</emphasis>! <break time="1s"/> Bye</Say></Response>`,
			"<Response>\n  <Say>Hello <emphasis level=\"strong\">world</emphasis>! <break time=\"1s\"/> Bye</Say>\n</Response>\n"},
		{"long text goes on its own line",
			`<Response><Say>` + strings.Repeat("word ", 20) + `<break/>end</Say></Response>`,
			"<Response>\n  <Say>\n    " + strings.TrimSpace(strings.Repeat("word ", 20)) + "\n    <break/>\n    end\n  </Say>\n</Response>\n"},
		{"escaping",
			`<Response><Say>Tom &amp; Jerry &lt;3 &gt; &#34;q&#34;</Say><Redirect>/x?a=1&amp;b=2</Redirect><Play digits="1" note="a&quot;b&amp;c&lt;d&#10;e&#9;f">/a</Play></Response>`,
			"<Response>\n  <Say>Tom &amp; Jerry &lt;3 &gt; \"q\"</Say>\n  <Redirect>/x?a=1&amp;b=2</Redirect>\n  <Play digits=\"1\" note=\"a&quot;b&amp;c&lt;d&#xA;e&#x9;f\">/a</Play>\n</Response>\n"},
		{"cdata becomes escaped text",
			`<Response><Say><![CDATA[a < b & c]]></Say></Response>`,
			"<Response>\n  <Say>a &lt; b &amp; c</Say>\n</Response>\n"},
		{"attribute order kept, single quotes normalised",
			`<Response><Dial timeout='10' action="/d" callerId='+1'><Number>+14155551212</Number></Dial></Response>`,
			"<Response>\n  <Dial timeout=\"10\" action=\"/d\" callerId=\"+1\">\n    <Number>+14155551212</Number>\n  </Dial>\n</Response>\n"},
		{"comments and doctype kept",
			"<!DOCTYPE Response><!-- top --><Response><!-- menu --><Say>hi<!-- inner --></Say></Response><!-- end -->",
			"<!DOCTYPE Response>\n<!-- top -->\n<Response>\n  <!-- menu -->\n  <Say>\n    hi\n    <!-- inner -->\n  </Say>\n</Response>\n<!-- end -->\n"},
		{"processing instruction", `<Response><?php echo 1 ?></Response>`,
			"<Response>\n  <?php echo 1 ?>\n</Response>\n"},
		{"prefixed names", `<Response><Say><lang xml:lang="fr-FR">oui</lang><amazon:effect name="whispered">psst</amazon:effect></Say></Response>`,
			"<Response>\n  <Say>\n    <lang xml:lang=\"fr-FR\">oui</lang>\n    <amazon:effect name=\"whispered\">psst</amazon:effect>\n  </Say>\n</Response>\n"},
		{"any root", "<response><say>hi</say></response>", "<response>\n  <say>hi</say>\n</response>\n"},
		{"text-only root", "<Response> hi </Response>", "<Response>hi</Response>\n"},
		{"bom and empty root", "\ufeff<Response>   </Response>", "<Response/>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Pretty([]byte(tc.in), Style{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Pretty (-want +got):\n%s", diff)
			}
			again, err := Pretty([]byte(got), Style{})
			if err != nil || again != got {
				t.Errorf("Pretty not idempotent: err=%v\n%s", err, again)
			}
		})
	}
}

func TestPrettyStyle(t *testing.T) {
	br := func(l string) func(string) string { return func(s string) string { return l + "[" + s + "]" } }
	st := Style{Tag: br("T"), AttrName: br("N"), AttrValue: br("V"), Text: br("X"), Comment: br("C")}
	in := `<?xml version="1.0"?><Response><!-- hi --><Say voice="alice">Hello</Say><Pause/></Response>`
	want := `C[<?xml version="1.0"?>]
T[<Response]T[>]
  C[<!-- hi -->]
  T[<Say] N[voice]=V["alice"]T[>]X[Hello]T[</Say>]
  T[<Pause]T[/>]
T[</Response>]
`
	got, err := Pretty([]byte(in), st)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("styled Pretty (-want +got):\n%s", diff)
	}
	// The width decision ignores styling: a line that fits unstyled stays inline.
	long := `<Response><Say>` + strings.Repeat("x", 80) + `</Say></Response>`
	got, _ = Pretty([]byte(long), st)
	if !strings.Contains(got, "X["+strings.Repeat("x", 80)+"]T[</Say>]") {
		t.Errorf("styled output wrapped:\n%s", got)
	}
}

func TestPrettyErrors(t *testing.T) {
	for _, in := range []string{"", "<Response>", "<Response><Say></Response>", "<Response/>x", "a &", "<a/><b/>", " <?xml version=\"1.0\"?><a/>"} {
		s, err := Pretty([]byte(in), Style{})
		var p *Problem
		if !errors.As(err, &p) || p.Code != 12100 || s != "" {
			t.Errorf("Pretty(%q) = %q, %v; want 12100 problem", in, s, err)
		}
	}
}
