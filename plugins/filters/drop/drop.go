// Package drop is the drop filter: it discards events, all of them or a
// random share.
package drop

import (
	_ "embed"
	"fmt"
	"math/rand/v2"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "drop",
		Summary: "Drops events (all of them, or a random percentage).",
		Description: "Every event that reaches this filter is dropped: it goes no further in the pipeline " +
			"and counts as delivered (its input is acknowledged). Use it inside a conditional, such as " +
			"`if [loglevel] == \"debug\" { drop { } }`.\n\n" +
			"With `percentage`, each event is dropped with that probability, independently of the others.\n\n" +
			"As in Logstash, the common options (`add_field`, `add_tag`, ...) never apply: dropped events " +
			"are gone, and the events that a `percentage` lets through are left untouched.",
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the drop filter.
type Filter struct {
	Percentage float64

	// Rand returns a number in [0, 1); tests replace it with a seeded
	// source. It must be safe for concurrent use. Nil means math/rand/v2.
	Rand func() float64
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares percentage.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Float(&f.Percentage, "percentage", "Share of the events to drop, from 0 to 100; each event is dropped "+
		"at random with this probability.").Default(100.0).Example("40")
}

// Init checks the percentage.
func (f *Filter) Init(*plugin.Context) error {
	if f.Percentage < 0 || f.Percentage > 100 {
		return fmt.Errorf("percentage must be between 0 and 100, got %v", f.Percentage)
	}
	if f.Rand == nil {
		f.Rand = rand.Float64
	}
	return nil
}

// Filter cancels e (always at 100%, otherwise at random) and reports
// whether it did.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if f.Percentage >= 100 || f.Rand() < f.Percentage/100 {
		e.Cancel()
		return true
	}
	return false
}
