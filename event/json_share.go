package event

import (
	"slices"
	"strings"
)

// JSONSharer decodes the JSON documents of one source (the events of one
// beats connection), sharing the top-level objects that repeat unchanged
// from one document to the next (`agent`, `ecs`, `host`, `input` for a
// shipper): an object whose text is the same as before is not decoded
// again into new maps; the events share one decoded copy through a Patch
// (copy-on-write). Objects that keep changing (`log` with its offset) are
// noticed and then decoded as usual for a while.
//
// A JSONSharer is not safe for concurrent use.
type JSONSharer struct {
	except map[string]bool
	ents   map[string]*sharedObject
	docs   int
	// The patches of the last combinations of shared objects, most
	// recent first (documents of a few shapes may alternate).
	combos [maxSharedCombos]sharedCombo
}

type sharedCombo struct {
	objs  []*sharedObject
	patch *Patch
}

// sharedObject is a top-level object as last seen, decoded once.
type sharedObject struct {
	key string
	raw string // its JSON text
	val map[string]any
	ref Ref
	// misses counts documents in a row in which the object changed;
	// after maxShareMisses it is not looked for until document paused.
	misses int
	paused int
}

const (
	maxSharedKeys   = 16
	maxSharedCombos = 4
	maxSharedLen    = 4 << 10
	maxShareMisses  = 3
	sharePause      = 1024
)

// NewJSONSharer returns a sharer that never shares the members named in
// except (those the caller changes on the decoded map), nor @metadata,
// @timestamp, @version, _@timestamp and tags (which FromMap handles).
func NewJSONSharer(except ...string) *JSONSharer {
	s := &JSONSharer{except: map[string]bool{
		MetadataField: true, TimestampField: true, VersionField: true, "_" + TimestampField: true, TagsField: true, "": true,
	}, ents: map[string]*sharedObject{}}
	for _, k := range except {
		s.except[k] = true
	}
	return s
}

// Decode decodes the JSON object in data as DecodeJSON does, except that
// top-level objects whose text is the same as in an earlier document are
// not in the map: the returned patch (nil when there are none) sets them.
// FromMap(m) followed by ApplyPatch(p) makes the event that FromMap of
// DecodeJSON's map makes.
func (s *JSONSharer) Decode(data []byte) (map[string]any, *Patch, error) {
	s.docs++
	d := jsonDecoderPool.Get().(*jsonDecoder)
	d.s = string(data)
	d.pos = 0
	d.depth = 0
	d.share = s
	if len(d.s) >= 3 && d.s[0] == 0xEF && d.s[1] == 0xBB && d.s[2] == 0xBF {
		d.pos = 3
	}
	v, err := d.value()
	if err == nil {
		d.skipSpace()
		if d.pos < len(d.s) {
			err = d.errorf("unexpected %s after the top-level value", d.describe())
		}
	}
	shared := d.shared
	m, isMap := v.(map[string]any)
	redo := err != nil || !isMap
	for i, ent := range shared {
		if _, dup := m[ent.key]; dup || slices.ContainsFunc(shared[:i], func(o *sharedObject) bool { return o.key == ent.key }) {
			redo = true // a repeated key: the last one wins, which the patch cannot tell
		}
	}
	var p *Patch
	if !redo && len(shared) > 0 {
		p = s.patchFor(shared)
	}
	d.release()
	if redo {
		// Errors, a document that is not an object, repeated keys: as
		// DecodeJSON has it.
		m, err := DecodeJSON(data)
		return m, nil, err
	}
	return m, p, nil
}

// shareMember decodes the value of the top-level member k, or recognises
// it as a shared object (shared true: the value is in d.shared).
func (d *jsonDecoder) shareMember(k string) (v any, shared bool, err error) {
	s := d.share
	d.skipSpace()
	if s.except[k] || d.pos >= len(d.s) || d.s[d.pos] != '{' {
		if k == TimestampField {
			v, err = d.value()
		} else {
			v, err = d.internedValue()
		}
		return v, false, err
	}
	ent := s.ents[k]
	// A JSON object's text ends with its own closing brace: if the input
	// begins with the text seen before, that is exactly what it holds.
	if ent != nil && ent.paused <= s.docs && strings.HasPrefix(d.s[d.pos:], ent.raw) {
		d.pos += len(ent.raw)
		ent.misses = 0
		d.shared = append(d.shared, ent)
		return nil, true, nil
	}
	start := d.pos
	if v, err = d.value(); err != nil {
		return nil, false, err
	}
	s.remember(k, ent, d.s[start:d.pos])
	return v, false, nil
}

// remember keeps the object k's text raw (ent: what it was before) for
// the next documents.
func (s *JSONSharer) remember(k string, ent *sharedObject, raw string) {
	misses := 0
	if ent != nil {
		if ent.paused > s.docs {
			return
		}
		if ent.misses++; ent.misses > maxShareMisses {
			ent.misses, ent.paused = 0, s.docs+sharePause
			return
		}
		misses = ent.misses
	} else if len(s.ents) >= maxSharedKeys {
		return
	}
	if len(raw) > maxSharedLen {
		return
	}
	// Decoded again from a copy of its own: the shared values must not
	// keep this document alive.
	own := strings.Clone(raw)
	v, err := DecodeJSONString(own)
	m, ok := v.(map[string]any)
	if err != nil || !ok {
		return
	}
	key := strings.Clone(k)
	s.ents[key] = &sharedObject{key: key, raw: own, val: m, ref: Ref{raw: key, path: []string{key}}, misses: misses}
}

// patchFor returns the patch that sets the shared objects, made once per
// combination.
func (s *JSONSharer) patchFor(shared []*sharedObject) *Patch {
	for i, c := range s.combos {
		if c.patch != nil && slices.Equal(shared, c.objs) {
			copy(s.combos[1:i+1], s.combos[:i])
			s.combos[0] = c
			return c.patch
		}
	}
	ops := make([]PatchOp, len(shared))
	for i, ent := range shared {
		ops[i] = PatchOp{Ref: ent.ref, Value: ent.val}
	}
	p, err := NewPatch(ops...)
	if err != nil {
		panic("BUG: shared objects patch: " + err.Error())
	}
	copy(s.combos[1:], s.combos[:len(s.combos)-1])
	s.combos[0] = sharedCombo{objs: slices.Clone(shared), patch: p}
	return p
}

// Then returns a patch that makes p's changes and then q's.
func (p *Patch) Then(q *Patch) *Patch {
	np, err := NewPatch(append(slices.Clip(p.ops), q.ops...)...)
	if err != nil {
		panic("BUG: Then: " + err.Error())
	}
	return np
}
