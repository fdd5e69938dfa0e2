package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
)

// twilioTimeout is how long Twilio waits for a webhook's answer.
const twilioTimeout = 15 * time.Second

// Hints are what a person should try next after a step, where users get
// stuck: the signature, a missing token, a slow app, a document that does
// not parse.
func Hints(s *simulate.Step) []string {
	var hints []string
	req, resp := s.Request, s.Response
	if req != nil && resp != nil {
		switch {
		case resp.Status == http.StatusForbidden && req.Signed():
			hints = append(hints, "the app rejected the signature: check the token, or run `callsim verify`")
		case (resp.Status == http.StatusBadRequest || resp.Status == http.StatusForbidden || resp.Status == http.StatusUnauthorized) && !req.Signed() && req.Kind != "status-callback":
			hints = append(hints, "the request was not signed and the app may check X-Twilio-Signature: pass --auth-token")
		}
		if resp.Latency > twilioTimeout {
			hints = append(hints, fmt.Sprintf("the app took %s: Twilio would have failed this with 11200 (it waits %s at most)", resp.Latency.Round(100*time.Millisecond), twilioTimeout))
		}
	}
	if s.Error != nil && s.Error.Code == contract.ErrDocumentParse && resp != nil {
		if line, elem, src := locateParseError(resp.Body); line > 0 {
			where := fmt.Sprintf("line %d", line)
			if elem != "" {
				where += ", in <" + elem + ">"
			}
			hints = append(hints, where+": "+src)
		}
	}
	return hints
}

// locateParseError finds where a document stops being XML: the line, the
// element open there and the line's text.
func locateParseError(body string) (line int, elem, src string) {
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = true
	var open []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return 0, "", ""
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			line = se.Line
			break
		}
		if err != nil {
			return 0, "", ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name.Local)
		case xml.EndElement:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) > 0 {
		elem = open[len(open)-1]
	}
	lines := strings.Split(body, "\n")
	if line >= 1 && line <= len(lines) {
		src = strings.TrimSpace(lines[line-1])
		if r := []rune(src); len(r) > 100 {
			src = string(r[:99]) + "…"
		}
	}
	return line, elem, src
}

// pressedText says what the caller pressed and what the Gather made of it:
// with --digits 2345 at numDigits="1" only Digits=2 is sent.
func pressedText(e simulate.Event) string {
	text := fmt.Sprintf("pressed %q", e.Text)
	if e.Sent == "" && e.Finish == "" || e.Sent == e.Text {
		return text
	}
	rest := strings.TrimPrefix(e.Text, e.Sent)
	if e.Finish != "" {
		rest = strings.TrimPrefix(rest, e.Finish)
	}
	switch {
	case e.Sent == "":
		text += fmt.Sprintf(": %q ended the input, nothing sent", e.Finish)
	case e.Finish != "":
		text += fmt.Sprintf(": Digits=%s sent, %q ended the input", e.Sent, e.Finish)
	default:
		text += fmt.Sprintf(": Digits=%s sent", e.Sent)
	}
	if rest != "" {
		text += fmt.Sprintf(", %q dropped", rest)
	}
	return text
}

// removedKeys are the fields of prev the next request no longer has, such
// as Digits after a Gather or ErrorCode after a fallback.
func removedKeys(prev, cur contract.Params) []string {
	var out []string
	for _, kv := range prev {
		if _, ok := cur.Get(kv.Key); !ok && !contains(out, kv.Key) {
			out = append(out, kv.Key)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
