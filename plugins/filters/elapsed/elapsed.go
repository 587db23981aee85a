// Package elapsed is the elapsed filter: it measures the time between a
// start event and the matching end event.
package elapsed

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

// Tags and fields the filter sets.
const (
	TagElapsed         = "elapsed"
	TagMatch           = "elapsed_match"
	TagEndWithoutStart = "elapsed_end_without_start"
	TagExpired         = "elapsed_expired_error"
	FieldElapsedTime   = "elapsed_time"
	FieldStartTime     = "elapsed_timestamp_start"
)

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "elapsed",
		Summary: "Measures the time between a start event and its end event.",
		Description: `Pairs a *start* event (tagged ` + "`start_tag`" + `) with the *end* event (tagged ` + "`end_tag`" + `)
that has the same value in ` + "`unique_id_field`" + `, and records the time between their
` + "`@timestamp`" + `s in seconds:

- Without ` + "`new_event_on_match`" + ` the end event gets ` + "`elapsed_time`" + ` (seconds, a float),
  ` + "`elapsed_timestamp_start`" + ` (the start event's ` + "`@timestamp`" + `) and the tags ` + "`elapsed`" + ` and
  ` + "`elapsed_match`" + `.
- With ` + "`new_event_on_match => true`" + ` the end event is left as it is and a new event
  carries those fields and tags, the id field and the host name.

An end event without a known start event is tagged ` + "`elapsed_end_without_start`" + `. A
start event whose end does not arrive within ` + "`timeout`" + ` seconds is forgotten and a
new event reports it: tags ` + "`elapsed`" + ` and ` + "`elapsed_expired_error`" + `, the id field,
` + "`elapsed_time`" + ` (how long it waited) and ` + "`elapsed_timestamp_start`" + `. Expired starts are
looked for every 5 seconds while events pass through the filter, when the filter is
flushed (with ` + "`periodic_flush => true`" + `, also while no events arrive) and when the
pipeline stops.

The filter succeeds (its ` + "`add_tag`" + `, ` + "`add_field`" + ` ... apply) for start and end events;
the events it creates get those options too. Events without the id field are
left alone. With ` + "`keep_start_event => \"last\"`" + ` a second start event with the same id
replaces the first; by default the first is kept.

Pending start events are kept in memory (like Logstash: lost on restart, one
table per pipeline). For correct pairing, a start must be processed before its end: run
the pipeline with one worker (` + "`pipeline.workers: 1`" + ` or ` + "`-w 1`" + `). With more workers
the filter logs a warning naming the setting as the pipeline is built (Logstash says
nothing) and runs anyway: an end processed before its start is then tagged
` + "`elapsed_end_without_start`" + ` and the start expires.

Differences from Logstash: the expiry age is measured on the clock (Logstash
adds 5 seconds per flush); in ECS mode the host name of created events goes to
` + "`[host][hostname]`" + ` instead of ` + "`host`" + `.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the elapsed filter.
type Filter struct {
	StartTag        string
	EndTag          string
	UniqueIDField   event.Ref
	Timeout         time.Duration
	NewEventOnMatch bool
	KeepStartEvent  string

	logger    *slog.Logger
	hostRef   event.Ref
	host      string
	elapsedF  event.Ref
	startF    event.Ref
	now       func() time.Time // the clock (tests replace it)
	mu        sync.Mutex
	starts    map[string]start
	maxStarts int
	warned    bool
	lastSweep atomic.Int64 // when expired starts were last looked for, Unix nanoseconds
}

type start struct {
	id       any       // the id field's value
	ts       time.Time // the start event's @timestamp
	received time.Time // when it arrived (clock time)
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
	_ plugin.Flusher     = (*Filter)(nil)
)

// maxPending bounds the start events kept waiting for their end.
const maxPending = 1 << 20

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.String(&f.StartTag, "start_tag", "Tag marking start events.").Required().Example(`"taskStarted"`)
	s.String(&f.EndTag, "end_tag", "Tag marking end events.").Required().Example(`"taskTerminated"`)
	s.FieldRef(&f.UniqueIDField, "unique_id_field", "Field whose value pairs a start event with its end event.").
		Required().Example(`"task_id"`)
	s.Seconds(&f.Timeout, "timeout",
		"Seconds a start event waits for its end; then it is forgotten and reported by an `elapsed_expired_error` event.").
		Default(1800 * time.Second)
	s.Bool(&f.NewEventOnMatch, "new_event_on_match",
		"Put the result in a new event instead of the end event.").Default(false)
	s.String(&f.KeepStartEvent, "keep_start_event",
		"Which start event is kept when several with the same id arrive before the end: `first` or `last`.").
		Default("first").Enum("first", "last")
}

// Init checks the settings.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.logger == nil {
		f.logger = slog.Default()
	}
	if f.StartTag == "" || f.EndTag == "" {
		return errors.New("start_tag and end_tag must not be empty")
	}
	if f.StartTag == f.EndTag {
		return fmt.Errorf("start_tag and end_tag must differ (both are %q)", f.StartTag)
	}
	if f.Timeout <= 0 {
		return errors.New("timeout must be more than 0 seconds")
	}
	if ctx.Workers > 1 {
		f.logger.Warn("elapsed needs a task's start event processed before its end, but the pipeline runs several workers: "+
			"pairs may be missed (tagged elapsed_end_without_start); set pipeline.workers: 1 (or -w 1) for this pipeline",
			"pipeline", ctx.PipelineID, "pipeline.workers", ctx.Workers)
	}
	f.hostRef = event.MustRef("host")
	if ctx.ECS() {
		f.hostRef = event.MustRef("[host][hostname]")
	}
	f.host, _ = os.Hostname()
	f.elapsedF = event.MustRef(FieldElapsedTime)
	f.startF = event.MustRef(FieldStartTime)
	if f.now == nil {
		f.now = time.Now
	}
	f.starts = make(map[string]start)
	if f.maxStarts == 0 {
		f.maxStarts = maxPending
	}
	return nil
}

// sweepEvery is how often Filter looks for expired start events.
const sweepEvery = 5 * time.Second

// Filter records start events and completes end events. Every few
// seconds it also reports expired start events, so that they are reported
// while events flow even without periodic_flush.
func (f *Filter) Filter(e *event.Event, emit func(*event.Event)) bool {
	if now := f.now(); now.UnixNano()-f.lastSweep.Load() >= int64(sweepEvery) {
		f.lastSweep.Store(now.UnixNano())
		f.expire(now, emit)
	}
	isStart, isEnd := e.HasTag(f.StartTag), e.HasTag(f.EndTag)
	if !isStart && !isEnd {
		return false
	}
	idv, ok := e.Get(f.UniqueIDField)
	if !ok || idv == nil {
		return false
	}
	id := string(event.FormatValue(nil, idv))
	if isStart {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, dup := f.starts[id]; dup && f.KeepStartEvent == "first" {
			return true
		}
		if len(f.starts) >= f.maxStarts {
			if !f.warned {
				f.warned = true
				f.logger.Warn("elapsed: too many start events wait for their end; new ones are not tracked (lower timeout)",
					"pending", len(f.starts))
			}
			return true
		}
		f.starts[id] = start{id: event.CloneValue(idv), ts: e.Timestamp(), received: f.now()}
		return true
	}
	f.mu.Lock()
	st, found := f.starts[id]
	delete(f.starts, id)
	f.mu.Unlock()
	if !found {
		e.AddTag(TagEndWithoutStart)
		return true
	}
	elapsed := e.Timestamp().Sub(st.ts).Seconds()
	if f.NewEventOnMatch {
		emit(f.newEvent(st, elapsed, TagMatch))
		return true
	}
	e.AddTag(TagElapsed)
	e.AddTag(TagMatch)
	_ = e.Set(f.elapsedF, elapsed)
	_ = e.Set(f.startF, st.ts)
	return true
}

func (f *Filter) newEvent(st start, elapsed float64, tag string) *event.Event {
	n := event.New()
	_ = n.Set(f.hostRef, f.host)
	n.AddTag(TagElapsed)
	n.AddTag(tag)
	_ = n.Set(f.UniqueIDField, event.CloneValue(st.id))
	_ = n.Set(f.elapsedF, elapsed)
	_ = n.Set(f.startF, st.ts)
	return n
}

// Flush emits an elapsed_expired_error event for every start event that
// waited longer than timeout, and forgets it.
func (f *Filter) Flush(emit func(*event.Event)) {
	now := f.now()
	f.lastSweep.Store(now.UnixNano())
	f.expire(now, emit)
}

func (f *Filter) expire(now time.Time, emit func(*event.Event)) {
	var expired []start
	f.mu.Lock()
	for id, st := range f.starts {
		if now.Sub(st.received) >= f.Timeout {
			expired = append(expired, st)
			delete(f.starts, id)
		}
	}
	f.mu.Unlock()
	for _, st := range expired {
		emit(f.newEvent(st, now.Sub(st.received).Seconds(), TagExpired))
	}
}

// Pending returns how many start events wait for their end.
func (f *Filter) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.starts)
}
