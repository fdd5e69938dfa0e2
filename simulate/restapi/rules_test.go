package restapi

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	ok := []struct {
		text string
		want Rule
	}{
		{"+14155550100 busy", Rule{"+14155550100", Outcome{Kind: Busy, Rule: "+14155550100 busy"}}},
		{"415-555-0100 no-answer", Rule{"+14155550100", Outcome{Kind: NoAnswer, Rule: "415-555-0100 no-answer"}}},
		{"  +1415555*   machine as=machine_end_beep ring=4s ", Rule{"+1415555*", Outcome{Kind: Machine, AnsweredBy: "machine_end_beep", Ring: 4 * time.Second, Rule: "+1415555*   machine as=machine_end_beep ring=4s"}}},
		{"client:alice answered", Rule{"client:alice", Outcome{Kind: Answered, AnsweredBy: "human", Rule: "client:alice answered"}}},
		{`* answered digits=1 digits=42# speech="yes please" speech=no as=unknown`, Rule{"*", Outcome{Kind: Answered, AnsweredBy: "unknown", Digits: []string{"1", "42#"}, Speech: []string{"yes please", "no"}, Rule: `* answered digits=1 digits=42# speech="yes please" speech=no as=unknown`}}},
		{"+44* failed", Rule{"+44*", Outcome{Kind: Failed, Rule: "+44* failed"}}},
		{"+14155550100 machine", Rule{"+14155550100", Outcome{Kind: Machine, AnsweredBy: "machine_start", Rule: "+14155550100 machine"}}},
		{`+14155550100 answered speech="say \"hi\""`, Rule{"+14155550100", Outcome{Kind: Answered, AnsweredBy: "human", Speech: []string{`say "hi"`}, Rule: `+14155550100 answered speech="say \"hi\""`}}},
	}
	for _, c := range ok {
		got, err := ParseRule(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", c.text, d)
		}
	}
	bad := map[string]string{
		"+14155550100":                    `rule "+14155550100": want PATTERN OUTCOME [key=value ...]`,
		"+14155550100 bussy":              `rule "+14155550100 bussy": unknown outcome "bussy" (allowed: answered, busy, no-answer, failed, machine)`,
		"+1555 busy":                      `rule "+1555 busy": pattern "+1555" is neither a phone number, an address nor a prefix ending in *`,
		"+1*5* busy":                      `rule "+1*5* busy": pattern "+1*5*": * may only end a prefix`,
		"* busy digits=1":                 `rule "* busy digits=1": digits applies to answered calls only`,
		"* answered digits=12a":           `rule "* answered digits=12a": digits "12a": keys are 0-9, * and #`,
		"* answered as=machine_start":     `rule "* answered as=machine_start": as=machine_start does not fit answered (allowed: human, unknown)`,
		"* busy as=human":                 `rule "* busy as=human": as applies to answered and machine outcomes only`,
		"* no-answer ring=5s":             `rule "* no-answer ring=5s": ring does not apply to no-answer`,
		"* answered ring=soon":            `rule "* answered ring=soon": ring=soon: want a duration such as 5s`,
		"* answered wait=5s":              `rule "* answered wait=5s": unknown key "wait" (allowed: digits, speech, as, ring)`,
		"* answered speech":               `rule "* answered speech": "speech": want key=value`,
		`* answered speech="unterminated`: `rule "* answered speech=\"unterminated": unterminated or bad quoted value in "speech=\"unterminated"`,
	}
	for text, want := range bad {
		_, err := ParseRule(text)
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v\nwant %s", text, err, want)
		}
	}
}

func TestParseRulesFileAndMatch(t *testing.T) {
	t.Parallel()
	src := `# outcomes for the reminder tests
+14155550100 busy

+1415555* machine
client:* no-answer
* answered digits=1
`
	rs, err := ParseRules(strings.NewReader(src), "rules.txt")
	if err != nil {
		t.Fatal(err)
	}
	for to, want := range map[string]OutcomeKind{
		"+14155550100": Busy, "+14155550199": Machine, "client:bob": NoAnswer, "+442071838750": Answered,
	} {
		if got := rs.Match(to).Kind; got != want {
			t.Errorf("Match(%s) = %s, want %s", to, got, want)
		}
	}
	if got := (Rules{}).Match("+14155550100"); !cmp.Equal(got, DefaultOutcome()) {
		t.Errorf("no rules: %+v", got)
	}
	_, err = ParseRules(strings.NewReader("* busy\n\n+1415 answered\n"), "rules.txt")
	if want := `rules.txt:3: rule "+1415 answered": pattern "+1415" is neither a phone number, an address nor a prefix ending in *`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestRulesAsFlag(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var rs Rules
	fs.Var(&rs, "outcome", "PATTERN OUTCOME [key=value ...]")
	if err := fs.Parse([]string{"--outcome", "+14155550100 busy", "--outcome", "* machine as=fax"}); err != nil {
		t.Fatal(err)
	}
	if got := rs.String(); got != "+14155550100 busy\n* machine as=fax" {
		t.Errorf("String() = %q", got)
	}
	if rs.Match("+14155550100").Kind != Busy || rs.Match("+14155550101").AnsweredBy != "fax" {
		t.Errorf("rules from flags: %+v", rs)
	}
	err := fs.Parse([]string{"--outcome", "+1415 busy"})
	if want := `invalid value "+1415 busy" for flag -outcome: rule "+1415 busy": pattern "+1415" is neither a phone number, an address nor a prefix ending in *`; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
