package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
	"github.com/sluicelog/sluice/plugins/inputs/beats"
)

type countingQueue struct{ n atomic.Int64 }

func (q *countingQueue) Push(_ context.Context, evs []*event.Event, _ func()) error {
	q.n.Add(int64(len(evs)))
	return nil
}

// sendBeats delivers exactly the events asked for, over several
// connections, to a real beats input.
func TestSendBeats(t *testing.T) {
	inst := plugintest.Build(t, plugin.KindInput, `beats { host => "127.0.0.1" port => 0 }`)
	in := inst.Plugin.(*beats.Input)
	q := &countingQueue{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	<-in.Ready()
	docs := beatsDocs(3000)
	for _, level := range []int{0, 3} {
		before := q.n.Load()
		const n = 10_001
		st, err := sendBeats(ctx, in.Addr().String(), docs, n, 3, level)
		if err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		if got := q.n.Load() - before; got != n {
			t.Errorf("level %d: %d events arrived, want %d", level, got, n)
		}
		if avg := float64(st.Bytes) / n; avg < 250 || avg > 350 {
			t.Errorf("average event size %.0f bytes, want about 300", avg)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
