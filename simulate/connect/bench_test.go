package connect

import (
	"context"
	"flag"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"
)

var benchSessions = flag.Int("sessions", 500, "concurrent ConversationRelay sessions in BenchmarkRelaySessions")

// BenchmarkRelaySessions opens -sessions concurrent relay sessions against
// one loopback agent, plays one turn on each while all are open, and reports
// the heap held per open session (both ends: the agent runs in-process too)
// and the turn latency.
func BenchmarkRelaySessions(b *testing.B) {
	srv := relayAgent(b, &agentLog{}, nil)
	cfg, _ := ParseRelayConfig(map[string]string{"url": wsURL(srv, "/relay")}, nil)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0}}
	n := *benchSessions
	var perSession, firstToken float64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		ctx := context.Background()
		sessions := make([]*Relay, n)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var sum time.Duration
		errs := make(chan error, n)
		for j := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := &Dialer{HTTPClient: client, Sign: HMACSigner(testToken)}
				r, err := DialRelay(ctx, d, cfg, testCall, RelayOptions{ReplyTimeout: 30 * time.Second})
				if err != nil {
					errs <- err
					return
				}
				turn, err := r.Say(ctx, "hello", SayOptions{})
				if err != nil || !turn.Answered {
					errs <- err
				}
				mu.Lock()
				sum += turn.FirstToken
				mu.Unlock()
				sessions[j] = r
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatalf("session failed: %v", err)
		}
		runtime.GC()
		var during runtime.MemStats
		runtime.ReadMemStats(&during)
		perSession += float64(int64(during.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
		firstToken += float64(sum.Microseconds()) / float64(n)
		for _, r := range sessions {
			r.Hangup()
		}
	}
	b.ReportMetric(perSession/float64(b.N), "bytes/session")
	b.ReportMetric(firstToken/float64(b.N), "first-token-us")
}
