package scripting

import (
	"errors"
	"fmt"
	"sort"
	"time"

	startime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"

	"github.com/sluicelog/sluice/event"
)

// Event is the Starlark view of an event, with methods named after
// Logstash's Ruby event API: get, set, remove, include (Ruby's include?),
// tag, cancel, uncancel, cancelled, clone, to_dict (to_hash), to_json,
// sprintf, and the timestamp attribute.
//
// A wrapper is valid only during the call that received or made it.
type Event struct {
	e  *event.Event
	rt *Runtime
	// cancel is the script's cancel()/uncancel() state, applied to the
	// event when the call ends (Runtime.Release).
	cancel  bool
	methods [len(eventMethodNames)]boundMethod
}

var (
	_ starlark.HasAttrs    = (*Event)(nil)
	_ starlark.HasSetField = (*Event)(nil)
)

var errStale = errors.New("this event belongs to an earlier call: events cannot be kept between calls")

// Wrap returns the wrapper for e, valid until r.Release.
func (r *Runtime) Wrap(e *event.Event) *Event {
	w := &Event{e: e, rt: r}
	r.wrappers = append(r.wrappers, w)
	return w
}

// Unwrap returns the event behind v when v is a valid event wrapper.
func Unwrap(v starlark.Value) (*event.Event, bool) {
	w, ok := v.(*Event)
	if !ok || w.e == nil {
		return nil, false
	}
	return w.e, true
}

// String implements starlark.Value.
func (w *Event) String() string {
	if w.e == nil {
		return "<event (stale)>"
	}
	return "<event " + string(w.e.AppendJSON(nil)) + ">"
}

// Type implements starlark.Value.
func (w *Event) Type() string { return "event" }

// Freeze implements starlark.Value; events stay mutable.
func (w *Event) Freeze() {}

// Truth implements starlark.Value.
func (w *Event) Truth() starlark.Bool { return true }

// Hash implements starlark.Value.
func (w *Event) Hash() (uint32, error) { return 0, errors.New("unhashable type: event") }

type eventMethod func(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// The methods, in a fixed order so that each wrapper can carry its bound
// methods inline (no allocation per attribute access).
var eventMethodNames = [...]string{"get", "set", "remove", "include", "tag", "remove_tag", "cancel",
	"uncancel", "cancelled", "clone", "to_dict", "to_json", "sprintf"}

var eventMethodFuncs = [len(eventMethodNames)]eventMethod{evGet, evSet, evRemove, evInclude, evTag, evRemoveTag,
	evCancel, evUncancel, evCancelled, evClone, evToDict, evToJSON, evSprintf}

var eventMethodIndex = func() map[string]int {
	m := make(map[string]int, len(eventMethodNames))
	for i, n := range eventMethodNames {
		m[n] = i
	}
	return m
}()

// boundMethod is an event method bound to its wrapper.
type boundMethod struct {
	w *Event
	i uint8
}

var _ starlark.Callable = (*boundMethod)(nil)

func (b *boundMethod) Name() string { return eventMethodNames[b.i] }
func (b *boundMethod) String() string {
	return "<built-in method " + eventMethodNames[b.i] + " of event value>"
}
func (b *boundMethod) Type() string          { return "builtin_function_or_method" }
func (b *boundMethod) Freeze()               {}
func (b *boundMethod) Truth() starlark.Bool  { return true }
func (b *boundMethod) Hash() (uint32, error) { return 0, errors.New("unhashable type: method") }

// CallInternal implements starlark.Callable.
func (b *boundMethod) CallInternal(_ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if b.w.e == nil {
		return nil, errStale
	}
	return eventMethodFuncs[b.i](b.w, eventMethodNames[b.i], args, kwargs)
}

// Attr implements starlark.HasAttrs.
func (w *Event) Attr(name string) (starlark.Value, error) {
	if name == "timestamp" {
		if w.e == nil {
			return nil, errStale
		}
		v, ok := w.e.Get(timestampRef)
		if !ok {
			return starlark.None, nil
		}
		return ToValue(v), nil
	}
	if i, ok := eventMethodIndex[name]; ok {
		b := &w.methods[i]
		if b.w == nil {
			b.w, b.i = w, uint8(i)
		}
		return b, nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (w *Event) AttrNames() []string {
	names := make([]string, 0, len(eventMethodNames)+1)
	names = append(names, eventMethodNames[:]...)
	names = append(names, "timestamp")
	sort.Strings(names)
	return names
}

// SetField implements starlark.HasSetField: `event.timestamp = t`.
func (w *Event) SetField(name string, v starlark.Value) error {
	if w.e == nil {
		return errStale
	}
	if name != "timestamp" {
		return starlark.NoSuchAttrError(fmt.Sprintf("event has no settable attribute %q (use event.set)", name))
	}
	t, ok := v.(startime.Time)
	if !ok {
		return fmt.Errorf("event.timestamp must be a time (time.parse_time(...), time.now()), got %s", v.Type())
	}
	w.e.SetTimestamp(time.Time(t))
	return nil
}

var timestampRef = event.MustRef(event.TimestampField)

func (w *Event) ref(name string, s string) (event.Ref, error) {
	if w.rt != nil {
		return w.rt.refs.get(s)
	}
	r, err := event.ParseRef(s)
	if err != nil {
		return r, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

func evGet(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	r, err := w.ref(name, s)
	if err != nil {
		return nil, err
	}
	v, ok := w.e.Get(r)
	if !ok {
		return starlark.None, nil
	}
	return ToValue(v), nil
}

func evSet(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 2, &s, &v); err != nil {
		return nil, err
	}
	r, err := w.ref(name, s)
	if err != nil {
		return nil, err
	}
	gv, err := FromValue(v)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", s, err)
	}
	if r.String() == event.TimestampField {
		if _, ok := gv.(time.Time); !ok {
			return nil, fmt.Errorf("set @timestamp: must be a time, got %s", v.Type())
		}
	}
	if err := w.e.Set(r, gv); err != nil {
		return nil, fmt.Errorf("set %s: %w", s, err)
	}
	return starlark.None, nil
}

func evRemove(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	r, err := w.ref(name, s)
	if err != nil {
		return nil, err
	}
	v, ok := w.e.Remove(r)
	if !ok {
		return starlark.None, nil
	}
	return ToValue(v), nil
}

func evInclude(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	r, err := w.ref(name, s)
	if err != nil {
		return nil, err
	}
	_, ok := w.e.Get(r)
	return starlark.Bool(ok), nil
}

func evTag(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	w.e.AddTag(s)
	return starlark.None, nil
}

func evRemoveTag(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	w.e.RemoveTag(s)
	return starlark.None, nil
}

func evCancel(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	w.cancel = true
	return starlark.None, nil
}

func evUncancel(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	w.cancel = false
	return starlark.None, nil
}

func evCancelled(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.Bool(w.cancel || w.e.Cancelled()), nil
}

func evClone(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	c := w.e.Clone()
	if w.rt != nil {
		return w.rt.Wrap(c), nil
	}
	return &Event{e: c}, nil
}

func evToDict(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	return mapToDict(w.e.Fields()), nil
}

func evToJSON(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.String(w.e.AppendJSON(nil)), nil
}

func evSprintf(w *Event, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	t, err := event.ParseTemplate(s)
	if err != nil {
		return nil, fmt.Errorf("sprintf: %w", err)
	}
	return starlark.String(t.Render(w.e)), nil
}

// newEventBuiltin is Event(fields=None): a new event, like Ruby's
// LogStash::Event.new(hash). @timestamp is now unless fields give one.
func newEventBuiltin(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fields starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &fields); err != nil {
		return nil, err
	}
	var e *event.Event
	switch f := fields.(type) {
	case starlark.NoneType:
		e = event.New()
	case *starlark.Dict:
		m, err := FromValue(f)
		if err != nil {
			return nil, fmt.Errorf("Event: %w", err)
		}
		e = event.FromMap(m.(map[string]any))
	default:
		return nil, fmt.Errorf("Event: fields must be a dict, got %s", fields.Type())
	}
	if r := runtimeOf(t); r != nil {
		return r.Wrap(e), nil
	}
	return &Event{e: e}, nil
}

// refCache keeps parsed field references of one runtime.
type refCache struct {
	m map[string]event.Ref
}

const maxCachedRefs = 4096

func (c *refCache) get(s string) (event.Ref, error) {
	if r, ok := c.m[s]; ok {
		return r, nil
	}
	r, err := event.ParseRef(s)
	if err != nil {
		return r, err
	}
	if c.m == nil || len(c.m) >= maxCachedRefs {
		c.m = make(map[string]event.Ref, 16)
	}
	c.m[s] = r
	return r, nil
}
