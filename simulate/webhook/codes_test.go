package webhook

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// Each failure gets the code Twilio logs for it (the table above classify),
// against a real loopback server.
func TestErrorCodesAsTwilioLogsThem(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/503", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	mux.HandleFunc("/304", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // with the body read, net/http sees the client go away
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/eof", func(w http.ResponseWriter, _ *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, _ *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.(*net.TCPConn).SetLinger(0) // close with RST
		conn.Close()
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	closed := httptest.NewServer(mux)
	closedURL := closed.URL
	closed.Close()

	for _, c := range []struct {
		url  string
		want int
	}{
		{srv.URL + "/404", contract.ErrHTTPErrorResponse},
		{srv.URL + "/503#rc=0", contract.ErrHTTPErrorResponse},
		{srv.URL + "/304", contract.ErrHTTPRetrieval},
		{srv.URL + "/eof", contract.ErrHTTPRetrieval},
		{srv.URL + "/reset", contract.ErrConnectionRefused},
		{closedURL + "/voice", contract.ErrConnectionRefused},
		{srv.URL + "/slow#rt=150&rc=0", contract.ErrConnection},
		{srv.URL + "/slow#tt=200&rc=0", contract.ErrTotalTimeout},
		{srv.URL + "/loop", contract.ErrTooManyRedirects},
		{"http://[::1", contract.ErrInvalidURL},
	} {
		s, err := NewSender("tok", srv.URL+"/voice", "", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var terr *contract.TwilioError
		req, err := s.Build("initial", Target{URL: c.url}, contract.Params{{Key: "CallSid", Value: "CA1"}}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			terr, _ = err.(*contract.TwilioError)
		} else {
			_, terr = s.Send(context.Background(), &http.Client{Transport: NewTransport()}, req)
		}
		if terr == nil || terr.Code != c.want || contract.ErrorWords(terr.Code) == "" {
			t.Errorf("%s: %v, want %d", c.url, terr, c.want)
		}
	}
}
