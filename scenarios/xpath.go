package scenarios

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/callsim/callsim/simulate/twiml"
)

// XPath is a compiled XPath 1.0 expression over a TwiML document. callsim
// implements the subset that matters for TwiML: absolute and relative
// location paths with / and //, name tests and *, @attr and @*, text(),
// node(), . and .., predicates ([2], [last()], [@voice='alice'],
// [contains(., 'sales')], and/or/not), the union |, comparisons = != < >
// <= >=, and the functions count, contains, starts-with, ends-with, not,
// last, position, string, normalize-space, name, boolean, number, true
// and false. Element names are TwiML's, case-sensitive; the string value
// of <Say> is its spoken text.
type XPath struct {
	src string
	e   xexpr
}

// CompileXPath parses an expression.
func CompileXPath(src string) (*XPath, error) {
	toks, err := xlex(src)
	if err != nil {
		return nil, err
	}
	p := &xparser{toks: toks, src: src}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.toks[p.i].text, p.toks[p.i].pos)
	}
	return &XPath{src: src, e: e}, nil
}

func (x *XPath) String() string { return x.src }

// Eval evaluates the expression with the document as context.
func (x *XPath) Eval(doc *twiml.Document) XValue {
	c := newXContext(doc)
	return c.value(x.e.eval(c, xroot, 1, 1))
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

// Got is the value for a failure diff.
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

// ---- data model ----

// xnode is a node of the document: the root, an element, an attribute of
// an element, or the text of an element.
type xnode struct {
	n    *twiml.Node
	attr int // index into n.Attrs, or -1
	text bool
	root bool
}

func elem(n *twiml.Node) xnode { return xnode{n: n, attr: -1} }

var xroot = xnode{root: true, attr: -1}

type xctx struct {
	doc    *twiml.Document
	parent map[*twiml.Node]*twiml.Node
	order  map[*twiml.Node]int
}

func newXContext(doc *twiml.Document) *xctx {
	c := &xctx{doc: doc, parent: map[*twiml.Node]*twiml.Node{}, order: map[*twiml.Node]int{}}
	var walk func(n *twiml.Node)
	k := 0
	walk = func(n *twiml.Node) {
		k++
		c.order[n] = k
		for _, ch := range n.Children {
			c.parent[ch] = n
			walk(ch)
		}
	}
	if doc != nil && doc.Root != nil {
		walk(doc.Root)
	}
	return c
}

func (c *xctx) rank(x xnode) int {
	switch {
	case x.root:
		return 0
	case x.attr >= 0:
		return c.order[x.n]*1000 + 1 + x.attr
	case x.text:
		return c.order[x.n]*1000 + 999
	}
	return c.order[x.n] * 1000
}

func (c *xctx) sortNodes(ns []xnode) []xnode {
	seen := make(map[xnode]bool, len(ns))
	out := ns[:0:0]
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return c.rank(out[i]) < c.rank(out[j]) })
	return out
}

func (c *xctx) children(x xnode) []*twiml.Node {
	switch {
	case x.root:
		if c.doc == nil || c.doc.Root == nil {
			return nil
		}
		return []*twiml.Node{c.doc.Root}
	case x.attr >= 0 || x.text:
		return nil
	}
	return x.n.Children
}

func (c *xctx) stringOf(x xnode) string {
	switch {
	case x.root:
		if c.doc == nil || c.doc.Root == nil {
			return ""
		}
		return elemString(c.doc.Root)
	case x.attr >= 0:
		return x.n.Attrs[x.attr].Value
	case x.text:
		return x.n.Text
	}
	return elemString(x.n)
}

func elemString(n *twiml.Node) string {
	if n.Name == "Say" || len(n.Children) == 0 {
		return n.Text
	}
	parts := []string{}
	if n.Text != "" {
		parts = append(parts, n.Text)
	}
	for _, ch := range n.Children {
		if s := elemString(ch); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

func (c *xctx) nameOf(x xnode) string {
	switch {
	case x.root, x.text:
		return ""
	case x.attr >= 0:
		return x.n.Attrs[x.attr].Name
	}
	return x.n.Name
}

// ---- values ----

type xval struct {
	kind  byte // 'n' node set, 's' string, 'f' number, 'b' boolean
	nodes []xnode
	s     string
	f     float64
	b     bool
}

func (c *xctx) value(v xval) XValue {
	switch v.kind {
	case 'n':
		out := XValue{IsSet: true}
		for _, n := range v.nodes {
			out.Nodes = append(out.Nodes, c.stringOf(n))
		}
		return out
	case 'f':
		return XValue{Num: v.f, IsNum: true}
	case 'b':
		return XValue{Bool: v.b, IsBool: true}
	}
	return XValue{Str: v.s}
}

func (c *xctx) str(v xval) string {
	switch v.kind {
	case 'n':
		if len(v.nodes) == 0 {
			return ""
		}
		return c.stringOf(v.nodes[0])
	case 'f':
		return formatNum(v.f)
	case 'b':
		return strconv.FormatBool(v.b)
	}
	return v.s
}

func (c *xctx) num(v xval) float64 {
	switch v.kind {
	case 'f':
		return v.f
	case 'b':
		if v.b {
			return 1
		}
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(c.str(v)), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func (c *xctx) boolean(v xval) bool {
	switch v.kind {
	case 'n':
		return len(v.nodes) > 0
	case 'f':
		return v.f != 0 && !math.IsNaN(v.f)
	case 'b':
		return v.b
	}
	return v.s != ""
}

func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ---- expressions ----

type xexpr interface {
	eval(c *xctx, ctx xnode, pos, size int) xval
}

type xlit struct{ s string }

func (e xlit) eval(*xctx, xnode, int, int) xval { return xval{kind: 's', s: e.s} }

type xnum struct{ f float64 }

func (e xnum) eval(*xctx, xnode, int, int) xval { return xval{kind: 'f', f: e.f} }

type xbin struct {
	op   string
	l, r xexpr
}

func (e xbin) eval(c *xctx, ctx xnode, pos, size int) xval {
	switch e.op {
	case "or":
		return xval{kind: 'b', b: c.boolean(e.l.eval(c, ctx, pos, size)) || c.boolean(e.r.eval(c, ctx, pos, size))}
	case "and":
		return xval{kind: 'b', b: c.boolean(e.l.eval(c, ctx, pos, size)) && c.boolean(e.r.eval(c, ctx, pos, size))}
	case "|":
		l, r := e.l.eval(c, ctx, pos, size), e.r.eval(c, ctx, pos, size)
		return xval{kind: 'n', nodes: c.sortNodes(append(append([]xnode{}, l.nodes...), r.nodes...))}
	}
	return xval{kind: 'b', b: c.compare(e.op, e.l.eval(c, ctx, pos, size), e.r.eval(c, ctx, pos, size))}
}

func (c *xctx) compare(op string, l, r xval) bool {
	if l.kind == 'n' || r.kind == 'n' {
		if l.kind != 'n' {
			l, r = r, l
			op = flip(op)
		}
		if r.kind == 'b' {
			return cmpAtoms(op, xval{kind: 'b', b: c.boolean(l)}, r, c)
		}
		for _, n := range l.nodes {
			a := xval{kind: 's', s: c.stringOf(n)}
			if r.kind == 'n' {
				for _, m := range r.nodes {
					if cmpAtoms(op, a, xval{kind: 's', s: c.stringOf(m)}, c) {
						return true
					}
				}
				continue
			}
			if cmpAtoms(op, a, r, c) {
				return true
			}
		}
		return false
	}
	return cmpAtoms(op, l, r, c)
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case ">":
		return "<"
	case "<=":
		return ">="
	case ">=":
		return "<="
	}
	return op
}

func cmpAtoms(op string, l, r xval, c *xctx) bool {
	switch op {
	case "=", "!=":
		var eq bool
		switch {
		case l.kind == 'b' || r.kind == 'b':
			eq = c.boolean(l) == c.boolean(r)
		case l.kind == 'f' || r.kind == 'f':
			eq = c.num(l) == c.num(r)
		default:
			eq = c.str(l) == c.str(r)
		}
		return eq == (op == "=")
	}
	a, b := c.num(l), c.num(r)
	switch op {
	case "<":
		return a < b
	case ">":
		return a > b
	case "<=":
		return a <= b
	}
	return a >= b
}

type xcall struct {
	name string
	args []xexpr
}

// xfuncs lists the functions and their argument counts (min, max).
var xfuncs = map[string][2]int{
	"count": {1, 1}, "contains": {2, 2}, "starts-with": {2, 2}, "ends-with": {2, 2},
	"not": {1, 1}, "last": {0, 0}, "position": {0, 0}, "string": {0, 1},
	"normalize-space": {0, 1}, "name": {0, 1}, "boolean": {1, 1}, "number": {0, 1},
	"true": {0, 0}, "false": {0, 0},
}

func (e xcall) eval(c *xctx, ctx xnode, pos, size int) xval {
	arg := func(i int) xval { return e.args[i].eval(c, ctx, pos, size) }
	self := xval{kind: 'n', nodes: []xnode{ctx}}
	argOrSelf := func() xval {
		if len(e.args) == 0 {
			return self
		}
		return arg(0)
	}
	switch e.name {
	case "count":
		return xval{kind: 'f', f: float64(len(arg(0).nodes))}
	case "contains":
		return xval{kind: 'b', b: strings.Contains(c.str(arg(0)), c.str(arg(1)))}
	case "starts-with":
		return xval{kind: 'b', b: strings.HasPrefix(c.str(arg(0)), c.str(arg(1)))}
	case "ends-with":
		return xval{kind: 'b', b: strings.HasSuffix(c.str(arg(0)), c.str(arg(1)))}
	case "not":
		return xval{kind: 'b', b: !c.boolean(arg(0))}
	case "last":
		return xval{kind: 'f', f: float64(size)}
	case "position":
		return xval{kind: 'f', f: float64(pos)}
	case "string":
		return xval{kind: 's', s: c.str(argOrSelf())}
	case "normalize-space":
		return xval{kind: 's', s: strings.Join(strings.Fields(c.str(argOrSelf())), " ")}
	case "name":
		v := argOrSelf()
		if len(v.nodes) == 0 {
			return xval{kind: 's'}
		}
		return xval{kind: 's', s: c.nameOf(v.nodes[0])}
	case "boolean":
		return xval{kind: 'b', b: c.boolean(arg(0))}
	case "number":
		return xval{kind: 'f', f: c.num(argOrSelf())}
	case "true":
		return xval{kind: 'b', b: true}
	}
	return xval{kind: 'b', b: false}
}

// axes of a location step
const (
	axisChild = iota
	axisDescendantOrSelf
	axisAttr
	axisSelf
	axisParent
	axisText
	axisNode // node(): child elements and text
)

type xstep struct {
	axis  int
	name  string // "" or "*" = any
	preds []xexpr
}

type xpath struct {
	abs        bool
	start      xexpr   // a filter expression the path continues from, or nil
	startPreds []xexpr // predicates on the whole of start: (//Say)[2]
	steps      []xstep
}

func (e xpath) eval(c *xctx, ctx xnode, pos, size int) xval {
	var cur []xnode
	switch {
	case e.start != nil:
		v := e.start.eval(c, ctx, pos, size)
		if v.kind != 'n' {
			return v
		}
		cur = v.nodes
		for _, p := range e.startPreds {
			cur = c.filter(p, cur)
		}
	case e.abs:
		cur = []xnode{xroot}
	default:
		cur = []xnode{ctx}
	}
	for _, st := range e.steps {
		var next []xnode
		for _, n := range cur {
			cands := c.axis(st, n)
			for _, p := range st.preds {
				cands = c.filter(p, cands)
			}
			next = append(next, cands...)
		}
		cur = c.sortNodes(next)
	}
	return xval{kind: 'n', nodes: cur}
}

func (c *xctx) axis(st xstep, n xnode) []xnode {
	any := st.name == "" || st.name == "*"
	var out []xnode
	switch st.axis {
	case axisSelf:
		return []xnode{n}
	case axisParent:
		switch {
		case n.root:
			return nil
		case n.attr >= 0 || n.text:
			return []xnode{elem(n.n)}
		}
		if p, ok := c.parent[n.n]; ok {
			return []xnode{elem(p)}
		}
		return []xnode{xroot}
	case axisDescendantOrSelf:
		var walk func(x xnode)
		walk = func(x xnode) {
			out = append(out, x)
			for _, ch := range c.children(x) {
				walk(elem(ch))
			}
		}
		walk(n)
		return out
	case axisAttr:
		if n.root || n.attr >= 0 || n.text {
			return nil
		}
		for i, a := range n.n.Attrs {
			if any || a.Name == st.name {
				out = append(out, xnode{n: n.n, attr: i})
			}
		}
		return out
	case axisText:
		if n.root || n.attr >= 0 || n.text || n.n.Text == "" {
			return nil
		}
		return []xnode{{n: n.n, attr: -1, text: true}}
	case axisNode:
		if !n.root && n.attr < 0 && !n.text && n.n.Text != "" {
			out = append(out, xnode{n: n.n, attr: -1, text: true})
		}
		for _, ch := range c.children(n) {
			out = append(out, elem(ch))
		}
		return c.sortNodes(out)
	}
	for _, ch := range c.children(n) {
		if any || ch.Name == st.name {
			out = append(out, elem(ch))
		}
	}
	return out
}

func (c *xctx) filter(p xexpr, ns []xnode) []xnode {
	var out []xnode
	for i, n := range ns {
		v := p.eval(c, n, i+1, len(ns))
		keep := false
		if v.kind == 'f' {
			keep = v.f == float64(i+1)
		} else {
			keep = c.boolean(v)
		}
		if keep {
			out = append(out, n)
		}
	}
	return out
}

// ---- lexer ----

type xtok struct {
	kind byte // 'n' name, 's' string literal, 'f' number, 'o' operator/punctuation
	text string
	pos  int
}

func xlex(src string) ([]xtok, error) {
	var toks []xtok
	for i := 0; i < len(src); {
		ch := src[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(src[i+1:], ch)
			if j < 0 {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			toks = append(toks, xtok{'s', src[i+1 : i+1+j], i})
			i += j + 2
		case ch >= '0' && ch <= '9' || (ch == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			toks = append(toks, xtok{'f', src[i:j], i})
			i = j
		case isNameByte(ch, true):
			j := i
			for j < len(src) && (isNameByte(src[j], false) || src[j] == '-' || src[j] == '.' || src[j] == ':') {
				j++
			}
			toks = append(toks, xtok{'n', src[i:j], i})
			i = j
		default:
			for _, op := range []string{"//", "..", "!=", "<=", ">=", "/", ".", "[", "]", "(", ")", "@", ",", "=", "<", ">", "|", "*"} {
				if strings.HasPrefix(src[i:], op) {
					toks = append(toks, xtok{'o', op, i})
					i += len(op)
					goto next
				}
			}
			return nil, fmt.Errorf("unexpected %q at offset %d", string(ch), i)
		next:
		}
	}
	return toks, nil
}

// ---- parser ----

type xparser struct {
	toks []xtok
	i    int
	src  string
}

func (p *xparser) peek() xtok {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return xtok{}
}

func (p *xparser) peekAt(k int) xtok {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return xtok{}
}

func (p *xparser) isOp(s string) bool {
	t := p.peek()
	return t.kind == 'o' && t.text == s
}

func (p *xparser) errorf(format string, args ...any) error {
	where := "at the end"
	if p.i < len(p.toks) {
		where = fmt.Sprintf("at offset %d", p.toks[p.i].pos)
	}
	return fmt.Errorf(format+" "+where, args...)
}

func (p *xparser) expect(s string) error {
	if !p.isOp(s) {
		return p.errorf("expected %q", s)
	}
	p.i++
	return nil
}

func (p *xparser) expr() (xexpr, error) { return p.binary(0) }

// levels of binary operators, loosest first
var xlevels = [][]string{{"or"}, {"and"}, {"=", "!="}, {"<", ">", "<=", ">="}, {"|"}}

func (p *xparser) binary(level int) (xexpr, error) {
	if level == len(xlevels) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op := ""
		for _, o := range xlevels[level] {
			if (t.kind == 'o' || t.kind == 'n') && t.text == o {
				op = o
			}
		}
		if op == "" {
			return l, nil
		}
		p.i++
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = xbin{op: op, l: l, r: r}
	}
}

func (p *xparser) unary() (xexpr, error) {
	t := p.peek()
	switch {
	case t.kind == 0:
		return nil, p.errorf("expression ends too early")
	case t.kind == 's':
		p.i++
		return xlit{t.text}, nil
	case t.kind == 'f':
		p.i++
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t.text)
		}
		return xnum{f}, nil
	case t.kind == 'o' && t.text == "(":
		p.i++
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return p.continuePath(e)
	case t.kind == 'n' && p.peekAt(1).kind == 'o' && p.peekAt(1).text == "(" && t.text != "text" && t.text != "node":
		return p.call()
	}
	return p.path()
}

func (p *xparser) call() (xexpr, error) {
	name := p.peek()
	arity, ok := xfuncs[name.text]
	if !ok {
		return nil, fmt.Errorf("unknown function %s() at offset %d", name.text, name.pos)
	}
	p.i += 2
	var args []xexpr
	for !p.isOp(")") {
		if len(args) > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	p.i++
	if len(args) < arity[0] || len(args) > arity[1] {
		return nil, fmt.Errorf("%s() takes %s, not %d", name.text, arityText(arity), len(args))
	}
	return p.continuePath(xcall{name: name.text, args: args})
}

func arityText(a [2]int) string {
	switch {
	case a[0] == a[1] && a[0] == 1:
		return "1 argument"
	case a[0] == a[1]:
		return fmt.Sprintf("%d arguments", a[0])
	}
	return fmt.Sprintf("%d to %d arguments", a[0], a[1])
}

// continuePath handles a filter expression followed by predicates or a path: (//Say)[1], (...)/@voice.
func (p *xparser) continuePath(e xexpr) (xexpr, error) {
	if !p.isOp("[") && !p.isOp("/") && !p.isOp("//") {
		return e, nil
	}
	path := xpath{start: e}
	if p.isOp("[") {
		var st xstep
		if err := p.predicates(&st); err != nil {
			return nil, err
		}
		path.startPreds = st.preds
	}
	if p.isOp("/") || p.isOp("//") {
		if err := p.relative(&path, true); err != nil {
			return nil, err
		}
	}
	return path, nil
}

func (p *xparser) path() (xexpr, error) {
	var path xpath
	switch {
	case p.isOp("/"):
		p.i++
		path.abs = true
		if !p.startsStep() {
			return path, nil
		}
	case p.isOp("//"):
		p.i++
		path.abs = true
		path.steps = append(path.steps, xstep{axis: axisDescendantOrSelf})
	}
	if err := p.relative(&path, false); err != nil {
		return nil, err
	}
	return path, nil
}

func (p *xparser) startsStep() bool {
	t := p.peek()
	return t.kind == 'n' || (t.kind == 'o' && (t.text == "." || t.text == ".." || t.text == "@" || t.text == "*"))
}

// relative parses step (/ step | // step)*; leadingSep says a separator comes first.
func (p *xparser) relative(path *xpath, leadingSep bool) error {
	if !leadingSep {
		if err := p.step(path); err != nil {
			return err
		}
	}
	for p.isOp("/") || p.isOp("//") {
		if p.isOp("//") {
			path.steps = append(path.steps, xstep{axis: axisDescendantOrSelf})
		}
		p.i++
		if err := p.step(path); err != nil {
			return err
		}
	}
	return nil
}

func (p *xparser) step(path *xpath) error {
	t := p.peek()
	var st xstep
	switch {
	case t.kind == 'o' && t.text == ".":
		p.i++
		path.steps = append(path.steps, xstep{axis: axisSelf})
		return nil
	case t.kind == 'o' && t.text == "..":
		p.i++
		path.steps = append(path.steps, xstep{axis: axisParent})
		return nil
	case t.kind == 'o' && t.text == "@":
		p.i++
		n := p.peek()
		if n.kind != 'n' && !(n.kind == 'o' && n.text == "*") {
			return p.errorf("expected an attribute name after @")
		}
		p.i++
		st = xstep{axis: axisAttr, name: n.text}
	case t.kind == 'o' && t.text == "*":
		p.i++
		st = xstep{axis: axisChild, name: "*"}
	case t.kind == 'n' && (t.text == "text" || t.text == "node") && p.peekAt(1).text == "(":
		p.i += 2
		if err := p.expect(")"); err != nil {
			return err
		}
		st = xstep{axis: axisText}
		if t.text == "node" {
			st.axis = axisNode
		}
	case t.kind == 'n':
		if strings.Contains(t.text, "::") {
			return p.errorf("axes (%s) are not supported; use / // @ . ..", t.text)
		}
		p.i++
		st = xstep{axis: axisChild, name: t.text}
	default:
		if t.kind == 0 {
			return p.errorf("expected a step (a name, *, @attr, text(), . or ..)")
		}
		return p.errorf("unexpected %q", t.text)
	}
	if err := p.predicates(&st); err != nil {
		return err
	}
	path.steps = append(path.steps, st)
	return nil
}

func (p *xparser) predicates(st *xstep) error {
	for p.isOp("[") {
		p.i++
		e, err := p.expr()
		if err != nil {
			return err
		}
		if err := p.expect("]"); err != nil {
			return err
		}
		st.preds = append(st.preds, e)
	}
	return nil
}
