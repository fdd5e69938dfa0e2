// Command twimlserver is the benchmark's webhook: the smallest TwiML
// endpoint net/http allows. It reads and discards each request's body and
// answers every request with the same short document, so what is measured
// is the client, not the app.
//
//	twimlserver [-addr 127.0.0.1:0] [-body '<Response><Hangup/></Response>'] [-cpu 300us]
//
// -cpu makes every request burn that much CPU first (hashing), to stand in
// for an app that does some work: then the app, not the client, should be
// the bottleneck.
//
// It prints its URL (http://ADDR/voice) on the first line of stdout and
// serves until interrupted or its stdin closes.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	body := flag.String("body", `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`, "TwiML to answer with")
	work := flag.Duration("cpu", 0, "CPU time to burn per request, standing in for the app's own work")
	flag.Parse()
	doc := []byte(*body)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "twimlserver:", err)
		os.Exit(2)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if *work > 0 {
			burn(*work)
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(doc)
	})}
	go srv.Serve(ln)
	fmt.Printf("http://%s/voice\n", ln.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	eof := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(eof) }()
	select {
	case <-stop:
	case <-eof:
	}
	srv.Close()
}

// burn keeps the CPU busy for about d of this thread's time.
func burn(d time.Duration) {
	var sum [32]byte
	start := time.Now()
	for time.Since(start) < d {
		for range 64 {
			sum = sha256.Sum256(sum[:])
		}
	}
}
