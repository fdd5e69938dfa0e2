package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
	t.Parallel()
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
		// the rest of XPath 1.0, which the hand-written engine rejected
		{"count(//Say) - 1", 2},
		{"string-length(//Redirect)", 14},
		{"sum(//@length | //@timeout)", 21},
		{"//Pause/following-sibling::Say/@voice", []string{"man"}},
		{"//Pause/preceding-sibling::*", []string{"For sales press 1."}},
		{"name(//Number/ancestor::*[2])", "Response"},
		{"child::Response/child::Dial/descendant::text()", []string{"+14155550100", "alice"}},
		{"//Say[following::Dial][not(ancestor::Gather)]", []string{"We did not hear anything."}},
		{"count(//Say[@voice]/attribute::*)", 3},
		{"//Gather/Say[2]/preceding::Say", []string{"For sales press 1."}},
		{"substring-before(//Redirect, '/goodbye')", "/voice"},
		{"translate(//Dial/@timeout, '2', '3')", "30"},
		{"concat(//Client, '@', //Number)", "alice@+14155550100"},
		{"floor(7 div 2) + 7 mod 2", 4},
		{"-//Dial/@timeout", -20},
		{"//Say[last()]/text()", []string{"For support press 2.", "We did not hear anything."}},
		{"(//Say)[last()]/text()", []string{"We did not hear anything."}},
		{"lower-case(//Redirect/@method)", "post"},
		{"//Say[@voice = 'replace(']/@loop", []string{}},
		{"count(//my-replace | //replace)", 0},
		{"//Gather/node()[1]", []string{"For sales press 1."}},
		{"local-name(//@*[. = 'alice'])", "voice"},
		{"(//Dial/Client | //Dial/Number | //Gather/@input)", []string{"dtmf speech", "+14155550100", "alice"}},
		{"count(//Dial/Number | //Dial/Number)", 1},
		{"//*[self::Number or self::Client][2]", []string{"alice"}},
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
	t.Parallel()
	for _, c := range []struct{ expr, err string }{
		{"", "empty expression"},
		{"  ", "empty expression"},
		{"//", "expression must evaluate to a node-set"},
		{"//Say[", "the '[' at offset 5 is not closed"},
		{"count(//Say", "the '(' at offset 5 is not closed"},
		{"//Say[@]", "expression must evaluate to a node-set"},
		{"foo(1)", "unknown function foo()"},
		{"foo::Say", "unknown axis: foo"},
		{"count()", "count(node-sets) function must with have parameters node-sets"},
		{"//Say]", "unexpected ']' at offset 5"},
		{"//Say[1)", "unexpected ')' at offset 7: the '[' at offset 5 is not closed"},
		{"'open", "the string at offset 0 is not closed"},
		{"//Say[1]]", "unexpected ']' at offset 8"},
		{"#", "unexpected '#' at offset 0"},
		{"//Say[. = 'a#b'] | //x#", "unexpected '#' at offset 22"},
		{strings.Repeat("(", 33) + "1" + strings.Repeat(")", 33), "expression nests deeper than 32 parentheses and brackets at offset 32"},
		{strings.Repeat("//a", 700), "expression is 2100 bytes long; the limit is 2000"},
		{strings.Repeat("replace(", 20) + "'ab'" + strings.Repeat(", '', 'ab')", 20), "replace() is not supported (its result can grow without bound); use matches() or a /regex/ value"},
		{"string-join (//Say, /)", "string-join() is not supported (its result can grow without bound); use matches() or a /regex/ value"},
	} {
		_, err := CompileXPath(c.expr)
		if err == nil || err.Error() != c.err {
			t.Errorf("%.40q: got error %v, want %q", c.expr, err, c.err)
		}
	}
}

// The string value of a <Say> is what the call speaks: the text of its
// SSML joined, whitespace collapsed.
func TestXPathSayText(t *testing.T) {
	t.Parallel()
	doc, err := twiml.Parse([]byte("<Response><Say voice=\"Polly.Joanna\">Hello <emphasis level=\"strong\">big</emphasis>\n\t  world<break time=\"1s\"/>!</Say><Gather><Say>a</Say><Pause/></Gather></Response>"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		expr string
		want any
	}{
		{"(//Say)[1]", []string{"Hello big world !"}},
		{"string(//Say[@voice])", "Hello big world !"},
		{"(//Say)[1]/text()", []string{"Hello big world !"}},
		{"//Say/emphasis", []string{"big"}},
		{"//Say/emphasis/@level", []string{"strong"}},
		{"count((//Say)[1]/node())", 3},
		{"//Say[contains(., 'big world')]/@voice", []string{"Polly.Joanna"}},
		{"/Response/Gather", []string{"a"}},
		{"string(/)", "Hello big world ! a"},
	} {
		x, err := CompileXPath(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		v, err := x.Eval(context.Background(), doc)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if d := cmp.Diff(c.want, v.Got()); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.expr, d)
		}
	}
}

// Errors antchfx finds only while evaluating come back as errors, not panics.
func TestXPathEvalErrors(t *testing.T) {
	t.Parallel()
	doc, err := twiml.Parse([]byte(xpathDoc))
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{"sum('a')", "starts-with(//Say, 1)", "matches(//Say, concat('(', ''))"} {
		x, err := CompileXPath(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if v, err := x.Eval(context.Background(), doc); err == nil {
			t.Errorf("%s: no error, got %v", expr, v.Got())
		}
		// the expression still evaluates afterwards
		if _, err := x.Eval(context.Background(), doc); err == nil {
			t.Errorf("%s: no error the second time", expr)
		}
	}
}

// The deepest nesting allowed compiles and evaluates: the bound is the
// only limit, and it is far from the stack's.
func TestXPathDeepest(t *testing.T) {
	t.Parallel()
	expr := strings.Repeat("(", maxXPathDepth) + "1" + strings.Repeat(")", maxXPathDepth)
	pred := "//Say" + strings.Repeat("[not(self::x", maxXPathDepth/2) + strings.Repeat(")]", maxXPathDepth/2)
	chain := strings.Repeat("1+", maxXPathLen/2-1) + "1"
	for _, c := range []struct {
		expr string
		want any
	}{{expr, 1}, {pred, []string{"For sales press 1.", "For support press 2.", "We did not hear anything."}}, {chain, maxXPathLen / 2}} {
		x, err := CompileXPath(c.expr)
		if err != nil {
			t.Fatalf("%.40s: %v", c.expr, err)
		}
		doc, _ := twiml.Parse([]byte(xpathDoc))
		v, err := x.Eval(context.Background(), doc)
		if err != nil {
			t.Fatalf("%.40s: %v", c.expr, err)
		}
		if d := cmp.Diff(c.want, v.Got()); d != "" {
			t.Errorf("%.40s (-want +got):\n%s", c.expr, d)
		}
	}
}

// bigDoc is a flat document of n <Say> elements.
func bigDoc(t *testing.T, n int) *twiml.Document {
	t.Helper()
	var b strings.Builder
	b.WriteString("<Response>")
	for i := range n {
		fmt.Fprintf(&b, "<Say>%d</Say>", i)
	}
	b.WriteString("</Response>")
	doc, err := twiml.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// quadratic walks the whole document once per <Say>.
const quadratic = "count(//Say[count(//Say) > count(preceding::Say) + count(following::Say) + 1])"

// An O(n²) expression stops soon after the context is cancelled.
func TestXPathCancel(t *testing.T) {
	t.Parallel()
	doc := bigDoc(t, 3000)
	x, err := CompileXPath(quadratic)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = x.Eval(ctx, doc)
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %s after the cancel", took-50*time.Millisecond)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want %v", err, context.Canceled)
	}
	// an already cancelled context does no work at all
	if _, err := x.Eval(ctx, doc); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v", err)
	}
}

// Without a cancel, the work bound ends the same expression.
// (The default bound, 1<<22, stops it in about a second; the test uses a
// lower one to stay fast.)
func TestXPathWorkBound(t *testing.T) {
	t.Parallel()
	doc := bigDoc(t, 1000)
	for _, expr := range []string{
		quadratic,
		"count(//Say[string(/) = 'x'])", // the string value of the root is work too
	} {
		x, err := CompileXPath(expr)
		if err != nil {
			t.Fatal(err)
		}
		x.maxWork = 100_000
		if _, err = x.Eval(context.Background(), doc); !errors.Is(err, errXPathWork) {
			t.Errorf("%s: error %v, want %v", expr, err, errXPathWork)
		}
		// the same document and expression within the bound
		x.maxWork = maxXPathWork
		if _, err = x.Eval(context.Background(), bigDoc(t, 100)); err != nil {
			t.Errorf("%s on 100 nodes: %v", expr, err)
		}
	}
}

// Attributes keep the order they are written in, however many there are,
// and sort before the element's text and children.
func TestXPathDocumentOrder(t *testing.T) {
	t.Parallel()
	const n = 1500
	var b strings.Builder
	b.WriteString("<Response><Say")
	want := make([]string, n)
	for i := range n {
		fmt.Fprintf(&b, " a%d=\"%d\"", i, i)
		want[i] = strconv.Itoa(i)
	}
	b.WriteString(">hello</Say><Pause/></Response>")
	doc, err := twiml.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		expr string
		want any
	}{
		{"//Say/@*", want},
		{"//@a1400 | //@a7 | //@a1001", []string{"7", "1001", "1400"}},
		{"//Pause | //Say/text() | //@a1499 | //Say", []string{"hello", "1499", "hello", ""}},
		{"(//@*)[1200]", []string{"1199"}},
		{"name((//@*)[last()])", "a1499"},
		{"count(//@a1100/preceding::*)", 0},
	} {
		x, err := CompileXPath(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		v, err := x.Eval(context.Background(), doc)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if d := cmp.Diff(c.want, v.Got()); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.expr, d)
		}
	}
}

// One compiled expression is evaluated by many calls at once (callsim load).
func TestXPathConcurrent(t *testing.T) {
	t.Parallel()
	doc, err := twiml.Parse([]byte(xpathDoc))
	if err != nil {
		t.Fatal(err)
	}
	x, err := CompileXPath("//Say[contains(., 'press')]/@voice | //Dial/Number")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alice", "man", "+14155550100"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				v, err := x.Eval(context.Background(), doc)
				if err != nil {
					t.Error(err)
					return
				}
				if d := cmp.Diff(want, v.Got()); d != "" {
					t.Errorf("(-want +got):\n%s", d)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A scenario whose XPath is quadratic in a large answer ends soon after its
// run is cancelled, with a failure that says so.
func TestPlayXPathCancel(t *testing.T) {
	t.Parallel()
	var body strings.Builder
	body.WriteString("<Response>")
	for i := range 3000 {
		fmt.Fprintf(&body, "<Say>%d</Say>", i)
	}
	body.WriteString("</Response>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, body.String())
	}))
	t.Cleanup(srv.Close)
	sc := load(t, envOf(map[string]string{"APP_URL": srv.URL}), "url: ${APP_URL}/voice\nsteps:\n  - expect: {xpath: {\""+quadratic+"\": 1}}\n")[0]
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	a := Play(ctx, sc, nil)
	if took := time.Since(start); took > time.Second {
		t.Errorf("Play took %s, cancelled after 100ms", took)
	}
	if a.Passed || len(a.Failures) == 0 || !strings.HasPrefix(a.Failures[0].Key, "expect.xpath") ||
		!strings.Contains(a.Failures[0].Message, "could not be evaluated: context canceled") {
		for _, f := range a.Failures {
			t.Logf("%s: %s", f.Key, f.Message)
		}
		t.Errorf("want a failure saying the run was cancelled")
	}
}
