package twiml

import (
	"strings"
	"unicode/utf8"
)

// Style colours the parts of Pretty's output. Each func receives an already
// XML-escaped fragment and returns it decorated; nil funcs are the identity.
//   - Tag:       "<Say", ">", "/>", "</Say>"
//   - AttrName:  voice
//   - AttrValue: "alice" (with the quotes)
//   - Text:      character data
//   - Comment:   a whole "<!-- … -->", "<?xml …?>" or "<!DOCTYPE …>"
type Style struct{ Tag, AttrName, AttrValue, Text, Comment func(string) string }

// prettyWidth is the line width up to which an element with text content is
// kept on one line.
const prettyWidth = 100

// Pretty re-indents a TwiML (or any well-formed XML) document: two spaces
// per level, one element per line, attributes in their original order.
// Elements with text content are kept on one line
// (<Say voice="alice">Hello</Say>) when that fits in 100 columns; runs of
// whitespace in text are collapsed. Comments, processing instructions and
// the XML declaration are kept. A malformed document yields a *Problem
// (12100) error.
func Pretty(body []byte, st Style) (string, error) {
	var (
		top   []*pnode // prolog, root and epilog items
		stack []*pnode
	)
	err := scan(body, func(t *tok) {
		var n *pnode
		switch t.kind {
		case tokStart:
			n = &pnode{kind: tokStart, name: t.name, attrs: t.attrs}
		case tokEnd:
			stack = stack[:len(stack)-1]
			return
		case tokText:
			n = &pnode{kind: tokText, text: string(t.text)}
		case tokComment:
			n = &pnode{kind: tokComment, text: string(t.text)}
		case tokProcInst:
			n = &pnode{kind: tokProcInst, name: t.name, text: string(t.text)}
		case tokDirective:
			n = &pnode{kind: tokDirective, text: string(t.text)}
		}
		if len(stack) == 0 {
			top = append(top, n)
		} else {
			p := stack[len(stack)-1]
			p.kids = append(p.kids, n)
		}
		if n.kind == tokStart {
			stack = append(stack, n)
		}
	})
	if err != nil {
		return "", err
	}
	p := printer{st: st.withDefaults()}
	for _, n := range top {
		p.block(n, 0)
	}
	return p.b.String(), nil
}

type pnode struct {
	kind  tokKind
	name  string
	attrs []Attr
	text  string
	kids  []*pnode
}

func identity(s string) string { return s }

func (s Style) withDefaults() Style {
	for _, f := range []*func(string) string{&s.Tag, &s.AttrName, &s.AttrValue, &s.Text, &s.Comment} {
		if *f == nil {
			*f = identity
		}
	}
	return s
}

var plain = Style{}.withDefaults()

type printer struct {
	st Style
	b  strings.Builder
}

func (p *printer) line(depth int, s string) {
	for i := 0; i < depth; i++ {
		p.b.WriteString("  ")
	}
	p.b.WriteString(s)
	p.b.WriteByte('\n')
}

// block prints n starting on its own line at the given depth.
func (p *printer) block(n *pnode, depth int) {
	switch n.kind {
	case tokText:
		if t := collapse(n.text, true); t != "" {
			p.line(depth, p.st.Text(escapeText(t)))
		}
		return
	case tokComment:
		p.line(depth, p.st.Comment("<!--"+n.text+"-->"))
		return
	case tokProcInst:
		s := "<?" + n.name
		if n.text != "" {
			s += " " + n.text
		}
		p.line(depth, p.st.Comment(s+"?>"))
		return
	case tokDirective:
		p.line(depth, p.st.Comment("<!"+n.text+">"))
		return
	}
	if len(n.kids) == 0 || allBlank(n.kids) {
		p.line(depth, openTag(p.st, n, true))
		return
	}
	if inlineable(n) {
		var m strings.Builder
		budget := prettyWidth - 2*depth
		if inline(&m, plain, n, budget*utf8.UTFMax) && utf8.RuneCountInString(m.String()) <= budget {
			var b strings.Builder
			inline(&b, p.st, n, 0)
			p.line(depth, b.String())
			return
		}
	}
	p.line(depth, openTag(p.st, n, false))
	for _, k := range n.kids {
		p.block(k, depth+1)
	}
	p.line(depth, p.st.Tag("</"+n.name+">"))
}

func openTag(st Style, n *pnode, selfClose bool) string {
	var b strings.Builder
	b.WriteString(st.Tag("<" + n.name))
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(st.AttrName(a.Name))
		b.WriteByte('=')
		b.WriteString(st.AttrValue(`"` + escapeAttr(a.Value) + `"`))
	}
	if selfClose {
		b.WriteString(st.Tag("/>"))
	} else {
		b.WriteString(st.Tag(">"))
	}
	return b.String()
}

// inlineable: n has non-blank text directly inside and no comments or
// processing instructions anywhere below.
func inlineable(n *pnode) bool {
	hasText := false
	for _, k := range n.kids {
		if k.kind == tokText && !blank(k.text) {
			hasText = true
		}
	}
	return hasText && noMeta(n)
}

func noMeta(n *pnode) bool {
	for _, k := range n.kids {
		switch k.kind {
		case tokComment, tokProcInst, tokDirective:
			return false
		case tokStart:
			if !noMeta(k) {
				return false
			}
		}
	}
	return true
}

// inline renders n on one line into b; whitespace runs collapse to one
// space and whitespace just inside an element is dropped. With limit > 0 it
// gives up (returning false) once b holds more than limit bytes.
func inline(b *strings.Builder, st Style, n *pnode, limit int) bool {
	if len(n.kids) == 0 || allBlank(n.kids) {
		b.WriteString(openTag(st, n, true))
		return limit <= 0 || b.Len() <= limit
	}
	b.WriteString(openTag(st, n, false))
	for i, k := range n.kids {
		if limit > 0 && b.Len() > limit {
			return false
		}
		switch k.kind {
		case tokText:
			t := collapse(k.text, false)
			if i == 0 {
				t = strings.TrimLeft(t, " ")
			}
			if i == len(n.kids)-1 {
				t = strings.TrimRight(t, " ")
			}
			if t != "" {
				b.WriteString(st.Text(escapeText(t)))
			}
		case tokStart:
			if !inline(b, st, k, limit) {
				return false
			}
		}
	}
	b.WriteString(st.Tag("</" + n.name + ">"))
	return limit <= 0 || b.Len() <= limit
}

func allBlank(kids []*pnode) bool {
	for _, k := range kids {
		if k.kind != tokText || !blank(k.text) {
			return false
		}
	}
	return true
}

func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// collapse replaces each run of XML whitespace with one space; trim also
// removes leading and trailing whitespace.
func collapse(s string, trim bool) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			space = true
			continue
		}
		if space && (b.Len() > 0 || !trim) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	if space && !trim {
		b.WriteByte(' ')
	}
	return b.String()
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
)

func escapeText(s string) string { return textEscaper.Replace(s) }
func escapeAttr(s string) string { return attrEscaper.Replace(s) }
