// Package aggregate is the aggregate filter: gathers information from the
// several events of one task into a map, and puts it into the task's last
// event or pushes it as a new event.
package aggregate

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/scripting"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "aggregate",
		Summary: "Aggregates information from several events of one task (same task_id) into one map and one event.",
		Description: `Gathers information from the events of one task (a request, a session, a job: the events
whose ` + "`task_id`" + ` renders to the same value) into a map, then puts it into the task's
final event or pushes it as a new event. As in Logstash, all aggregate filters of a pipeline
with the same ` + "`task_id`" + ` pattern share the maps: a filter can create the map on the
task's first event, others update it, and one with ` + "`end_of_task`" + ` reads it and
removes it.

` + "`code`" + ` is a script run with the event as ` + "`event`" + ` and the task's map as ` + "`map`" + `
(a dict that lives from event to event). Scripts are Starlark, a small Python dialect, with
the same event API and sandbox as the ` + "`script`" + ` filter (see
[the scripting guide](../../scripting.md)): Ruby's ` + "`map['n'] ||= 0; map['n'] += 1`" + `
becomes ` + "`map['n'] = map.get('n', 0) + 1`" + `. The code may return a list of new events
(Ruby's ` + "`new_event_block.call(...)`" + `). A failing script tags the event
` + "`_aggregateexception`" + `.

Tasks without an end event are closed by timeouts: ` + "`timeout`" + ` after the task's first
event (unless set: the smallest ` + "`timeout`" + ` of the pipeline's aggregate filters, else 1800 s),
` + "`inactivity_timeout`" + ` after its last. With
` + "`push_map_as_event_on_timeout`" + ` the map of an expired task becomes a new event (with
` + "`timeout_task_id_field`" + `, ` + "`timeout_tags`" + ` and ` + "`timeout_code`" + ` applied); with
` + "`push_previous_map_as_event`" + ` a new task id pushes the previous task's map at once (tasks
that arrive one after the other, such as ordered jdbc rows). Timeout options belong in one
aggregate filter per ` + "`task_id`" + ` pattern. Timeouts are checked at every periodic flush
(` + "`periodic_flush`" + ` defaults to true here, as in Logstash; every 5 s by default) and, with
` + "`timeout_timestamp_field`" + `, against the event times when the task's next event arrives.

**Ordering.** The filter needs the events of a task in order: run the pipeline with one
worker (` + "`pipeline.workers: 1`" + ` or ` + "`-w 1`" + `), as Logstash's documentation asks. When the
pipeline has more workers, the filter logs a warning naming the setting as the pipeline is
built (Logstash says nothing at run time) and runs anyway: events of a task may then be
aggregated out of order.

With ` + "`aggregate_maps_path`" + ` (set in one aggregate filter of the pipeline) the maps still
open at shutdown are saved as JSON and loaded, then the file removed, at the next start.

Differences from Logstash: the code language is Starlark, not Ruby; maps are saved as JSON
(timestamps in maps come back as strings); ` + "`map_meta`" + ` is not
available.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{now: time.Now} },
	})
}

// Filter is the aggregate filter.
type Filter struct {
	TaskID                  string
	Code                    string
	MapAction               string
	EndOfTask               bool
	Timeout                 time.Duration
	TimeoutCode             string
	PushMapAsEventOnTimeout bool
	PushPreviousMapAsEvent  bool
	TimeoutTaskIDField      string
	TimeoutTags             []string
	InactivityTimeout       time.Duration
	TimeoutTimestampField   event.Ref
	AggregateMapsPath       string
	ScriptTimeout           time.Duration

	// The settings whose presence makes this filter the pattern's
	// timeout owner.
	timeoutOptions []*plugin.Setting

	taskID    *event.Template
	rt        *scripting.Runtime
	timeoutRT *scripting.Runtime
	timeoutID event.Ref
	ps        *pipelineState
	store     *store
	pipeline  string
	logger    *slog.Logger
	errLog    scripting.ErrorLog
	now       func() time.Time

	inFilter    atomic.Int32
	warnedOrder atomic.Bool
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Flusher     = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
	_ plugin.Closer      = (*Filter)(nil)
)

// DefaultTimeout is the timeout of a task_id pattern no filter sets one for.
const DefaultTimeout = 1800 * time.Second

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.String(&f.TaskID, "task_id",
		"The task's id, with `%{field}` references: events whose id renders the same belong to one task. Events where a referenced field is missing are left alone.").
		Required().Example(`"%{[transaction][id]}"`)
	s.String(&f.Code, "code",
		"Starlark code run for each event of a task, with `event` and the task's `map` (a dict). It may return a list of new events.").
		Required().Example(`"map['total'] = map.get('total', 0) + event.get('duration')"`)
	s.String(&f.MapAction, "map_action",
		"`create`: run only on a task's first event (creates the map); `update`: only when the map exists; `create_or_update`: always.").
		Default("create_or_update").Enum("create", "update", "create_or_update")
	s.Bool(&f.EndOfTask, "end_of_task",
		"The event ends the task: the map is removed after the code ran.").Default(false)
	f.timeoutOptions = []*plugin.Setting{
		s.Seconds(&f.Timeout, "timeout",
			"Seconds after a task's first event after which its map is removed (and pushed as an event with `push_map_as_event_on_timeout`). 0 means never. When no filter of the pattern sets it: the smallest timeout set in the pipeline's aggregate filters, else 1800.").
			Default(DefaultTimeout),
		s.String(&f.TimeoutCode, "timeout_code",
			"Starlark code run on the event made from an expired map (`event`).").
			Example(`"event.set('several_clicks', event.get('clicks') > 1)"`),
		s.Bool(&f.PushMapAsEventOnTimeout, "push_map_as_event_on_timeout",
			"Push the map of an expired task as a new event.").Default(false),
		s.Bool(&f.PushPreviousMapAsEvent, "push_previous_map_as_event",
			"When a new task id appears, push the previous task's map as a new event (for tasks that come one after the other), and on timeout.").Default(false),
		s.String(&f.TimeoutTaskIDField, "timeout_task_id_field",
			"Field of a pushed map event that receives the task id.").Example(`"transaction_id"`),
		s.Strings(&f.TimeoutTags, "timeout_tags",
			"Tags added to events pushed on timeout.").Example(`["_aggregatetimeout"]`),
		s.Seconds(&f.InactivityTimeout, "inactivity_timeout",
			"Seconds without a new event after which a task expires (must be lower than timeout).").Example("300"),
		s.FieldRef(&f.TimeoutTimestampField, "timeout_timestamp_field",
			"Measure timeouts with this timestamp field of the events instead of the clock (for replaying old logs)."),
	}
	s.Path(&f.AggregateMapsPath, "aggregate_maps_path",
		"File where open maps are saved at shutdown and loaded from at start-up (in one aggregate filter per pipeline).").
		Example(`"/var/lib/sluice/aggregate_maps"`)
	s.Seconds(&f.ScriptTimeout, "script_timeout",
		"Longest time `code` or `timeout_code` may run on one event, in seconds (0: no limit); the event is then tagged `_aggregateexception`.").
		Default(time.Second)
	// Like Logstash's aggregate, flush periodically unless told not to.
	if st, ok := s.Lookup("periodic_flush"); ok {
		st.Default(true)
	}
}

func (f *Filter) hasTimeoutOptions() bool {
	for _, st := range f.timeoutOptions {
		if st.Set {
			return true
		}
	}
	return false
}

// orderWarning is logged when the filter can see a task's events out of
// order: at Init when the pipeline has several workers, else when Filter
// finds itself called from two workers at once.
const orderWarning = "aggregate needs the events of a task in order, but the pipeline runs several workers: " +
	"events of a task may be aggregated out of order; set pipeline.workers: 1 (or -w 1) for this pipeline"

// Init compiles the code, joins the pipeline's shared maps and loads
// saved maps.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.now == nil {
		f.now = time.Now
	}
	if ctx.Workers > 1 {
		f.warnedOrder.Store(true) // said once here; Filter need not notice it
		f.logger.Warn(orderWarning, "pipeline", ctx.PipelineID, "pipeline.workers", ctx.Workers)
	}
	var err error
	if f.taskID, err = event.ParseTemplate(f.TaskID); err != nil {
		return fmt.Errorf("task_id: %w", err)
	}
	if f.InactivityTimeout > 0 && f.Timeout > 0 && f.InactivityTimeout > f.Timeout {
		return fmt.Errorf("inactivity_timeout (%v) must be lower than timeout (%v)", f.InactivityTimeout, f.Timeout)
	}
	if f.TimeoutTaskIDField != "" {
		if f.timeoutID, err = event.ParseRef(f.TimeoutTaskIDField); err != nil {
			return fmt.Errorf("timeout_task_id_field: %w", err)
		}
	}
	prog, err := scripting.CompileBody(f.Code, scripting.Options{Name: "code", Params: []string{"event", "map"},
		Timeout: f.ScriptTimeout, Logger: ctx.Logger})
	if err != nil {
		return err
	}
	for _, w := range prog.Warnings() {
		ctx.Logger.Warn(w)
	}
	if f.rt, err = prog.NewRuntime(); err != nil {
		return err
	}
	if f.TimeoutCode != "" {
		tp, err := scripting.CompileBody(f.TimeoutCode, scripting.Options{Name: "timeout_code", Params: []string{"event"},
			Timeout: f.ScriptTimeout, Logger: ctx.Logger})
		if err != nil {
			return err
		}
		for _, w := range tp.Warnings() {
			ctx.Logger.Warn(w)
		}
		if f.timeoutRT, err = tp.NewRuntime(); err != nil {
			return err
		}
	}

	f.pipeline = ctx.PipelineID
	f.ps = acquire(ctx.PipelineID)
	f.ps.mu.Lock()
	defer f.ps.mu.Unlock()
	f.store = f.ps.storeFor(f.TaskID)
	if f.timeoutOptions[0].Set && f.Timeout > 0 && (f.ps.minTimeout == 0 || f.Timeout < f.ps.minTimeout) {
		f.ps.minTimeout = f.Timeout
	}
	if f.hasTimeoutOptions() {
		if o := f.store.owner; o != nil && o.hasTimeoutOptions() {
			return fmt.Errorf("task_id pattern %q: timeout options are already set in another aggregate filter (%s); "+
				"set timeout, inactivity_timeout, timeout_code, push_map_as_event_on_timeout, push_previous_map_as_event, "+
				"timeout_task_id_field, timeout_tags and timeout_timestamp_field in one filter per task_id pattern", f.TaskID, o.TaskID)
		}
		f.store.owner = f
	} else if f.store.owner == nil {
		f.store.owner = f
	}
	if f.AggregateMapsPath != "" {
		if f.ps.pathOwner != nil {
			return errors.New("aggregate_maps_path is already set in another aggregate filter of this pipeline: set it in one only")
		}
		f.ps.pathOwner, f.ps.mapsPath = f, f.AggregateMapsPath
		n, err := loadMaps(f.AggregateMapsPath, f.ps)
		if err != nil {
			return err
		}
		if n > 0 {
			f.logger.Info("aggregate maps loaded", "path", f.AggregateMapsPath, "tasks", n)
		}
	}
	return nil
}

// reference returns the event's time for timeouts.
func (f *Filter) reference(e *event.Event, now time.Time) time.Time {
	o := f.store.owner
	if o == nil || o.TimeoutTimestampField.IsZero() {
		return now
	}
	if v, ok := e.Get(o.TimeoutTimestampField); ok {
		switch t := v.(type) {
		case time.Time:
			return t
		case string:
			if ts, err := event.ParseTimestamp(t); err == nil {
				return ts
			}
		}
	}
	return now
}

// Filter runs the code for e's task.
func (f *Filter) Filter(e *event.Event, emit func(*event.Event)) bool {
	if f.inFilter.Add(1) > 1 && !f.warnedOrder.Swap(true) {
		f.logger.Warn(orderWarning)
	}
	defer f.inFilter.Add(-1)

	id := f.taskID.Render(e)
	if id == "" || (!f.taskID.IsStatic() && id == f.TaskID) {
		return false
	}
	var pushed []*event.Event
	ok := func() bool {
		f.ps.mu.Lock()
		defer f.ps.mu.Unlock()
		now := f.now()
		ref := f.reference(e, now)
		st := f.store
		el := st.maps[id]
		// With event-time timeouts, the task may have expired by this
		// event's time.
		if o := st.owner; el != nil && o != nil && !o.TimeoutTimestampField.IsZero() && o.expired(el, ref, true) {
			delete(st.maps, id)
			if o.pushes() {
				pushed = append(pushed, o.timeoutEvent(id, el))
			}
			el = nil
		}
		if el == nil {
			if f.MapAction == "update" {
				return false
			}
			if f.PushPreviousMapAsEvent && len(st.maps) > 0 {
				pid, pel := st.oldest()
				delete(st.maps, pid)
				pushed = append(pushed, f.timeoutEvent(pid, pel))
			}
			el = &element{createdRef: ref, createdWall: now, m: starlark.NewDict(4)}
			st.maps[id] = el
		} else if f.MapAction == "create" {
			return false
		}
		el.lastRef, el.lastWall = ref, now

		res, err := f.rt.Call(f.rt.Wrap(e), el.m)
		var made []*event.Event
		if err == nil {
			made, err = newEvents(res)
		}
		f.rt.Release()
		if f.EndOfTask {
			delete(st.maps, id)
		}
		if err != nil {
			e.AddTag("_aggregateexception")
			f.errLog.Log(f.logger, "aggregate code failed; event tagged", fmt.Errorf("task %q: %w", id, err))
			return false
		}
		for _, n := range made {
			if !n.Cancelled() {
				pushed = append(pushed, n)
			}
		}
		return true
	}()
	for _, n := range pushed {
		emit(n)
	}
	return ok
}

// newEvents reads the events a script returned.
func newEvents(res starlark.Value) ([]*event.Event, error) {
	var seq starlark.Indexable
	switch r := res.(type) {
	case starlark.NoneType:
		return nil, nil
	case *starlark.List:
		seq = r
	case starlark.Tuple:
		seq = r
	default:
		return nil, fmt.Errorf("the code returned a %s: return nothing, or a list of new events", res.Type())
	}
	out := make([]*event.Event, 0, seq.Len())
	for i := 0; i < seq.Len(); i++ {
		ev, ok := scripting.Unwrap(seq.Index(i))
		if !ok {
			return nil, fmt.Errorf("the code returned a list holding a %s at index %d: only events may be returned", seq.Index(i).Type(), i)
		}
		out = append(out, ev)
	}
	return out, nil
}

// pushes reports whether expired maps become events.
func (f *Filter) pushes() bool { return f.PushMapAsEventOnTimeout || f.PushPreviousMapAsEvent }

// timeout is the filter's timeout: its own when set, else the smallest
// timeout set in the pipeline's aggregate filters, else DefaultTimeout (as
// Logstash decides it). Call with the pipeline's mutex held.
func (f *Filter) timeout() time.Duration {
	if f.timeoutOptions[0].Set || f.ps.minTimeout == 0 {
		return f.Timeout
	}
	return f.ps.minTimeout
}

// expired reports whether a task has timed out at time now: measured in
// reference times (event times) when byRef, else on the clock. Call with
// the pipeline's mutex held.
func (f *Filter) expired(el *element, now time.Time, byRef bool) bool {
	created, last := el.createdWall, el.lastWall
	if byRef {
		created, last = el.createdRef, el.lastRef
	}
	if t := f.timeout(); t > 0 && now.Sub(created) > t {
		return true
	}
	return f.InactivityTimeout > 0 && now.Sub(last) > f.InactivityTimeout
}

// timeoutEvent makes the event pushed for a task's map. Call with the
// pipeline's mutex held.
func (f *Filter) timeoutEvent(id string, el *element) *event.Event {
	m, _ := scripting.FromValueLenient(el.m).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	e := event.FromMap(m)
	if !f.timeoutID.IsZero() {
		_ = e.Set(f.timeoutID, id)
	}
	for _, t := range f.TimeoutTags {
		e.AddTag(t)
	}
	if f.timeoutRT != nil {
		_, err := f.timeoutRT.Call(f.timeoutRT.Wrap(e))
		f.timeoutRT.Release()
		if err != nil {
			e.AddTag("_aggregateexception")
			f.errLog.Log(f.logger, "aggregate timeout_code failed; event tagged", fmt.Errorf("task %q: %w", id, err))
		}
	}
	return e
}

// Flush removes expired tasks (only the filter handling the pattern's
// timeouts does) and emits their maps as events when configured to.
func (f *Filter) Flush(emit func(*event.Event)) {
	if f.ps == nil {
		return
	}
	var pushed []*event.Event
	f.ps.mu.Lock()
	if f.store.owner != f {
		f.ps.mu.Unlock()
		return
	}
	now := f.now()
	for _, id := range f.store.sortedIDs() {
		el := f.store.maps[id]
		if !f.expired(el, now, false) {
			continue
		}
		delete(f.store.maps, id)
		if f.pushes() {
			pushed = append(pushed, f.timeoutEvent(id, el))
		}
	}
	f.ps.mu.Unlock()
	for _, e := range pushed {
		if !e.Cancelled() {
			emit(e)
		}
	}
}

// FlushFinal is the flush at pipeline shutdown: as Flush, and with
// push_previous_map_as_event the last task's map is pushed even when it
// has not timed out (the last jdbc row's group), as Logstash does; the
// events pushed are tagged _aggregatefinalflush. The engine calls it when
// it supports final flushes.
func (f *Filter) FlushFinal(emit func(*event.Event)) {
	final := func(e *event.Event) {
		e.AddTag("_aggregatefinalflush")
		emit(e)
	}
	f.Flush(final)
	if f.ps == nil || !f.PushPreviousMapAsEvent {
		return
	}
	var pushed []*event.Event
	f.ps.mu.Lock()
	if f.store.owner != f {
		f.ps.mu.Unlock()
		return
	}
	for _, id := range f.store.sortedIDs() {
		pushed = append(pushed, f.timeoutEvent(id, f.store.maps[id]))
		delete(f.store.maps, id)
	}
	f.ps.mu.Unlock()
	for _, e := range pushed {
		if !e.Cancelled() {
			final(e)
		}
	}
}

// Close leaves the shared maps; the pipeline's last aggregate filter saves
// them to aggregate_maps_path.
func (f *Filter) Close() error {
	if f.ps == nil {
		return nil
	}
	ps := f.ps
	f.ps = nil
	return release(f.pipeline, ps)
}
