package file

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	"github.com/sluicelog/sluice/shipper"
)

func build(t *testing.T, src string) *Input {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindInput, "file {\n"+src+"\n}")
	in := inst.Plugin.(*Input)
	return in
}

// start runs in with a collecting queue until the test ends.
func start(t *testing.T, in *Input) *plugintest.Queue {
	t.Helper()
	q := plugintest.NewQueue()
	if err := in.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return")
		}
	})
	return q
}

func write(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, e *event.Event, ref string) any {
	t.Helper()
	v, _ := e.GetField(ref)
	return v
}

func TestEventsAndFields(t *testing.T) {
	host, _ := os.Hostname()
	for _, ecs := range []string{"v8", "disabled"} {
		t.Run(ecs, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			write(t, path, "hello\n"+strings.Repeat("z", 50)+"\nbad \xff byte\n")
			in := build(t, `path => "`+dir+`/*.log" start_position => beginning stat_interval => 0.05
				sincedb_path => "`+dir+`/reg.json" max_bytes => 20 ecs_compatibility => `+ecs)
			q := start(t, in)
			evs := q.Wait(t, 3, 10*time.Second)
			pathField, hostField := "[log][file][path]", "[host][name]"
			if ecs == "disabled" {
				pathField, hostField = "path", "host"
			}
			if get(t, evs[0], "message") != "hello" || get(t, evs[0], pathField) != path || get(t, evs[0], hostField) != host {
				t.Fatalf("event 0: %v", evs[0])
			}
			if off := get(t, evs[1], "[log][offset]"); off != int64(6) && off != 6 {
				t.Fatalf("offset = %#v", off)
			}
			if m := get(t, evs[1], "message").(string); len(m) != 20 {
				t.Fatalf("truncated message %q", m)
			}
			flags, _ := get(t, evs[1], "[log][flags]").([]any)
			if len(flags) != 1 || flags[0] != "truncated" {
				t.Fatalf("flags = %#v", get(t, evs[1], "[log][flags]"))
			}
			if m := get(t, evs[2], "message"); m != "bad \uFFFD byte" {
				t.Fatalf("invalid UTF-8: %q", m)
			}
		})
	}
}

func TestOffsetsSavedOnlyAfterAck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	write(t, path, "a\nb\n")
	reg := filepath.Join(dir, "reg.json")
	in := build(t, `path => "`+dir+`/*.log" start_position => beginning stat_interval => 0.05 sincedb_path => "`+reg+`" sincedb_write_interval => 0.05`)
	q := start(t, in)
	q.Wait(t, 2, 10*time.Second)
	offset := func() int64 {
		if err := in.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(reg)
		if err != nil {
			return -1
		}
		st, err := shipper.DecodeRegistry(b)
		if err != nil || len(st) != 1 {
			t.Fatalf("registry: %v %v", st, err)
		}
		return st[0].Offset
	}
	if off := offset(); off != 0 {
		t.Fatalf("offset %d saved before the ack", off)
	}
	q.AckAll()
	if off := offset(); off != 4 {
		t.Fatalf("offset after ack = %d, want 4", off)
	}
}

func TestIncludeExcludeLines(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.log"), "ERROR one\nINFO two\nERROR debug three\nWARN four\n")
	in := build(t, `path => "`+dir+`/*.log" start_position => beginning sincedb_path => "`+dir+`/r.json"
		include_lines => ["^ERROR", "^WARN"] exclude_lines => ["debug"]`)
	q := start(t, in)
	evs := q.Wait(t, 2, 10*time.Second)
	if get(t, evs[0], "message") != "ERROR one" || get(t, evs[1], "message") != "WARN four" {
		t.Fatalf("got %v %v", evs[0], evs[1])
	}
}

func TestJSONLinesCodec(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.log"), `{"level":"info","msg":"x"}`+"\n")
	in := build(t, `path => "`+dir+`/*.log" start_position => beginning sincedb_path => "`+dir+`/r.json" codec => json_lines`)
	q := start(t, in)
	evs := q.Wait(t, 1, 10*time.Second)
	if get(t, evs[0], "level") != "info" || get(t, evs[0], "[log][file][path]") == nil {
		t.Fatalf("got %v", evs[0])
	}
}

func TestReadModeCompletedAction(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	write(t, path, "one\nlast without newline")
	logPath := filepath.Join(dir, "done.txt")
	in := build(t, `path => "`+dir+`/*.log" mode => read sincedb_path => "`+dir+`/r.json"
		file_completed_action => log_and_delete file_completed_log_path => "`+logPath+`"`)
	q := start(t, in)
	evs := q.Wait(t, 2, 10*time.Second)
	if get(t, evs[1], "message") != "last without newline" {
		t.Fatalf("got %v", evs[1])
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file deleted before the ack: %v", err)
	}
	q.AckAll()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		_, err := os.Stat(path)
		if string(b) == path+"\n" && errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("completion: log %q, stat %v", b, err)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}

func TestCorruptRegistryFailsOpen(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "r.json")
	os.WriteFile(reg, []byte("{not json"), 0o644)
	in := build(t, `path => "`+dir+`/*.log" sincedb_path => "`+reg+`"`)
	err := in.Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), reg) {
		t.Fatalf("Open: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		`path => "relative/*.log"`:                                     "absolute",
		`path => "/x/*.log" include_lines => ["("]`:                    "include_lines",
		`path => "/x/*.log" mode => read file_completed_action => log`: "file_completed_log_path",
		`path => "/x/[.log"`:                                           "path",
	}
	for src, want := range cases {
		_, err := plugintest.BuildErr(plugin.KindInput, "file {\n"+src+"\n}")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to mention %q", src, err, want)
		}
	}
}

func TestDefaultRegistryName(t *testing.T) {
	a := registryName(&plugin.Context{PipelineID: "main", ID: "input_file_1"}, []string{"/b/*.log", "/a/*.log"})
	b := registryName(&plugin.Context{PipelineID: "main", ID: "input_file_2"}, []string{"/a/*.log", "/b/*.log"})
	if a != b || !strings.HasPrefix(a, "main.file-") {
		t.Fatalf("generated ids: %q vs %q (want the same name from the same patterns)", a, b)
	}
	if c := registryName(&plugin.Context{PipelineID: "other", ID: "input_file_1"}, []string{"/a/*.log", "/b/*.log"}); c == a {
		t.Fatalf("two pipelines share %q", c)
	}
	if got := registryName(&plugin.Context{PipelineID: "main", ID: "app/logs"}, nil); got != "main.app_logs.registry.json" {
		t.Fatalf("explicit id: %q", got)
	}
}

func TestParseCleanAfter(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"14": 14 * day, "0.5": 12 * time.Hour, "0": 0, "2 weeks": 14 * day, "1 week": 7 * day,
		"36 hours": 36 * time.Hour, "36h": 36 * time.Hour, " 90 Minutes ": 90 * time.Minute, "30s": 30 * time.Second,
		"3 days": 3 * day, "1.5d": 36 * time.Hour,
	} {
		if got, err := parseCleanAfter(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "2 fortnights", "-1", "1e400", "99999999 weeks", "1.2.3 days", "weeks"} {
		if d, err := parseCleanAfter(in); err == nil {
			t.Errorf("%q: %v, want an error", in, d)
		}
	}
	if _, err := plugintest.BuildErr(plugin.KindInput, `file { path => "/x/*.log" sincedb_clean_after => "2 fortnights" }`); err == nil ||
		!strings.Contains(err.Error(), "sincedb_clean_after") {
		t.Errorf("error %v, want one naming sincedb_clean_after", err)
	}
}

// Read mode decompresses gzip files: one event per line, the path of the
// .gz file, and the file is completed (here: deleted) once acknowledged.
func TestReadModeGzipFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log.1.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("2024-05-01 INFO started\n2024-05-01 ERROR failed\nlast"))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	in := build(t, `path => "`+dir+`/*.gz" mode => read sincedb_path => "`+dir+`/r.json" file_completed_action => delete`)
	q := start(t, in)
	evs := q.Wait(t, 3, 10*time.Second)
	for i, want := range []string{"2024-05-01 INFO started", "2024-05-01 ERROR failed", "last"} {
		if get(t, evs[i], "message") != want || get(t, evs[i], "[log][file][path]") != path {
			t.Fatalf("event %d: %v", i, evs[i])
		}
	}
	if off := get(t, evs[1], "[log][offset]"); off != int64(24) {
		t.Fatalf("second event's offset %#v, want 24 (in the decompressed text)", off)
	}
	q.AckAll()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the gzip file was not completed")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}
