// Package twiml parses and validates Twilio voice TwiML the way Twilio reads it.
package twiml

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is one element of a TwiML document.
type Node struct {
	Name  string
	Attrs []Attr // in document order
	// Text is the character data directly inside the element, trimmed of
	// surrounding whitespace. For <Say> it is the whole spoken text,
	// including the text inside SSML children, space-joined with runs of
	// whitespace collapsed.
	Text      string
	Children  []*Node
	Line, Col int // position of the start tag's '<' (1-based; Col counts bytes)
}

// Attr is one attribute, exactly as written (prefixed names keep their
// prefix, e.g. "xml:lang").
type Attr struct{ Name, Value string }

// Has reports whether the attribute is present in the document.
func (n *Node) Has(name string) bool {
	for _, a := range n.Attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Attr returns the attribute's value if present, else the vocabulary default
// for this element ("" if none).
func (n *Node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return Default(n.Name, name)
}

// Int parses Attr(name) (surrounding whitespace ignored) as a decimal
// integer; false if it is not one.
func (n *Node) Int(name string) (int, bool) {
	v, err := strconv.Atoi(strings.TrimSpace(n.Attr(name)))
	return v, err == nil
}

// Bool reports whether Attr(name) is "true", case-insensitive.
func (n *Node) Bool(name string) bool {
	return strings.EqualFold(strings.TrimSpace(n.Attr(name)), "true")
}

// Severity of a Problem: SeverityError or SeverityWarning.
type Severity string

// Severities. They follow the log level Twilio documents for each code.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is a parse failure or validation finding, with a Twilio error code.
type Problem struct {
	Code      int // Twilio error code, e.g. 12100, 12200, 13314
	Severity  Severity
	Line, Col int
	Element   string // element concerned, e.g. "Gather" ("" for document-level parse failures)
	Attr      string // attribute name, if the problem is about one
	Message   string // one line, e.g. `Gather: invalid numDigits "abc" (must be a positive integer)`
}

// Error formats the problem on one line: "13314 line 3 col 5: Gather: …".
func (p Problem) Error() string {
	return fmt.Sprintf("%d line %d col %d: %s", p.Code, p.Line, p.Col, p.Message)
}

// Document is a parsed TwiML document.
type Document struct {
	Root     *Node     // the <Response> element
	Problems []Problem // validation findings (see Validate), in document order
}

// Verbs returns the children of <Response>, in order.
func (d *Document) Verbs() []*Node {
	if d == nil || d.Root == nil {
		return nil
	}
	return d.Root.Children
}

// Fatal returns the first error-severity problem, or nil.
func (d *Document) Fatal() *Problem {
	if d == nil {
		return nil
	}
	for i := range d.Problems {
		if d.Problems[i].Severity == SeverityError {
			return &d.Problems[i]
		}
	}
	return nil
}

// Parse reads a TwiML document. A document that is not well-formed XML
// (12100), whose root is not <Response> (12102), or whose Response has an
// invalid version (12101) is rejected with a *Problem error. Otherwise the
// document is validated and the findings are stored in Document.Problems.
// A leading UTF-8 byte order mark is accepted; comments, processing
// instructions and whitespace between elements are ignored.
func Parse(body []byte) (*Document, error) {
	b := builder{}
	if err := scan(body, b.token); err != nil {
		return nil, err
	}
	root := b.root
	if p := rootProblem(root); p != nil {
		return nil, p
	}
	return &Document{Root: root, Problems: Validate(root)}, nil
}

// validVersions are the API versions accepted in <Response version="...">.
var validVersions = []string{"2008-08-01", "2010-04-01"}

func rootProblem(root *Node) *Problem {
	if root.Name != "Response" {
		msg := fmt.Sprintf("the root element must be <Response>, not <%s>", root.Name)
		if strings.EqualFold(root.Name, "Response") {
			msg += " (element names are case-sensitive)"
		}
		return &Problem{Code: 12102, Severity: SeverityError, Line: root.Line, Col: root.Col, Element: root.Name, Message: msg}
	}
	for _, a := range root.Attrs {
		if a.Name == "version" && !contains(validVersions, strings.TrimSpace(a.Value)) {
			return &Problem{Code: 12101, Severity: SeverityError, Line: root.Line, Col: root.Col, Element: root.Name, Attr: "version",
				Message: fmt.Sprintf("Response: invalid TwiML version %q (must be %s)", a.Value, strings.Join(validVersions, " or "))}
		}
	}
	return nil
}

// builder turns scan tokens into a Node tree.
type builder struct {
	root  *Node
	stack []frame
}

type frame struct {
	n      *Node
	direct []byte   // all character data directly inside
	piece  []byte   // current run of text, for Say's spoken text
	spoken []string // runs of text in this subtree (only inside <Say>)
	inSay  bool
}

func (f *frame) flush() {
	if f.inSay && len(f.piece) > 0 {
		f.spoken = append(f.spoken, string(f.piece))
	}
	f.piece = f.piece[:0]
}

func (b *builder) token(t *tok) {
	switch t.kind {
	case tokStart:
		n := &Node{Name: t.name, Attrs: t.attrs, Line: t.line, Col: t.col}
		inSay := n.Name == "Say"
		if len(b.stack) > 0 {
			top := &b.stack[len(b.stack)-1]
			top.n.Children = append(top.n.Children, n)
			top.flush()
			inSay = inSay || top.inSay
		} else {
			b.root = n
		}
		b.stack = append(b.stack, frame{n: n, inSay: inSay})
	case tokEnd:
		f := &b.stack[len(b.stack)-1]
		f.flush()
		f.n.Text = strings.TrimSpace(string(f.direct))
		if f.n.Name == "Say" {
			f.n.Text = strings.Join(strings.Fields(strings.Join(f.spoken, " ")), " ")
		}
		spoken := f.spoken
		b.stack = b.stack[:len(b.stack)-1]
		if len(b.stack) > 0 {
			if p := &b.stack[len(b.stack)-1]; p.inSay {
				p.spoken = append(p.spoken, spoken...)
			}
		}
	case tokText:
		f := &b.stack[len(b.stack)-1]
		f.direct = append(f.direct, t.text...)
		if f.inSay {
			f.piece = append(f.piece, t.text...)
		}
	}
}

// Validate checks a <Response> tree against the voice vocabulary and returns
// the findings in document order:
//   - unknown elements (including wrong case) and unknown attributes: 12200;
//   - elements not allowed in their parent: the parent's code (13320 in
//     Gather, 13215 in Dial, 14300 in Start/Stop, else 12200);
//   - bad attribute values: the attribute's code (e.g. 13314 numDigits);
//   - missing or bad text: the element's code (13520 empty Say, 13223 Dial
//     number, 11100 Redirect URL, ...).
//
// A root other than <Response> (12102) or a bad version (12101) is reported
// as an error problem too.
func Validate(root *Node) []Problem {
	if root == nil {
		return nil
	}
	v := &validator{}
	if p := rootProblem(root); p != nil {
		v.probs = append(v.probs, *p)
		if p.Code == 12102 {
			return v.probs
		}
	}
	v.element(root, "", vocab().byName["Response"])
	return v.probs
}

type validator struct{ probs []Problem }

func (v *validator) add(n *Node, code int, sev Severity, attr, format string, args ...any) {
	if code == 0 {
		code = 12200
	}
	if sev == "" {
		sev = SeverityWarning
	}
	v.probs = append(v.probs, Problem{Code: code, Severity: sev, Line: n.Line, Col: n.Col, Element: n.Name, Attr: attr,
		Message: n.Name + ": " + fmt.Sprintf(format, args...)})
}

func (v *validator) element(n *Node, parent string, spec *ElementSpec) {
	if spec.Notice != 0 {
		v.add(n, spec.Notice, SeverityWarning, "", "%s", spec.NoticeMessage)
	}
	for _, a := range n.Attrs {
		if a.Name == "xmlns" || strings.HasPrefix(a.Name, "xmlns:") {
			continue
		}
		as := spec.Attr(a.Name)
		if as == nil {
			if s := suggestAttr(spec, a.Name); s != "" {
				v.add(n, 12200, SeverityWarning, a.Name, "unknown attribute %q (did you mean %q? attribute names are case-sensitive)", a.Name, s)
			} else {
				v.add(n, 12200, SeverityWarning, a.Name, "unknown attribute %q", a.Name)
			}
			continue
		}
		if contains(as.NotIn, parent) {
			v.add(n, 12200, SeverityWarning, a.Name, "attribute %q is not allowed inside <%s>", a.Name, parent)
			continue
		}
		if !as.check(a.Value) {
			v.add(n, as.code(parent), as.severity(), a.Name, "invalid %s %q (%s)", a.Name, clip(a.Value, 40), as.hint())
		}
	}
	for i := range spec.Attrs {
		if as := &spec.Attrs[i]; as.Required && !n.Has(as.Name) {
			v.add(n, 12200, SeverityWarning, as.Name, "missing required attribute %q", as.Name)
		}
	}
	v.text(n, parent, spec)
	if spec.Name == "Gather" {
		v.gather(n)
	}
	for _, c := range n.Children {
		cs := vocab().byName[c.Name]
		if cs == nil {
			if proper, ok := vocab().lowerNames[strings.ToLower(c.Name)]; ok {
				v.add(c, 12200, SeverityWarning, "", "unknown element <%s> (did you mean <%s>? TwiML is case-sensitive)", c.Name, proper)
			} else {
				v.add(c, 12200, SeverityWarning, "", "unknown element <%s> inside <%s>", c.Name, n.Name)
			}
			continue
		}
		if !spec.Allows(c.Name) {
			v.add(c, spec.NestCode, spec.NestSeverity, "", "<%s> is not allowed inside <%s>%s", c.Name, n.Name, nestHint(spec, c.Name))
		}
		v.element(c, n.Name, cs)
	}
}

func (v *validator) text(n *Node, parent string, spec *ElementSpec) {
	ts := spec.Text
	if ts == nil {
		if n.Text != "" {
			v.add(n, 12200, SeverityWarning, "", "unexpected text %q (<%s> takes no text)", clip(n.Text, 30), n.Name)
		}
		return
	}
	if n.Text == "" {
		if !ts.Required {
			return
		}
		for _, u := range ts.Unless {
			if n.Has(u) || hasChild(n, u) {
				return
			}
		}
		msg := ts.EmptyMessage
		if msg == "" {
			msg = "missing " + ts.Name
		}
		v.add(n, ts.EmptyCode, ts.EmptySeverity, "", "%s", msg)
		return
	}
	if !ts.check(n.Text) {
		if ts.Kind == KindText && ts.MaxLen > 0 {
			v.add(n, ts.code(parent), ts.severity(), "", "%s is %d characters long (limit %d)", ts.Name, len([]rune(n.Text)), ts.MaxLen)
			return
		}
		v.add(n, ts.code(parent), ts.severity(), "", "invalid %s %q (%s)", ts.Name, clip(n.Text, 40), ts.hint())
	}
}

// gather holds the one cross-attribute rule of <Gather>: speechTimeout="auto"
// is not supported together with speechModel="default" (13335).
func (v *validator) gather(n *Node) {
	if strings.TrimSpace(n.Attr("speechTimeout")) == "auto" && n.Has("speechModel") && n.Attr("speechModel") == "default" {
		v.add(n, 13335, SeverityWarning, "speechTimeout", `speechTimeout "auto" cannot be used with speechModel "default"`)
	}
}

// nestHint says where a misplaced element belongs, or what the parent accepts.
func nestHint(parent *ElementSpec, child string) string {
	if len(parent.Children) > 0 && len(parent.Children) <= 8 {
		return " (allowed: " + strings.Join(parent.Children, ", ") + ")"
	}
	if ps := vocab().parentsOf[child]; len(ps) > 0 && len(ps) <= 4 {
		return " (it belongs inside <" + strings.Join(ps, ">, <") + ">)"
	}
	if len(parent.Children) == 0 {
		return " (<" + parent.Name + "> takes no nested elements)"
	}
	return ""
}

func hasChild(n *Node, name string) bool {
	for _, c := range n.Children {
		if c.Name == name {
			return true
		}
	}
	return false
}
