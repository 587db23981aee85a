// Package event is Sluice's event: a tree of fields with Logstash's semantics
// (@timestamp, @version, tags, [@metadata]) and field references ([a][b]).
//
// Field values are always one of: nil, bool, int64, float64, string,
// time.Time, []any, map[string]any. Set normalises other Go integer and
// float types to int64/float64, []string to []any and map[string]string to
// map[string]any, so code that reads values only needs the cases above.
package event

import (
	"fmt"
	"time"
)

// Well-known field names.
const (
	TimestampField = "@timestamp"
	VersionField   = "@version"
	MetadataField  = "@metadata"
	MessageField   = "message"
	TagsField      = "tags"
)

// Tracker follows an event until it is delivered. The pipeline attaches one
// to every event it accepts; plugins never need to touch it.
type Tracker interface {
	// Add registers delta more events that must call Done.
	Add(delta int)
	// Done marks one event as delivered (or dropped on purpose).
	Done()
}

// Event is one log event. An Event is not safe for concurrent use; the
// pipeline hands each event to one goroutine at a time.
type Event struct {
	fields    map[string]any
	meta      map[string]any
	cancelled bool
	tracker   Tracker
	// patch is a Patch whose changes are not made yet: on the fields
	// when patchFields, on the metadata when patchMeta (see Patch).
	patch       *Patch
	patchFields bool
	patchMeta   bool
}

// New returns an empty event with @timestamp set to now and @version "1".
func New() *Event {
	return &Event{fields: map[string]any{
		TimestampField: time.Now().UTC(),
		VersionField:   "1",
	}}
}

// NewMessage returns a new event whose message field is msg.
func NewMessage(msg string) *Event {
	e := New()
	e.fields[MessageField] = msg
	return e
}

// FromMap builds an event that takes ownership of m. Values in m must
// already be normalised (see the package comment); decoders produce such
// maps. @metadata in m becomes the event's metadata; a string @timestamp is
// parsed (an unparsable one is kept in _@timestamp with tag
// _timestampparsefailure, as Logstash does); a missing @timestamp is set to
// now and a missing @version to "1".
func FromMap(m map[string]any) *Event {
	e := &Event{fields: m}
	if md, ok := m[MetadataField]; ok {
		delete(m, MetadataField)
		if mm, ok := md.(map[string]any); ok {
			e.meta = mm
		}
	}
	switch ts := m[TimestampField].(type) {
	case time.Time:
		m[TimestampField] = ts.UTC()
	case nil:
		m[TimestampField] = time.Now().UTC()
	case string:
		if t, err := ParseTimestamp(ts); err == nil {
			m[TimestampField] = t
		} else {
			m["_"+TimestampField] = ts
			m[TimestampField] = time.Now().UTC()
			e.AddTag("_timestampparsefailure")
		}
	default:
		m["_"+TimestampField] = ts
		m[TimestampField] = time.Now().UTC()
		e.AddTag("_timestampparsefailure")
	}
	if _, ok := m[VersionField]; !ok {
		m[VersionField] = "1"
	}
	return e
}

// Fields returns the event's top-level fields (without @metadata). The map
// is the event's own: changes to it change the event.
func (e *Event) Fields() map[string]any {
	e.flushPatch(false)
	return e.fields
}

// Metadata returns the event's @metadata map, creating it if needed.
func (e *Event) Metadata() map[string]any {
	e.flushPatch(true)
	if e.meta == nil {
		e.meta = map[string]any{}
	}
	return e.meta
}

// Timestamp returns @timestamp, or the zero time if it is not a time.
func (e *Event) Timestamp() time.Time {
	e.touch(false, TimestampField)
	t, _ := e.fields[TimestampField].(time.Time)
	return t
}

// SetTimestamp sets @timestamp (stored in UTC).
func (e *Event) SetTimestamp(t time.Time) {
	e.touch(false, TimestampField)
	e.fields[TimestampField] = t.UTC()
}

// Message returns the message field if it is a string.
func (e *Event) Message() string {
	e.touch(false, MessageField)
	s, _ := e.fields[MessageField].(string)
	return s
}

// Cancel marks the event as dropped: the pipeline stops processing it and
// counts it as delivered.
func (e *Event) Cancel() { e.cancelled = true }

// Cancelled reports whether Cancel was called.
func (e *Event) Cancelled() bool { return e.cancelled }

// Tracker returns the delivery tracker the pipeline attached, or nil.
func (e *Event) Tracker() Tracker { return e.tracker }

// SetTracker attaches a delivery tracker. Only the pipeline calls it.
func (e *Event) SetTracker(t Tracker) { e.tracker = t }

// Clone returns a deep copy of the event without its tracker and with the
// cancelled flag cleared.
func (e *Event) Clone() *Event {
	c := &Event{fields: cloneMap(e.fields), patch: e.patch, patchFields: e.patchFields, patchMeta: e.patchMeta}
	if e.meta != nil {
		c.meta = cloneMap(e.meta)
	}
	return c
}

// Tags returns the tags as strings (non-string entries are skipped).
func (e *Event) Tags() []string {
	e.touch(false, TagsField)
	arr, _ := e.fields[TagsField].([]any)
	out := make([]string, 0, len(arr))
	for _, t := range arr {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// HasTag reports whether tag is in tags.
func (e *Event) HasTag(tag string) bool {
	e.touch(false, TagsField)
	switch v := e.fields[TagsField].(type) {
	case []any:
		for _, t := range v {
			if t == tag {
				return true
			}
		}
	case string:
		return v == tag
	}
	return false
}

// AddTag appends tag to tags unless it is already there. A scalar tags
// field becomes an array first, as in Logstash.
func (e *Event) AddTag(tag string) {
	e.touch(false, TagsField)
	switch v := e.fields[TagsField].(type) {
	case nil:
		e.fields[TagsField] = []any{tag}
	case []any:
		for _, t := range v {
			if t == tag {
				return
			}
		}
		e.fields[TagsField] = append(v, tag)
	default:
		if v == tag {
			e.fields[TagsField] = []any{v}
			return
		}
		e.fields[TagsField] = []any{v, tag}
	}
}

// RemoveTag removes every occurrence of tag.
func (e *Event) RemoveTag(tag string) {
	e.touch(false, TagsField)
	switch v := e.fields[TagsField].(type) {
	case []any:
		out := v[:0]
		for _, t := range v {
			if t != tag {
				out = append(out, t)
			}
		}
		e.fields[TagsField] = out
	case string:
		if v == tag {
			e.fields[TagsField] = []any{}
		}
	}
}

// Get returns the value at ref.
func (e *Event) Get(ref Ref) (any, bool) {
	if e.patch != nil {
		if len(ref.path) == 0 {
			e.flushPatch(ref.meta)
		} else if v, ok, done := e.getPatched(ref); done {
			return v, ok
		}
	}
	var cur any
	if ref.meta {
		if e.meta == nil {
			return nil, false
		}
		if len(ref.path) == 0 {
			return e.meta, true
		}
		cur = e.meta
	} else {
		if len(ref.path) == 0 {
			return e.fields, true
		}
		cur = e.fields
	}
	return lookup(cur, ref.path)
}

// lookup follows path from cur through maps and arrays.
func lookup(cur any, path []string) (any, bool) {
	for _, k := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, ok := arrayIndex(k, len(c))
			if !ok {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// GetField is Get with a field reference in text form; an invalid
// reference is reported as missing.
func (e *Event) GetField(ref string) (any, bool) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, false
	}
	return e.Get(r)
}

// Set stores v at ref, creating intermediate maps. It fails when an
// intermediate value exists and is not a map (or an array with that index),
// or when ref is the root.
func (e *Event) Set(ref Ref, v any) error {
	e.touchRef(ref)
	v = Normalize(v)
	var cur map[string]any
	if ref.meta {
		if len(ref.path) == 0 {
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("cannot set [@metadata] to a %s", TypeName(v))
			}
			e.meta = m
			return nil
		}
		cur = e.Metadata()
	} else {
		if len(ref.path) == 0 {
			return fmt.Errorf("cannot set the event root")
		}
		cur = e.fields
	}
	last := len(ref.path) - 1
	var parent any = cur
	for i, k := range ref.path {
		switch p := parent.(type) {
		case map[string]any:
			if i == last {
				if k == TimestampField && !ref.meta && i == 0 {
					if t, ok := v.(time.Time); ok {
						v = t.UTC()
					}
				}
				p[k] = v
				return nil
			}
			next, ok := p[k]
			if !ok || next == nil {
				m := map[string]any{}
				p[k] = m
				parent = m
				continue
			}
			parent = next
		case []any:
			idx, ok := arrayIndex(k, len(p))
			if !ok {
				return fmt.Errorf("cannot set %s: index %q out of range", ref, k)
			}
			if i == last {
				p[idx] = v
				return nil
			}
			if p[idx] == nil {
				m := map[string]any{}
				p[idx] = m
			}
			parent = p[idx]
		default:
			return fmt.Errorf("cannot set %s: [%s] holds a %s, not a map", ref, ref.path[i-1], TypeName(parent))
		}
	}
	return nil
}

// SetField is Set with a field reference in text form.
func (e *Event) SetField(ref string, v any) error {
	r, err := ParseRef(ref)
	if err != nil {
		return err
	}
	return e.Set(r, v)
}

// Remove deletes the value at ref and returns it.
func (e *Event) Remove(ref Ref) (any, bool) {
	e.touchRef(ref)
	if len(ref.path) == 0 {
		if ref.meta {
			m := e.meta
			e.meta = nil
			return m, m != nil
		}
		return nil, false
	}
	var cur any = e.fields
	if ref.meta {
		if e.meta == nil {
			return nil, false
		}
		cur = e.meta
	}
	last := len(ref.path) - 1
	for i, k := range ref.path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			if i == last {
				delete(c, k)
				return v, true
			}
			cur = v
		case []any:
			idx, ok := arrayIndex(k, len(c))
			if !ok {
				return nil, false
			}
			if i == last {
				v := c[idx]
				// Removing from an array shifts the rest, as Ruby's delete_at.
				copy(c[idx:], c[idx+1:])
				c[len(c)-1] = nil
				if err := e.setParent(ref, i, c[:len(c)-1]); err != nil {
					return nil, false
				}
				return v, true
			}
			cur = c[idx]
		default:
			return nil, false
		}
	}
	return nil, false
}

// touchRef makes the pending patch's changes that ref could see or
// change.
func (e *Event) touchRef(ref Ref) {
	if e.patch == nil {
		return
	}
	if len(ref.path) == 0 {
		e.flushPatch(ref.meta)
		return
	}
	e.touch(ref.meta, ref.path[0])
}

// setParent replaces the container at ref.path[:i] with v.
func (e *Event) setParent(ref Ref, i int, v any) error {
	return e.Set(Ref{meta: ref.meta, path: ref.path[:i]}, v)
}

// RemoveField is Remove with a field reference in text form.
func (e *Event) RemoveField(ref string) (any, bool) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, false
	}
	return e.Remove(r)
}

func arrayIndex(k string, n int) (int, bool) {
	if k == "" {
		return 0, false
	}
	neg := false
	s := k
	if s[0] == '-' {
		neg = true
		s = s[1:]
		if s == "" {
			return 0, false
		}
	}
	i := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
		if i > n {
			return 0, false
		}
	}
	if neg {
		i = n - i
	}
	if i < 0 || i >= n {
		return 0, false
	}
	return i, true
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = CloneValue(v)
	}
	return out
}

// CloneValue deep-copies maps and arrays; scalars are returned as they are.
func CloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = CloneValue(e)
		}
		return out
	default:
		return v
	}
}

// Normalize converts Go values to the event's value set (see the package
// comment). Unknown types are formatted with fmt as strings.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, time.Time:
		return v
	case map[string]any:
		for k, e := range x {
			if n := Normalize(e); !sameScalar(n, e) {
				x[k] = n
			}
		}
		return x
	case []any:
		for i, e := range x {
			if n := Normalize(e); !sameScalar(n, e) {
				x[i] = n
			}
		}
		return x
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x > 1<<63-1 {
			return float64(x)
		}
		return int64(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// sameScalar avoids rewriting containers in place when nothing changed.
func sameScalar(a, b any) bool {
	switch a.(type) {
	case map[string]any, []any:
		return true
	}
	return a == b
}

// TypeName names a value's type in the user's words (for error messages).
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "float"
	case string:
		return "string"
	case time.Time:
		return "timestamp"
	case []any:
		return "array"
	case map[string]any:
		return "hash"
	default:
		return fmt.Sprintf("%T", v)
	}
}
