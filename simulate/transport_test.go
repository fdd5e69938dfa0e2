package simulate

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
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
	}{{"", defaultConnectTimeout}, {"#ct=250", 250 * time.Millisecond}, {"#ct=9000", 9 * time.Second}} {
		var seen atomic.Int64
		tr := NewTransport()
		dial := tr.DialContext
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			d, ok := ctx.Value(connectTimeoutKey{}).(time.Duration)
			if !ok {
				d = defaultConnectTimeout
			}
			seen.Store(int64(d))
			return dial(ctx, network, addr)
		}
		call, _ := NewCall(CallSpec{Seed: 1})
		got, err := Run(context.Background(), call, Options{URL: srv.URL + "/voice" + c.fragment, NoEnd: true, HTTP: &http.Client{Transport: tr}})
		tr.CloseIdleConnections()
		if err != nil || got.Failed {
			t.Fatalf("%q: %v %v", c.fragment, err, got.Errors)
		}
		if d := time.Duration(seen.Load()); d != c.want {
			t.Errorf("%q: the dialer got %s, want %s", c.fragment, d, c.want)
		}
	}
}
