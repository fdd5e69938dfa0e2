package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// reportRun replays testdata/scenarios/report/*.yaml against the test IVR:
// a pass, a failure (retried), a skip, a pass on the second attempt, and a
// failure at the end of the call in a second file.
func reportRun(t *testing.T) (*Report, func(string) string) {
	t.Helper()
	app, env := newIVR(t)
	files, err := Discover([]string{filepath.Join(testdata, "report")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range files { // stable names in reports
		files[i] = filepath.ToSlash(files[i])
	}
	suite, err := (&Parser{Env: env}).ParseFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	app.flaky.Store(1)
	rep := (&Replayer{Parallel: 1, Retries: 1}).Run(context.Background(), suite.Scenarios())
	base, _ := env("APP_URL")
	return rep, func(s string) string { return strings.ReplaceAll(s, base, "http://app") }
}

func TestReports(t *testing.T) {
	t.Parallel()
	rep, scrub := reportRun(t)
	o := TextOptions{StableTimes: true}
	if p, f, s := rep.Counts(); p != 2 || f != 2 || s != 1 {
		t.Fatalf("passed %d failed %d skipped %d", p, f, s)
	}
	write := func(fn func(io.Writer, *Report, TextOptions) error) string {
		var b bytes.Buffer
		if err := fn(&b, rep, o); err != nil {
			t.Fatal(err)
		}
		return scrub(b.String())
	}

	text := write(WriteText)
	golden(t, "report/golden.txt", text)

	junit := write(WriteJUnit)
	golden(t, "report/golden.junit.xml", junit)
	checkJUnit(t, junit, rep)

	tap := write(WriteTAP)
	golden(t, "report/golden.tap", tap)
	checkTAP(t, tap)

	js := write(WriteJSONReport)
	golden(t, "report/golden.json", js)
	var doc JSONReport
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if doc.Passed != 2 || doc.Failed != 2 || doc.Skipped != 1 || len(doc.Files) != 2 {
		t.Errorf("JSON counts: %+v", doc)
	}
	for _, f := range doc.Files {
		for _, s := range f.Scenarios {
			if s.Status != Skipped && len(s.Attempts) == 0 {
				t.Errorf("%s: no attempts", s.Name)
			}
			for _, a := range s.Attempts {
				if !a.Passed && (a.Transcript == nil || len(a.Failures) == 0) {
					t.Errorf("%s: failed attempt without transcript or failures", s.Name)
				}
			}
		}
	}

	var gh bytes.Buffer
	WriteGitHub(&gh, rep)
	lines := strings.Split(strings.TrimSpace(gh.String()), "\n")
	if len(lines) != 4 { // two failures of "Wrong menu", two of the end file
		t.Errorf("%d annotations:\n%s", len(lines), gh.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "::error file=../testdata/scenarios/report/") || !strings.Contains(l, ",line=") || !strings.Contains(l, "::") {
			t.Errorf("annotation %q", l)
		}
	}
	if !strings.Contains(gh.String(), "title=Wrong menu%3A step 1 expect.say::no <Say> in this step matches /press 2 for support/i%0Awant: \"/press 2 for support/i\"%0Agot:  [\"Connecting.\"]") {
		t.Errorf("annotation text:\n%s", gh.String())
	}
}

// checkJUnit validates the XML structurally: well-formed, the counts add
// up, one testsuite per file, failure text as on the console.
func checkJUnit(t *testing.T, data string, rep *Report) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(data))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("JUnit XML not well-formed: %v", err)
		}
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Time     string   `xml:"time,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Time    string `xml:"time,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
				Rerun   []struct {
					Text string `xml:"stackTrace"`
				} `xml:"rerunFailure"`
				Flaky []struct{} `xml:"flakyFailure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 5 || doc.Failures != 2 || doc.Skipped != 1 || doc.Time == "" {
		t.Errorf("testsuites: tests %d failures %d skipped %d time %q", doc.Tests, doc.Failures, doc.Skipped, doc.Time)
	}
	if len(doc.Suites) != 2 || doc.Suites[0].Tests+doc.Suites[1].Tests != 5 {
		t.Fatalf("want one testsuite per file: %+v", doc.Suites)
	}
	cases := 0
	for _, s := range doc.Suites {
		if s.Time == "" || !strings.HasSuffix(s.Name, ".yaml") {
			t.Errorf("suite %+v", s.Name)
		}
		for _, c := range s.Cases {
			cases++
			var res *Result
			for _, r := range rep.Results {
				if r.Scenario.Name == c.Name && strings.HasSuffix(r.Scenario.File, s.Name[strings.LastIndex(s.Name, "/")+1:]) {
					res = r
				}
			}
			if res == nil {
				t.Fatalf("testcase %q is no scenario", c.Name)
			}
			switch res.Status {
			case Failed:
				if c.Failure == nil || c.Failure.Message == "" {
					t.Errorf("%s: no failure", c.Name)
				} else if want := FailureText(res, TextOptions{StableTimes: true}); !strings.Contains(want, "transcript of the call") || strings.TrimSpace(c.Failure.Text) == "" {
					t.Errorf("%s: failure text", c.Name)
				}
				if len(c.Rerun) != len(res.Attempts)-1 {
					t.Errorf("%s: %d rerunFailure, want %d", c.Name, len(c.Rerun), len(res.Attempts)-1)
				}
			case Skipped:
				if c.Skipped == nil {
					t.Errorf("%s: not skipped", c.Name)
				}
			case Passed:
				if c.Failure != nil || len(c.Flaky) != len(res.Attempts)-1 {
					t.Errorf("%s: passed with failure or wrong flakyFailure count", c.Name)
				}
			}
		}
	}
	if cases != 5 {
		t.Errorf("%d testcases", cases)
	}
}

// checkTAP validates TAP 14: version, plan, numbered test points, and YAML
// diagnostic blocks that parse.
func checkTAP(t *testing.T, data string) {
	t.Helper()
	lines := strings.Split(data, "\n")
	if lines[0] != "TAP version 14" || lines[1] != "1..5" {
		t.Fatalf("header %q %q", lines[0], lines[1])
	}
	n := 0
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "not ok "):
			n++
			num := strings.Fields(strings.TrimPrefix(strings.TrimPrefix(l, "not "), "ok "))[0]
			if num != itoa(n) {
				t.Errorf("test point %q out of order", l)
			}
		case l == "  ---":
			var block []string
			for i++; i < len(lines) && lines[i] != "  ..."; i++ {
				block = append(block, strings.TrimPrefix(lines[i], "  "))
			}
			var v map[string]any
			if err := yaml.Unmarshal([]byte(strings.Join(block, "\n")), &v); err != nil {
				t.Errorf("YAML block does not parse: %v\n%s", err, strings.Join(block, "\n"))
			}
		}
	}
	if n != 5 {
		t.Errorf("%d test points", n)
	}
	if !strings.Contains(data, "# SKIP the menu is being rewritten") {
		t.Error("no SKIP directive")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
