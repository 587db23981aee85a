// Package null is the null output: it discards events (for benchmarks and
// for pipelines that only need their filters' side effects).
package null

import (
	"context"
	_ "embed"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindOutput,
		Name:    "null",
		Summary: "Discards every event.",
		Description: "Each event counts as delivered as soon as it reaches this output. " +
			"Useful to measure the rest of a pipeline.",
		Example: example,
		New:     func() plugin.Plugin { return &Output{} },
	})
}

// Output discards events.
type Output struct{}

var _ plugin.Output = (*Output)(nil)

// Settings declares no settings of its own.
func (*Output) Settings(*plugin.Settings) {}

// Write discards events.
func (*Output) Write(context.Context, []*event.Event) error { return nil }
