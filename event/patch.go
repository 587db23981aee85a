package event

import (
	"fmt"
	"slices"
	"strings"
)

// Patch is an immutable list of field changes that many events share: the
// constant add_field decorations of an input, the connection metadata the
// beats input puts on every event of a connection. ApplyPatch records a
// patch on an event without touching the event's maps; the changes are
// made on the event's own maps (copy-on-write) as soon as anything could
// observe the difference: Fields, Metadata, a Get that returns a map or an
// array the patch builds, a Set or Remove under a top-level field the patch
// changes, and so on. Until then the event shares the patch's values and
// AppendJSON writes the patch's part of the document from an encoding made
// once. An event with a pending patch behaves in every respect as if the
// changes had been made when ApplyPatch was called.
//
// A Patch is safe for concurrent use by the events that share it.
type Patch struct {
	ops    []PatchOp
	fields patchPart // the changes to the event's fields
	meta   patchPart // the changes to its [@metadata]
}

// PatchOp is one change of a Patch.
type PatchOp struct {
	// Ref is the field changed; it must not be the root ([@metadata] as
	// a whole, or the event itself).
	Ref Ref
	// Value is the value set (or added). It is copied into each event.
	Value any
	// Append selects add_field's rule: a field that exists becomes an
	// array of the old value and Value (an array gets Value appended);
	// a missing field is set. Without Append, the field is set.
	Append bool
}

// patchPart is what a patch does to one of the event's two trees.
type patchPart struct {
	// tree is the part's changes made on an empty tree. It tells which
	// top-level keys the patch changes and, when the event holds none of
	// them, what the event's tree holds under them after the change.
	// Never modified after NewPatch.
	tree map[string]any
	// enc is the JSON of tree's members in key order (fields only).
	enc []jsonMember
	// merge: AppendJSON may write enc among the event's own members
	// (not when the patch sets @timestamp, which is written first).
	merge bool
}

// rawJSON is a value already encoded as JSON (only AppendJSON meets it).
type rawJSON []byte

// NewPatch makes a patch of ops, applied in order. Values are normalised
// (see the package comment) and copied.
func NewPatch(ops ...PatchOp) (*Patch, error) {
	p := &Patch{ops: make([]PatchOp, len(ops))}
	for i, op := range ops {
		if len(op.Ref.path) == 0 {
			return nil, fmt.Errorf("patch: cannot change the root %q", op.Ref)
		}
		p.ops[i] = PatchOp{Ref: op.Ref, Value: CloneValue(Normalize(op.Value)), Append: op.Append}
	}
	// The trees: the ops on an empty event, with the same code that
	// applies them to real events.
	var empty Event
	empty.fields = map[string]any{}
	for _, op := range p.ops {
		// A change that fails (a field in the way is not a map) fails
		// the same way on every event that does not hold the field.
		_ = empty.applyOp(op)
	}
	if len(empty.fields) > 0 {
		p.fields.tree = empty.fields
		enc := &jsonEncoder{}
		for k, v := range empty.fields {
			p.fields.enc = append(p.fields.enc, jsonMember{k, rawJSON(enc.appendValue(nil, v))})
		}
		slices.SortFunc(p.fields.enc, func(a, b jsonMember) int { return strings.Compare(a.key, b.key) })
		_, ts := empty.fields[TimestampField]
		p.fields.merge = !ts
	}
	if len(empty.meta) > 0 {
		p.meta.tree = empty.meta
	}
	return p, nil
}

// applyOp makes one change on e's own maps.
func (e *Event) applyOp(op PatchOp) error {
	v := CloneValue(op.Value)
	if !op.Append {
		return e.Set(op.Ref, v)
	}
	old, exists := e.Get(op.Ref)
	if !exists {
		return e.Set(op.Ref, v)
	}
	// An existing field becomes an array holding old and new values.
	var arr []any
	if a, ok := old.([]any); ok {
		arr = a
	} else {
		arr = []any{old}
	}
	return e.Set(op.Ref, append(arr, v))
}

// ApplyPatch applies p to e (see Patch). Errors of individual changes
// (a field in the way that is not a map) are ignored, as Set's are by
// add_field.
func (e *Event) ApplyPatch(p *Patch) {
	if e.patch != nil {
		e.flushPatch(false)
		e.flushPatch(true)
	}
	if p.fields.tree == nil && p.meta.tree == nil {
		return
	}
	e.patch = p
	e.patchFields = p.fields.tree != nil
	e.patchMeta = p.meta.tree != nil
}

// flushPatch makes the pending patch's changes to the fields (or to the
// metadata) on the event's own maps.
func (e *Event) flushPatch(meta bool) {
	p := e.patch
	if p == nil {
		return
	}
	if meta {
		if !e.patchMeta {
			return
		}
		e.patchMeta = false
	} else {
		if !e.patchFields {
			return
		}
		e.patchFields = false
	}
	if !e.patchFields && !e.patchMeta {
		e.patch = nil
	}
	for _, op := range p.ops {
		if op.Ref.meta == meta {
			_ = e.applyOp(op)
		}
	}
}

// patchTree returns the pending patch's tree for the fields or the
// metadata, nil when nothing is pending there.
func (e *Event) patchTree(meta bool) map[string]any {
	switch {
	case e.patch == nil:
		return nil
	case meta && e.patchMeta:
		return e.patch.meta.tree
	case !meta && e.patchFields:
		return e.patch.fields.tree
	}
	return nil
}

// touch makes the pending changes of one tree if they change the
// top-level key key: the caller is about to read or change it directly.
func (e *Event) touch(meta bool, key string) {
	if t := e.patchTree(meta); t != nil {
		if _, ok := t[key]; ok {
			e.flushPatch(meta)
		}
	}
}

// getPatched answers Get for a reference under a top-level key the
// pending patch changes, without making the changes when the event does
// not hold that key and the value is a scalar (which the caller cannot
// change through the result). done is false when the caller must look at
// the event's own maps (the patch has been flushed if it mattered).
func (e *Event) getPatched(ref Ref) (v any, ok, done bool) {
	t := e.patchTree(ref.meta)
	if t == nil {
		return nil, false, false
	}
	if _, changed := t[ref.path[0]]; !changed {
		return nil, false, false
	}
	own := e.fields
	if ref.meta {
		own = e.meta
	}
	if _, held := own[ref.path[0]]; !held {
		v, ok := lookup(t, ref.path)
		switch v.(type) {
		case map[string]any, []any:
		default:
			return v, ok, true
		}
	}
	e.flushPatch(ref.meta)
	return nil, false, false
}

// patchConflict reports whether the event holds a top-level field the
// pending patch changes (then its JSON cannot be merged from the patch's).
func (e *Event) patchConflict() bool {
	if !e.patch.fields.merge {
		return true
	}
	for _, m := range e.patch.fields.enc {
		if _, ok := e.fields[m.key]; ok {
			return true
		}
	}
	return false
}
