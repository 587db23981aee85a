package json

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

// codec builds the json codec with ECS disabled (so events carry no
// [event][original]) unless conf sets ecs_compatibility.
func codec(t testing.TB, conf string) *Codec {
	t.Helper()
	if !strings.Contains(conf, "ecs_compatibility") {
		if i := strings.IndexByte(conf, '{'); i >= 0 {
			conf = conf[:i+1] + " ecs_compatibility => disabled " + conf[i+1:]
		} else {
			conf += " { ecs_compatibility => disabled }"
		}
	}
	return plugintest.Build(t, plugin.KindCodec, conf).Plugin.(*Codec)
}

func TestECSKeepsOriginal(t *testing.T) {
	raw := `{"message":"hi"}`
	got := decodeChunks(codec(t, `json { ecs_compatibility => v8 }`), 0, []byte(raw))
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	if v, _ := got[0].GetField("[event][original]"); v != raw {
		t.Fatalf("[event][original] = %v, want the raw document", v)
	}
	got = decodeChunks(codec(t, `json`), 0, []byte(raw))
	if _, ok := got[0].GetField("[event][original]"); ok {
		t.Fatal("[event][original] set with ECS disabled")
	}
}

// show renders events without their (current-time) @timestamp.
func show(events []*event.Event) []string {
	out := []string{}
	for _, e := range events {
		c := e.Clone()
		if _, ok := c.Fields()["@timestamp"]; ok && c.Timestamp().Year() > 2020 && c.Timestamp().After(time.Now().Add(-time.Hour)) {
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
		name, in string
		want     []string
	}{
		{"object", `{"message":"hi","n":1}`, []string{`{"@version":"1","message":"hi","n":1}`}},
		{"pretty", "{\n  \"message\": \"hi\",\n  \"a\": [\n    1,\n    2\n  ]\n}\n", []string{`{"@version":"1","a":[1,2],"message":"hi"}`}},
		{"ndjson", "{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":3}", []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`, `{"@version":"1","a":3}`}},
		{"back to back", `{"a":1}{"a":2} [{"a":3},{"a":4}]`, []string{`{"@version":"1","a":1}`, `{"@version":"1","a":2}`, `{"@version":"1","a":3}`, `{"@version":"1","a":4}`}},
		{"array", `[{"a":1},{"b":2}]`, []string{`{"@version":"1","a":1}`, `{"@version":"1","b":2}`}},
		{"empty array", `[]`, []string{}},
		{"blank", " \n\t\r\n", []string{}},
		{"brackets in strings", `{"s":"}{][\"\\"}`, []string{`{"@version":"1","s":"}{][\"\\"}`}},
		{"scalar", `"just text"`, []string{`{"@version":"1","message":"\"just text\""` + fail}},
		{"plain text lines", "hello world\r\nsecond line\n", []string{`{"@version":"1","message":"hello world"` + fail, `{"@version":"1","message":"second line"` + fail}},
		{"array of scalars", `[1,2]`, []string{`{"@version":"1","message":"[1,2]"` + fail}},
		{"invalid then valid", "{\"a\":}\n{\"b\":1}\n", []string{`{"@version":"1","message":"{\"a\":}"` + fail, `{"@version":"1","b":1}`}},
		{"mismatched brackets resync at newline", "{\"a\":[1}\n{\"b\":1}\n", []string{`{"@version":"1","message":"{\"a\":[1}"` + fail, `{"@version":"1","b":1}`}},
		{"trailing text", "{\"a\":1} tail\n", []string{`{"@version":"1","a":1}`, `{"@version":"1","message":"tail"` + fail}},
		{"unfinished at end", `{"a":[1,2`, []string{`{"@version":"1","message":"{\"a\":[1,2"` + fail}},
		{"invalid utf-8", "{\"s\":\"a\xffb\"}\nnot \xfe json", []string{`{"@version":"1","s":"a\ufffdb"}`, `{"@version":"1","message":"not \ufffd json"` + fail}},
		{"timestamp", `{"@timestamp":"2024-05-01T10:20:30.123456Z","message":"m"}`, []string{`{"@timestamp":"2024-05-01T10:20:30.123Z","@version":"1","message":"m"}`}},
	}
	c := codec(t, `json`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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

func TestDecodeLimits(t *testing.T) {
	c := codec(t, `json`)
	big := `{"s":"` + strings.Repeat("x", 100) + `"}`
	in := big + "\n" + `{"a":1}` + "\n" + strings.Repeat("y", 50) + "\n" + `{"a":2}`
	var want []string
	for step := 1; step <= len(in); step += 7 {
		var chunks [][]byte
		for i := 0; i < len(in); i += step {
			chunks = append(chunks, []byte(in[i:min(i+step, len(in))]))
		}
		got := show(decodeChunks(c, 20, chunks...))
		if want == nil {
			want = []string{
				`{"@version":"1","message":"{\"s\":\"xxxxxxxxxxxxxx","tags":["_jsonparsefailure","_messagetoolong"]}`,
				`{"@version":"1","a":1}`,
				`{"@version":"1","message":"yyyyyyyyyyyyyyyyyyyy","tags":["_jsonparsefailure","_messagetoolong"]}`,
				`{"@version":"1","a":2}`,
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("chunks of %d:\n got %q\nwant %q", step, got, want)
		}
	}
	// Nesting deeper than the decoder allows is a parse failure, and the
	// framer does not grow a stack for it.
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "\n{\"ok\":true}\n"
	got := decodeChunks(c, 0, []byte(deep))
	if len(got) != 2 || !got[0].HasTag(codecutil.TagJSONParseFailure) || got[1].Fields()["ok"] != true {
		t.Fatalf("deep nesting: %d events %v", len(got), show(got))
	}
}

func TestHugeDocumentBoundedMemory(t *testing.T) {
	c := codec(t, `json`)
	d := c.NewDecoder(plugin.DecoderOptions{MaxBytes: 1000}).(*Decoder)
	var n int
	emit := func(*event.Event) { n++ }
	d.Decode([]byte(`{"s":"`), emit)
	chunk := bytes.Repeat([]byte("z"), 64<<10)
	for range 160 {
		d.Decode(chunk, emit)
		if len(d.framer.buf) > 1001 {
			t.Fatalf("decoder holds %d bytes", len(d.framer.buf))
		}
	}
	d.Decode([]byte("\"}\n{\"a\":1}\n"), emit)
	if n != 2 {
		t.Fatalf("%d events, want the cut document and the next one", n)
	}
}

func TestSettings(t *testing.T) {
	in := []byte(`{"event":"structlog says hi","timestamp":"2024-05-01T10:20:30.5Z","level":"info"}`)
	got := show(decodeChunks(codec(t, `json`), 0, in))
	if want := []string{`{"@timestamp":"2024-05-01T10:20:30.500Z","@version":"1","level":"info","message":"structlog says hi"}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("python_formats on:\n got %q\nwant %q", got, want)
	}
	got = show(decodeChunks(codec(t, `json { python_formats => false }`), 0, in))
	if want := []string{`{"@version":"1","event":"structlog says hi","level":"info","timestamp":"2024-05-01T10:20:30.5Z"}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("python_formats off:\n got %q\nwant %q", got, want)
	}
	got = show(decodeChunks(codec(t, `json { target => "[doc]" }`), 0, []byte(`{"a":{"b":1}}`)))
	if want := []string{`{"@version":"1","doc":{"a":{"b":1}}}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("target:\n got %q\nwant %q", got, want)
	}
	got = show(decodeChunks(codec(t, `json { charset => "CP1252" }`), 0, []byte("{\"s\":\"\x93q\x94\"}")))
	if want := []string{`{"@version":"1","s":"“q”"}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("charset:\n got %q\nwant %q", got, want)
	}
	if _, err := plugintest.BuildErr(plugin.KindCodec, `json { target => "[a" }`); err == nil {
		t.Error("bad target accepted")
	}
}

func TestEncode(t *testing.T) {
	e := event.NewMessage("hi")
	e.SetTimestamp(time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC))
	e.Metadata()["hidden"] = true
	out, err := codec(t, `json`).Encode([]byte("x"), e)
	if want := `x{"@timestamp":"2024-05-01T10:20:30.000Z","@version":"1","message":"hi"}`; err != nil || string(out) != want {
		t.Errorf("got %s, %v; want %s", out, err, want)
	}
}

func FuzzJSONDecoder(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n[{\"b\":\"}\"}] x\n\"s\"\n{\"c\":[}\n"), uint16(64), uint8(3))
	f.Add([]byte(`{"a":"\\\"}"}{}`), uint16(5), uint8(1))
	c := codec(f, `json`)
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
			if len(d.framer.buf) > int(max)+1 {
				t.Fatalf("decoder holds %d bytes, limit %d", len(d.framer.buf), max)
			}
		}
		d.Flush(emit)
		if got := show(events); !reflect.DeepEqual(got, whole) {
			t.Fatalf("chunks of %d:\n got %q\nwant %q", st, got, whole)
		}
	})
}
