package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/pipebus"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/all"
)

// runInput builds `pipeline { address => addr }` and runs it on q until
// the returned stop function is called; stop also closes the plugin.
func runInput(t *testing.T, addr string, q plugin.Queue) (stop func()) {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindInput, `pipeline { address => "`+addr+`" }`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- inst.Plugin.(plugin.Input).Run(ctx, q) }()
	deadline := time.Now().Add(5 * time.Second)
	for !pipebus.Default.Listening(addr) {
		if time.Now().After(deadline) {
			t.Fatal("the input does not listen")
		}
		time.Sleep(time.Millisecond) // polling the bus; Run has no ready signal
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		_ = inst.Close()
	}
}

// A send returns only once the receiving pipeline acknowledged the events.
func TestSendWaitsForDownstreamAck(t *testing.T) {
	q := plugintest.NewQueue()
	stop := runInput(t, "in-ack", q)
	defer stop()
	sent := make(chan error, 1)
	go func() {
		_, err := pipebus.Default.Send(context.Background(), "in-ack", []*event.Event{event.NewMessage("a"), event.NewMessage("b")}, true)
		sent <- err
	}()
	got := q.Wait(t, 2, 5*time.Second)
	if len(got) != 2 || got[0].Message() != "a" || got[1].Message() != "b" {
		t.Fatalf("received %v", got)
	}
	select {
	case err := <-sent:
		t.Fatalf("send returned before the downstream ack: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	q.AckAll()
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("send did not return after the ack")
	}
}

// When the receiving pipeline closes without delivering, a waiting send
// fails (the sender retries) instead of hanging or counting the events.
func TestSendFailsWhenReceiverCloses(t *testing.T) {
	q := plugintest.NewQueue()
	stop := runInput(t, "in-gone", q)
	sent := make(chan error, 1)
	go func() {
		_, err := pipebus.Default.Send(context.Background(), "in-gone", []*event.Event{event.NewMessage("a")}, true)
		sent <- err
	}()
	q.Wait(t, 1, 5*time.Second)
	stop()
	select {
	case err := <-sent:
		if !errors.Is(err, pipebus.ErrReceiverGone) {
			t.Fatalf("err = %v, want ErrReceiverGone", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("send hangs after the receiver closed")
	}
	if pipebus.Default.Listening("in-gone") {
		t.Error("the address still has a listener")
	}
}

// One address has one listener.
func TestAddressTaken(t *testing.T) {
	stop := runInput(t, "in-taken", plugintest.NewQueue())
	defer stop()
	inst := plugintest.Build(t, plugin.KindInput, `pipeline { address => "in-taken" }`)
	defer inst.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := inst.Plugin.(plugin.Input).Run(ctx, plugintest.NewQueue()); err == nil {
		t.Fatal("a second listener on a taken address ran")
	}
}

func TestAddressRequired(t *testing.T) {
	for _, src := range []string{`pipeline { }`, `pipeline { address => "" }`} {
		if _, err := plugintest.BuildErr(plugin.KindInput, src); err == nil {
			t.Errorf("%s: accepted", src)
		}
	}
}
