package plain

import (
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

func TestDecode(t *testing.T) {
	tests := []struct {
		conf string
		in   []string
		want []string
	}{
		{`plain`, []string{"one message\nwith two lines"}, []string{"one message\nwith two lines"}},
		{`plain`, []string{"first", "second"}, []string{"first", "second"}},
		{`plain`, []string{""}, nil},
		{`plain`, []string{"bad \xff"}, []string{"bad \ufffd"}},
		{`plain { charset => "latin1" }`, []string{"\xe9t\xe9"}, []string{"été"}},
	}
	for _, tt := range tests {
		c := codec(t, tt.conf)
		d := c.NewDecoder(plugin.DecoderOptions{})
		var out []string
		for _, m := range tt.in {
			plugin.DecodeMessage(d, []byte(m), func(e *event.Event) {
				if e.Timestamp().IsZero() || e.Fields()["@version"] != "1" {
					t.Errorf("event without @timestamp/@version: %v", e.Fields())
				}
				out = append(out, e.Message())
			})
		}
		if !reflect.DeepEqual(out, tt.want) {
			t.Errorf("%s %q: got %q, want %q", tt.conf, tt.in, out, tt.want)
		}
	}
}

func TestDecodeTooLong(t *testing.T) {
	d := codec(t, `plain`).NewDecoder(plugin.DecoderOptions{MaxBytes: 8})
	var got []*event.Event
	d.Decode([]byte(strings.Repeat("x", 20)), func(e *event.Event) { got = append(got, e) })
	if len(got) != 1 || got[0].Message() != "xxxxxxxx" || !got[0].HasTag(codecutil.TagMessageTooLong) {
		t.Fatalf("got %v", got)
	}
}

func TestEncode(t *testing.T) {
	e := event.NewMessage("hello")
	e.SetTimestamp(time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC))
	_ = e.SetField("host", "web-01")
	tests := []struct{ conf, want string }{
		{`plain`, "2024-05-01T10:20:30.000Z web-01 hello"},
		{`plain { format => "%{host}: %{message}" }`, "web-01: hello"},
		{`plain { format => "%{missing}" }`, "%{missing}"},
	}
	for _, tt := range tests {
		out, err := codec(t, tt.conf).Encode(nil, e)
		if err != nil || string(out) != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.conf, out, err, tt.want)
		}
	}
}

func TestBadCharset(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindCodec, `plain { charset => "EBCDIC-XYZ" }`); err == nil || !strings.Contains(err.Error(), "unsupported charset") {
		t.Errorf("err = %v", err)
	}
}

// On a stream (tcp, stdin) plain makes one event per line, whatever the
// read boundaries, as Logstash's stream inputs switch plain to line.
func TestStreamDecoderSplitsLines(t *testing.T) {
	c := plugintest.Build(t, plugin.KindCodec, `plain { ecs_compatibility => disabled }`).Plugin.(plugin.Codec)
	d := plugin.NewStreamDecoder(c, plugin.DecoderOptions{MaxBytes: 8})
	var got []string
	var tags [][]string
	emit := func(e *event.Event) { got = append(got, e.Message()); tags = append(tags, e.Tags()) }
	for _, chunk := range []string{"one\r\ntw", "o\n\nthree is long\nla", "st"} {
		d.Decode([]byte(chunk), emit)
	}
	d.Flush(emit)
	want := []string{"one", "two", "", "three is", "last"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if len(tags[3]) != 1 || tags[3][0] != "_messagetoolong" {
		t.Errorf("long line tags = %v, want [_messagetoolong]", tags[3])
	}
	// The message decoder still makes one event per message.
	var whole []string
	plugin.DecodeMessage(c.NewDecoder(plugin.DecoderOptions{}), []byte("a\nb"), func(e *event.Event) { whole = append(whole, e.Message()) })
	if len(whole) != 1 || whole[0] != "a\nb" {
		t.Errorf("message decoder: %q", whole)
	}
}
