package rubydebug

import (
	"math"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func sample() *event.Event {
	e := event.FromMap(map[string]any{
		"@timestamp": time.Date(2024, 5, 1, 10, 20, 30, 123456789, time.UTC),
		"message":    "hello \"world\"\n",
		"host":       map[string]any{"name": "web-01", "ip": []any{"10.0.0.1"}},
		"tags":       []any{"_jsonparsefailure", "b"},
		"n":          int64(42),
		"f":          1.5,
		"none":       nil,
		"ok":         true,
		"empty":      map[string]any{},
		"list":       []any{},
	})
	e.Metadata()["input"] = "tcp"
	return e
}

const want = `{
    "@timestamp" => 2024-05-01T10:20:30.123Z,
      "@version" => "1",
         "empty" => {},
             "f" => 1.5,
          "host" => {
          "ip" => [
            [0] "10.0.0.1"
        ],
        "name" => "web-01"
    },
          "list" => [],
       "message" => "hello \"world\"\n",
             "n" => 42,
          "none" => nil,
            "ok" => true,
          "tags" => [
        [0] "_jsonparsefailure",
        [1] "b"
    ]
}
`

func TestEncode(t *testing.T) {
	c := plugintest.Build(t, plugin.KindCodec, `rubydebug`).Plugin.(plugin.Codec)
	out, err := c.Encode(nil, sample())
	if err != nil || string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestEncodeMetadata(t *testing.T) {
	c := plugintest.Build(t, plugin.KindCodec, `rubydebug { metadata => true }`).Plugin.(plugin.Codec)
	e := event.FromMap(map[string]any{"@timestamp": time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), "a": int64(1)})
	e.Metadata()["input"] = map[string]any{"beats": map[string]any{"host": "x"}}
	out, _ := c.Encode(nil, e)
	// Keys sort bytewise: "@metadata" < "@timestamp" < "@version" < "a".
	want := `{
     "@metadata" => {
        "input" => {
            "beats" => {
                "host" => "x"
            }
        }
    },
    "@timestamp" => 2024-05-01T00:00:00.000Z,
      "@version" => "1",
             "a" => 1
}
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestLongArrayIndexWidth(t *testing.T) {
	arr := make([]any, 11)
	for i := range arr {
		arr[i] = int64(i)
	}
	out := appendValue(nil, arr, 4)
	want := "[\n    [ 0] 0,\n    [ 1] 1,\n    [ 2] 2,\n    [ 3] 3,\n    [ 4] 4,\n    [ 5] 5,\n    [ 6] 6,\n    [ 7] 7,\n    [ 8] 8,\n    [ 9] 9,\n    [10] 10\n]"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestRubyFloat(t *testing.T) {
	tests := map[float64]string{
		1: "1.0", -2.5: "-2.5", 0.1: "0.1", 100: "100.0", 1e15: "1000000000000000.0", 1e16: "1.0e+16",
		1.5e20: "1.5e+20", 0.0001: "0.0001", 0.00001: "1.0e-05", 1.25e-10: "1.25e-10", 123.456: "123.456",
		math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity", 0: "0.0", 1e100: "1.0e+100",
	}
	for f, want := range tests {
		if got := string(AppendRubyFloat(nil, f)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

func TestRubyString(t *testing.T) {
	tests := map[string]string{
		"plain":        `"plain"`,
		`q"b\`:         `"q\"b\\"`,
		"tab\tnl\n":    `"tab\tnl\n"`,
		"\x00\x1b\x7f": `"\u0000\e\u007F"`,
		"#{x} #$ #@ #": `"\#{x} \#$ \#@ #"`,
		"héllo 日本":     `"héllo 日本"`,
		"bad\xff":      `"bad\xFF"`,
		"\u200b":       `"\u200B"`,
		"\U000E0001":   `"\u{E0001}"`,
	}
	for in, want := range tests {
		if got := string(AppendRubyString(nil, in)); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}
