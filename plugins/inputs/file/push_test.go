package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/shipper"
)

// sizingQueue records the size and the ack of every push.
type sizingQueue struct {
	*plugintest.Queue
	mu    sync.Mutex
	sizes []int
	acks  []func()
}

func (q *sizingQueue) Push(ctx context.Context, events []*event.Event, ack func()) error {
	q.mu.Lock()
	q.sizes = append(q.sizes, len(events))
	q.acks = append(q.acks, ack)
	q.mu.Unlock()
	return q.Queue.Push(ctx, events, nil)
}

// One read holds many lines: they are pushed in parts of at most
// maxPushEvents, each acknowledging the offset after its last line.
func TestPushesAreBounded(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "r.json")
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "line %04d\n", i) // 10 bytes each: one read
	}
	write(t, filepath.Join(dir, "a.log"), b.String())
	in := build(t, `path => "`+dir+`/*.log" start_position => beginning stat_interval => 0.05 sincedb_path => "`+reg+`"`)
	q := &sizingQueue{Queue: plugintest.NewQueue()}
	if err := in.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	evs := q.Wait(t, 1000, 10*time.Second)
	cancel()
	<-done
	for i, e := range evs {
		if want := fmt.Sprintf("line %04d", i); get(t, e, "message") != want {
			t.Fatalf("event %d: %q, want %q", i, get(t, e, "message"), want)
		}
	}
	q.mu.Lock()
	sizes := append([]int(nil), q.sizes...)
	q.mu.Unlock()
	if maxPushEvents > 256 || len(sizes) < 1000/maxPushEvents || sizes[0] != maxPushEvents {
		t.Fatalf("%d pushes %v, want at least %d of at most %d (at most 256)", len(sizes), sizes, 1000/maxPushEvents, maxPushEvents)
	}
	for _, n := range sizes {
		if n > maxPushEvents {
			t.Fatalf("a push of %d events (max %d): %v", n, maxPushEvents, sizes)
		}
	}
	// Acknowledge the first push only: the offset saved is the end of its
	// last line.
	q.mu.Lock()
	first, ack := sizes[0], q.acks[0]
	q.mu.Unlock()
	ack()
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(reg)
	st, err := shipper.DecodeRegistry(data)
	if err != nil || len(st) != 1 || st[0].Offset != int64(first*10) {
		t.Fatalf("registry %s (%v), want offset %d", data, err, first*10)
	}
}
