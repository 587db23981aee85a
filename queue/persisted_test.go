package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

func testLogger(t testing.TB, buf *syncBuf) *slog.Logger {
	if buf == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(buf, nil))
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

func open(t testing.TB, opt Options) *Persisted {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = testLogger(t, nil)
	}
	q, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// crash leaves the queue as a killed process would: no final checkpoint,
// no fsync.
func crash(q *Persisted) {
	q.wmu.Lock()
	q.stopSyncer()
	q.wmu.Unlock()
	q.closeFiles()
}

func msgs(prefix string, n int) []*event.Event {
	out := make([]*event.Event, n)
	for i := range out {
		out[i] = event.NewMessage(fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func push(t testing.TB, q *Persisted, evs []*event.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Push(ctx, evs); err != nil {
		t.Fatal(err)
	}
}

// popAll pops every event currently readable, without acknowledging.
func popAll(t testing.TB, q *Persisted) []*event.Event {
	t.Helper()
	var out []*event.Event
	for q.Len() > 0 {
		out = q.Pop(out, len(out)+100, 0)
	}
	return out
}

func messages(evs []*event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message()
	}
	return out
}

func ackAll(evs []*event.Event) {
	for _, e := range evs {
		e.Tracker().Done()
	}
}

func TestEventRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 24, 7, 0, 0, 123456789, time.UTC)
	e := event.NewMessage("hello")
	e.SetTimestamp(ts)
	fields := map[string]any{
		"int": int64(-42), "float": 3.0, "nan": math.NaN(), "bool": true, "nil": nil,
		"nested": map[string]any{"when": ts.Add(time.Hour), "list": []any{int64(1), "two", 3.5, map[string]any{}}},
		"empty":  "", "unicode": "héllo\x00\xff",
	}
	for k, v := range fields {
		e.Fields()[k] = v
	}
	e.Metadata()["target"] = "index-a"
	e.Metadata()["deep"] = map[string]any{"x": int64(1)}
	got, err := DecodeEvent(AppendEvent(nil, e))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Timestamp().Equal(ts) {
		t.Errorf("@timestamp = %v, want %v", got.Timestamp(), ts)
	}
	if f, ok := got.Fields()["nan"].(float64); !ok || !math.IsNaN(f) {
		t.Errorf("nan = %#v", got.Fields()["nan"])
	}
	delete(got.Fields(), "nan")
	delete(e.Fields(), "nan")
	if !reflect.DeepEqual(got.Fields(), e.Fields()) {
		t.Errorf("fields:\n got %#v\nwant %#v", got.Fields(), e.Fields())
	}
	if !reflect.DeepEqual(got.Metadata(), e.Metadata()) {
		t.Errorf("@metadata:\n got %#v\nwant %#v", got.Metadata(), e.Metadata())
	}
	// An event without metadata stays without.
	plain, err := DecodeEvent(AppendEvent(nil, event.NewMessage("x")))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Get(metadataRef); ok {
		t.Error("decoded event grew @metadata")
	}
}

func TestDecodeEventRejectsGarbage(t *testing.T) {
	good := AppendEvent(nil, event.NewMessage("hello"))
	cases := map[string][]byte{
		"empty":       {},
		"not a map":   {tagStr, 1, 'x', tagNil},
		"truncated":   good[:len(good)-3],
		"trailing":    append(append([]byte{}, good...), 0),
		"huge count":  {tagMap, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"unknown tag": {tagMap, 1, 1, 'a', 99, tagNil},
		"bad nanos":   {tagMap, 1, 1, 'a', tagTime, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, tagNil},
	}
	for name, b := range cases {
		if _, err := DecodeEvent(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestPushPopAckReopen(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir})
	push(t, q, msgs("a", 10))
	got := popAll(t, q)
	if want := messages(msgs("a", 10)); !reflect.DeepEqual(messages(got), want) {
		t.Fatalf("popped %v, want %v", messages(got), want)
	}
	ackAll(got)
	push(t, q, msgs("b", 5)) // written, never popped
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = open(t, Options{Dir: dir})
	defer q.Close()
	got = popAll(t, q)
	if want := messages(msgs("b", 5)); !reflect.DeepEqual(messages(got), want) {
		t.Fatalf("after reopen popped %v, want %v", messages(got), want)
	}
}

func TestReplayUnacked(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir, CheckpointAcks: 1})
	push(t, q, msgs("a", 6))
	first := q.Pop(nil, 2, 0)  // a0 a1
	second := q.Pop(nil, 2, 0) // a2 a3
	third := q.Pop(nil, 2, 0)  // a4 a5
	// Out of order: the later batches complete first; the watermark must
	// wait for the first.
	ackAll(third)
	ackAll(second)
	if n := q.Unacked(); n != 6 {
		t.Fatalf("unacked = %d, want 6 (first batch still out)", n)
	}
	// Crash-like stop: no Close, files left as they are.
	crash(q)
	q = open(t, Options{Dir: dir, CheckpointAcks: 1})
	got := popAll(t, q)
	if want := messages(msgs("a", 6)); !reflect.DeepEqual(messages(got), want) {
		t.Fatalf("replayed %v, want %v (at-least-once)", messages(got), want)
	}
	_ = first
	// Now ack out of order again, then in full.
	ackAll(got[2:])
	if n := q.Unacked(); n != 6 {
		t.Fatalf("unacked = %d, want 6", n)
	}
	ackAll(got[:2])
	if n := q.Unacked(); n != 0 {
		t.Fatalf("unacked = %d, want 0", n)
	}
	crash(q)
	q = open(t, Options{Dir: dir})
	defer q.Close()
	if got := popAll(t, q); len(got) != 0 {
		t.Fatalf("replayed acknowledged events: %v", messages(got))
	}
}

func TestFilterChildrenHoldTheAck(t *testing.T) {
	q := open(t, Options{Dir: t.TempDir()})
	defer q.Close()
	push(t, q, msgs("a", 1))
	got := popAll(t, q)
	tr := got[0].Tracker()
	tr.Add(1) // a clone made by a filter
	tr.Done()
	if q.Unacked() != 1 {
		t.Fatal("acknowledged while the clone is in flight")
	}
	tr.Done()
	if q.Unacked() != 0 {
		t.Fatal("not acknowledged after the clone")
	}
}

func pageFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "page.*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func TestPagesRollAndAreFreed(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir, PageCapacity: 1024})
	defer q.Close()
	for i := 0; i < 20; i++ {
		push(t, q, msgs(fmt.Sprintf("p%d-", i), 5))
	}
	if n := len(pageFiles(t, dir)); n < 5 {
		t.Fatalf("%d page files, want several with 1 KiB pages", n)
	}
	got := popAll(t, q)
	if len(got) != 100 {
		t.Fatalf("popped %d, want 100", len(got))
	}
	ackAll(got)
	if n := len(pageFiles(t, dir)); n != 1 {
		t.Fatalf("%d page files after acknowledging everything, want only the head", n)
	}
}

func TestFullQueueBlocksPush(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"max_events", Options{MaxEvents: 10}},
		{"max_bytes", Options{MaxBytes: 4096, PageCapacity: 1024}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Dir = t.TempDir()
			q := open(t, tc.opt)
			defer q.Close()
			var pushed []*event.Event
			// Fill until a push blocks.
			for i := 0; ; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				err := q.Push(ctx, msgs(fmt.Sprintf("e%d-", i), 1))
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if i > 1000 {
					t.Fatal("the queue never filled up")
				}
			}
			if tc.opt.MaxBytes > 0 && q.Bytes() > tc.opt.MaxBytes {
				t.Fatalf("queue holds %d bytes, limit %d", q.Bytes(), tc.opt.MaxBytes)
			}
			// A blocked push goes through once events are acknowledged.
			done := make(chan error, 1)
			go func() { done <- q.Push(context.Background(), msgs("late", 1)) }()
			select {
			case err := <-done:
				t.Fatalf("push returned %v while the queue is full", err)
			case <-time.After(50 * time.Millisecond):
			}
			pushed = popAll(t, q)
			ackAll(pushed)
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("push still blocked after acknowledging everything")
			}
			// Closing releases blocked pushers with ErrClosed.
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				err := q.Push(ctx, msgs("fill", 1))
				cancel()
				if err != nil {
					break
				}
			}
			go func() { done <- q.Push(context.Background(), msgs("blocked", 1)) }()
			q.CloseInput(false)
			if err := <-done; !errors.Is(err, ErrClosed) {
				t.Fatalf("blocked push after CloseInput: %v, want ErrClosed", err)
			}
		})
	}
}

func TestOversizedEventInEmptyQueue(t *testing.T) {
	q := open(t, Options{Dir: t.TempDir(), MaxBytes: 100, PageCapacity: 64})
	defer q.Close()
	big := event.NewMessage(strings.Repeat("x", 500))
	push(t, q, []*event.Event{big})
	got := popAll(t, q)
	if len(got) != 1 || got[0].Message() != big.Message() {
		t.Fatal("oversized event lost")
	}
	ackAll(got)
	push(t, q, []*event.Event{event.NewMessage(strings.Repeat("y", 500))})
}

func TestDrain(t *testing.T) {
	for _, drain := range []bool{false, true} {
		t.Run(fmt.Sprint("drain=", drain), func(t *testing.T) {
			q := open(t, Options{Dir: t.TempDir()})
			defer q.Close()
			push(t, q, msgs("a", 5))
			q.CloseInput(drain)
			got := q.Pop(nil, 100, time.Millisecond)
			want := 0
			if drain {
				want = 5
			}
			if len(got) != want {
				t.Fatalf("popped %d after CloseInput, want %d", len(got), want)
			}
			if got := q.Pop(nil, 100, time.Millisecond); len(got) != 0 {
				t.Fatalf("second pop got %d", len(got))
			}
		})
	}
}

func TestPopWaitsForData(t *testing.T) {
	q := open(t, Options{Dir: t.TempDir()})
	defer q.Close()
	res := make(chan []*event.Event)
	go func() { res <- q.Pop(nil, 10, 20*time.Millisecond) }()
	push(t, q, msgs("a", 3))
	select {
	case got := <-res:
		if len(got) != 3 {
			t.Fatalf("popped %d, want 3", len(got))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pop did not wake up")
	}
}

func TestSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir})
	defer q.Close()
	if _, err := Open(Options{Dir: dir, Logger: testLogger(t, nil)}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open: %v, want in use", err)
	}
}

// lastPageWithData returns the newest page file that holds records.
func lastPageWithData(t *testing.T, dir string) string {
	t.Helper()
	files := pageFiles(t, dir)
	sort.Slice(files, func(i, j int) bool { return pageNum(files[i]) < pageNum(files[j]) })
	for i := len(files) - 1; i >= 0; i-- {
		st, err := os.Stat(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > pageHeaderLen {
			return files[i]
		}
	}
	t.Fatal("no page with data")
	return ""
}

func pageNum(path string) int {
	var n int
	fmt.Sscanf(filepath.Base(path), "page.%d", &n)
	return n
}

func TestTornTailAndCorruptRecords(t *testing.T) {
	cases := []struct {
		name    string
		damage  func(t *testing.T, path string)
		wantN   int // events that survive
		wantLog string
	}{
		{"half a record header", func(t *testing.T, path string) {
			appendBytes(t, path, []byte{0x10, 0, 0})
		}, 5, "bytes_truncated="},
		{"record cut short", func(t *testing.T, path string) {
			rec, at := beginRecord(nil)
			rec = append(rec, AppendEvent(nil, event.NewMessage("partial"))...)
			rec = endRecord(rec, at)
			appendBytes(t, path, rec[:len(rec)-4])
		}, 5, "bytes_truncated="},
		{"zeroed tail", func(t *testing.T, path string) {
			appendBytes(t, path, make([]byte, 100))
		}, 5, "bytes_truncated="},
		{"flipped byte in the third record", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			off := pageHeaderLen
			for i := 0; i < 2; i++ {
				_, n, err := nextRecord(b[off:])
				if err != nil || n == 0 {
					t.Fatal("bad page in test")
				}
				off += n
			}
			b[off+recordHdrLen+3] ^= 0x40
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, 2, "bytes_truncated="},
		{"impossible length", func(t *testing.T, path string) {
			appendBytes(t, path, []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5})
		}, 5, "bytes_truncated="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			q := open(t, Options{Dir: dir})
			push(t, q, msgs("a", 5))
			crash(q) // crash: no final checkpoint
			tc.damage(t, lastPageWithData(t, dir))
			var logs syncBuf
			q = open(t, Options{Dir: dir, Logger: testLogger(t, &logs)})
			got := popAll(t, q)
			if want := messages(msgs("a", tc.wantN)); !reflect.DeepEqual(messages(got), want) {
				t.Fatalf("recovered %v, want %v", messages(got), want)
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, logs.String())
			}
			if n := strings.Count(logs.String(), "persisted queue recovered"); n != 1 {
				t.Errorf("%d recovery lines, want one:\n%s", n, logs.String())
			}
			if want := fmt.Sprintf("events_kept=%d ", tc.wantN); !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
			// The queue goes on working after the repair.
			ackAll(got)
			push(t, q, msgs("b", 2))
			if got := popAll(t, q); !reflect.DeepEqual(messages(got), messages(msgs("b", 2))) {
				t.Fatalf("after repair popped %v", messages(got))
			}
			q.Close()
		})
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestBadCheckpointReplaysAll(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir, CheckpointAcks: 1})
	push(t, q, msgs("a", 4))
	ackAll(q.Pop(nil, 2, 0))
	crash(q)
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	q = open(t, Options{Dir: dir})
	defer q.Close()
	if got := popAll(t, q); len(got) != 4 {
		t.Fatalf("replayed %d with an unreadable checkpoint, want all 4", len(got))
	}
}

func TestConcurrentPushPop(t *testing.T) {
	// A tiny memory ring makes readers switch between memory and disk.
	for _, mem := range []int{0, 3, 64} {
		t.Run(fmt.Sprint("memory_events=", mem), func(t *testing.T) { testConcurrentPushPop(t, mem) })
	}
}

func testConcurrentPushPop(t *testing.T, mem int) {
	q := open(t, Options{Dir: t.TempDir(), PageCapacity: 8 << 10, MaxBytes: 64 << 10, MemoryEvents: mem})
	defer q.Close()
	const producers, per = 4, 500
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i += 10 {
				if err := q.Push(context.Background(), msgs(fmt.Sprintf("p%d-%d-", p, i), 10)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	seen := map[string]int{}
	var mu sync.Mutex
	var rg sync.WaitGroup
	for w := 0; w < 3; w++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				b := q.Pop(nil, 7, time.Millisecond)
				if len(b) == 0 {
					return
				}
				mu.Lock()
				for _, e := range b {
					seen[e.Message()]++
				}
				mu.Unlock()
				ackAll(b)
			}
		}()
	}
	wg.Wait()
	q.CloseInput(true)
	rg.Wait()
	if len(seen) != producers*per {
		t.Fatalf("saw %d distinct events, want %d", len(seen), producers*per)
	}
	for m, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", m, n)
		}
	}
	if q.Unacked() != 0 {
		t.Fatalf("unacked = %d", q.Unacked())
	}
}

// Events come back in the order they were pushed, whether from memory or
// from disk.
func TestOrderAcrossMemoryAndDisk(t *testing.T) {
	for _, mem := range []int{1, 4, 9} {
		t.Run(fmt.Sprint("memory_events=", mem), func(t *testing.T) { testOrderAcrossMemoryAndDisk(t, mem) })
	}
}

func testOrderAcrossMemoryAndDisk(t *testing.T, mem int) {
	q := open(t, Options{Dir: t.TempDir(), MemoryEvents: mem, PageCapacity: 300, SpillAfter: -1})
	defer q.Close()
	var want []string
	var got []*event.Event
	for i := 0; i < 30; i++ {
		evs := msgs(fmt.Sprintf("r%d-", i), i%4+1)
		want = append(want, messages(evs)...)
		push(t, q, evs)
		if i%3 == 0 {
			got = append(got, q.Pop(nil, 2+i%5, 0)...)
		}
	}
	got = append(got, popAll(t, q)...)
	if !reflect.DeepEqual(messages(got), want) {
		t.Fatalf("order:\n got %v\nwant %v", messages(got), want)
	}
	ackAll(got)
	if q.Unacked() != 0 {
		t.Fatalf("unacked = %d", q.Unacked())
	}
}

// A corrupt record in a page that is not the last one costs the rest of
// that page: the recovery line says how many events were lost.
func TestCorruptRecordInOlderPageIsCounted(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir, PageCapacity: 1024})
	for i := 0; i < 10; i++ {
		push(t, q, msgs(fmt.Sprintf("p%d-", i), 5))
	}
	crash(q)
	files := pageFiles(t, dir)
	sort.Slice(files, func(i, j int) bool { return pageNum(files[i]) < pageNum(files[j]) })
	if len(files) < 3 {
		t.Fatalf("%d pages, want several", len(files))
	}
	first := files[0]
	b, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	// Count the first page's records, then damage its second one.
	total, off, second := 0, pageHeaderLen, 0
	for off < len(b) {
		_, n, err := nextRecord(b[off:])
		if err != nil || n == 0 {
			break
		}
		if total == 1 {
			second = off
		}
		total++
		off += n
	}
	if total < 3 {
		t.Fatalf("first page holds %d records, want several", total)
	}
	b[second+recordHdrLen+3] ^= 0x40
	if err := os.WriteFile(first, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuf
	q = open(t, Options{Dir: dir, PageCapacity: 1024, Logger: testLogger(t, &logs)})
	defer q.Close()
	got := popAll(t, q)
	lost := 50 - len(got)
	if lost <= 0 {
		t.Fatalf("recovered %d of 50 events; the damage should cost some", len(got))
	}
	line := logs.String()
	if !strings.Contains(line, "persisted queue recovered") || !strings.Contains(line, fmt.Sprintf("events_lost=%d ", lost)) ||
		!strings.Contains(line, "events_kept=1 ") {
		t.Errorf("recovery line does not say 1 event kept and %d lost:\n%s", lost, line)
	}
}
