package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsim/callsim/simulate/restapi"
)

// BenchmarkAPICalls1000 creates 1,000 calls through the REST API (50
// clients at once, as an app's worker pool would) and waits until every one
// has run to completion against a local app: a greeting, then a hang-up,
// with a completed status callback. It reports calls/s from the first
// create to the last completion (bench/README.md).
//
//	go test ./simulate/serve -run '^$' -bench APICalls1000 -benchtime 5x
func BenchmarkAPICalls1000(b *testing.B) {
	const calls, clients = 1000, 50
	var webhooks atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		webhooks.Add(1)
		r.ParseForm()
		if r.URL.Path == "/voice" {
			w.Header().Set("Content-Type", "text/xml")
			w.Write([]byte(`<Response><Say>Your appointment is tomorrow at nine.</Say><Hangup/></Response>`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer app.Close()
	srv, err := New(Config{API: restapi.Config{AccountSid: testAccount, AuthToken: testToken, MaxCalls: calls}})
	if err != nil {
		b.Fatal(err)
	}
	base, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close(context.Background())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	form := url.Values{"To": {"+14155550123"}, "From": {"+14155550100"}, "Url": {app.URL + "/voice"}, "StatusCallback": {app.URL + "/status"}}.Encode()
	create := func() (string, error) {
		req, _ := http.NewRequest(http.MethodPost, base+"/2010-04-01/Accounts/"+testAccount+"/Calls.json", strings.NewReader(form))
		req.SetBasicAuth(testAccount, testToken)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var c restapi.Call
		return c.Sid, json.NewDecoder(resp.Body).Decode(&c)
	}
	var sumCreated, sumTook time.Duration
	var sumHooks int64
	b.ResetTimer()
	for range b.N {
		webhooks.Store(0)
		start := time.Now()
		sids := make(chan string, calls)
		var wg sync.WaitGroup
		var next atomic.Int64
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= calls {
					sid, err := create()
					if err != nil || sid == "" {
						b.Errorf("create: %v", err)
						return
					}
					sids <- sid
				}
			}()
		}
		wg.Wait()
		close(sids)
		created := time.Since(start)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for sid := range sids {
			c, err := srv.API().Wait(ctx, sid)
			if err != nil || c.Status != restapi.StatusCompleted {
				b.Fatalf("%s: %v %s", sid, err, c.Status)
			}
		}
		cancel()
		took := time.Since(start)
		b.StopTimer()
		// The status callback goes out right after the API shows the end.
		time.Sleep(20 * time.Millisecond)
		sumCreated, sumTook, sumHooks = sumCreated+created, sumTook+took, sumHooks+webhooks.Load()
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(calls*n/sumTook.Seconds(), "calls/s")
	b.ReportMetric(float64(sumCreated.Milliseconds())/n, "create-ms")
	b.ReportMetric(float64(sumTook.Milliseconds())/n, "total-ms")
	b.ReportMetric(float64(sumHooks)/(calls*n), "webhooks/call")
}
