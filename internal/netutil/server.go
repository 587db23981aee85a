package netutil

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Server runs an accept loop: one goroutine per connection, at most
// MaxConns at once, every connection closed when the context ends.
type Server struct {
	// MaxConns limits concurrent connections; further ones are accepted
	// and closed at once (with a rate-limited warning). 0 means no limit.
	MaxConns int
	// Logger reports refused connections and accept errors.
	Logger *slog.Logger
	// Handle serves one connection. It must return once conn is closed
	// (reads fail then); Server closes conn after Handle returns.
	Handle func(ctx context.Context, conn net.Conn)

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
	wg      sync.WaitGroup
	refused LogLimiter
}

// Serve accepts connections on ln until ctx ends or ln fails for good,
// then closes ln and every open connection and waits for the handlers to
// return. It returns nil when ctx ended. A Server serves one listener at a
// time; Serve may be called again after it returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.conns = map[net.Conn]struct{}{}
	s.closing = false
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	err := s.acceptLoop(ctx, ln)
	ln.Close()
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Active returns the number of open connections.
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) acceptLoop(ctx context.Context, ln net.Listener) error {
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else {
				backoff = min(2*backoff, time.Second)
			}
			s.logger().Warn("accept failed; retrying", "error", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		backoff = 0
		if !s.track(conn) {
			conn.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			s.Handle(ctx, conn)
		}()
	}
}

func (s *Server) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if s.MaxConns > 0 && len(s.conns) >= s.MaxConns {
		if ok, suppressed := s.refused.Allow(); ok {
			s.logger().Warn("refusing connection: too many open connections",
				"peer", conn.RemoteAddr().String(), "max_connections", s.MaxConns, "refused_since_last_log", suppressed)
		}
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

func (s *Server) untrack(conn net.Conn) {
	conn.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// LogLimiter lets a repeated log line through at most once per Interval
// (default 10 seconds) and counts the suppressed ones. Its zero value is
// ready to use and it is safe for concurrent use.
type LogLimiter struct {
	Interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Allow reports whether to log now, and how many calls were suppressed
// since the last allowed one.
func (l *LogLimiter) Allow() (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	iv := l.Interval
	if iv == 0 {
		iv = 10 * time.Second
	}
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < iv {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	return true, n
}
