package simulate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
	"github.com/callsim/callsim/simulate/webhook"
)

// expressApp validates X-Twilio-Signature the way twilio-node's webhook()
// does in an Express app with trust proxy: the URL is req.protocol (the
// first X-Forwarded-Proto) + "://" + the Host header + req.originalUrl.
// An invalid signature is a 403, as there.
type expressApp struct {
	mu   sync.Mutex
	seen []string // path, then the headers a tunnel sets
	next http.Handler
}

func (a *expressApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	proto := "http"
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		proto = strings.TrimSpace(strings.Split(p, ",")[0])
	}
	full := proto + "://" + r.Host + r.URL.RequestURI()
	var params contract.Params
	if r.Method == http.MethodPost {
		params = contract.ParamsFromValues(r.PostForm)
	}
	a.mu.Lock()
	a.seen = append(a.seen, fmt.Sprintf("%s host=%s xfp=%s xfh=%s xff=%s referer=%q", r.URL.Path, r.Host,
		r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-Host"), r.Header.Get("X-Forwarded-For"), r.Referer()))
	a.mu.Unlock()
	if !signature.Validate(testToken, full, params, r.Header.Get(signature.Header), nil) {
		http.Error(w, "Twilio Request Validation Failed.", http.StatusForbidden)
		return
	}
	a.next.ServeHTTP(w, r)
}

// --signing-url makes every request look as it does through the tunnel:
// the public Host, X-Forwarded-*, so a proxy-aware app validates the
// initial request, relative actions, redirect hops and the status
// callback; no hop carries a Referer.
func TestSigningURLPassesAProxyAwareValidator(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/voice", twimlRoute(resp(`<Gather action="/menu" numDigits="1"><Say>Press 1</Say></Gather>`)))
	mux.HandleFunc("/menu", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/menu/2", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/menu/2", twimlRoute(resp(`<Say>bye</Say><Hangup/>`)))
	mux.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	app := &expressApp{next: mux}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	const public = "https://abc.ngrok.app"
	call, _ := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Seed: 21})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{
		URL: srv.URL + "/voice", SigningURL: public + "/voice", AuthToken: testToken,
		StatusCallback: public + "/status", Caller: &simulate.ScriptCaller{Digits: []string{"1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Failed || tr.EndReason != "<Hangup>" {
		t.Fatalf("failed %v, ended %s", tr.Errors, tr.EndReason)
	}
	const tunnel = " host=abc.ngrok.app xfp=https xfh=abc.ngrok.app xff=" + webhook.TunnelClientIP + ` referer=""`
	want := []string{"/voice" + tunnel, "/menu" + tunnel, "/menu/2" + tunnel, "/status" + tunnel}
	if d := cmp.Diff(want, app.seen); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	// The validator is strict: the same signed request without the
	// tunnel's Host is refused, as every --signing-url request used to be.
	s, _ := webhook.NewSender(testToken, srv.URL+"/voice", "", 0)
	req, err := s.Build("initial", webhook.Target{URL: public + "/voice"}, call.Params("ringing", true), call.RunRand())
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := http.NewRequest(http.MethodPost, srv.URL+"/voice", strings.NewReader(req.Body))
	for _, h := range req.Headers {
		hr.Header.Set(h.Key, h.Value)
	}
	hresp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	hresp.Body.Close()
	if hresp.StatusCode != http.StatusForbidden {
		t.Errorf("without the tunnel's Host: %d, want 403", hresp.StatusCode)
	}
}

// Without --signing-url nothing pretends to be a tunnel.
func TestNoTunnelHeadersWithoutSigningURL(t *testing.T) {
	t.Parallel()
	app := &expressApp{next: twimlRoute(resp(`<Hangup/>`))}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	call, _ := contract.NewCall(contract.CallSpec{APIVersion: "2010-04-01", Seed: 22})
	tr, err := simulate.Run(context.Background(), call, simulate.Options{URL: srv.URL + "/voice", AuthToken: testToken})
	if err != nil || tr.Failed {
		t.Fatalf("%v %v", err, tr.Errors)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if d := cmp.Diff([]string{"/voice host=" + host + ` xfp= xfh= xff= referer=""`}, app.seen); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
