package restapi

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// OutcomeKind is how the destination responds to a call.
type OutcomeKind string

// The outcomes a rule can give.
const (
	Answered OutcomeKind = "answered" // a person answers
	Busy     OutcomeKind = "busy"
	NoAnswer OutcomeKind = "no-answer" // rings until the call's Timeout
	Failed   OutcomeKind = "failed"    // unroutable
	Machine  OutcomeKind = "machine"   // an answering machine (or fax) answers
)

var outcomeKinds = []OutcomeKind{Answered, Busy, NoAnswer, Failed, Machine}

// answeredByValues are the AnsweredBy values an outcome may give, by kind.
var answeredByValues = map[OutcomeKind][]string{
	Answered: {"human", "unknown"},
	Machine:  {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"},
}

// Outcome is what happens at the destination of one call.
type Outcome struct {
	Kind OutcomeKind
	// AnsweredBy is what answering-machine detection reports when the call
	// asked for it: human (default for answered) or unknown; machine_start
	// (default for machine), machine_end_beep, machine_end_silence,
	// machine_end_other or fax.
	AnsweredBy string
	// Digits and Speech are the caller's script: one entry per Gather
	// listening for keys or for speech, in order.
	Digits []string
	Speech []string
	// Ring is how long the phone rings before the outcome; zero leaves it to
	// the engine. An answered or machine outcome whose Ring reaches the
	// call's Timeout is the engine's to turn into no-answer.
	Ring time.Duration
	// Rule is the text of the rule that chose this outcome, "" for the default.
	Rule string
}

// Rule gives an outcome to the destinations matching Pattern: an exact
// number or address, a prefix ending in *, or * alone for any.
type Rule struct {
	Pattern string
	Outcome Outcome
}

// Rules are tried in order; the first match decides.
type Rules []Rule

// defaultOutcome is the outcome of a destination no rule matches: a person answers.
var defaultOutcome = Outcome{Kind: Answered, AnsweredBy: "human"}

// DefaultOutcome is the outcome of a destination no rule matches: a person answers.
func DefaultOutcome() Outcome { return defaultOutcome }

// Match returns the outcome for destination to (as stored: E.164 for numbers).
func (rs Rules) Match(to string) Outcome {
	for _, r := range rs {
		if p, ok := strings.CutSuffix(r.Pattern, "*"); ok && strings.HasPrefix(to, p) || r.Pattern == to {
			return r.Outcome
		}
	}
	return DefaultOutcome()
}

// ParseRule reads one rule: PATTERN OUTCOME [key=value ...], for example
//
//	+14155550100 busy
//	+1415555* machine as=machine_end_beep ring=4s
//	+14155550199 answered digits=1 digits=42# speech="yes please"
//	* no-answer
//
// Keys: digits and speech (repeatable, answered only) are the caller's
// script; as is AnsweredBy; ring is a Go duration (not for no-answer, which
// rings until the call's Timeout, nor failed). Values with spaces are
// double-quoted Go strings. Errors quote the rule.
func ParseRule(text string) (Rule, error) {
	fields, err := splitRule(text)
	if err != nil {
		return Rule{}, ruleErr(text, err.Error())
	}
	if len(fields) < 2 {
		return Rule{}, ruleErr(text, "want PATTERN OUTCOME [key=value ...]")
	}
	pat, err := normalizePattern(fields[0])
	if err != nil {
		return Rule{}, ruleErr(text, err.Error())
	}
	o := Outcome{Kind: OutcomeKind(fields[1]), Rule: strings.TrimSpace(text)}
	if !slices.Contains(outcomeKinds, o.Kind) {
		return Rule{}, ruleErr(text, fmt.Sprintf("unknown outcome %q (allowed: %s)", fields[1], joinKinds()))
	}
	for _, kv := range fields[2:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Rule{}, ruleErr(text, fmt.Sprintf("%q: want key=value", kv))
		}
		switch k {
		case "digits", "speech":
			if o.Kind != Answered {
				return Rule{}, ruleErr(text, k+" applies to answered calls only")
			}
			if k == "digits" {
				if v == "" || strings.Trim(v, "0123456789*#") != "" {
					return Rule{}, ruleErr(text, fmt.Sprintf("digits %q: keys are 0-9, * and #", v))
				}
				o.Digits = append(o.Digits, v)
			} else {
				o.Speech = append(o.Speech, v)
			}
		case "as":
			allowed := answeredByValues[o.Kind]
			if !slices.Contains(allowed, v) {
				if allowed == nil {
					return Rule{}, ruleErr(text, "as applies to answered and machine outcomes only")
				}
				return Rule{}, ruleErr(text, fmt.Sprintf("as=%s does not fit %s (allowed: %s)", v, o.Kind, strings.Join(allowed, ", ")))
			}
			o.AnsweredBy = v
		case "ring":
			if o.Kind == NoAnswer || o.Kind == Failed {
				return Rule{}, ruleErr(text, "ring does not apply to "+string(o.Kind))
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return Rule{}, ruleErr(text, fmt.Sprintf("ring=%s: want a duration such as 5s", v))
			}
			o.Ring = d
		default:
			return Rule{}, ruleErr(text, fmt.Sprintf("unknown key %q (allowed: digits, speech, as, ring)", k))
		}
	}
	if o.AnsweredBy == "" && answeredByValues[o.Kind] != nil {
		o.AnsweredBy = answeredByValues[o.Kind][0]
	}
	return Rule{Pattern: pat, Outcome: o}, nil
}

// ParseRules reads a rules file: one rule per line as ParseRule takes it;
// blank lines and lines starting with # are skipped. name labels errors
// ("rules.txt:3: ...").
func ParseRules(r io.Reader, name string) (Rules, error) {
	var rs Rules
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		rule, err := ParseRule(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		rs = append(rs, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rs, nil
}

func ruleErr(text, msg string) error {
	return fmt.Errorf("rule %q: %s", strings.TrimSpace(text), msg)
}

func joinKinds() string {
	s := make([]string, len(outcomeKinds))
	for i, k := range outcomeKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// normalizePattern stores exact phone numbers in E.164, as destinations
// are stored, so the pattern 415-555-0100 matches To=+14155550100.
func normalizePattern(p string) (string, error) {
	if p == "*" {
		return p, nil
	}
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		if strings.ContainsAny(prefix, "* ") {
			return "", fmt.Errorf("pattern %q: * may only end a prefix", p)
		}
		return p, nil
	}
	d, err := parseDestination(p)
	if err != nil {
		return "", fmt.Errorf("pattern %q is neither a phone number, an address nor a prefix ending in *", p)
	}
	return d.value, nil
}

// splitRule splits on spaces, keeping double-quoted values (Go syntax) whole.
func splitRule(text string) ([]string, error) {
	var fields []string
	s := strings.TrimSpace(text)
	for s != "" {
		end := 0
		var b strings.Builder
		for end < len(s) && !unicode.IsSpace(rune(s[end])) {
			if s[end] == '"' {
				q, err := strconv.QuotedPrefix(s[end:])
				if err != nil {
					return nil, fmt.Errorf("unterminated or bad quoted value in %q", s)
				}
				v, _ := strconv.Unquote(q)
				b.WriteString(v)
				end += len(q)
				continue
			}
			b.WriteByte(s[end])
			end++
		}
		fields = append(fields, b.String())
		s = strings.TrimLeftFunc(s[end:], unicode.IsSpace)
	}
	return fields, nil
}

// Set adds one rule, so Rules serves as a repeatable command-line flag
// (flag.Value and pflag.Value).
func (rs *Rules) Set(text string) error {
	r, err := ParseRule(text)
	if err != nil {
		return err
	}
	*rs = append(*rs, r)
	return nil
}

// String lists the rules as they were written, one per line.
func (rs *Rules) String() string {
	if rs == nil {
		return ""
	}
	s := make([]string, len(*rs))
	for i, r := range *rs {
		s[i] = r.Outcome.Rule
	}
	return strings.Join(s, "\n")
}

// Type names the flag's value in pflag's help.
func (rs *Rules) Type() string { return "rule" }
