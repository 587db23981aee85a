package json_lines

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

func codec(t testing.TB, conf string) *Codec {
	t.Helper()
	return plugintest.Build(t, plugin.KindCodec, conf).Plugin.(*Codec)
}

// show renders events without a @timestamp set to the current time.
func show(events []*event.Event) []string {
	out := []string{}
	for _, e := range events {
		c := e.Clone()
		if c.Timestamp().After(time.Now().Add(-time.Hour)) {
			delete(c.Fields(), "@timestamp")
		}
		out = append(out, string(c.AppendJSON(nil)))
	}
	return out
}

func decodeChunks(c *Codec, max int, chunks ...[]byte) []*event.Event {
	d := c.NewDecoder(plugin.DecoderOptions{MaxBytes: max})
	var out []*event.Event
	emit := func(e *event.Event) { out = append(out, e) }
	for _, ch := range chunks {
		d.Decode(ch, emit)
	}
	d.Flush(emit)
	return out
}

const fail = `,"tags":["_jsonparsefailure"]}`

func TestDecode(t *testing.T) {
	tests := []struct {
		name, conf, in string
		want           []string
	}{
		{"lines", `json_lines`, "{\"a\":1}\n{\"a\":2}\n", []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`}},
		{"last line without newline", `json_lines`, "{\"a\":1}\n{\"a\":2}", []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`}},
		{"crlf and blank lines", `json_lines`, "\n{\"a\":1}\r\n\r\n   \n{\"a\":2}\n\n", []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`}},
		{"array line", `json_lines`, "[{\"a\":1},{\"a\":2}]\n[]\n", []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`}},
		{"invalid keeps the text", `json_lines`, "not json\n{\"a\":1}\n{broken\n", []string{`{"@version":"1","message":"not json"` + fail, `{"@version":"1","a":1}`, `{"@version":"1","message":"{broken"` + fail}},
		{"scalar", `json_lines`, "42\n", []string{`{"@version":"1","message":"42"` + fail}},
		{"invalid utf-8", `json_lines`, "{\"s\":\"\xff\"}\n\xfe\n", []string{`{"@version":"1","s":"\ufffd"}`, `{"@version":"1","message":"\ufffd"` + fail}},
		{"pretty JSON is one document per line", `json_lines`, "{\n\"a\":1\n}\n", []string{`{"@version":"1","message":"{"` + fail, `{"@version":"1","message":"\"a\":1"` + fail, `{"@version":"1","message":"}"` + fail}},
		{"custom delimiter", `json_lines { delimiter => "|" }`, `{"a":1}|{"a":2}|`, []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`}},
		{"target", `json_lines { target => "doc" }`, "{\"a\":1}\n", []string{`{"@version":"1","doc":{"a":1}}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := codec(t, tt.conf)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.ReplaceAll(w, `\ufffd`, "\ufffd")
			}
			if got := show(decodeChunks(c, 0, []byte(tt.in))); !reflect.DeepEqual(got, want) {
				t.Fatalf("one chunk:\n got %q\nwant %q", got, want)
			}
			for i := 0; i <= len(tt.in); i++ {
				for j := i; j <= len(tt.in); j++ {
					got := show(decodeChunks(c, 0, []byte(tt.in[:i]), []byte(tt.in[i:j]), []byte(tt.in[j:])))
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("cut at %d,%d:\n got %q\nwant %q", i, j, got, want)
					}
				}
			}
		})
	}
}

func TestLimits(t *testing.T) {
	in := `{"s":"` + strings.Repeat("x", 100) + "\"}\n{\"a\":1}\n" + strings.Repeat("[", 600) + "\n{\"a\":2}\n"
	for _, tc := range []struct {
		conf string
		max  int
	}{{`json_lines`, 20}, {`json_lines { decode_size_limit_bytes => 20 }`, 0}} {
		got := decodeChunks(codec(t, tc.conf), tc.max, []byte(in))
		if len(got) != 4 {
			t.Fatalf("%s: %d events: %q", tc.conf, len(got), show(got))
		}
		if got[0].Message() != `{"s":"`+strings.Repeat("x", 14) || !reflect.DeepEqual(got[0].Tags(), []string{codecutil.TagJSONParseFailure, codecutil.TagLineTooLong}) {
			t.Errorf("%s: long line gave %q", tc.conf, show(got[:1]))
		}
		if got[1].Fields()["a"] != int64(1) || got[3].Fields()["a"] != int64(2) {
			t.Errorf("%s: %q", tc.conf, show(got))
		}
	}
	// Deep nesting within the size limit is a parse failure with the text.
	got := decodeChunks(codec(t, `json_lines`), 0, []byte(strings.Repeat("[", 600)+"\n"))
	if len(got) != 1 || !got[0].HasTag(codecutil.TagJSONParseFailure) || len(got[0].Message()) != 600 {
		t.Errorf("deep nesting: %q", show(got))
	}
}

func TestHugeLineBoundedMemory(t *testing.T) {
	d := codec(t, `json_lines`).NewDecoder(plugin.DecoderOptions{MaxBytes: 1000}).(*Decoder)
	n := 0
	emit := func(*event.Event) { n++ }
	chunk := bytes.Repeat([]byte("z"), 64<<10)
	for range 160 {
		d.Decode(chunk, emit)
		if d.split.Buffered() > 1000 {
			t.Fatalf("decoder holds %d bytes", d.split.Buffered())
		}
	}
	d.Decode([]byte("\n{\"a\":1}\n"), emit)
	if n != 2 {
		t.Fatalf("%d events", n)
	}
}

// TestPythonWireFormats sends, as a Python handler would over TCP (one
// JSON document and a newline per record), the output of each common
// formatter, and checks the events.
func TestPythonWireFormats(t *testing.T) {
	lines := []string{
		// python-logstash 0.4.8, formatter version 0
		`{"@timestamp": "2024-05-01T10:20:30.123Z", "@message": "v0 message", "@source": "Logstash://web-01//srv/app.py", "@source_host": "web-01", "@source_path": "/srv/app.py", "@tags": [], "@type": "Logstash", "@fields": {"levelname": "INFO", "logger": "app", "user": "bob"}}`,
		// python-logstash 0.4.8, formatter version 1
		`{"@timestamp": "2024-05-01T10:20:30.124Z", "@version": "1", "message": "v1 message", "host": "web-01", "path": "/srv/app.py", "tags": [], "type": "Logstash", "level": "INFO", "logger_name": "app", "stack_info": null, "user": "bob"}`,
		// a python-logstash fork with an integer @version
		`{"@timestamp": "2024-05-01T10:20:30.125Z", "@version": 1, "message": "fork message", "host": "web-01", "levelname": "INFO", "logger": "app"}`,
		// python-logstash-async
		`{"@timestamp": "2024-05-01T10:20:30.126Z", "@version": "1", "host": "web-01", "level": "INFO", "logsource": "web-01", "message": "async message", "pid": 7, "program": "app.py", "type": "python-logstash", "extra": {"logger_name": "app", "line": 3, "user": "bob"}}`,
		// ecs-logging
		`{"@timestamp":"2024-05-01T10:20:30.127Z","log.level":"info","message":"ecs message","ecs.version":"1.6.0","log":{"logger":"app","origin":{"file":{"line":3,"name":"app.py"},"function":"f"},"original":"ecs message"},"process":{"name":"MainProcess","pid":7,"thread":{"id":1,"name":"MainThread"}},"user":"bob"}`,
		// structlog JSONRenderer
		`{"user": "bob", "event": "structlog message", "level": "info", "logger": "app", "timestamp": "2024-05-01T10:20:30.128000Z"}`,
	}
	in := strings.Join(lines, "\n") + "\n"
	got := decodeChunks(codec(t, `json_lines`), 0, []byte(in))
	if len(got) != len(lines) {
		t.Fatalf("%d events, want %d: %q", len(got), len(lines), show(got))
	}
	wantMsgs := []string{"v0 message", "v1 message", "fork message", "async message", "ecs message", "structlog message"}
	for i, e := range got {
		if e.Message() != wantMsgs[i] {
			t.Errorf("event %d: message %q, want %q", i, e.Message(), wantMsgs[i])
		}
		wantTS := time.Date(2024, 5, 1, 10, 20, 30, (123+i)*1e6, time.UTC)
		if !e.Timestamp().Equal(wantTS) {
			t.Errorf("event %d: @timestamp %v, want %v", i, e.Timestamp(), wantTS)
		}
		if e.Fields()["@version"] != "1" {
			t.Errorf("event %d: @version %#v", i, e.Fields()["@version"])
		}
		if len(e.Tags()) > 0 {
			t.Errorf("event %d: tags %v", i, e.Tags())
		}
	}
	if v, _ := got[0].GetField("user"); v != "bob" {
		t.Errorf("v0 @fields not lifted: %q", show(got[:1]))
	}
	if v, _ := got[3].GetField("[extra][user]"); v != "bob" {
		t.Errorf("python-logstash-async extra: %q", show(got[3:4]))
	}
	if v, _ := got[4].GetField("[log][level]"); v != "info" {
		t.Errorf("ecs log.level not expanded: %q", show(got[4:5]))
	}
	if v, _ := got[4].GetField("[log][logger]"); v != "app" {
		t.Errorf("ecs log.logger lost: %q", show(got[4:5]))
	}
}

func TestEncode(t *testing.T) {
	e := event.NewMessage("hi")
	e.SetTimestamp(time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC))
	out, err := codec(t, `json_lines`).Encode(nil, e)
	if want := "{\"@timestamp\":\"2024-05-01T10:20:30.000Z\",\"@version\":\"1\",\"message\":\"hi\"}\n"; err != nil || string(out) != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
	// What it encodes, it decodes.
	back := decodeChunks(codec(t, `json_lines`), 0, out)
	if len(back) != 1 || back[0].Message() != "hi" || !back[0].Timestamp().Equal(e.Timestamp()) {
		t.Errorf("round trip: %q", show(back))
	}
}

func FuzzJSONLinesDecoder(f *testing.F) {
	f.Add([]byte("{\"a\":1}\r\n\n[{\"b\":2}]\nnot json\n{\"c\":"), uint16(64), uint8(3))
	f.Add([]byte(`{"@timestamp":"2024-05-01T10:20:30Z","event":"e","ecs.version":"1","a.b":1}`+"\n"), uint16(10), uint8(1))
	c := codec(f, `json_lines`)
	f.Fuzz(func(t *testing.T, in []byte, max uint16, step uint8) {
		if max == 0 {
			return
		}
		whole := show(decodeChunks(c, int(max), in))
		st := int(step)%11 + 1
		d := c.NewDecoder(plugin.DecoderOptions{MaxBytes: int(max)}).(*Decoder)
		var events []*event.Event
		emit := func(e *event.Event) { events = append(events, e) }
		for i := 0; i < len(in); i += st {
			d.Decode(in[i:min(i+st, len(in))], emit)
			if d.split.Buffered() > int(max)+1 {
				t.Fatalf("decoder holds %d bytes, limit %d", d.split.Buffered(), max)
			}
		}
		d.Flush(emit)
		if got := show(events); !reflect.DeepEqual(got, whole) {
			t.Fatalf("chunks of %d:\n got %q\nwant %q", st, got, whole)
		}
	})
}

// BenchmarkDecode measures the codec's whole decode path (line splitting,
// JSON, Python normalisation, event) on a stream of ~230-byte events.
func BenchmarkDecode(b *testing.B) {
	line := `{"@timestamp":"2024-05-01T10:20:30.123Z","@version":"1","message":"GET /api/orders/1234 returned 200 in 12.5 ms","host":"web-01","path":"/srv/app/views.py","level":"INFO","logger_name":"app.views","status":200,"duration":12.5}` + "\n"
	chunk := []byte(strings.Repeat(line, 256))
	d := codec(b, `json_lines`).NewDecoder(plugin.DecoderOptions{})
	n := 0
	emit := func(*event.Event) { n++ }
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		d.Decode(chunk, emit)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
}
