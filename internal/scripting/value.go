package scripting

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"

	startime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
)

// MaxDepth bounds the nesting of values converted between scripts and
// events (a list that contains itself would otherwise never end).
const MaxDepth = 100

// ToValue converts an event value (nil, bool, int64, float64, string,
// time.Time, []any, map[string]any) to a new Starlark value. Maps become
// dicts with their keys sorted, so scripts iterate them in a stable order.
// Containers are copied: changing the result does not change the event.
func ToValue(v any) starlark.Value {
	switch x := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case int64:
		return starlark.MakeInt64(x)
	case float64:
		return starlark.Float(x)
	case string:
		return starlark.String(x)
	case time.Time:
		return startime.Time(x)
	case []any:
		out := make([]starlark.Value, len(x))
		for i, e := range x {
			out[i] = ToValue(e)
		}
		return starlark.NewList(out)
	case map[string]any:
		return mapToDict(x)
	case int:
		return starlark.MakeInt(x)
	default:
		// Values outside the event's set (should not happen) as text.
		return starlark.String(fmt.Sprint(x))
	}
}

func mapToDict(m map[string]any) *starlark.Dict {
	d := starlark.NewDict(len(m))
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = d.SetKey(starlark.String(k), ToValue(m[k]))
	}
	return d
}

// ToDict converts a map to a dict.
func ToDict(m map[string]any) (*starlark.Dict, error) {
	return mapToDict(m), nil
}

// FromValue converts a Starlark value to an event value. None, bools,
// ints (that fit in 64 bits), floats, strings, bytes, times, lists,
// tuples and dicts with string keys convert; anything else (a function,
// a set, a non-string key) is an error naming the path to it.
func FromValue(v starlark.Value) (any, error) {
	return fromValue(v, 0, false)
}

// FromValueLenient is FromValue that turns what cannot be converted into
// its str() text instead of failing (for maps pushed as events, where
// losing the whole event would be worse).
func FromValueLenient(v starlark.Value) any {
	out, _ := fromValue(v, 0, true)
	return out
}

func fromValue(v starlark.Value, depth int, lenient bool) (any, error) {
	if depth > MaxDepth {
		if lenient {
			return nil, nil
		}
		return nil, fmt.Errorf("value nested more than %d levels deep (does a list contain itself?)", MaxDepth)
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(x), nil
	case starlark.Int:
		if i, ok := x.Int64(); ok {
			return i, nil
		}
		if lenient {
			f, _ := new(big.Float).SetInt(x.BigInt()).Float64()
			return f, nil
		}
		return nil, fmt.Errorf("integer %s does not fit in 64 bits", x.String())
	case starlark.Float:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if lenient {
				return nil, nil
			}
			return nil, fmt.Errorf("%v cannot be stored in an event", f)
		}
		return f, nil
	case starlark.String:
		return string(x), nil
	case starlark.Bytes:
		return string(x), nil
	case startime.Time:
		return time.Time(x).UTC(), nil
	case *starlark.List:
		return seqFromValue(x, depth, lenient)
	case starlark.Tuple:
		return seqFromValue(x, depth, lenient)
	case *starlark.Dict:
		out := make(map[string]any, x.Len())
		for _, item := range x.Items() {
			k, ok := item[0].(starlark.String)
			if !ok {
				if !lenient {
					return nil, fmt.Errorf("dict key %s is a %s: event field names must be strings", item[0].String(), item[0].Type())
				}
				k = starlark.String(item[0].String())
			}
			e, err := fromValue(item[1], depth+1, lenient)
			if err != nil {
				return nil, fmt.Errorf("[%s]: %w", string(k), err)
			}
			out[string(k)] = e
		}
		return out, nil
	case *Event:
		if lenient {
			if x.e == nil {
				return nil, nil
			}
			return x.e.Clone().Fields(), nil
		}
		if x.e == nil {
			return nil, errStale
		}
		return nil, fmt.Errorf("an event cannot be stored in a field (use event.to_dict())")
	}
	if lenient {
		return v.String(), nil
	}
	return nil, fmt.Errorf("a %s cannot be stored in an event", v.Type())
}

type iterable interface {
	starlark.Indexable
}

func seqFromValue(x iterable, depth int, lenient bool) (any, error) {
	n := x.Len()
	out := make([]any, n)
	for i := 0; i < n; i++ {
		e, err := fromValue(x.Index(i), depth+1, lenient)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = e
	}
	return out, nil
}
