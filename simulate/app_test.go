package simulate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
)

const testToken = "test-auth-token-0123456789abcdef"

// received is one request as a test app saw it.
type received struct {
	Method, Path string
	Params       contract.Params
	ValidSig     bool
	Cookie       string
}

// testApp is a voice app over real HTTP: each path answers with a handler,
// and every request is checked with the official validation rules.
type testApp struct {
	*httptest.Server
	token  string
	mu     sync.Mutex
	got    []received
	routes map[string]http.HandlerFunc
}

// twimlRoute answers TwiML; %s in body is replaced by nothing (plain text).
func twimlRoute(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, body)
	}
}

func newApp(t *testing.T, routes map[string]http.HandlerFunc) *testApp {
	t.Helper()
	a := &testApp{token: testToken, routes: routes}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *testApp) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	var params, signed contract.Params
	if r.Method == http.MethodPost {
		params = contract.ParamsFromValues(r.PostForm)
		signed = params
	} else {
		params = contract.ParamsFromValues(r.URL.Query())
	}
	full := "http://" + r.Host + r.URL.RequestURI()
	rec := received{Method: r.Method, Path: r.URL.Path, Params: params,
		ValidSig: signature.Validate(a.token, full, signed, r.Header.Get(signature.Header), nil)}
	if c, err := r.Cookie("session"); err == nil {
		rec.Cookie = c.Value
	}
	a.mu.Lock()
	a.got = append(a.got, rec)
	a.mu.Unlock()
	h, ok := a.routes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

func (a *testApp) requests() []received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]received(nil), a.got...)
}

// paths lists "METHOD /path CallStatus" for each request, in order.
func (a *testApp) paths() []string {
	var out []string
	for _, r := range a.requests() {
		out = append(out, strings.TrimSpace(r.Method+" "+r.Path+" "+r.Params.Value("CallStatus")))
	}
	return out
}
