package scenarios

import (
	"fmt"
	"strings"
)

// Interpolate expands variables in a scenario value, as a shell or Docker
// Compose would:
//
//	${NAME}           the value of NAME, "" when unset
//	${NAME:-default}  default when NAME is unset or empty
//	${NAME-default}   default when NAME is unset
//	${NAME:?message}  an error when NAME is unset or empty
//	${NAME?message}   an error when NAME is unset
//	$$                a literal $
//
// A $ not followed by { or $ is kept as it is ("costs $5"). Defaults may
// themselves hold ${...}. unset lists the variables that were used but not
// set, for error hints.
func Interpolate(s string, lookup func(string) (string, bool)) (out string, unset []string, err error) {
	if !strings.Contains(s, "$") {
		return s, nil, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
			continue
		case '{':
		default:
			b.WriteByte(c)
			i++
			continue
		}
		end := closingBrace(s, i+2)
		if end < 0 {
			return "", unset, fmt.Errorf("unterminated ${ at %q (write $$ for a literal $)", clipText(s[i:], 20))
		}
		v, u, err := expand(s[i+2:end], lookup)
		unset = append(unset, u...)
		if err != nil {
			return "", unset, err
		}
		b.WriteString(v)
		i = end + 1
	}
	return b.String(), unset, nil
}

// closingBrace finds the } matching a ${ whose body starts at from.
func closingBrace(s string, from int) int {
	depth := 1
	for i := from; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func expand(body string, lookup func(string) (string, bool)) (string, []string, error) {
	n := 0
	for n < len(body) && isNameByte(body[n], n == 0) {
		n++
	}
	name, rest := body[:n], body[n:]
	if name == "" {
		return "", nil, fmt.Errorf("${%s}: a variable name is letters, digits and _, not starting with a digit", body)
	}
	val, set := lookup(name)
	var unset []string
	if !set {
		unset = append(unset, name)
	}
	op := ""
	for _, o := range []string{":-", ":?", "-", "?"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" && rest != "" {
		return "", unset, fmt.Errorf("${%s}: unexpected %q after the variable name (forms: ${NAME}, ${NAME:-default}, ${NAME:?message})", body, rest)
	}
	arg := strings.TrimPrefix(rest, op)
	missing := !set || (val == "" && strings.HasPrefix(op, ":"))
	switch op {
	case ":-", "-":
		if missing {
			return Interpolate(arg, lookup)
		}
	case ":?", "?":
		if missing {
			msg := arg
			if msg == "" {
				msg = "must be set"
			}
			return "", unset, fmt.Errorf("%s: %s", name, msg)
		}
	}
	if set {
		unset = nil
	}
	return val, unset, nil
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
