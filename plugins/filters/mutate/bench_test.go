package mutate

import (
	"testing"

	"github.com/sluicelog/sluice/event"
)

func benchEvent() *event.Event {
	return newEvent(m{
		"message":  "GET /index.html HTTP/1.1",
		"clientip": "10.0.0.1",
		"bytes":    "1,534",
		"status":   "200",
		"verb":     "GET",
		"agent":    "  Mozilla/5.0 (X11; Linux x86_64)  ",
		"host":     "WEB-01.example.com",
	})
}

// BenchmarkMutate runs a typical mutate (several operations) on a fresh
// copy of an event; BenchmarkClone is the cost of that copy alone.
func BenchmarkMutate(b *testing.B) {
	f := newFilter(b, &Filter{
		Rename:    h("clientip", "[client][ip]"),
		Replace:   h("summary", "%{verb} from %{[client][ip]}"),
		Convert:   h("bytes", "integer", "status", "integer"),
		Gsub:      a{"message", `HTTP/\d\.\d`, "", "host", `\.example\.com$`, ""},
		Lowercase: []string{"host", "verb"},
		Strip:     []string{"agent"},
		Copy:      h("host", "[host_info][name]"),
	})
	base := benchEvent()
	b.ReportAllocs()
	for b.Loop() {
		e := base.Clone()
		if !f.Filter(e, nil) {
			b.Fatal("filter failed")
		}
	}
}

func BenchmarkClone(b *testing.B) {
	base := benchEvent()
	b.ReportAllocs()
	for b.Loop() {
		_ = base.Clone()
	}
}

func BenchmarkConvertInteger(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := toInteger("1,234,567"); err != nil {
			b.Fatal(err)
		}
	}
}
