// Package pipeline is the pipeline output: it sends events to other
// pipelines of the same Sluice process, which receive them with the
// pipeline input.
package pipeline

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/pipebus"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindOutput,
		Name:        "pipeline",
		Summary:     "Sends events to other pipelines of the same process (pipeline-to-pipeline).",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Output{bus: pipebus.Default} },
	})
}

const description = "Sends a copy of every event to each address in `send_to`, where a `pipeline` input " +
	"of another pipeline listens. Use it for Logstash's patterns: a *distributor* (one input pipeline routes " +
	"by type to several pipelines, with conditionals around several `pipeline` outputs), *forked paths* (one " +
	"output sends to several addresses, each pipeline works on its own copy) and a *collector* (several " +
	"pipelines send to one address).\n\n" +
	"A write counts as delivered only once every receiving pipeline delivered the events through its own " +
	"outputs, so acknowledgements (beats, http, the persisted queue) run end to end. When the receiving " +
	"pipeline stops before delivering, the send to that address is retried (an event can then arrive " +
	"twice at that address, never zero times); addresses that delivered are not sent to again. Addresses are " +
	"sent to in parallel.\n\n" +
	"With `ensure_delivery => true` (the default) a write waits while an address has no listener, for example " +
	"while the receiving pipeline reloads; this holds the sending pipeline back (backpressure) and, after a " +
	"typo in an address, stops it: the wait is logged. With `false` events for an address " +
	"without listener are dropped and counted (logged).\n\n" +
	"### Differences from Logstash\n\n" +
	"- With `ensure_delivery => false` a receiving pipeline that is full still holds the sender back; only " +
	"an address without listener drops."

// Output is the pipeline output.
type Output struct {
	SendTo         []string
	EnsureDelivery bool

	bus     *pipebus.Bus
	log     *slog.Logger
	dropped atomic.Int64
}

var (
	_ plugin.Output      = (*Output)(nil)
	_ plugin.Initializer = (*Output)(nil)
)

// Settings declares the pipeline output's settings.
func (o *Output) Settings(s *plugin.Settings) {
	s.Strings(&o.SendTo, "send_to", "The addresses (the `address` of `pipeline` inputs) to send every event to.").Required().Example(`["weblogs", "archive"]`)
	s.Bool(&o.EnsureDelivery, "ensure_delivery", "Wait while an address has no listener (`true`), or drop and count the events for it (`false`).").Default(true)
}

// Init checks the addresses.
func (o *Output) Init(ctx *plugin.Context) error {
	o.log = ctx.Logger
	if o.log == nil {
		o.log = slog.Default()
	}
	if len(o.SendTo) == 0 {
		return errors.New("send_to must name at least one address")
	}
	seen := map[string]bool{}
	for _, a := range o.SendTo {
		if a == "" {
			return errors.New("send_to: an address is empty")
		}
		if seen[a] {
			return fmt.Errorf("send_to: address %q is listed twice", a)
		}
		seen[a] = true
	}
	return nil
}

// Dropped is how many events were dropped because an address had no
// listener (ensure_delivery => false).
func (o *Output) Dropped() int64 { return o.dropped.Load() }

// Write sends events to every address at once and returns once each
// receiving pipeline delivered them. An address that fails (its pipeline
// stopped before delivering, or is stopping) is retried on its own, so the
// addresses that delivered do not get the events twice.
func (o *Output) Write(ctx context.Context, events []*event.Event) error {
	if len(o.SendTo) == 1 {
		return o.sendRetrying(ctx, o.SendTo[0], events)
	}
	errs := make([]error, len(o.SendTo))
	var wg sync.WaitGroup
	for i, addr := range o.SendTo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = o.sendRetrying(ctx, addr, events)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sendRetrying sends to one address until it delivered or ctx is done.
func (o *Output) sendRetrying(ctx context.Context, addr string, events []*event.Event) error {
	backoff := minBackoff
	for {
		dropped, err := o.send(ctx, addr, events)
		if err == nil {
			if dropped > 0 {
				total := o.dropped.Add(int64(dropped))
				o.log.Warn("no pipeline listens on the address: events dropped (ensure_delivery is false)",
					"address", addr, "dropped", dropped, "dropped_total", total)
			}
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		o.log.Warn("sending to a pipeline failed; retrying", "address", addr, "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// Backoff between retries of one address (its pipeline is stopping).
const (
	minBackoff = 10 * time.Millisecond
	maxBackoff = time.Second
)

// send sends once, logging while it waits for a listener.
func (o *Output) send(ctx context.Context, addr string, events []*event.Event) (int, error) {
	if !o.EnsureDelivery || o.bus.Listening(addr) {
		return o.bus.Send(ctx, addr, events, o.EnsureDelivery)
	}
	o.log.Info("waiting for a pipeline to listen on the address (ensure_delivery)", "address", addr, "events", len(events))
	return o.bus.Send(ctx, addr, events, true)
}
