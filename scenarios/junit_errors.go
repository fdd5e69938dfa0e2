package scenarios

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// WriteJUnitErrors writes the problems of invalid scenario files as a JUnit
// report: one test case with an <error> per problem, grouped by file, so
// that CI's "upload the report on failure" step has something to show
// when nothing could run.
func WriteJUnitErrors(w io.Writer, errs ErrorList) error {
	root := junitSuites{Name: "callsim", Time: "0.000"}
	index := map[string]int{}
	for _, e := range errs {
		i, ok := index[e.File]
		if !ok {
			i = len(root.Suites)
			index[e.File] = i
			root.Suites = append(root.Suites, junitSuite{Name: e.File, File: e.File, Time: "0.000"})
		}
		s := &root.Suites[i]
		name := fmt.Sprintf("line %d", e.Line)
		if e.Key != "" {
			name += ": " + e.Key
		}
		s.Cases = append(s.Cases, junitCase{
			Name: name, Classname: strings.TrimSuffix(e.File, filepath.Ext(e.File)), File: e.File, Line: e.Line, Time: "0.000",
			Error: &junitMessage{Message: xmlSafe(e.Msg), Type: "invalid scenario file", Text: xmlSafe(e.Error())},
		})
		s.Tests++
		s.Errors++
		root.Tests++
		root.Errors++
	}
	return writeJUnit(w, root)
}
