package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sluicelog/sluice/event"
)

// Value tags of the event encoding (format version 1, see FORMAT.md).
const (
	tagNil   = 0
	tagFalse = 1
	tagTrue  = 2
	tagInt   = 3 // zig-zag varint
	tagFloat = 4 // 8 bytes, IEEE 754, little endian
	tagStr   = 5 // uvarint length, bytes
	tagTime  = 6 // varint unix seconds, uvarint nanoseconds
	tagArray = 7 // uvarint count, values
	tagMap   = 8 // uvarint count, (uvarint key length, key, value)...
)

// maxDepth bounds nesting when encoding and decoding.
const maxDepth = 100

var errCorrupt = errors.New("corrupt event encoding")

// AppendEvent appends the binary encoding of e (its fields, then its
// @metadata) to dst. Every value type an event holds survives exactly:
// timestamps anywhere stay timestamps, integers stay integers, NaN stays
// NaN.
func AppendEvent(dst []byte, e *event.Event) []byte {
	dst = appendMap(dst, e.Fields(), 0)
	md := metadataOf(e)
	if len(md) == 0 {
		return append(dst, tagNil)
	}
	return appendMap(dst, md, 0)
}

// metadataOf returns e's @metadata without creating it on events that
// have none.
func metadataOf(e *event.Event) map[string]any {
	if v, ok := e.Get(metadataRef); ok {
		m, _ := v.(map[string]any)
		return m
	}
	return nil
}

var metadataRef = mustRef("[@metadata]")

func mustRef(s string) event.Ref {
	r, err := event.ParseRef(s)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return r
}

func appendMap(dst []byte, m map[string]any, depth int) []byte {
	dst = append(dst, tagMap)
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	for k, v := range m {
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		dst = appendValue(dst, v, depth+1)
	}
	return dst
}

func appendValue(dst []byte, v any, depth int) []byte {
	if depth > maxDepth {
		return append(dst, tagNil)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, tagNil)
	case bool:
		if x {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case int64:
		return binary.AppendVarint(append(dst, tagInt), x)
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat), math.Float64bits(x))
	case string:
		dst = binary.AppendUvarint(append(dst, tagStr), uint64(len(x)))
		return append(dst, x...)
	case time.Time:
		dst = binary.AppendVarint(append(dst, tagTime), x.Unix())
		return binary.AppendUvarint(dst, uint64(x.Nanosecond()))
	case []any:
		dst = binary.AppendUvarint(append(dst, tagArray), uint64(len(x)))
		for _, e := range x {
			dst = appendValue(dst, e, depth+1)
		}
		return dst
	case map[string]any:
		return appendMap(dst, x, depth)
	default:
		// Not an event value (a plugin stored a Go type): store what
		// Normalize makes of it.
		n := event.Normalize(x)
		switch n.(type) {
		case nil, bool, int64, float64, string, time.Time, []any, map[string]any:
			return appendValue(dst, n, depth)
		}
		return appendValue(dst, fmt.Sprint(n), depth)
	}
}

// DecodeEvent decodes an event AppendEvent encoded. It never panics on
// bad input; it returns an error instead.
func DecodeEvent(p []byte) (*event.Event, error) {
	d := decoder{p: p}
	fields, err := d.value(0)
	if err != nil {
		return nil, err
	}
	fm, ok := fields.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: fields are not a map", errCorrupt)
	}
	md, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.i != len(d.p) {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(d.p)-d.i)
	}
	delete(fm, event.MetadataField)
	switch m := md.(type) {
	case nil:
	case map[string]any:
		fm[event.MetadataField] = m
	default:
		return nil, fmt.Errorf("%w: metadata is not a map", errCorrupt)
	}
	return event.FromMap(fm), nil
}

type decoder struct {
	p []byte
	i int
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.p[d.i:])
	if n <= 0 {
		return 0, errCorrupt
	}
	d.i += n
	return v, nil
}

// count reads an element count; every element takes at least one byte, so
// a count beyond the remaining input is corrupt (and never allocated).
func (d *decoder) count() (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.p)-d.i) {
		return 0, fmt.Errorf("%w: count %d beyond the record", errCorrupt, n)
	}
	return int(n), nil
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.p)-d.i) {
		return nil, fmt.Errorf("%w: string length %d beyond the record", errCorrupt, n)
	}
	b := d.p[d.i : d.i+int(n)]
	d.i += int(n)
	return b, nil
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested too deep", errCorrupt)
	}
	if d.i >= len(d.p) {
		return nil, fmt.Errorf("%w: truncated", errCorrupt)
	}
	tag := d.p[d.i]
	d.i++
	switch tag {
	case tagNil:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagInt:
		v, n := binary.Varint(d.p[d.i:])
		if n <= 0 {
			return nil, errCorrupt
		}
		d.i += n
		return v, nil
	case tagFloat:
		if len(d.p)-d.i < 8 {
			return nil, errCorrupt
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(d.p[d.i:]))
		d.i += 8
		return v, nil
	case tagStr:
		b, err := d.bytes()
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case tagTime:
		sec, n := binary.Varint(d.p[d.i:])
		if n <= 0 {
			return nil, errCorrupt
		}
		d.i += n
		ns, err := d.uvarint()
		if err != nil || ns >= 1e9 {
			return nil, errCorrupt
		}
		return time.Unix(sec, int64(ns)).UTC(), nil
	case tagArray:
		n, err := d.count()
		if err != nil {
			return nil, err
		}
		arr := make([]any, n)
		for j := range arr {
			if arr[j], err = d.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return arr, nil
	case tagMap:
		n, err := d.count()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, n)
		for j := 0; j < n; j++ {
			k, err := d.bytes()
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[string(k)] = v
		}
		return m, nil
	default:
		return nil, fmt.Errorf("%w: unknown tag %d", errCorrupt, tag)
	}
}
