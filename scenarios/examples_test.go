package scenarios

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsim/callsim/internal/demoapp"
)

// exampleFiles are the example scenarios shipped in this folder.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	files, err := Discover([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example scenarios in scenarios/")
	}
	for _, f := range files {
		if ext := filepath.Ext(f); ext != ".yaml" && ext != ".yml" {
			t.Errorf("Discover returned %s, not a YAML file", f)
		}
	}
	return files
}

// demoEnv serves the bundled demo app, validating signatures, and returns
// the variables the examples interpolate.
func demoEnv(t testing.TB) (*demoapp.App, func(string) (string, bool)) {
	t.Helper()
	app := &demoapp.App{AuthToken: "example-token-1234"}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	env := map[string]string{"APP_URL": srv.URL, "TWILIO_AUTH_TOKEN": app.AuthToken}
	return app, func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// TestExamplesPassAgainstDemo replays scenarios/*.yaml against the demo
// app, as CI does with `callsim demo --serve` and `callsim run scenarios/`.
func TestExamplesPassAgainstDemo(t *testing.T) {
	t.Parallel()
	app, env := demoEnv(t)
	suite, err := (&Parser{Env: env}).ParseFiles(exampleFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	list := suite.Scenarios()
	rep := (&Replayer{Parallel: 4}).Run(context.Background(), list)
	for _, r := range rep.Results {
		if r.Status != Passed {
			t.Errorf("%s: %s\n%s", r.Scenario.ID(), r.Status, FailureText(r, TextOptions{}))
		}
	}
	for _, rec := range app.Requests() {
		if !rec.Valid {
			t.Errorf("the demo app got an unsigned or badly signed request: %s %s", rec.Method, rec.URL)
		}
	}
	if testing.Verbose() {
		var b strings.Builder
		WriteText(&b, rep, TextOptions{Verbose: true})
		t.Log(b.String())
	}
}
