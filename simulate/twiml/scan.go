package twiml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest element nesting Parse and Pretty accept.
const MaxDepth = 64

type tokKind uint8

const (
	tokStart tokKind = iota
	tokEnd
	tokText
	tokComment
	tokProcInst
	tokDirective
)

// tok is one well-formedness-checked token. text is only valid during the
// callback.
type tok struct {
	kind      tokKind
	name      string // element name ("prefix:local" when prefixed) or PI target
	attrs     []Attr
	text      []byte
	line, col int
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// scan tokenizes body with encoding/xml and enforces what encoding/xml's raw
// tokenizer leaves out: matching end tags, a single root, nothing but
// whitespace/comments/PIs outside it, the XML declaration first, unique
// attributes and a nesting limit. Errors are *Problem with code 12100.
func scan(body []byte, fn func(*tok)) error {
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(bytes.TrimSpace(body)) == 0 {
		return parseProblem(1, 1, "empty document (no <Response> element)")
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = charsetReader

	type open struct {
		name      string
		line, col int
	}
	var (
		stack      []open
		seenRoot   bool
		rootClosed bool
		first      = true
		t          tok
	)
	for {
		line, col := d.InputPos()
		raw, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			l, c := d.InputPos()
			return parseProblem(l, c, syntaxMessage(err))
		}
		t = tok{line: line, col: col}
		switch x := raw.(type) {
		case xml.StartElement:
			if rootClosed {
				return parseProblem(line, col, fmt.Sprintf("junk after document element: second root element <%s>", qname(x.Name)))
			}
			if len(stack) >= MaxDepth {
				return parseProblem(line, col, fmt.Sprintf("elements nested deeper than %d levels", MaxDepth))
			}
			t.kind, t.name = tokStart, qname(x.Name)
			if len(x.Attr) > 0 {
				t.attrs = make([]Attr, len(x.Attr))
				var seen map[string]bool // only for elements with many attributes
				if len(x.Attr) > 16 {
					seen = make(map[string]bool, len(x.Attr))
				}
				for i, a := range x.Attr {
					n := qname(a.Name)
					dup := seen[n]
					if seen != nil {
						seen[n] = true
					} else {
						for _, prev := range t.attrs[:i] {
							dup = dup || prev.Name == n
						}
					}
					if dup {
						return parseProblem(line, col, fmt.Sprintf("attribute %q appears twice in <%s>", n, t.name))
					}
					t.attrs[i] = Attr{Name: n, Value: a.Value}
				}
			}
			stack = append(stack, open{t.name, line, col})
			seenRoot = true
		case xml.EndElement:
			n := qname(x.Name)
			if len(stack) == 0 {
				return parseProblem(line, col, fmt.Sprintf("unexpected end tag </%s>", n))
			}
			top := stack[len(stack)-1]
			if top.name != n {
				return parseProblem(line, col, fmt.Sprintf("element <%s> opened at line %d col %d is closed by </%s>", top.name, top.line, top.col, n))
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				rootClosed = true
			}
			t.kind, t.name = tokEnd, n
		case xml.CharData:
			if len(stack) == 0 {
				if !isSpace(x) {
					where := "before the root element"
					if rootClosed {
						where = "after the root element"
					}
					l, c := skipSpace(line, col, x)
					return parseProblem(l, c, fmt.Sprintf("text %s: %q", where, clip(string(x), 20)))
				}
				// Whitespace outside the root: only matters for the
				// XML declaration check below.
				first = false
				continue
			}
			t.kind, t.text = tokText, x
		case xml.Comment:
			if bytes.Contains(x, []byte("--")) {
				return parseProblem(line, col, `"--" is not allowed inside a comment`)
			}
			t.kind, t.text = tokComment, x
		case xml.ProcInst:
			if strings.EqualFold(x.Target, "xml") {
				if !first {
					return parseProblem(line, col, "XML declaration <?xml ...?> must be the very first thing in the document (no leading whitespace or text)")
				}
			}
			t.kind, t.name, t.text = tokProcInst, x.Target, x.Inst
		case xml.Directive:
			if seenRoot {
				return parseProblem(line, col, "<!...> declaration is only allowed before the root element")
			}
			t.kind, t.text = tokDirective, x
		}
		first = false
		fn(&t)
	}
	l, c := d.InputPos()
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return parseProblem(l, c, fmt.Sprintf("unexpected end of document: element <%s> opened at line %d col %d is not closed", top.name, top.line, top.col))
	}
	if !seenRoot {
		return parseProblem(l, c, "no root element (expected <Response>)")
	}
	return nil
}

func parseProblem(line, col int, msg string) *Problem {
	return &Problem{Code: 12100, Severity: SeverityError, Line: line, Col: col, Message: "document parse failure: " + msg}
}

func syntaxMessage(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// skipSpace returns the position of the first non-whitespace byte of b,
// which starts at line:col.
func skipSpace(line, col int, b []byte) (int, int) {
	for _, c := range b {
		switch c {
		case '\n':
			line, col = line+1, 1
		case ' ', '\t', '\r':
			col++
		default:
			return line, col
		}
	}
	return line, col
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// charsetReader lets documents declare the single-byte encodings seen in the
// wild; anything else is a parse failure.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	var table *[32]rune
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii":
	case "windows-1252", "cp1252":
		table = &cp1252
	default:
		return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", label)
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(b)/4)
	for _, c := range b {
		r := rune(c)
		if table != nil && c >= 0x80 && c < 0xA0 {
			r = table[c-0x80]
		}
		out = utf8.AppendRune(out, r)
	}
	return bytes.NewReader(out), nil
}

var cp1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}
