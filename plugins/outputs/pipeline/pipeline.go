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
	"sync/atomic"

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
	"pipeline stops before delivering, the write is retried (an event can then arrive twice, never zero " +
	"times).\n\n" +
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

// Write sends events to every address and returns once each receiving
// pipeline delivered them.
func (o *Output) Write(ctx context.Context, events []*event.Event) error {
	// Failed addresses are retried as a whole batch by the engine; an
	// address that already delivered then gets the events again
	// (at least once).
	for _, addr := range o.SendTo {
		dropped, err := o.sendLogged(ctx, addr, events)
		if err != nil {
			return err
		}
		if dropped > 0 {
			total := o.dropped.Add(int64(dropped))
			o.log.Warn("no pipeline listens on the address: events dropped (ensure_delivery is false)",
				"address", addr, "dropped", dropped, "dropped_total", total)
		}
	}
	return nil
}

// sendLogged sends, logging while it waits for a listener.
func (o *Output) sendLogged(ctx context.Context, addr string, events []*event.Event) (int, error) {
	if !o.EnsureDelivery || o.bus.Listening(addr) {
		return o.bus.Send(ctx, addr, events, o.EnsureDelivery)
	}
	o.log.Info("waiting for a pipeline to listen on the address (ensure_delivery)", "address", addr, "events", len(events))
	return o.bus.Send(ctx, addr, events, true)
}
