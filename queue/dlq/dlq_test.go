package dlq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

func testLogger(t testing.TB) (*slog.Logger, *syncBuf) {
	var b syncBuf
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func openW(t *testing.T, opts Options) *Writer {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger, _ = testLogger(t)
	}
	w, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func msg(i int) *event.Event {
	e := event.NewMessage(fmt.Sprintf("event %d", i))
	e.Metadata()["index"] = "logs-" + fmt.Sprint(i)
	return e
}

// readAll reads every entry available now.
func readAll(t *testing.T, r *Reader) []Entry {
	t.Helper()
	var out []Entry
	for {
		en, err := r.TryNext()
		if errors.Is(err, ErrNoData) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		en.Event = append([]byte(nil), en.Event...)
		out = append(out, en)
	}
}

func messages(t *testing.T, ens []Entry) []string {
	t.Helper()
	var out []string
	for _, en := range ens {
		e, err := event.FromJSON(en.Event)
		if err != nil {
			t.Fatalf("entry %q: %v", en.Event, err)
		}
		m, _ := e.GetField("message")
		out = append(out, fmt.Sprint(m))
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 24, 8, 0, 0, 123456789, time.UTC)
	w := openW(t, Options{Dir: dir, SegmentBytes: 300, now: func() time.Time { return now }})
	for i := range 10 {
		if err := w.ForPlugin("elasticsearch").WriteDeadLetter(msg(i), "es1", fmt.Sprintf("400 mapper_parsing_exception %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	segs, _ := Segments(dir)
	if len(segs) < 3 {
		t.Errorf("segments = %v, want several with SegmentBytes 300", segs)
	}
	r := NewReader(dir, Position{}, nil, 0)
	defer r.Close()
	got := readAll(t, r)
	if len(got) != 10 {
		t.Fatalf("read %d entries, want 10", len(got))
	}
	for i, en := range got {
		if en.PluginType != "elasticsearch" || en.PluginID != "es1" || en.Reason != fmt.Sprintf("400 mapper_parsing_exception %d", i) || !en.Time.Equal(now) {
			t.Errorf("entry %d = %+v", i, en)
		}
		e, err := event.FromJSON(en.Event)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := e.GetField("message"); m != fmt.Sprintf("event %d", i) {
			t.Errorf("entry %d message = %v", i, m)
		}
		if idx, _ := e.GetField("[@metadata][index]"); idx != fmt.Sprintf("logs-%d", i) {
			t.Errorf("entry %d [@metadata][index] = %v", i, idx)
		}
	}
	if s := w.Stats(); s.Written != 10 || s.Dropped != 0 || s.QueueSizeBytes <= 0 || s.StoragePolicy != DropNewer {
		t.Errorf("stats = %+v", s)
	}
}

func TestEventWithoutMetadata(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir})
	if err := w.Write(event.New(), "http", "h", "r"); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	got := readAll(t, NewReader(dir, Position{}, nil, 0))
	if len(got) != 1 || !bytes.HasPrefix(got[0].Event, []byte(`{"@timestamp":`)) || bytes.Contains(got[0].Event, []byte("@metadata")) {
		t.Errorf("got %q", got)
	}
	if _, err := event.FromJSON(got[0].Event); err != nil {
		t.Error(err)
	}
}

func TestReplayedEventNotWrittenAgain(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir})
	e := msg(1)
	e.Metadata()[MetadataKey] = map[string]any{"reason": "x"}
	if err := w.Write(e, "elasticsearch", "es", "again"); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Written != 0 {
		t.Errorf("written = %d, want 0", s.Written)
	}
}

func TestStoragePolicies(t *testing.T) {
	for _, policy := range []string{DropNewer, DropOlder} {
		t.Run(policy, func(t *testing.T) {
			dir := t.TempDir()
			w := openW(t, Options{Dir: dir, MaxBytes: 1000, SegmentBytes: 250, StoragePolicy: policy})
			var full int
			for i := range 40 {
				err := w.Write(msg(i), "elasticsearch", "es", "r")
				if errors.Is(err, ErrFull) {
					full++
				} else if err != nil {
					t.Fatal(err)
				}
			}
			w.Flush()
			s := w.Stats()
			if s.Written+int64(full) != 40 && policy == DropNewer {
				t.Errorf("written %d + full %d != 40", s.Written, full)
			}
			var size int64
			segs, _ := listSegments(dir)
			for _, sg := range segs {
				size += sg.size
			}
			if size > 1000 || s.QueueSizeBytes != size {
				t.Errorf("queue size %d on disk, stats %d, max 1000", size, s.QueueSizeBytes)
			}
			got := messages(t, readAll(t, NewReader(dir, Position{}, nil, 0)))
			if len(got) == 0 || len(got) >= 40 {
				t.Fatalf("read %d entries", len(got))
			}
			if int64(len(got))+s.Dropped != 40 {
				t.Errorf("read %d + dropped %d != 40", len(got), s.Dropped)
			}
			first, last := got[0], got[len(got)-1]
			switch policy {
			case DropNewer:
				if first != "event 0" || last == "event 39" || full == 0 || s.Dropped != int64(full) {
					t.Errorf("drop_newer kept %s..%s, full errors %d, dropped %d", first, last, full, s.Dropped)
				}
			case DropOlder:
				if first == "event 0" || last != "event 39" || full != 0 {
					t.Errorf("drop_older kept %s..%s, full errors %d", first, last, full)
				}
			}
			if s.LastError == "" {
				t.Error("no last error")
			}
		})
	}
}

func TestTornTailTruncatedOnOpen(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir})
	for i := range 3 {
		w.Write(msg(i), "elasticsearch", "es", "r")
	}
	w.Close()
	path := segmentPath(dir, 1)
	good, _ := os.Stat(path)
	for _, tail := range [][]byte{
		{0, 0, 1},                    // a partial header
		{0, 0, 0, 50, 1, 2, 3, 4, 9}, // a header and part of its payload
		make([]byte, 64),             // zeros after a crash
	} {
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		f.Write(tail)
		f.Close()
		log, buf := testLogger(t)
		w2 := openW(t, Options{Dir: dir, Logger: log})
		after, _ := os.Stat(path)
		if after.Size() != good.Size() {
			t.Errorf("tail %v: size %d after open, want %d", tail, after.Size(), good.Size())
		}
		if !strings.Contains(buf.String(), "torn tail") {
			t.Errorf("no log of the truncation: %s", buf)
		}
		w2.Close()
	}
	w3 := openW(t, Options{Dir: dir})
	w3.Write(msg(3), "elasticsearch", "es", "r")
	w3.Close()
	got := messages(t, readAll(t, NewReader(dir, Position{}, nil, 0)))
	if strings.Join(got, ",") != "event 0,event 1,event 2,event 3" {
		t.Errorf("got %q", got)
	}
}

func TestCorruptRecordSkipped(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir})
	for i := range 3 {
		w.Write(msg(i), "elasticsearch", "es", "r")
	}
	w.Close()
	path := segmentPath(dir, 1)
	data, _ := os.ReadFile(path)
	// Flip a byte inside the second record's payload.
	n, _, err := parseRecordHeader(data[headerSize:])
	if err != nil {
		t.Fatal(err)
	}
	data[headerSize+recHdrSize+n+recHdrSize+20] ^= 0xff
	os.WriteFile(path, data, 0o644)
	log, buf := testLogger(t)
	got := messages(t, readAll(t, NewReader(dir, Position{}, log, 0)))
	if strings.Join(got, ",") != "event 0,event 2" {
		t.Errorf("got %q", got)
	}
	if !strings.Contains(buf.String(), "damaged record") {
		t.Errorf("no log: %s", buf)
	}
	// A broken length ends the segment; the reader goes on with the next.
	w2 := openW(t, Options{Dir: dir})
	w2.Write(msg(9), "elasticsearch", "es", "r")
	w2.Close()
	data[headerSize] = 0xff
	os.WriteFile(path, data, 0o644)
	log, buf = testLogger(t)
	got = messages(t, readAll(t, NewReader(dir, Position{}, log, 0)))
	if strings.Join(got, ",") != "event 9" {
		t.Errorf("got %q", got)
	}
	if !strings.Contains(buf.String(), "damaged from here on") {
		t.Errorf("no log: %s", buf)
	}
}

func TestRetainAge(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	w := openW(t, Options{Dir: dir, SegmentBytes: 200, RetainAge: time.Hour, FlushInterval: time.Hour, now: clock})
	for i := range 5 {
		w.Write(msg(i), "elasticsearch", "es", "r")
	}
	w.Flush()
	// Age the sealed segments' files as well as the clock.
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	segs, _ := listSegments(dir)
	for _, s := range segs {
		old := time.Now().Add(-90 * time.Minute)
		os.Chtimes(segmentPath(dir, s.seq), old, old)
	}
	w.mu.Lock()
	for i := range w.sealed {
		w.sealed[i].last = time.Now().Add(-90 * time.Minute)
	}
	w.mu.Unlock()
	w.Write(msg(5), "elasticsearch", "es", "r") // fresh: kept
	w.mu.Lock()
	w.curLast = time.Now().Add(-90 * time.Minute) // but the segment it is in was old
	w.mu.Unlock()
	w.expire()
	w.Write(msg(6), "elasticsearch", "es", "r")
	w.Flush()
	got := messages(t, readAll(t, NewReader(dir, Position{}, nil, 0)))
	if strings.Join(got, ",") != "event 6" {
		t.Errorf("got %q", got)
	}
	if s := w.Stats(); s.Expired != 6 {
		t.Errorf("expired = %d, want 6", s.Expired)
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir, SegmentBytes: 4096})
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := w.ForPlugin("http")
			for i := range each {
				if err := pw.WriteDeadLetter(msg(g*each+i), fmt.Sprintf("out%d", g), "503"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	w.Close()
	got := messages(t, readAll(t, NewReader(dir, Position{}, nil, 0)))
	if len(got) != writers*each {
		t.Fatalf("read %d, want %d", len(got), writers*each)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m] {
			t.Errorf("duplicate %s", m)
		}
		seen[m] = true
	}
}

func TestReaderFollowsWriter(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir, SegmentBytes: 300})
	r := NewReader(dir, Position{}, nil, 5*time.Millisecond)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 12 {
		w.Write(msg(i), "elasticsearch", "es", "r")
		w.Flush()
		en, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := messages(t, []Entry{en}); got[0] != fmt.Sprintf("event %d", i) {
			t.Fatalf("got %s, want event %d", got[0], i)
		}
	}
	// Resuming from a position reads only what follows.
	pos := r.Position()
	w.Write(msg(12), "elasticsearch", "es", "r")
	w.Flush()
	r2 := NewReader(dir, pos, nil, 0)
	if got := messages(t, readAll(t, r2)); strings.Join(got, ",") != "event 12" {
		t.Errorf("from %+v got %q", pos, got)
	}
	// Next gives up when ctx is done.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := r2.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next at the end = %v", err)
	}
}

func TestBadSegmentHeaderSkipped(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "1.log"), []byte("something else entirely"), 0o644)
	w := openW(t, Options{Dir: dir})
	w.Write(msg(1), "elasticsearch", "es", "r")
	w.Flush()
	log, buf := testLogger(t)
	got := messages(t, readAll(t, NewReader(dir, Position{}, log, 0)))
	if strings.Join(got, ",") != "event 1" || !strings.Contains(buf.String(), "not a dead letter queue segment") {
		t.Errorf("got %q, log %s", got, buf)
	}
}

func TestOptionsValidated(t *testing.T) {
	if _, err := Open(Options{Dir: t.TempDir(), StoragePolicy: "drop_all"}); err == nil {
		t.Error("accepted storage_policy drop_all")
	}
	if _, err := Open(Options{}); err == nil {
		t.Error("accepted no directory")
	}
}

func FuzzParseRecord(f *testing.F) {
	en := Entry{Time: time.Unix(1, 2), PluginType: "elasticsearch", PluginID: "es", Reason: "400", Event: []byte(`{"message":"x"}`)}
	rec := appendRecord(nil, &en)
	f.Add(rec)
	f.Add(rec[:len(rec)-3])
	f.Add(append(append([]byte{}, rec...), rec...))
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 0})
	dir := f.TempDir()
	quiet := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, b []byte) {
		var got Entry
		n, err := parseRecord(b, &got)
		if err == nil {
			if n > len(b) || n < recHdrSize+minPayload {
				t.Fatalf("size %d of %d bytes", n, len(b))
			}
			again := appendRecord(nil, &got)
			if !bytes.Equal(again, b[:n]) {
				t.Fatalf("re-encoding differs: %q vs %q", again, b[:n])
			}
		}
		// The segment reader gets the same bytes from a file.
		if err := os.WriteFile(filepath.Join(dir, "1.log"), append(segmentHeader(), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		r := NewReader(dir, Position{}, quiet, 0)
		for range 1000 {
			if _, err := r.TryNext(); err != nil {
				break
			}
		}
		r.Close()
		scanSegment(filepath.Join(dir, "1.log"))
	})
}

func TestReaderBeforeAnySegment(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), t.TempDir()} {
		r := NewReader(dir, Position{}, nil, 0)
		if en, err := r.TryNext(); !errors.Is(err, ErrNoData) {
			t.Errorf("%s: TryNext = %+v, %v; want ErrNoData", dir, en, err)
		}
	}
}

func TestOneWriterPerDirectory(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, Options{Dir: dir})
	if w2, err := Open(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "in use by another writer") {
		if w2 != nil {
			w2.Close()
		}
		t.Fatalf("second writer: %v", err)
	}
	w.Close()
	w3, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	w3.Close()
}
