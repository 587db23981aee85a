package monitor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultPorts is api.http.port's default: Logstash binds the first free
// port of 9600-9700.
const DefaultPorts = "9600-9700"

// ParsePorts parses api.http.port: a port ("9600"; 0 for any free
// port) or a range ("9600-9700").
func ParsePorts(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	lo, err = strconv.Atoi(strings.TrimSpace(a))
	if err != nil || lo < 0 || lo > 65535 || (isRange && lo == 0) {
		return 0, 0, fmt.Errorf("expected a port or a range of ports such as 9600-9700, got %q", s)
	}
	hi = lo
	if isRange {
		hi, err = strconv.Atoi(strings.TrimSpace(b))
		if err != nil || hi < lo || hi > 65535 {
			return 0, 0, fmt.Errorf("expected a port or a range of ports such as 9600-9700, got %q", s)
		}
	}
	return lo, hi, nil
}

// Listen binds host on the first free port of lo..hi.
func Listen(host string, lo, hi int) (net.Listener, error) {
	var lastErr error
	for port := lo; port <= hi; port++ {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err == nil {
			return l, nil
		}
		lastErr = err
		if !errors.Is(err, syscall.EADDRINUSE) {
			break // not a busy port: another port will not help
		}
	}
	if lo == hi {
		return nil, fmt.Errorf("monitoring API: listen on %s port %d: %w", host, lo, lastErr)
	}
	return nil, fmt.Errorf("monitoring API: no free port in %d-%d on %s: %w", lo, hi, host, lastErr)
}

// Serve serves the API on l until ctx is done; it records l's address as
// the node's http_address.
func (m *Monitor) Serve(ctx context.Context, l net.Listener) error {
	m.mu.Lock()
	m.httpAddr = l.Addr().String()
	m.mu.Unlock()
	srv := &http.Server{
		Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("monitoring API: %w", err)
	}
	return nil
}
