package scripting

import (
	"log/slog"
	"sync"
	"time"
)

// ErrorLog logs script errors at most once a second, with the number of
// errors not logged since, so a script failing on every event does not
// flood the log. The zero value is ready to use.
type ErrorLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Log logs err with msg, or counts it when one was logged less than a
// second ago.
func (l *ErrorLog) Log(logger *slog.Logger, msg string, err error) {
	if logger == nil {
		return
	}
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.last) < time.Second {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	if n > 0 {
		logger.Error(msg, "error", err.Error(), "similar_errors_not_logged", n)
		return
	}
	logger.Error(msg, "error", err.Error())
}
