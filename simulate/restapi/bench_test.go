package restapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCreate1000 creates 1,000 calls through the API over loopback
// and waits until the fake engine has run each to completion, with one
// client or eight concurrent ones.
func BenchmarkCreate1000(b *testing.B) {
	for _, workers := range []int{1, 8} {
		b.Run(map[int]string{1: "serial", 8: "parallel8"}[workers], func(b *testing.B) {
			e := newEnv(b, func(c *Config) { c.Now = time.Now; c.Seed = 0 })
			body := vals("To", "+14155550101", "From", "+14155550100", "Url", "https://app.example.com/voice",
				"StatusCallback", "https://app.example.com/status", "StatusCallbackEvent", "initiated", "StatusCallbackEvent", "completed").Encode()
			tr := &http.Transport{MaxIdleConnsPerHost: workers}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			create := func() string {
				req, err := http.NewRequest(http.MethodPost, e.http.URL+callsPath, strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(testAccount, testToken)
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Fatalf("create: %d %s %v", resp.StatusCode, raw, err)
				}
				i := strings.Index(string(raw), `"sid":"`) + len(`"sid":"`)
				return string(raw[i : i+34])
			}
			for b.Loop() {
				var next atomic.Int64
				sids := make([]string, 1000)
				var wg sync.WaitGroup
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := next.Add(1) - 1; i < 1000; i = next.Add(1) - 1 {
							sids[i] = create()
						}
					}()
				}
				wg.Wait()
				for _, sid := range sids {
					if _, err := e.srv.Wait(context.Background(), sid); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/call")
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}
