package codecutil

import (
	"log/slog"
	"sync"

	"github.com/sluicelog/sluice/event"
)

// AppendEventString appends Logstash's default text form of an event (its
// to_s): "<@timestamp> <host> <message>", where a missing host or message
// shows as the literal %{host} or %{message}.
func AppendEventString(dst []byte, e *event.Event) []byte {
	f := e.Fields()
	if ts, ok := f[event.TimestampField]; ok && ts != nil {
		dst = event.FormatValue(dst, ts)
		dst = append(dst, ' ')
	}
	if h, ok := f["host"]; ok && h != nil {
		dst = event.FormatValue(dst, h)
	} else {
		dst = append(dst, "%{host}"...)
	}
	dst = append(dst, ' ')
	if m, ok := f[event.MessageField]; ok && m != nil {
		dst = event.FormatValue(dst, m)
	} else {
		dst = append(dst, "%{message}"...)
	}
	return dst
}

// Once logs a problem at Warn the first time and at Debug afterwards, so
// that a stream full of bad input does not flood the log.
type Once struct {
	once sync.Once
}

// Log logs msg with args.
func (o *Once) Log(logger *slog.Logger, msg string, args ...any) {
	if logger == nil {
		logger = slog.Default()
	}
	first := false
	o.once.Do(func() { first = true })
	if first {
		logger.Warn(msg, append(args, "note", "further occurrences on this stream are logged at debug level")...)
		return
	}
	logger.Debug(msg, args...)
}
