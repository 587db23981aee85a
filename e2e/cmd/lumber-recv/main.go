// Command lumber-recv is a Beats (lumberjack v2) receiver built on
// github.com/elastic/go-lumber's server, the library Logstash-compatible
// senders are tested against. It proves protocol conformance of a client
// independently of Sluice's own beats input: the Python client's tests
// build and run it.
//
// It prints one JSON object per line on stdout:
//
//	{"listening":"127.0.0.1:40123"}
//	{"batch":1,"size":2,"raw_bytes":123,"events":[{...},{...}]}
//	{"acked":1,"size":2}
//
// raw_bytes is the count of bytes read from all connections so far (to
// see that windows are compressed). With -ack-after N only the first N
// batches are acknowledged; later ones are printed with "acked" never
// following, so the client must resend them after it reconnects.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	v2 "github.com/elastic/go-lumber/server/v2"
)

var rawBytes atomic.Int64

type countingListener struct{ net.Listener }

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

type countingConn struct{ net.Conn }

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	rawBytes.Add(int64(n))
	return n, err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	ackAfter := flag.Int("ack-after", -1, "acknowledge only the first N batches (-1: all)")
	ackDelay := flag.Duration("ack-delay", 0, "wait this long before acknowledging a batch")
	keepalive := flag.Duration("keepalive", 3*time.Second, "interval of the server's empty keep-alive ACKs while a batch is pending")
	flag.Parse()
	log.SetOutput(io.Discard) // go-lumber logs every connection with the log package

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lumber-recv:", err)
		os.Exit(1)
	}
	srv, err := v2.NewWithListener(countingListener{ln}, v2.Keepalive(*keepalive), v2.Timeout(30*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lumber-recv:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	enc := json.NewEncoder(os.Stdout)
	print := func(v any) {
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(os.Stderr, "lumber-recv: stdout:", err)
			os.Exit(1)
		}
	}
	print(map[string]any{"listening": ln.Addr().String()})

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		srv.Close()
	}()
	n := 0
	for b := range srv.ReceiveChan() {
		n++
		print(map[string]any{"batch": n, "size": len(b.Events), "raw_bytes": rawBytes.Load(), "events": b.Events})
		if *ackAfter >= 0 && n > *ackAfter {
			continue
		}
		if *ackDelay > 0 {
			time.Sleep(*ackDelay)
		}
		b.ACK()
		print(map[string]any{"acked": n, "size": len(b.Events)})
	}
}
