package event

import (
	"encoding/json"
	"testing"
)

// benchEvent is a typical ~210-byte Python log event (python-logstash
// version 1 shape).
var benchEvent = []byte(`{"@timestamp":"2024-05-01T10:20:30.123Z","@version":"1","message":"GET /api/orders/1234 returned 200 in 12.5 ms","host":"web-01","path":"/srv/app/views.py","level":"INFO","logger_name":"app.views","status":200,"duration":12.5}`)

func BenchmarkDecodeJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		if _, err := DecodeJSON(benchEvent); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		if _, err := FromJSON(benchEvent); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJSONStdlib is the encoding/json baseline for comparison.
func BenchmarkDecodeJSONStdlib(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(benchEvent, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	e, err := FromJSON(benchEvent)
	if err != nil {
		b.Fatal(err)
	}
	buf := e.AppendJSON(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = e.AppendJSON(buf[:0])
	}
}

// BenchmarkAppendJSONStdlib is the encoding/json baseline for comparison.
func BenchmarkAppendJSONStdlib(b *testing.B) {
	e, err := FromJSON(benchEvent)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		if _, err := json.Marshal(e.Fields()); err != nil {
			b.Fatal(err)
		}
	}
}
