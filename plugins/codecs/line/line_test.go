package line

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

type got struct {
	Msg  string
	Tags []string
}

func codec(t testing.TB, conf string) *Codec {
	t.Helper()
	return plugintest.Build(t, plugin.KindCodec, conf).Plugin.(*Codec)
}

func decode(c *Codec, max int, chunks ...[]byte) ([]got, *Decoder) {
	d := c.NewDecoder(plugin.DecoderOptions{MaxBytes: max}).(*Decoder)
	var out []got
	emit := func(e *event.Event) { out = append(out, got{e.Message(), e.Tags()}) }
	for _, ch := range chunks {
		d.Decode(ch, emit)
	}
	d.Flush(emit)
	return out, d
}

func msgs(ss ...string) []got {
	out := make([]got, len(ss))
	for i, s := range ss {
		out[i] = got{s, []string{}}
	}
	return out
}

func TestDecode(t *testing.T) {
	tests := []struct {
		conf, in string
		want     []got
	}{
		{`line`, "a\nb\nc", msgs("a", "b", "c")},
		{`line`, "a\nb\n", msgs("a", "b")},
		{`line`, "", nil},
		{`line`, "\n\n", msgs("", "")},
		{`line`, "win\r\ndows\r\n\r\n", msgs("win", "dows", "")},
		{`line`, "cr\r\r\n", msgs("cr\r")},
		{`line`, "only\r", msgs("only")},
		{`line`, "bad \xff\xfe utf8\n", msgs("bad \ufffd\ufffd utf8")},
		{`line { delimiter => "|" }`, "a|b\r|c", msgs("a", "b\r", "c")},
		{`line { delimiter => "<END>" }`, "one<END>two<EN>three<END>", msgs("one", "two<EN>three")},
		{`line { charset => "ISO-8859-1" }`, "caf\xe9\n", msgs("café")},
		{`line { charset => "CP1252" }`, "\x93hi\x94\n", msgs("“hi”")},
	}
	for _, tt := range tests {
		c := codec(t, tt.conf)
		out, _ := decode(c, 0, []byte(tt.in))
		if !reflect.DeepEqual(out, tt.want) {
			t.Errorf("%s %q:\n got %q\nwant %q", tt.conf, tt.in, out, tt.want)
		}
		// Every two cut points give the same events.
		for i := 0; i <= len(tt.in); i++ {
			for j := i; j <= len(tt.in); j++ {
				out, _ := decode(c, 0, []byte(tt.in[:i]), []byte(tt.in[i:j]), []byte(tt.in[j:]))
				if !reflect.DeepEqual(out, tt.want) {
					t.Fatalf("%s %q cut at %d,%d:\n got %q\nwant %q", tt.conf, tt.in, i, j, out, tt.want)
				}
			}
		}
	}
}

func TestLongLines(t *testing.T) {
	c := codec(t, `line`)
	in := "short\n" + strings.Repeat("x", 25) + "\r\nafter\n" + strings.Repeat("y", 30)
	want := []got{
		{"short", []string{}},
		{strings.Repeat("x", 10), []string{codecutil.TagLineTooLong}},
		{"after", []string{}},
		{strings.Repeat("y", 10), []string{codecutil.TagLineTooLong}},
	}
	for step := 1; step <= len(in); step++ {
		var chunks [][]byte
		for i := 0; i < len(in); i += step {
			chunks = append(chunks, []byte(in[i:min(i+step, len(in))]))
		}
		out, _ := decode(c, 10, chunks...)
		if !reflect.DeepEqual(out, want) {
			t.Fatalf("chunks of %d:\n got %q\nwant %q", step, out, want)
		}
	}
}

func TestHugeLineBoundedMemory(t *testing.T) {
	c := codec(t, `line`)
	d := c.NewDecoder(plugin.DecoderOptions{MaxBytes: 1000}).(*Decoder)
	var out []got
	emit := func(e *event.Event) { out = append(out, got{e.Message(), e.Tags()}) }
	chunk := bytes.Repeat([]byte("z"), 64<<10)
	for range 160 { // 10 MiB without a newline
		d.Decode(chunk, emit)
		if d.split.Buffered() > 1000 {
			t.Fatalf("decoder holds %d bytes", d.split.Buffered())
		}
	}
	d.Decode([]byte("end\nnext\n"), emit)
	if len(out) != 2 || len(out[0].Msg) != 1000 || out[1].Msg != "next" {
		t.Fatalf("got %d events: %.50q", len(out), out)
	}
}

func TestEncode(t *testing.T) {
	e := event.NewMessage("hello")
	e.SetTimestamp(time.Date(2024, 5, 1, 10, 20, 30, 123456789, time.UTC))
	_ = e.SetField("host", "web-01")
	_ = e.SetField("[log][level]", "INFO")
	tests := []struct{ conf, want string }{
		{`line`, "2024-05-01T10:20:30.123Z web-01 hello\n"},
		{`line { format => "%{[log][level]} %{message}" }`, "INFO hello\n"},
		{`line { delimiter => "|" format => "%{message}" }`, "hello|"},
	}
	for _, tt := range tests {
		out, err := codec(t, tt.conf).Encode([]byte("old:"), e)
		if err != nil || string(out) != "old:"+tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.conf, out, err, tt.want)
		}
	}
	bare := event.FromMap(map[string]any{"@timestamp": time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)})
	out, _ := codec(t, `line`).Encode(nil, bare)
	if string(out) != "2024-05-01T00:00:00.000Z %{host} %{message}\n" {
		t.Errorf("no host or message: %q", out)
	}
}

func TestBadSettings(t *testing.T) {
	for _, conf := range []string{`line { delimiter => "" }`, `line { charset => "nope" }`} {
		if _, err := plugintest.BuildErr(plugin.KindCodec, conf); err == nil {
			t.Errorf("%s: no error", conf)
		}
	}
}

func FuzzLineDecoder(f *testing.F) {
	f.Add([]byte("a\nb\r\n\nccc\xff\n"), "\n", uint16(4), uint8(3))
	f.Add([]byte("x||y|z||"), "||", uint16(2), uint8(1))
	f.Add([]byte(strings.Repeat("long", 50)+"\nok\n"), "\n", uint16(16), uint8(7))
	c := codec(f, `line`)
	f.Fuzz(func(t *testing.T, in []byte, delim string, max uint16, step uint8) {
		if delim == "" || len(delim) > 4 || max == 0 {
			return
		}
		cc := *c
		cc.Delimiter = delim
		whole, _ := decode(&cc, int(max), in)
		st := int(step)%13 + 1
		d := cc.NewDecoder(plugin.DecoderOptions{MaxBytes: int(max)}).(*Decoder)
		var out []got
		emit := func(e *event.Event) { out = append(out, got{e.Message(), e.Tags()}) }
		for i := 0; i < len(in); i += st {
			d.Decode(in[i:min(i+st, len(in))], emit)
			if d.split.Buffered() > int(max)+len(delim) {
				t.Fatalf("decoder holds %d bytes, limit %d", d.split.Buffered(), max)
			}
		}
		d.Flush(emit)
		if !reflect.DeepEqual(out, whole) {
			t.Fatalf("chunks of %d differ:\n got %q\nwant %q", st, out, whole)
		}
		for _, g := range out {
			if len(g.Msg) > 3*int(max) { // U+FFFD may triple invalid bytes
				t.Fatalf("message of %d bytes, limit %d", len(g.Msg), max)
			}
		}
	})
}

func ExampleCodec_Encode() {
	c := &Codec{Delimiter: "\n", Format: "%{message}"}
	c.format, _ = event.ParseTemplate(c.Format)
	out, _ := c.Encode(nil, event.NewMessage("hi"))
	fmt.Printf("%q\n", out)
	// Output: "hi\n"
}
