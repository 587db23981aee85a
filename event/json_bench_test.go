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

// benchAccessLine is an Apache access log line, the message of a shipped
// log file's event.
const benchAccessLine = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`

func BenchmarkAppendJSONString(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchAccessLine)))
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf = AppendJSONString(buf[:0], benchAccessLine)
	}
}

// BenchmarkDecodeJSONBeatsDoc decodes what the lumberjack output sends
// for a shipped Apache access log line (its quotes escaped).
func BenchmarkDecodeJSONBeatsDoc(b *testing.B) {
	doc := []byte(`{"@metadata":{"beat":"filebeat","type":"_doc","version":"0.1.0-dev"},"@timestamp":"2026-11-24T08:21:44.123Z","agent":{"name":"bench","type":"filebeat","version":"0.1.0-dev"},"ecs":{"version":"8.0.0"},"host":{"hostname":"vm"},"input":{"type":"filestream"},"message":`)
	doc = AppendJSONString(doc, benchAccessLine)
	doc = append(doc, '}')
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := DecodeJSON(doc); err != nil {
			b.Fatal(err)
		}
	}
}
