// Command floor is the benchmark's baseline client: a plain net/http loop
// that sends the same request as callsim's first request of a call, over
// and over, from -c goroutines sharing one keep-alive transport.
//
// It sends the exact method, URL, headers and form body of a request
// callsim printed with `callsim inbound --dry-run --json` (-template), so
// the bytes on the wire match callsim's. By default it reuses that
// request's X-Twilio-Signature (no per-request work at all: the floor);
// with -sign TOKEN it recomputes the HMAC-SHA1 signature for every request
// with crypto/hmac, to show what signing alone costs. It reads each
// response body to the end and checks the status; it does not parse TwiML.
//
// It prints one JSON object: requests, errors, elapsed_ns,
// requests_per_second and latency quantiles (same histogram as callsim).
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsim/callsim/simulate/load"
)

type kv struct{ Key, Value string }

type template struct {
	Method  string
	URL     string
	Body    string
	Headers []kv
	Params  []kv
}

type result struct {
	Requests          int64   `json:"requests"`
	Errors            int64   `json:"errors"`
	ElapsedNS         int64   `json:"elapsed_ns"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	P50               int64   `json:"p50_ns"`
	P90               int64   `json:"p90_ns"`
	P99               int64   `json:"p99_ns"`
	Max               int64   `json:"max_ns"`
	BodyBytes         int     `json:"body_bytes"`
	Headers           int     `json:"headers"`
	Signed            string  `json:"signature"`
}

func main() {
	tmplFile := flag.String("template", "", "a request as printed by callsim inbound --dry-run --json")
	target := flag.String("url", "", "send to this URL instead of the template's (signed for it)")
	n := flag.Int64("n", 10000, "requests to send")
	c := flag.Int("c", 50, "concurrent requests")
	sign := flag.String("sign", "", "recompute the signature with this auth token for every request")
	token := flag.String("token", "", "auth token to re-sign the template once for -url")
	newConns := flag.Bool("new-connections", false, "a new connection per request")
	flag.Parse()
	data, err := os.ReadFile(*tmplFile)
	if err != nil {
		fail(err)
	}
	var t template
	if err := json.Unmarshal(data, &t); err != nil {
		fail(err)
	}
	if *target != "" && *target != t.URL {
		t.URL = *target
		if *sign == "" { // the template's signature is for its URL
			for i, h := range t.Headers {
				if h.Key == "X-Twilio-Signature" {
					t.Headers[i].Value = signature(*token, t.URL, sortedParams(t.Params))
				}
			}
		}
	}
	body := []byte(t.Body)
	sorted := sortedParams(t.Params)

	tr := &http.Transport{Proxy: nil, MaxIdleConns: *c, MaxIdleConnsPerHost: *c, IdleConnTimeout: 90 * time.Second, DisableKeepAlives: *newConns}
	client := &http.Client{Transport: tr}
	var next, errs atomic.Int64
	hists := make([]*load.Histogram, *c)
	var wg sync.WaitGroup
	start := time.Now()
	for g := range *c {
		h := load.NewHistogram()
		hists[g] = h
		wg.Go(func() {
			for next.Add(1) <= *n {
				req, err := http.NewRequest(t.Method, t.URL, bytes.NewReader(body))
				if err != nil {
					fail(err)
				}
				for _, h := range t.Headers {
					req.Header.Set(h.Key, h.Value)
				}
				if *sign != "" {
					req.Header.Set("X-Twilio-Signature", signature(*sign, t.URL, sorted))
				}
				began := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				h.Record(time.Since(began))
				if err != nil {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := load.NewHistogram()
	for _, h := range hists {
		all.Merge(h)
	}
	mode := "reused from the template"
	if *sign != "" {
		mode = "recomputed per request"
	}
	r := result{
		Requests: int64(all.Count()), Errors: errs.Load(), ElapsedNS: int64(elapsed),
		RequestsPerSecond: float64(all.Count()) / elapsed.Seconds(),
		P50:               int64(all.Quantile(.5)), P90: int64(all.Quantile(.9)), P99: int64(all.Quantile(.99)), Max: int64(all.Max()),
		BodyBytes: len(body), Headers: len(t.Headers), Signed: mode,
	}
	json.NewEncoder(os.Stdout).Encode(r)
}

// sortedParams is the part of the string to sign after the URL: every
// field name and value, sorted by name (the template has no repeats).
func sortedParams(p []kv) string {
	s := append([]kv(nil), p...)
	sort.Slice(s, func(i, j int) bool { return s[i].Key < s[j].Key })
	var b strings.Builder
	for _, kv := range s {
		b.WriteString(kv.Key + kv.Value)
	}
	return b.String()
}

// signature is X-Twilio-Signature for a POST to rawURL (no port stripping
// needed on http://).
func signature(token, rawURL, sortedParams string) string {
	if _, err := url.Parse(rawURL); err != nil {
		fail(err)
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(rawURL))
	mac.Write([]byte(sortedParams))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "floor:", err)
	os.Exit(2)
}
