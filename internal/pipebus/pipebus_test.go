package pipebus

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

// ackAtOnce is a receiver that keeps the events and acknowledges them.
func ackAtOnce(got *[]*event.Event) Receiver {
	return func(_ context.Context, events []*event.Event, ack func()) error {
		*got = append(*got, events...)
		ack()
		return nil
	}
}

func TestSendCopiesEvents(t *testing.T) {
	b := New()
	var got []*event.Event
	l, err := b.Listen("x", "down", ackAtOnce(&got))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	orig := event.NewMessage("m")
	if _, err := b.Send(context.Background(), "x", []*event.Event{orig}, true); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] == orig {
		t.Fatalf("got %v: want one copy", got)
	}
	got[0].Fields()["changed"] = true
	if _, ok := orig.Fields()["changed"]; ok {
		t.Error("the receiver's change reached the sender's event")
	}
}

func TestNoListener(t *testing.T) {
	b := New()
	n, err := b.Send(context.Background(), "none", []*event.Event{event.New(), event.New()}, false)
	if err != nil || n != 2 || b.Dropped() != 2 {
		t.Fatalf("dropped %d (total %d), err %v; want 2 dropped", n, b.Dropped(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := b.Send(ctx, "none", []*event.Event{event.New()}, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ensured send without listener: err %v, want it to wait until ctx ends", err)
	}
}

func TestEnsuredSendWaitsForListener(t *testing.T) {
	b := New()
	done := make(chan error, 1)
	go func() {
		_, err := b.Send(context.Background(), "later", []*event.Event{event.New()}, true)
		done <- err
	}()
	var got []*event.Event
	// Let the send reach its wait; it must not finish without a listener.
	select {
	case err := <-done:
		t.Fatalf("send finished without a listener: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	l, err := b.Listen("later", "down", ackAtOnce(&got))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	select {
	case err := <-done:
		if err != nil || len(got) != 1 {
			t.Fatalf("err %v, got %d events", err, len(got))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("send did not notice the listener")
	}
}

func TestListenTwice(t *testing.T) {
	b := New()
	l, err := b.Listen("a", "p1", ackAtOnce(new([]*event.Event)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Listen("a", "p2", ackAtOnce(new([]*event.Event))); err == nil {
		t.Fatal("second listener accepted")
	}
	l.Close()
	l2, err := b.Listen("a", "p2", ackAtOnce(new([]*event.Event)))
	if err != nil {
		t.Fatalf("address not free after Close: %v", err)
	}
	l2.Close()
}

func TestReceiverRefuses(t *testing.T) {
	b := New()
	l, _ := b.Listen("r", "p", func(context.Context, []*event.Event, func()) error { return errors.New("stopping") })
	defer l.Close()
	if _, err := b.Send(context.Background(), "r", []*event.Event{event.New()}, true); err == nil {
		t.Fatal("a refused send reported success")
	}
}

// BenchmarkSend measures a 125-event batch crossing the bus (copies,
// push, acknowledgement).
func BenchmarkSend(b *testing.B) {
	bus := New()
	l, err := bus.Listen("bench", "down", func(_ context.Context, _ []*event.Event, ack func()) error {
		ack()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	batch := make([]*event.Event, 125)
	for i := range batch {
		e := event.NewMessage(`127.0.0.1 - - [24/Nov/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 512`)
		e.Fields()["host"] = map[string]any{"name": "web-1"}
		batch[i] = e
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := bus.Send(context.Background(), "bench", batch, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}
