package dlq

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/sluicelog/sluice/event"
)

func benchEvent() *event.Event {
	e := event.NewMessage(`127.0.0.1 - - [24/Nov/2026:08:00:00 +0000] "GET /index.html HTTP/1.1" 200 512`)
	e.Fields()["host"] = map[string]any{"name": "web-1"}
	e.Metadata()["index"] = "logs-web"
	return e
}

func BenchmarkWrite(b *testing.B) {
	w, err := Open(Options{Dir: b.TempDir(), MaxBytes: 1 << 40, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	e := benchEvent()
	b.SetBytes(int64(len(appendRecord(nil, &Entry{PluginType: "elasticsearch", PluginID: "es", Reason: "400 mapper_parsing_exception", Event: eventJSON(nil, e)}))))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(e, "elasticsearch", "es", "400 mapper_parsing_exception"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	w, err := Open(Options{Dir: dir, MaxBytes: 1 << 40, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	e := benchEvent()
	const n = 10000
	for range n {
		w.Write(e, "elasticsearch", "es", "400 mapper_parsing_exception")
	}
	w.Close()
	b.ReportAllocs()
	var bytes int64
	r := NewReader(dir, Position{}, nil, 0)
	for b.Loop() {
		en, err := r.TryNext()
		if errors.Is(err, ErrNoData) {
			r.Close()
			r = NewReader(dir, Position{}, nil, 0)
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		bytes = int64(len(en.Event))
	}
	r.Close()
	b.SetBytes(bytes)
}
