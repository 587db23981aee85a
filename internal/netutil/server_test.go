package netutil

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

func TestServerLimitAndShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 10)
	s := &Server{MaxConns: 2, Handle: func(ctx context.Context, c net.Conn) {
		started <- struct{}{}
		io.Copy(io.Discard, c) // returns when the server closes c
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
		<-started
	}
	extra, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("connection over the limit: %v, want closed", err)
	}
	if n := s.Active(); n != 2 {
		t.Fatalf("active %d", n)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Fatalf("connection open after shutdown: %v", err)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestLogLimiter(t *testing.T) {
	l := LogLimiter{Interval: time.Hour}
	if ok, n := l.Allow(); !ok || n != 0 {
		t.Fatal("first call not allowed")
	}
	for range 5 {
		if ok, _ := l.Allow(); ok {
			t.Fatal("allowed within the interval")
		}
	}
	l.mu.Lock()
	l.last = time.Now().Add(-2 * time.Hour)
	l.mu.Unlock()
	if ok, n := l.Allow(); !ok || n != 5 {
		t.Fatalf("after the interval: ok=%v suppressed=%d, want true 5", ok, n)
	}
}
