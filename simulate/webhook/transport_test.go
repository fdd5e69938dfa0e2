package webhook

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsim/callsim/simulate/contract"
)

// The #ct override reaches the dialer as the connect timeout (net/http dials
// with the request context's values, not its deadline); no override means
// Twilio's 5 s.
func TestConnectTimeoutReachesTheDialer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<Response><Hangup/></Response>`))
	}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		fragment string
		want     time.Duration
	}{{"", contract.DefaultConnectTimeout}, {"#ct=250", 250 * time.Millisecond}, {"#ct=9000", 9 * time.Second}} {
		var seen atomic.Int64
		tr := NewTransport()
		dial := tr.DialContext
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			d, ok := ctx.Value(connectTimeoutKey{}).(time.Duration)
			if !ok {
				d = contract.DefaultConnectTimeout
			}
			seen.Store(int64(d))
			return dial(ctx, network, addr)
		}
		call, _ := contract.NewCall(contract.CallSpec{Seed: 1})
		url := srv.URL + "/voice" + c.fragment
		s, err := NewSender("", url, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		req, err := s.Build("initial", Target{URL: s.PublicURL(url)}, call.Params(call.FirstStatus(), true), call.RunRand())
		if err != nil {
			t.Fatal(err)
		}
		_, terr := s.Send(context.Background(), &http.Client{Transport: tr}, req)
		tr.CloseIdleConnections()
		if terr != nil {
			t.Fatalf("%q: %v", c.fragment, terr)
		}
		if d := time.Duration(seen.Load()); d != c.want {
			t.Errorf("%q: the dialer got %s, want %s", c.fragment, d, c.want)
		}
	}
}
