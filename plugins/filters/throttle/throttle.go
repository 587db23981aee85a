// Package throttle is the throttle filter: it counts events per key in
// time windows and marks those outside a range of counts.
package throttle

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "throttle",
		Summary: "Counts events per key in a time window and marks the ones over (or under) a count.",
		Description: `Every event is counted under its ` + "`key`" + ` (a ` + "`%{field}`" + ` template) in a time window of
` + "`period`" + ` seconds, based on the event's ` + "`@timestamp`" + ` (not the time it is processed): the
first event of a key opens a window at its timestamp, and later events with a
timestamp inside that window count in it; an event after the window opens the
next one.

The event is *throttled* when its count in the window is below ` + "`before_count`" + ` or
above ` + "`after_count`" + ` (-1 disables a bound). Only then does the filter succeed, so its
` + "`add_tag`" + `, ` + "`add_field`" + `, ` + "`remove_field`" + ` and ` + "`remove_tag`" + ` options apply — use them to mark
throttled events (` + "`add_tag => [\"throttled\"]`" + `) and drop or route them with a
conditional. The filter itself changes nothing.

With ` + "`before_count => 3`" + ` and ` + "`after_count => 5`" + `, events 1 and 2 of a window are
throttled, 3 to 5 pass, 6 and later are throttled.

Memory is bounded: windows older than ` + "`max_age`" + ` seconds (measured from the newest
event timestamp seen) are forgotten, and at most ` + "`max_counters`" + ` keys are tracked; when
there are more, expired keys and then the least recently seen ones are removed.
A ` + "`max_age`" + ` of at least twice the ` + "`period`" + ` is recommended, more when events of a key
arrive out of order.

As in Logstash, counters live in memory: they start from zero when Sluice
restarts, and each pipeline has its own.

Difference from Logstash: ` + "`period`" + ` is a number of seconds (quoted or not); Logstash also
accepts a ` + "`%{field}`" + ` reference there.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the throttle filter.
type Filter struct {
	Key         string
	BeforeCount int
	AfterCount  int
	Period      time.Duration
	MaxAge      time.Duration
	MaxCounters int

	key    *event.Template
	logger *slog.Logger

	mu     sync.Mutex
	keys   map[string]*counter
	newest int64 // the newest event time seen, Unix nanoseconds
	warned bool
}

// counter holds one key's windows, oldest first.
type counter struct {
	windows []window
	seen    int64 // the newest event time of this key
}

type window struct {
	start int64 // Unix nanoseconds
	count int64
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
	_ plugin.Flusher     = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.String(&f.Key, "key", "What events are counted by: a text with `%{field}` references, e.g. `\"%{host}\"`.").
		Required().Example(`"%{host}-%{[log][level]}"`)
	s.Int(&f.BeforeCount, "before_count", "Events are throttled while their count in the window is below this (-1: no lower bound).").
		Default(-1)
	s.Int(&f.AfterCount, "after_count", "Events are throttled once their count in the window is above this (-1: no upper bound).").
		Default(-1)
	s.Seconds(&f.Period, "period", "Length of a counting window, in seconds.").Default(60 * time.Second)
	s.Seconds(&f.MaxAge, "max_age",
		"How long a window is kept, in seconds, measured from the newest event timestamp seen. At least twice `period` is recommended.").
		Default(3600 * time.Second)
	s.Int(&f.MaxCounters, "max_counters", "Most keys tracked at once; when exceeded, expired and least recently seen keys are removed.").
		Default(100000)
}

// Init checks the settings.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.logger == nil {
		f.logger = slog.Default()
	}
	var err error
	if f.key, err = event.ParseTemplate(f.Key); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	if f.BeforeCount < -1 || f.AfterCount < -1 {
		return errors.New("before_count and after_count must be -1 (off) or a count >= 0")
	}
	if f.BeforeCount != -1 && f.AfterCount != -1 && f.AfterCount < f.BeforeCount {
		return fmt.Errorf("after_count (%d) must not be less than before_count (%d)", f.AfterCount, f.BeforeCount)
	}
	if f.Period <= 0 {
		return errors.New("period must be more than 0 seconds")
	}
	if f.MaxAge < f.Period {
		return fmt.Errorf("max_age (%v) must be at least period (%v)", f.MaxAge, f.Period)
	}
	if f.MaxCounters < 1 {
		return fmt.Errorf("max_counters must be at least 1, got %d", f.MaxCounters)
	}
	f.keys = make(map[string]*counter)
	return nil
}

// Filter counts e and reports whether it is throttled.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	key := f.key.Render(e)
	t := e.Timestamp()
	if t.IsZero() {
		t = time.Now()
	}
	now := t.UnixNano()
	f.mu.Lock()
	count := f.count(key, now)
	f.mu.Unlock()
	return (f.BeforeCount != -1 && count < int64(f.BeforeCount)) || (f.AfterCount != -1 && count > int64(f.AfterCount))
}

// count adds an event at time now to key's window and returns the window's
// count. f.mu is held.
func (f *Filter) count(key string, now int64) int64 {
	if now > f.newest {
		f.newest = now
	}
	c := f.keys[key]
	if c == nil {
		if len(f.keys) >= f.MaxCounters {
			f.shrink()
		}
		c = &counter{}
		f.keys[key] = c
	}
	if now > c.seen {
		c.seen = now
	}
	// Forget windows older than max_age.
	maxAge, period := int64(f.MaxAge), int64(f.Period)
	drop := 0
	for drop < len(c.windows) && c.windows[drop].start < f.newest-maxAge {
		drop++
	}
	if drop > 0 {
		c.windows = slices.Delete(c.windows, 0, drop)
	}
	// The newest window holding now.
	for i := len(c.windows) - 1; i >= 0; i-- {
		w := &c.windows[i]
		if w.start <= now && now < w.start+period {
			w.count++
			return w.count
		}
	}
	// A new window, kept in order of start.
	i, _ := slices.BinarySearchFunc(c.windows, now, func(w window, t int64) int {
		switch {
		case w.start < t:
			return -1
		case w.start > t:
			return 1
		}
		return 0
	})
	c.windows = slices.Insert(c.windows, i, window{start: now, count: 1})
	return 1
}

// shrink removes expired keys and, when that is not enough, the least
// recently seen tenth of them. f.mu is held.
func (f *Filter) shrink() {
	f.expire()
	if len(f.keys) < f.MaxCounters {
		return
	}
	if !f.warned {
		f.warned = true
		f.logger.Warn("throttle: max_counters reached; forgetting the least recently seen keys (raise max_counters or lower max_age)",
			"max_counters", f.MaxCounters)
	}
	type aged struct {
		key  string
		seen int64
	}
	all := make([]aged, 0, len(f.keys))
	for k, c := range f.keys {
		all = append(all, aged{k, c.seen})
	}
	slices.SortFunc(all, func(a, b aged) int {
		switch {
		case a.seen < b.seen:
			return -1
		case a.seen > b.seen:
			return 1
		}
		return 0
	})
	n := max(len(all)-f.MaxCounters+1, len(all)/10)
	for _, a := range all[:n] {
		delete(f.keys, a.key)
	}
}

// expire removes keys whose windows are all older than max_age. f.mu is
// held.
func (f *Filter) expire() {
	limit := f.newest - int64(f.MaxAge)
	for k, c := range f.keys {
		if len(c.windows) == 0 || c.windows[len(c.windows)-1].start < limit {
			delete(f.keys, k)
		}
	}
}

// Flush forgets expired keys (with periodic_flush); it emits nothing.
func (f *Filter) Flush(func(*event.Event)) {
	f.mu.Lock()
	f.expire()
	f.mu.Unlock()
}

// Keys returns how many keys are tracked.
func (f *Filter) Keys() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys)
}
