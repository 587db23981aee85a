package multiline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

type got struct {
	Msg  string
	Tags []string
}

func codec(t testing.TB, conf string) *Codec {
	t.Helper()
	return plugintest.Build(t, plugin.KindCodec, conf).Plugin.(*Codec)
}

// decode feeds in to a new decoder in chunks of size n (all at once when
// n <= 0) and flushes at the end.
func decode(c *Codec, in string, n int) []got {
	d := c.NewDecoder(plugin.DecoderOptions{})
	var out []got
	emit := func(e *event.Event) { out = append(out, got{e.Message(), e.Tags()}) }
	if n <= 0 {
		n = len(in) + 1
	}
	for len(in) > 0 {
		k := min(n, len(in))
		d.Decode([]byte(in[:k]), emit)
		in = in[k:]
	}
	d.Flush(emit)
	return out
}

func ev(msg string, tags ...string) got {
	if tags == nil {
		tags = []string{}
	}
	return got{msg, tags}
}

func TestDecode(t *testing.T) {
	const ts = `multiline { pattern => "^%{TIMESTAMP_ISO8601} " negate => true what => "previous" }`
	tests := []struct {
		name, conf, in string
		want           []got
	}{
		{"previous with negate", ts,
			"2024-01-02T03:04:05Z first\n  at a\n  at b\n2024-01-02T03:04:06Z second\n2024-01-02T03:04:07Z third\nmore\n",
			[]got{ev("2024-01-02T03:04:05Z first\n  at a\n  at b", "multiline"), ev("2024-01-02T03:04:06Z second"),
				ev("2024-01-02T03:04:07Z third\nmore", "multiline")}},
		{"previous: leading continuation lines form an event", ts,
			"orphan\n2024-01-02 03:04:05,123 x\n",
			[]got{ev("orphan"), ev("2024-01-02 03:04:05,123 x")}},
		{"previous without negate (indented lines)", `multiline { pattern => "^\s" what => "previous" }`,
			"a\n b\n\tc\nd\n",
			[]got{ev("a\n b\n\tc", "multiline"), ev("d")}},
		{"next: backslash continuation", `multiline { pattern => "\\$" what => "next" }`,
			"one \\\ntwo \\\nthree\nfour\n",
			[]got{ev("one \\\ntwo \\\nthree", "multiline"), ev("four")}},
		{"next: last pending event flushed at the end", `multiline { pattern => "\\$" what => "next" }`,
			"a\\\nb\\",
			[]got{ev("a\\\nb\\", "multiline")}},
		{"no trailing newline", ts, "2024-01-02T03:04:05Z x\n y", []got{ev("2024-01-02T03:04:05Z x\n y", "multiline")}},
		{"CRLF", ts, "2024-01-02T03:04:05Z x\r\n y\r\n", []got{ev("2024-01-02T03:04:05Z x\n y", "multiline")}},
		{"empty input", ts, "", nil},
		{"custom tag", `multiline { pattern => "^ " what => "previous" multiline_tag => "joined" }`,
			"a\n b\n", []got{ev("a\n b", "joined")}},
		{"no tag", `multiline { pattern => "^ " what => "previous" multiline_tag => "" }`,
			"a\n b\n", []got{ev("a\n b")}},
		{"max_lines", `multiline { pattern => "^ " what => "previous" max_lines => 2 }`,
			"a\n 1\n 2\n 3\nb\n",
			[]got{ev("a\n 1", "multiline", TagMaxLines), ev(" 2\n 3", "multiline", TagMaxLines), ev("b")}},
		{"max_bytes", `multiline { pattern => "^ " what => "previous" max_bytes => 10 }`,
			"abc\n defgh\n ij\nk\n",
			[]got{ev("abc\n defgh", "multiline", TagMaxBytes), ev(" ij"), ev("k")}},
		{"max_bytes: cut inside a line", `multiline { pattern => "^ " what => "previous" max_bytes => 8 }`,
			"abc\n defgh\n ij\n",
			[]got{ev("abc\n def", "multiline", TagMaxBytes), ev(" ij")}},
		{"max_bytes: one long line", `multiline { pattern => "^ " what => "previous" max_bytes => 4 }`,
			"abcdefgh\n x\n",
			[]got{ev("abcd", TagMaxBytes), ev(" x")}},
		{"max_bytes: cut on a rune boundary", `multiline { pattern => "^ " what => "previous" max_bytes => 6 }`,
			"a\n ééé\n",
			[]got{ev("a\n é", "multiline", TagMaxBytes)}},
		{"invalid UTF-8", `multiline { pattern => "^ " what => "previous" }`,
			"a\xff\n b\n", []got{ev("a\ufffd\n b", "multiline")}},
		{"charset", `multiline { pattern => "^ " what => "previous" charset => "ISO-8859-1" }`,
			"caf\xe9\n b\n", []got{ev("café\n b", "multiline")}},

		// mode => count (Filebeat's type: count): a fixed number of lines.
		{"count: pairs of lines (a key line and its value line)", `multiline { mode => "count" count_lines => 2 }`,
			"2024-05-01T10:00:00Z GET /api/orders\nstatus=200 bytes=512\n2024-05-01T10:00:01Z GET /api/cart\nstatus=404 bytes=0\n",
			[]got{ev("2024-05-01T10:00:00Z GET /api/orders\nstatus=200 bytes=512", "multiline"),
				ev("2024-05-01T10:00:01Z GET /api/cart\nstatus=404 bytes=0", "multiline")}},
		{"count: a short last group is flushed at the end", `multiline { mode => "count" count_lines => 3 }`,
			"a\nb\nc\nd\n",
			[]got{ev("a\nb\nc", "multiline"), ev("d")}},
		{"count: count_lines 1 is one event per line", `multiline { mode => "count" count_lines => 1 }`,
			"a\n\nb\n", []got{ev("a"), ev(""), ev("b")}},
		{"count: max_lines smaller than count_lines", `multiline { mode => "count" count_lines => 3 max_lines => 2 }`,
			"a\nb\nc\n", []got{ev("a\nb", "multiline", TagMaxLines), ev("c")}},

		// mode => while_pattern: consecutive matching lines.
		{"while_pattern: indented continuation blocks", `multiline { mode => "while_pattern" pattern => "^\s" }`,
			"INFO start\n  key: 1\n  key: 2\nINFO next\nINFO last\n  detail\n",
			[]got{ev("INFO start"), ev("  key: 1\n  key: 2", "multiline"), ev("INFO next"), ev("INFO last"), ev("  detail")}},
		{"while_pattern: a block of matching lines (Java-style config dump)", `multiline { mode => "while_pattern" pattern => "^\[CONFIG\] " }`,
			"[CONFIG] a=1\n[CONFIG] b=2\n[CONFIG] c=3\nserver started\n[CONFIG] d=4\n",
			[]got{ev("[CONFIG] a=1\n[CONFIG] b=2\n[CONFIG] c=3", "multiline"), ev("server started"), ev("[CONFIG] d=4")}},
		{"while_pattern: negate joins the lines that do not match", `multiline { mode => "while_pattern" pattern => "^---" negate => true }`,
			"a\nb\n---\n---\nc\n",
			[]got{ev("a\nb", "multiline"), ev("---"), ev("---"), ev("c")}},
		{"while_pattern: max_lines", `multiline { mode => "while_pattern" pattern => "^ " max_lines => 2 }`,
			" 1\n 2\n 3\nx\n",
			[]got{ev(" 1\n 2", "multiline", TagMaxLines), ev(" 3"), ev("x")}},

		// flush_pattern: begin/end blocks.
		{"flush_pattern: an end line ends the event", `multiline { pattern => "Start new event" negate => true what => "previous" flush_pattern => "End event" }`,
			"[2024-08-24 11:49:14,389] Start new event\n[2024-08-24 11:49:14,395] Content of processing something\n[2024-08-24 11:49:14,399] End event\n" +
				"[2024-08-24 11:50:14,389] Some other log\n[2024-08-24 11:50:14,395] Some other log\n" +
				"[2024-08-24 11:51:14,389] Start new event\n[2024-08-24 11:51:14,399] End event\n",
			[]got{ev("[2024-08-24 11:49:14,389] Start new event\n[2024-08-24 11:49:14,395] Content of processing something\n[2024-08-24 11:49:14,399] End event", "multiline"),
				ev("[2024-08-24 11:50:14,389] Some other log\n[2024-08-24 11:50:14,395] Some other log", "multiline"),
				ev("[2024-08-24 11:51:14,389] Start new event\n[2024-08-24 11:51:14,399] End event", "multiline")}},
		{"flush_pattern: the first line of an event is not checked", `multiline { pattern => "^ " what => "previous" flush_pattern => "END" }`,
			"END alone\n more\n END here\n after\n",
			[]got{ev("END alone\n more\n END here", "multiline"), ev(" after")}},
		{"flush_pattern with what => next", `multiline { pattern => "\\$" what => "next" flush_pattern => "^STOP" }`,
			"a \\\nSTOP \\\nb\n",
			[]got{ev("a \\\nSTOP \\", "multiline"), ev("b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := codec(t, tt.conf)
			for _, n := range []int{0, 1, 3, 7} {
				if out := decode(c, tt.in, n); !reflect.DeepEqual(out, tt.want) {
					t.Errorf("chunks of %d:\n got %q\nwant %q", n, out, tt.want)
				}
			}
		})
	}
}

func TestInputLimit(t *testing.T) {
	// The input's event size limit applies when smaller than max_bytes.
	c := codec(t, `multiline { pattern => "^ " what => "previous" }`)
	d := c.NewDecoder(plugin.DecoderOptions{MaxBytes: 5})
	var out []got
	emit := func(e *event.Event) { out = append(out, got{e.Message(), e.Tags()}) }
	d.Decode([]byte("abc\n de\n"), emit)
	d.Flush(emit)
	want := []got{ev("abc\n ", "multiline", TagMaxBytes)}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestPatternsDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine"), []byte("# mine\nSTART >>>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := codec(t, `multiline { pattern => "^%{START}" negate => true what => "previous" patterns_dir => ["`+dir+`"] }`)
	want := []got{ev(">>> a\nb", "multiline"), ev(">>> c")}
	if out := decode(c, ">>> a\nb\n>>> c\n", 0); !reflect.DeepEqual(out, want) {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestConfigErrors(t *testing.T) {
	for conf, want := range map[string]string{
		`multiline { what => "previous" }`:                                                 "pattern is required",
		`multiline { pattern => "x" }`:                                                     "what is required",
		`multiline { pattern => "x" what => "sideways" }`:                                  "sideways",
		`multiline { pattern => "%{NOPE}" what => "previous" }`:                            "NOPE",
		`multiline { pattern => "(" what => "previous" }`:                                  "pattern",
		`multiline { preset => "python" pattern => "x" }`:                                  "preset replaces",
		`multiline { preset => "java" }`:                                                   "java",
		`multiline { pattern => "x" what => "next" max_lines => 0 }`:                       "max_lines",
		`multiline { pattern => "x" what => "next" patterns_dir => ["/nonexistent/dir"] }`: "patterns_dir",
		`multiline { mode => "count" }`:                                                    "count_lines",
		`multiline { mode => "count" count_lines => 0 }`:                                   "count_lines",
		`multiline { mode => "count" count_lines => 2 pattern => "x" }`:                    "not pattern",
		`multiline { pattern => "x" what => "next" count_lines => 2 }`:                     "count_lines needs",
		`multiline { mode => "while_pattern" }`:                                            "needs a pattern",
		`multiline { mode => "while_pattern" pattern => "x" what => "next" }`:              "what does not apply",
		`multiline { mode => "sometimes" pattern => "x" }`:                                 "sometimes",
		`multiline { mode => "count" count_lines => 2 flush_pattern => "x" }`:              "flush_pattern",
		`multiline { preset => "python" flush_pattern => "x" }`:                            "flush_pattern",
		`multiline { pattern => "x" what => "next" flush_pattern => "(" }`:                 "flush_pattern",
	} {
		_, err := plugintest.BuildErr(plugin.KindCodec, conf)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", conf, err, want)
		}
	}
}

func TestIdleFlushInterval(t *testing.T) {
	c := codec(t, `multiline { preset => "python" auto_flush_interval => 1.5 }`)
	d := c.NewDecoder(plugin.DecoderOptions{})
	if got := d.(plugin.IdleFlusher).IdleFlushInterval(); got != 1500*time.Millisecond {
		t.Errorf("IdleFlushInterval = %v", got)
	}
	// After an idle flush the decoder starts afresh.
	var out []string
	emit := func(e *event.Event) { out = append(out, e.Message()) }
	d.Decode([]byte("a\n  b\n"), emit)
	if len(out) != 0 {
		t.Fatalf("emitted before flush: %q", out)
	}
	d.Flush(emit)
	d.Decode([]byte("  c\nd\n"), emit)
	d.Flush(emit)
	if want := []string{"a\n  b", "  c", "d"}; !reflect.DeepEqual(out, want) {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestEncode(t *testing.T) {
	c := codec(t, `multiline { preset => "python" }`)
	b, err := c.Encode([]byte("x"), event.NewMessage("a\nb"))
	if err != nil || string(b) != "xa\nb\n" {
		t.Errorf("Encode = %q, %v", b, err)
	}
}

// python returns the Python interpreter for the tests.
func python(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLUICE_PYTHON"); p != "" {
		return p
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found (set SLUICE_PYTHON)")
	}
	return p
}

// pythonLog runs testdata/tracebacks.py and returns its log output and
// the records (events) it wrote.
func pythonLog(t *testing.T) (string, []string) {
	t.Helper()
	exp := filepath.Join(t.TempDir(), "expected.json")
	cmd := exec.Command(python(t), "testdata/tracebacks.py", exp)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	raw, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	var records []string
	if err := json.Unmarshal(raw, &records); err != nil {
		t.Fatal(err)
	}
	return string(out), records
}

func TestPythonPreset(t *testing.T) {
	log, records := pythonLog(t)
	for _, want := range []string{"During handling of the above exception", "The above exception was the direct cause",
		"Traceback (most recent call last):", "SyntaxError"} {
		if !strings.Contains(log, want) {
			t.Fatalf("python output lacks %q:\n%s", want, log)
		}
	}
	c := codec(t, `multiline { preset => "python" }`)
	for _, n := range []int{0, 1, 5, 64} {
		out := decode(c, log, n)
		msgs := make([]string, len(out))
		for i, g := range out {
			msgs[i] = g.Msg
			multi := strings.Contains(g.Msg, "\n")
			if tagged := len(g.Tags) == 1 && g.Tags[0] == "multiline"; tagged != multi {
				t.Errorf("event %d tags %q", i, g.Tags)
			}
		}
		if !reflect.DeepEqual(msgs, records) {
			t.Errorf("chunks of %d: %d events, want %d", n, len(msgs), len(records))
			for i := range max(len(msgs), len(records)) {
				var g, w string
				if i < len(msgs) {
					g = msgs[i]
				}
				if i < len(records) {
					w = records[i]
				}
				if g != w {
					t.Errorf("event %d:\n got %q\nwant %q", i, g, w)
				}
			}
		}
	}
}

func TestPythonPresetCases(t *testing.T) {
	c := codec(t, `multiline { preset => "python" }`)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"blank line after a traceback that is not a chain", "E x\nTraceback (most recent call last):\n  File \"a\"\nE: e\n\nnext\n",
			[]string{"E x\nTraceback (most recent call last):\n  File \"a\"\nE: e", "", "next"}},
		{"blank line held back at the end", "E x\nTraceback (most recent call last):\n  File \"a\"\nE: e\n\n",
			[]string{"E x\nTraceback (most recent call last):\n  File \"a\"\nE: e", ""}},
		{"two blank lines", "Traceback (most recent call last):\n  f\nE\n\n\nx\n",
			[]string{"Traceback (most recent call last):\n  f\nE", "", "", "x"}},
		{"plain lines", "a\nb\n\nc\n", []string{"a", "b", "", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []string
			for _, g := range decode(c, tt.in, 0) {
				msgs = append(msgs, g.Msg)
			}
			if !reflect.DeepEqual(msgs, tt.want) {
				t.Errorf("got %q, want %q", msgs, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("2024-01-02T03:04:05Z a\n b\n", 3, false)
	f.Add("Traceback (most recent call last):\n  x\nE: y\n\nDuring handling of the above exception, another exception occurred:\n\n", 1, true)
	f.Add("\r\n\xff\n \n", 2, true)
	f.Add("a\n b\nEND\nc\n", 1, false)
	modes := []string{
		`multiline { pattern => "^%{TIMESTAMP_ISO8601} " negate => true what => "previous" max_lines => 4 max_bytes => 64 }`,
		`multiline { preset => "python" max_lines => 4 max_bytes => 64 }`,
		`multiline { mode => "count" count_lines => 3 max_lines => 4 max_bytes => 64 }`,
		`multiline { mode => "while_pattern" pattern => "^\s" max_lines => 4 max_bytes => 64 }`,
		`multiline { pattern => "^\s" what => "previous" flush_pattern => "END" max_lines => 4 max_bytes => 64 }`,
	}
	codecs := make([]*Codec, len(modes))
	for i, conf := range modes {
		codecs[i] = codec(f, conf)
	}
	f.Fuzz(func(t *testing.T, in string, chunk int, python bool) {
		// python selects the preset; otherwise the input's length picks
		// one of the other modes.
		c := codecs[0]
		if python {
			c = codecs[1]
		} else if k := len(in) % 4; k > 0 {
			c = codecs[k+1]
		}
		if chunk < 1 || chunk > len(in) {
			chunk = len(in)
		}
		all := decode(c, in, 0)
		parts := decode(c, in, chunk)
		if !reflect.DeepEqual(all, parts) {
			t.Fatalf("chunking changed the result:\n%q\n%q", all, parts)
		}
		for _, g := range all {
			if len(g.Msg) > 64 {
				t.Fatalf("event of %d bytes", len(g.Msg))
			}
			if n := strings.Count(g.Msg, "\n") + 1; n > 4 {
				t.Fatalf("event of %d lines", n)
			}
		}
	})
}

func BenchmarkDecodePython(b *testing.B) {
	c := codec(b, `multiline { preset => "python" }`)
	benchDecode(b, c)
}

func BenchmarkDecodePattern(b *testing.B) {
	c := codec(b, `multiline { pattern => "^%{TIMESTAMP_ISO8601} " negate => true what => "previous" }`)
	benchDecode(b, c)
}

func benchDecode(b *testing.B, c *Codec) {
	var sb strings.Builder
	for i := 0; i < 200; i++ {
		sb.WriteString("2024-01-02 03:04:05,123 INFO [app] request handled in 12 ms\n")
		if i%20 == 0 {
			sb.WriteString("2024-01-02 03:04:05,124 ERROR [app] failed\nTraceback (most recent call last):\n" +
				"  File \"/srv/app.py\", line 10, in handle\n    return a / b\nZeroDivisionError: division by zero\n")
		}
	}
	data := []byte(sb.String())
	d := c.NewDecoder(plugin.DecoderOptions{})
	n := 0
	emit := func(*event.Event) { n++ }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(data, emit)
	}
	d.Flush(emit)
}

func TestTimestampIsFirstLine(t *testing.T) {
	c := codec(t, `multiline { pattern => "^ " what => "previous" }`)
	d := c.NewDecoder(plugin.DecoderOptions{})
	var out []*event.Event
	emit := func(e *event.Event) { out = append(out, e) }
	before := time.Now()
	d.Decode([]byte("a\n"), emit)
	mid := time.Now()
	d.Decode([]byte(" b\nc\n"), emit)
	if len(out) != 1 {
		t.Fatalf("%d events", len(out))
	}
	if ts := out[0].Timestamp(); ts.Before(before.Truncate(time.Millisecond)) || ts.After(mid) {
		t.Errorf("@timestamp %v not between %v and %v (when the first line arrived)", ts, before, mid)
	}
}

// Holds tells whether anything is held back after a line, empty pending
// lines and the python preset's blank line included.
func TestHolds(t *testing.T) {
	for _, tc := range []struct {
		conf, in string
		want     bool
	}{
		{`multiline { mode => "count" count_lines => 2 }`, "a\nb\n", false},
		{`multiline { mode => "count" count_lines => 2 }`, "a\n", true},
		{`multiline { mode => "count" count_lines => 2 }`, "a\nb\nc", true},
		{`multiline { pattern => "^ " what => "previous" }`, "a\n", true},
		{`multiline { pattern => "^ " what => "previous" }`, "\n", true},
		{`multiline { pattern => "\\$" what => "next" }`, "a\\\nb\n", false},
		{`multiline { mode => "while_pattern" pattern => "^ " }`, " a\nb\n", false},
		{`multiline { preset => "python" }`, "Traceback (most recent call last):\n  x\nE: y\n\n", true},
	} {
		d := codec(t, tc.conf).NewDecoder(plugin.DecoderOptions{}).(*Decoder)
		d.Decode([]byte(tc.in), func(*event.Event) {})
		if got := d.Holds(); got != tc.want {
			t.Errorf("%s after %q: Holds() = %v, want %v", tc.conf, tc.in, got, tc.want)
		}
	}
}
