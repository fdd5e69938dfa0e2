package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/antchfx/xpath"

	"github.com/callsim/callsim/simulate/twiml"
)

// XPath is a compiled XPath 1.0 expression over a TwiML document: every
// axis, operator and function but id() and lang(), evaluated by
// github.com/antchfx/xpath over a navigator on callsim's TwiML tree.
// Element names are TwiML's, case-sensitive; the string value of <Say> is
// its spoken text, as the call speaks it.
type XPath struct {
	src string
	// antchfx expressions keep evaluation state inside them, so one compiled
	// expression cannot be evaluated by two calls at once (callsim load plays
	// a scenario many times in parallel): each evaluation takes its own.
	pool sync.Pool
	// maxWork is the work bound; tests lower it to reach it quickly.
	maxWork int
}

// Limits on what an expression may ask for. The nesting bound keeps
// antchfx's recursive parser and evaluator far from Go's stack limit
// whatever the input (it has its own bound, 200, only on some paths); the
// length bound caps chains like a/a/a/… and 1+1+…, which nest in the
// compiled form without nesting in the text. The work bound stops an
// expression such as //*[count(//*) > count(//*)] on a large document
// long before it could run for minutes.
const (
	maxXPathDepth = 32
	maxXPathLen   = 2000
	maxXPathWork  = 1 << 22 // navigator moves, plus nodes walked for string values: about a second
	// checkEvery is how often (in moves) evaluation looks at the context.
	checkEvery = 1024
)

// errXPathWork is the evaluation error of an expression that needed more
// than its work bound.
var errXPathWork = errors.New("evaluation stopped: the expression walks the document too many times; simplify it")

// CompileXPath parses an expression.
func CompileXPath(src string) (*XPath, error) {
	if err := checkXPathShape(src); err != nil {
		return nil, err
	}
	e, err := compileXPath(src)
	if err != nil {
		return nil, err
	}
	x := &XPath{src: src, maxWork: maxXPathWork}
	x.pool.New = func() any {
		e, err := compileXPath(src)
		if err != nil { // compiled once already: cannot happen
			return nil
		}
		return e
	}
	x.pool.Put(e)
	return x, nil
}

func compileXPath(src string) (e *xpath.Expr, err error) {
	defer func() { // whatever antchfx's compiler does, users get an error, not a stack trace
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%v", r)
		}
	}()
	e, err = xpath.Compile(src)
	if err != nil {
		return nil, errors.New(xpathErrors.Replace(strings.TrimSuffix(err.Error(), ".")))
	}
	return e, nil
}

// xpathErrors rewords antchfx's errors that read badly.
var xpathErrors = strings.NewReplacer(
	"not yet support this function", "unknown function",
	"unknown axe type", "unknown axis",
	"xpath: ", "",
)

// checkXPathShape bounds the length of an expression and the nesting of
// its parentheses and brackets (function calls, groups, predicates), before
// the recursive parser sees it.
func checkXPathShape(src string) error {
	if strings.TrimSpace(src) == "" {
		return errors.New("empty expression")
	}
	if len(src) > maxXPathLen {
		return fmt.Errorf("expression is %d bytes long; the limit is %d", len(src), maxXPathLen)
	}
	var open []int // offsets of the ( and [ not yet closed
	quote := -1    // offset of the quote that opened the string being read
	for i, r := range src {
		switch {
		case quote >= 0:
			if byte(r) == src[quote] {
				quote = -1
			}
		case r == '\'' || r == '"':
			quote = i
		case r == '(' || r == '[':
			if open = append(open, i); len(open) > maxXPathDepth {
				return fmt.Errorf("expression nests deeper than %d parentheses and brackets at offset %d", maxXPathDepth, i)
			}
		case r == ')' || r == ']':
			want := map[rune]byte{')': '(', ']': '['}[r]
			if len(open) == 0 {
				return fmt.Errorf("unexpected %q at offset %d", r, i)
			}
			if o := open[len(open)-1]; src[o] != want {
				return fmt.Errorf("unexpected %q at offset %d: the %q at offset %d is not closed", r, i, src[o], o)
			}
			open = open[:len(open)-1]
		case r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)),
			r < unicode.MaxASCII && xpathChars[r]:
		default:
			return fmt.Errorf("unexpected %q at offset %d", r, i)
		}
	}
	if quote >= 0 {
		return fmt.Errorf("the string at offset %d is not closed", quote)
	}
	if len(open) > 0 {
		o := open[len(open)-1]
		return fmt.Errorf("the %q at offset %d is not closed", src[o], o)
	}
	return checkXPathFuncs(src)
}

// amplifiers are antchfx's XPath 2.0 functions whose result can outgrow
// their input many times over: replace("ab", "", "ab") nested twenty deep
// needs gigabytes, and no navigator move would notice. XPath 1.0 has
// neither; matches() and a /regex/ value cover what scenarios compare.
var amplifiers = []string{"replace", "string-join"}

// checkXPathFuncs rejects calls to the amplifiers, outside string literals.
func checkXPathFuncs(src string) error {
	isName := func(c byte) bool {
		return c == '-' || c == '.' || c == '_' || c == ':' || c >= 0x80 ||
			'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			continue
		case c == '\'' || c == '"':
			quote = c
			continue
		case i > 0 && isName(src[i-1]):
			continue
		}
		for _, f := range amplifiers {
			rest, ok := strings.CutPrefix(src[i:], f)
			if ok && (rest == "" || !isName(rest[0])) && strings.HasPrefix(strings.TrimLeft(rest, " \t\r\n"), "(") {
				return fmt.Errorf("%s() is not supported (its result can grow without bound); use matches() or a /regex/ value", f)
			}
		}
	}
	return nil
}

// xpathChars are the ASCII characters XPath 1.0 has a use for outside
// string literals.
var xpathChars = func() (t [unicode.MaxASCII]bool) {
	for _, r := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" +
		" \t\r\n/.@,:*|+-=!<>$_" {
		t[r] = true
	}
	return t
}()

func (x *XPath) String() string { return x.src }

// Eval evaluates the expression with the document as context. It stops,
// with ctx's error, soon after ctx is done, and with an error when the
// expression needs more than a bounded amount of work.
func (x *XPath) Eval(ctx context.Context, doc *twiml.Document) (v XValue, err error) {
	if err := ctx.Err(); err != nil {
		return XValue{}, err
	}
	e, _ := x.pool.Get().(*xpath.Expr)
	if e == nil {
		return XValue{}, errors.New("expression does not compile")
	}
	d := newXDoc(ctx, doc)
	d.maxWork = x.maxWork
	defer func() {
		// antchfx reports type errors found during evaluation (sum() of
		// a string, a bad matches() pattern) by panicking. An expression
		// that panicked may have left state behind: drop it.
		if r := recover(); r != nil {
			v, err = XValue{}, fmt.Errorf("%v", r)
			return
		}
		x.pool.Put(e)
		if d.err != nil {
			v, err = XValue{}, d.err
		}
	}()
	switch r := e.Evaluate(d.root()).(type) {
	case *xpath.NodeIterator:
		var ns []*xnav
		for r.MoveNext() {
			ns = append(ns, r.Current().(*xnav).clone())
		}
		out := XValue{IsSet: true}
		for _, n := range d.sortNodes(ns) {
			out.Nodes = append(out.Nodes, n.Value())
		}
		return out, nil
	case float64:
		return XValue{Num: r, IsNum: true}, nil
	case bool:
		return XValue{Bool: r, IsBool: true}, nil
	case string:
		return XValue{Str: r}, nil
	default:
		return XValue{}, fmt.Errorf("unexpected result %T", r)
	}
}

// XValue is the result of an expression: a node set (as string values), a
// string, a number or a boolean.
type XValue struct {
	Nodes  []string // string values of the selected nodes, in document order
	IsSet  bool
	Str    string
	Num    float64
	IsNum  bool
	Bool   bool
	IsBool bool
}

// Got is the value for a failure report.
func (v XValue) Got() any {
	switch {
	case v.IsSet:
		if v.Nodes == nil {
			return []string{}
		}
		return v.Nodes
	case v.IsNum:
		if v.Num == math.Trunc(v.Num) && math.Abs(v.Num) < 1e15 {
			return int(v.Num)
		}
		return v.Num
	case v.IsBool:
		return v.Bool
	}
	return v.Str
}

func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ---- the navigator antchfx walks ----

// xdoc is one evaluation's view of a document: where each element sits,
// and the budget every move is charged to.
type xdoc struct {
	doc     *twiml.Document
	info    map[*twiml.Node]xinfo
	ctx     context.Context
	work    int
	maxWork int
	// err, once set, stops the evaluation: every move fails from then on,
	// so antchfx's loops (bounded by the moves they make) wind down.
	err error
}

type xinfo struct {
	parent *twiml.Node // nil for <Response>
	index  int         // among the parent's Children
	pre    int         // preorder number; <Response> is 1, the root 0
}

func newXDoc(ctx context.Context, doc *twiml.Document) *xdoc {
	d := &xdoc{doc: doc, ctx: ctx, info: map[*twiml.Node]xinfo{}}
	if doc == nil || doc.Root == nil {
		return d
	}
	// iterative, so a deeply nested document costs no stack
	pre := 0
	type item struct {
		n      *twiml.Node
		parent *twiml.Node
		index  int
	}
	stack := []item{{n: doc.Root}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pre++
		d.info[it.n] = xinfo{parent: it.parent, index: it.index, pre: pre}
		for i := len(it.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{n: it.n.Children[i], parent: it.n, index: i})
		}
	}
	return d
}

// charge spends n units of work and reports whether evaluation may go on.
func (d *xdoc) charge(n int) bool {
	if d.err != nil {
		return false
	}
	before := d.work
	d.work += n
	if d.work/checkEvery != before/checkEvery {
		if err := d.ctx.Err(); err != nil {
			d.err = err
			return false
		}
	}
	if d.work > d.maxWork {
		d.err = errXPathWork
		return false
	}
	return true
}

func (d *xdoc) root() *xnav { return &xnav{d: d, attr: -1} }

// xnav is a position in the document: the root (n == nil), an element, one
// of its attributes (attr ≥ 0), or its text (text). An element's text is
// its first child, before its child elements, as callsim's TwiML parser
// keeps character data apart from elements.
type xnav struct {
	d    *xdoc
	n    *twiml.Node
	attr int
	text bool
}

func (x *xnav) clone() *xnav { c := *x; return &c }

func (x *xnav) NodeType() xpath.NodeType {
	switch {
	case x.n == nil:
		return xpath.RootNode
	case x.attr >= 0:
		return xpath.AttributeNode
	case x.text:
		return xpath.TextNode
	}
	return xpath.ElementNode
}

func (x *xnav) name() string {
	switch {
	case x.n == nil || x.text:
		return ""
	case x.attr >= 0:
		return x.n.Attrs[x.attr].Name
	}
	return x.n.Name
}

// LocalName and Prefix split names written with a prefix (xml:lang).
func (x *xnav) LocalName() string {
	n := x.name()
	if i := strings.IndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

func (x *xnav) Prefix() string {
	n := x.name()
	if i := strings.IndexByte(n, ':'); i >= 0 {
		return n[:i]
	}
	return ""
}

// Value is the string value with TwiML's text rules: a <Say>'s is its
// spoken text (the parser has already joined the text of its SSML
// children and collapsed whitespace), a leaf element's its text, any
// other element's the non-empty values of its text and children joined
// with single spaces.
func (x *xnav) Value() string {
	switch {
	case x.n == nil:
		if x.d.doc == nil || x.d.doc.Root == nil {
			return ""
		}
		return x.d.elemString(x.d.doc.Root)
	case x.attr >= 0:
		return x.n.Attrs[x.attr].Value
	case x.text:
		return x.n.Text
	}
	return x.d.elemString(x.n)
}

// elemString walks the subtree, charging each node to the budget: an
// expression that asks for the string value of the root once per node is
// as quadratic as one that walks the document once per node.
func (d *xdoc) elemString(n *twiml.Node) string {
	if !d.charge(1) {
		return ""
	}
	if n.Name == "Say" || len(n.Children) == 0 {
		return n.Text
	}
	parts := []string{}
	if n.Text != "" {
		parts = append(parts, n.Text)
	}
	for _, ch := range n.Children {
		if s := d.elemString(ch); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

func (x *xnav) Copy() xpath.NodeNavigator { return x.clone() }

func (x *xnav) MoveToRoot() { x.n, x.attr, x.text = nil, -1, false }

func (x *xnav) MoveToParent() bool {
	if !x.d.charge(1) {
		return false
	}
	switch {
	case x.n == nil:
		return false
	case x.attr >= 0 || x.text:
		x.attr, x.text = -1, false
		return true
	}
	x.n = x.d.info[x.n].parent // nil for <Response>: the root
	return true
}

func (x *xnav) MoveToNextAttribute() bool {
	if !x.d.charge(1) || x.n == nil || x.text || x.attr+1 >= len(x.n.Attrs) {
		return false
	}
	x.attr++
	return true
}

func (x *xnav) children() []*twiml.Node {
	if x.n == nil {
		if x.d.doc == nil || x.d.doc.Root == nil {
			return nil
		}
		return []*twiml.Node{x.d.doc.Root}
	}
	return x.n.Children
}

func (x *xnav) MoveToChild() bool {
	if !x.d.charge(1) || x.attr >= 0 || x.text {
		return false
	}
	if x.n != nil && x.n.Text != "" {
		x.text = true
		return true
	}
	ch := x.children()
	if len(ch) == 0 {
		return false
	}
	x.n = ch[0]
	return true
}

// siblings are the children of x's parent, and x's index among them.
func (x *xnav) siblings() ([]*twiml.Node, int) {
	inf := x.d.info[x.n]
	if inf.parent == nil {
		return []*twiml.Node{x.d.doc.Root}, 0
	}
	return inf.parent.Children, inf.index
}

func (x *xnav) MoveToFirst() bool {
	if !x.d.charge(1) || x.n == nil || x.attr >= 0 || x.text {
		return false
	}
	inf := x.d.info[x.n]
	if inf.parent != nil && inf.parent.Text != "" {
		x.n, x.text = inf.parent, true
		return true
	}
	sib, _ := x.siblings()
	x.n = sib[0]
	return true
}

func (x *xnav) MoveToNext() bool {
	if !x.d.charge(1) || x.n == nil || x.attr >= 0 {
		return false
	}
	if x.text {
		if len(x.n.Children) == 0 {
			return false
		}
		x.n, x.text = x.n.Children[0], false
		return true
	}
	sib, i := x.siblings()
	if i+1 >= len(sib) {
		return false
	}
	x.n = sib[i+1]
	return true
}

func (x *xnav) MoveToPrevious() bool {
	if !x.d.charge(1) || x.n == nil || x.attr >= 0 || x.text {
		return false
	}
	sib, i := x.siblings()
	if i > 0 {
		x.n = sib[i-1]
		return true
	}
	if p := x.d.info[x.n].parent; p != nil && p.Text != "" {
		x.n, x.text = p, true
		return true
	}
	return false
}

func (x *xnav) MoveTo(other xpath.NodeNavigator) bool {
	o, ok := other.(*xnav)
	if !ok || o.d != x.d || !x.d.charge(1) {
		return false
	}
	*x = *o
	return true
}

// ---- document order ----

type xkey struct {
	n    *twiml.Node
	attr int
	text bool
}

// order places a node in document order: the element's preorder number,
// then the element before its attributes (in the order written) before
// its text, which comes before its child elements.
func (d *xdoc) order(x *xnav) [3]int {
	pre := 0
	if x.n != nil {
		pre = d.info[x.n].pre
	}
	switch {
	case x.attr >= 0:
		return [3]int{pre, 1, x.attr}
	case x.text:
		return [3]int{pre, 2, 0}
	}
	return [3]int{pre, 0, 0}
}

// sortNodes puts a node set in document order without duplicates: antchfx
// returns a union as left then right.
func (d *xdoc) sortNodes(ns []*xnav) []*xnav {
	seen := make(map[xkey]bool, len(ns))
	out := ns[:0]
	for _, n := range ns {
		k := xkey{n.n, n.attr, n.text}
		if !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *xnav) int {
		oa, ob := d.order(a), d.order(b)
		for i := range oa {
			if oa[i] != ob[i] {
				return oa[i] - ob[i]
			}
		}
		return 0
	})
	return out
}
