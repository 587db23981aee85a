package dead_letter_queue

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/queue/dlq"
)

// writeDLQ writes events "<prefix> 0".. to the queue of pipeline main under root.
func writeDLQ(t *testing.T, root, prefix string, n int, opts dlq.Options) {
	t.Helper()
	opts.Dir = filepath.Join(root, "main")
	opts.Logger = slog.New(slog.DiscardHandler)
	w, err := dlq.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e := event.NewMessage(fmt.Sprintf("%s %d", prefix, i))
		e.Metadata()["target"] = "logs"
		if err := w.Write(e, "elasticsearch", "es_out", fmt.Sprintf("mapper_parsing_exception %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

type running struct {
	q      *plugintest.Queue
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, conf string) *running {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindInput, conf)
	in := inst.Plugin.(*Input)
	in.poll = 5 * time.Millisecond
	r := &running{q: plugintest.NewQueue(), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- in.Run(ctx, r.q) }()
	t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.cancel()
	<-r.done
	r.done <- nil // later stops return at once
}

func messages(evs []*event.Event) string {
	var out []string
	for _, e := range evs {
		m, _ := e.GetField("message")
		out = append(out, fmt.Sprint(m))
	}
	return strings.Join(out, ",")
}

func conf(root, sincedb string, extra string) string {
	return fmt.Sprintf("dead_letter_queue { path => %q sincedb_path => %q %s }", root, sincedb, extra)
}

func TestReadsWithMetadata(t *testing.T) {
	root := t.TempDir()
	before := time.Now().UTC()
	writeDLQ(t, root, "m", 3, dlq.Options{})
	r := start(t, conf(root, filepath.Join(t.TempDir(), "sincedb"), ""))
	evs := r.q.Wait(t, 3, 10*time.Second)
	if got := messages(evs); got != "m 0,m 1,m 2" {
		t.Fatalf("got %q", got)
	}
	for i, e := range evs {
		for field, want := range map[string]any{
			"[@metadata][dead_letter_queue][plugin_type]": "elasticsearch",
			"[@metadata][dead_letter_queue][plugin_id]":   "es_out",
			"[@metadata][dead_letter_queue][reason]":      fmt.Sprintf("mapper_parsing_exception %d", i),
			"[@metadata][target]":                         "logs",
		} {
			if got, _ := e.GetField(field); got != want {
				t.Errorf("event %d %s = %v, want %v", i, field, got, want)
			}
		}
		et, _ := e.GetField("[@metadata][dead_letter_queue][entry_time]")
		if tm, ok := et.(time.Time); !ok || tm.Before(before.Add(-time.Second)) || tm.After(time.Now().Add(time.Second)) {
			t.Errorf("event %d entry_time = %v", i, et)
		}
	}
}

func TestCommitOffsetsAcrossRestarts(t *testing.T) {
	root := t.TempDir()
	sincedb := filepath.Join(t.TempDir(), "sub", "sincedb")
	writeDLQ(t, root, "a", 3, dlq.Options{})

	// Read but not acknowledged: not committed, read again.
	r := start(t, conf(root, sincedb, ""))
	r.q.Wait(t, 3, 10*time.Second)
	r.stop()
	if _, err := os.Stat(sincedb); !os.IsNotExist(err) {
		t.Fatalf("position saved before any ack: %v", err)
	}

	r = start(t, conf(root, sincedb, ""))
	if got := messages(r.q.Wait(t, 3, 10*time.Second)); got != "a 0,a 1,a 2" {
		t.Fatalf("second run got %q", got)
	}
	r.q.AckAll()
	r.stop()

	writeDLQ(t, root, "b", 2, dlq.Options{})
	r = start(t, conf(root, sincedb, ""))
	if got := messages(r.q.Wait(t, 2, 10*time.Second)); got != "b 0,b 1" {
		t.Fatalf("after restart got %q, want only the new ones", got)
	}
	r.q.AckAll()
	r.stop()

	// commit_offsets => false reads everything and saves nothing.
	before, _ := os.ReadFile(sincedb)
	r = start(t, conf(root, sincedb, "commit_offsets => false"))
	if got := messages(r.q.Wait(t, 5, 10*time.Second)); got != "a 0,a 1,a 2,b 0,b 1" {
		t.Fatalf("commit_offsets false got %q", got)
	}
	r.q.AckAll()
	r.stop()
	if after, _ := os.ReadFile(sincedb); string(after) != string(before) {
		t.Errorf("sincedb changed with commit_offsets false: %s -> %s", before, after)
	}
}

func TestTailsWhileRunning(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "main")
	w, err := dlq.Open(dlq.Options{Dir: dir, SegmentBytes: 200, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := start(t, conf(root, filepath.Join(t.TempDir(), "sincedb"), ""))
	var want []string
	for i := range 6 {
		w.Write(event.NewMessage(fmt.Sprint("late ", i)), "http", "h", "503")
		w.Flush()
		want = append(want, fmt.Sprint("late ", i))
		if got := messages(r.q.Wait(t, i+1, 10*time.Second)); got != strings.Join(want, ",") {
			t.Fatalf("got %q", got)
		}
	}
	if segs, _ := dlq.Segments(dir); len(segs) < 2 {
		t.Errorf("the test wants several segments, got %v", segs)
	}
}

func TestCleanConsumed(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "main")
	writeDLQ(t, root, "c", 10, dlq.Options{SegmentBytes: 200})
	segs, _ := dlq.Segments(dir)
	if len(segs) < 3 {
		t.Fatalf("segments %v", segs)
	}
	r := start(t, conf(root, filepath.Join(t.TempDir(), "sincedb"), "clean_consumed => true"))
	r.q.Wait(t, 10, 10*time.Second)
	if left, _ := dlq.Segments(dir); len(left) != len(segs) {
		t.Fatalf("segments deleted before the ack: %v", left)
	}
	r.q.AckAll()
	left, _ := dlq.Segments(dir)
	if len(left) != 1 || left[0] != segs[len(segs)-1] {
		t.Errorf("segments after ack = %v, want only the last of %v", left, segs)
	}
}

func TestStartTimestamp(t *testing.T) {
	root := t.TempDir()
	writeDLQ(t, root, "old", 2, dlq.Options{})
	cut := time.Now().UTC().Add(time.Millisecond)
	for time.Now().Before(cut.Add(time.Millisecond)) {
		time.Sleep(time.Millisecond) // let the clock pass the cut, not a synchronisation
	}
	writeDLQ(t, root, "new", 2, dlq.Options{})
	ts := cut.Format("2006-01-02T15:04:05.000Z")
	r := start(t, conf(root, filepath.Join(t.TempDir(), "sincedb"), fmt.Sprintf("start_timestamp => %q", ts)))
	if got := messages(r.q.Wait(t, 2, 10*time.Second)); got != "new 0,new 1" {
		t.Errorf("got %q", got)
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{`dead_letter_queue { }`, `missing required setting "path"`},
		{`dead_letter_queue { path => "/x" commit_offsets => false clean_consumed => true }`, "clean_consumed needs commit_offsets"},
		{`dead_letter_queue { path => "/x" start_timestamp => "yesterday" }`, "start_timestamp"},
		{fmt.Sprintf(`dead_letter_queue { path => "/x" sincedb_path => %q }`, os.TempDir()), "is a directory"},
	} {
		_, err := plugintest.BuildErr(plugin.KindInput, tc.conf)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.conf, err, tc.want)
		}
	}
}

func TestDefaultSincedbPath(t *testing.T) {
	inst := plugintest.Build(t, plugin.KindInput, `dead_letter_queue { path => "/var/dlq" pipeline_id => "beats" }`)
	in := inst.Plugin.(*Input)
	want := filepath.Join(os.TempDir(), "plugins", "inputs", "dead_letter_queue", "beats") + string(filepath.Separator) + ".sincedb_"
	if !strings.HasPrefix(in.SincedbPath, want) {
		t.Errorf("sincedb_path = %s, want it under %s", in.SincedbPath, want)
	}
}
