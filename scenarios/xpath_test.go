package scenarios

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate/twiml"
)

const xpathDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather input="dtmf speech" numDigits="1" action="/voice/menu">
    <Say voice="alice">For sales press 1.</Say>
    <Pause length="1"/>
    <Say voice="man" loop="2">For support press 2.</Say>
  </Gather>
  <Say>We did not hear anything.</Say>
  <Dial timeout="20"><Number>+14155550100</Number><Client>alice</Client></Dial>
  <Redirect method="POST">/voice/goodbye</Redirect>
</Response>`

func TestXPath(t *testing.T) {
	doc, err := twiml.Parse([]byte(xpathDoc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		expr string
		want any
	}{
		{"/Response/Gather/@numDigits", []string{"1"}},
		{"Response/Gather/@action", []string{"/voice/menu"}},
		{"//Say", []string{"For sales press 1.", "For support press 2.", "We did not hear anything."}},
		{"/Response/Say", []string{"We did not hear anything."}},
		{"//Gather/Say[1]", []string{"For sales press 1."}},
		{"//Gather/Say[last()]", []string{"For support press 2."}},
		{"//Gather/*[2]", []string{""}},
		{"//Say[@voice='alice']", []string{"For sales press 1."}},
		{"//Say[@voice!='alice']/@voice", []string{"man"}},
		{"//Say[not(@voice)]", []string{"We did not hear anything."}},
		{"//Say[contains(., 'support')]/@loop", []string{"2"}},
		{"//Say[starts-with(text(), 'We')]", []string{"We did not hear anything."}},
		{"//Say[ends-with(., 'press 1.')]", []string{"For sales press 1."}},
		{"//Say[@voice='man' and @loop=2]", []string{"For support press 2."}},
		{"//Say[@voice='nobody' or @loop>1]", []string{"For support press 2."}},
		{"//Dial/Number | //Dial/Client", []string{"+14155550100", "alice"}},
		{"//Dial/@*", []string{"20"}},
		{"//Number/..", []string{"+14155550100 alice"}},
		{"//Gather[Pause]/@input", []string{"dtmf speech"}},
		{"//Gather[Pause/@length='1']", []string{"For sales press 1. For support press 2."}},
		{"(//Say)[2]", []string{"For support press 2."}},
		{"(//Say)[position() > 1]/@voice", []string{"man"}},
		{"//Reject", []string{}},
		{"count(//Say)", 3},
		{"count(//Gather/*)", 3},
		{"string(//Redirect/@method)", "POST"},
		{"normalize-space('  a   b ')", "a b"},
		{"name(/Response/*[last()])", "Redirect"},
		{"boolean(//Reject)", false},
		{"//Gather/@numDigits = 1", true},
		{"count(//Say) >= 3", true},
		{"number(//Dial/@timeout)", 20},
		{"true()", true},
		{"/", []string{"For sales press 1. For support press 2. We did not hear anything. +14155550100 alice /voice/goodbye"}},
	} {
		x, err := CompileXPath(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		v, err := x.Eval(context.Background(), doc)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if d := cmp.Diff(c.want, v.Got()); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.expr, d)
		}
	}
}

func TestXPathErrors(t *testing.T) {
	for _, expr := range []string{"", "//", "//Say[", "//Say[@]", "foo(1)", "count()", "//Say]", "'open", "//Say[1]]", "#"} {
		if _, err := CompileXPath(expr); err == nil {
			t.Errorf("%q compiled", expr)
		}
	}
}
