package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	_ "github.com/sluicelog/sluice/plugins/codecs/multiline"
	"github.com/sluicelog/sluice/shipper"
)

// holdCodec is a minimal multiline codec for tests: lines starting with a
// space belong to the previous line; it holds the current group until the
// next group starts or it is flushed (idle after 100 ms).
type holdCodec struct{}

type holdDecoder struct{ group []string }

func init() {
	plugin.Register(plugin.Spec{Kind: plugin.KindCodec, Name: "holdtest", Summary: "test codec",
		New: func() plugin.Plugin { return &holdCodec{} }})
}

func (*holdCodec) Settings(*plugin.Settings) {}
func (*holdCodec) NewDecoder(plugin.DecoderOptions) plugin.Decoder {
	return &holdDecoder{}
}
func (*holdCodec) Encode(dst []byte, _ *event.Event) ([]byte, error) { return dst, nil }

func (d *holdDecoder) Decode(p []byte, emit func(*event.Event)) {
	for _, l := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		if !strings.HasPrefix(l, " ") && len(d.group) > 0 {
			d.Flush(emit)
		}
		d.group = append(d.group, l)
	}
}

func (d *holdDecoder) Flush(emit func(*event.Event)) {
	if len(d.group) > 0 {
		emit(event.NewMessage(strings.Join(d.group, "\n")))
		d.group = nil
	}
}

func (d *holdDecoder) IdleFlushInterval() time.Duration { return 100 * time.Millisecond }

func TestHoldingCodecIdleFlushAndOffsets(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "r.json")
	write(t, filepath.Join(dir, "a.log"), "Traceback\n  frame 1\n  frame 2\nValueError\n")
	in := build(t, `path => "`+dir+`/*.log" start_position => beginning stat_interval => 0.05
		sincedb_path => "`+reg+`" codec => holdtest close_older => 3600`)
	q := start(t, in)
	evs := q.Wait(t, 1, 10*time.Second)
	if get(t, evs[0], "message") != "Traceback\n  frame 1\n  frame 2" {
		t.Fatalf("first event %q", get(t, evs[0], "message"))
	}
	if off := get(t, evs[0], "[log][offset]"); off != int64(0) {
		t.Fatalf("first event offset %#v", off)
	}
	// The last group is sent once the file is idle for the codec's interval.
	evs = q.Wait(t, 2, 10*time.Second)
	if get(t, evs[1], "message") != "ValueError" || get(t, evs[1], "[log][offset]") != int64(30) {
		t.Fatalf("second event %q at %#v", get(t, evs[1], "message"), get(t, evs[1], "[log][offset]"))
	}
	q.AckAll()
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(reg)
	st, err := shipper.DecodeRegistry(b)
	if err != nil || len(st) != 1 || st[0].Offset != 41 {
		t.Fatalf("registry %+v %v, want offset 41", *st[0], err)
	}
}

// A codec that emits an event with the line that ends it (count,
// what => next, flush_pattern) lets the offset after that line be saved:
// nothing is read again after a restart.
func TestHoldingCodecEventEndsWithLine(t *testing.T) {
	for _, tc := range []struct{ name, codec string }{
		{"count", `multiline { mode => "count" count_lines => 2 }`},
		{"next", `multiline { pattern => "\\$" what => "next" }`},
		{"flush_pattern", `multiline { pattern => "^ " what => "previous" flush_pattern => "^ end" }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			reg := filepath.Join(dir, "r.json")
			lines := map[string]string{
				"count":         "a1\na2\nb1\nb2\n",
				"next":          "a1 \\\na2\nb1 \\\nb2\n",
				"flush_pattern": "a1\n end a\nb1\n end b\n",
			}[tc.name]
			write(t, filepath.Join(dir, "a.log"), lines)
			in := build(t, `path => "`+dir+`/*.log" start_position => beginning stat_interval => 0.05
				sincedb_path => "`+reg+`" codec => `+tc.codec)
			q := start(t, in)
			evs := q.Wait(t, 2, 10*time.Second)
			if len(evs) != 2 || get(t, evs[1], "[log][offset]") != int64(strings.Index(lines, "b1")) {
				t.Fatalf("events %d, second at %#v", len(evs), get(t, evs[1], "[log][offset]"))
			}
			q.AckAll()
			if err := in.Close(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(reg)
			st, err := shipper.DecodeRegistry(b)
			if err != nil || len(st) != 1 || st[0].Offset != int64(len(lines)) {
				t.Fatalf("registry %s (%v), want offset %d", b, err, len(lines))
			}
		})
	}
}
