package pipeline

import (
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
)

// A condition is compiled once into a tree of closures.
//
// Semantics (Logstash's, with its rough edges made predictable):
//   - a bare field is true when it exists and is neither null nor false;
//   - == and != compare numbers numerically (1 == 1.0) and everything else
//     by type and value (the string "1" is not the number 1); a missing field
//     equals nothing;
//   - <, >, <=, >= compare two numbers or two strings (byte order); any
//     other pair is false (Logstash raises an error that stops the
//     pipeline; Sluice logs nothing per event and the comparison is false);
//   - =~ and !~ match a string against a regular expression (Go RE2
//     syntax); a non-string left side does not match;
//   - x in [list|array field] is membership with == semantics; x in "text"
//     is substring; x in {hash field} is key membership.
type condFn func(e *event.Event) bool

// valueFn yields an operand; ok is false for a missing field.
type valueFn func(e *event.Event) (v any, ok bool)

type condCompiler struct {
	cfg *config.Pipeline
}

func (c *condCompiler) errorf(pos config.Pos, format string, args ...any) error {
	return config.ErrorList{c.cfg.Errorf(pos, format, args...)}
}

func (c *condCompiler) compile(x config.Expr) (condFn, error) {
	switch x := x.(type) {
	case *config.Not:
		inner, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		return func(e *event.Event) bool { return !inner(e) }, nil
	case *config.Binary:
		return c.binary(x)
	default:
		v, err := c.value(x)
		if err != nil {
			return nil, err
		}
		return func(e *event.Event) bool {
			val, ok := v(e)
			return ok && truthy(val)
		}, nil
	}
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	return true
}

func (c *condCompiler) binary(x *config.Binary) (condFn, error) {
	switch x.Op {
	case "and", "or", "xor", "nand":
		l, err := c.compile(x.Left)
		if err != nil {
			return nil, err
		}
		r, err := c.compile(x.Right)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case "and":
			return func(e *event.Event) bool { return l(e) && r(e) }, nil
		case "or":
			return func(e *event.Event) bool { return l(e) || r(e) }, nil
		case "xor":
			return func(e *event.Event) bool { return l(e) != r(e) }, nil
		default:
			return func(e *event.Event) bool { return !(l(e) && r(e)) }, nil
		}
	case "=~", "!~":
		return c.regexMatch(x)
	}
	l, err := c.value(x.Left)
	if err != nil {
		return nil, err
	}
	r, err := c.value(x.Right)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "==":
		return func(e *event.Event) bool {
			a, aok := l(e)
			b, bok := r(e)
			return aok && bok && equal(a, b)
		}, nil
	case "!=":
		return func(e *event.Event) bool {
			a, aok := l(e)
			b, bok := r(e)
			return !(aok && bok && equal(a, b))
		}, nil
	case "<", ">", "<=", ">=":
		op := x.Op
		return func(e *event.Event) bool {
			a, aok := l(e)
			b, bok := r(e)
			if !aok || !bok {
				return false
			}
			cmp, ok := compare(a, b)
			if !ok {
				return false
			}
			switch op {
			case "<":
				return cmp < 0
			case ">":
				return cmp > 0
			case "<=":
				return cmp <= 0
			default:
				return cmp >= 0
			}
		}, nil
	case "in":
		return func(e *event.Event) bool { return in(l, r, e) }, nil
	case "not in":
		return func(e *event.Event) bool { return !in(l, r, e) }, nil
	}
	return nil, c.errorf(x.Pos, "unknown operator %q", x.Op)
}

func in(l, r valueFn, e *event.Event) bool {
	a, aok := l(e)
	b, bok := r(e)
	if !aok || !bok {
		return false
	}
	switch b := b.(type) {
	case []any:
		for _, item := range b {
			if equal(a, item) {
				return true
			}
		}
		return false
	case string:
		s, ok := a.(string)
		return ok && strings.Contains(b, s)
	case map[string]any:
		s, ok := a.(string)
		if !ok {
			return false
		}
		_, has := b[s]
		return has
	}
	return equal(a, b)
}

func (c *condCompiler) regexMatch(x *config.Binary) (condFn, error) {
	l, err := c.value(x.Left)
	if err != nil {
		return nil, err
	}
	negate := x.Op == "!~"
	var match func(e *event.Event, s string) bool
	switch r := x.Right.(type) {
	case *config.RegexLit:
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, c.errorf(r.Pos, "invalid regular expression /%s/: %v", r.Pattern, err)
		}
		match = func(_ *event.Event, s string) bool { return re.MatchString(s) }
	case *config.StringLit:
		re, err := regexp.Compile(r.Value)
		if err != nil {
			return nil, c.errorf(r.Pos, "invalid regular expression %q: %v", r.Value, err)
		}
		match = func(_ *event.Event, s string) bool { return re.MatchString(s) }
	default:
		rv, err := c.value(x.Right)
		if err != nil {
			return nil, err
		}
		cache := newRegexCache()
		match = func(e *event.Event, s string) bool {
			pv, ok := rv(e)
			p, isStr := pv.(string)
			if !ok || !isStr {
				return false
			}
			re := cache.get(p)
			return re != nil && re.MatchString(s)
		}
	}
	return func(e *event.Event) bool {
		v, ok := l(e)
		s, isStr := v.(string)
		if !ok || !isStr {
			return negate
		}
		return match(e, s) != negate
	}, nil
}

func (c *condCompiler) value(x config.Expr) (valueFn, error) {
	switch x := x.(type) {
	case *config.FieldRef:
		ref, err := event.ParseRef(x.Raw)
		if err != nil {
			return nil, c.errorf(x.Pos, "%v", err)
		}
		return func(e *event.Event) (any, bool) { return e.Get(ref) }, nil
	case *config.StringLit:
		var v any = x.Value // boxed once, not per evaluation
		return func(*event.Event) (any, bool) { return v, true }, nil
	case *config.NumberLit:
		var v any = x.Float
		if x.IsInt {
			v = x.Int
		}
		return func(*event.Event) (any, bool) { return v, true }, nil
	case *config.ListLit:
		items := make([]valueFn, len(x.Items))
		static := true
		for i, it := range x.Items {
			f, err := c.value(it)
			if err != nil {
				return nil, err
			}
			items[i] = f
			if _, isRef := it.(*config.FieldRef); isRef {
				static = false
			}
		}
		build := func(e *event.Event) (any, bool) {
			out := make([]any, 0, len(items))
			for _, f := range items {
				if v, ok := f(e); ok {
					out = append(out, v)
				}
			}
			return out, true
		}
		if static {
			list, _ := build(nil)
			return func(*event.Event) (any, bool) { return list, true }, nil
		}
		return build, nil
	case *config.RegexLit:
		return nil, c.errorf(x.Pos, "a regular expression can only stand on the right of =~ or !~")
	case *config.Binary, *config.Not:
		cond, err := c.compile(x)
		if err != nil {
			return nil, err
		}
		return func(e *event.Event) (any, bool) { return cond(e), true }, nil
	}
	return nil, c.errorf(x.Position(), "unsupported expression %T", x)
}

// equal compares event values: numbers numerically, the rest by type and
// value (deeply for arrays and hashes).
func equal(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		return ok && fa == fb
	}
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case nil:
		return b == nil
	case time.Time:
		switch b := b.(type) {
		case time.Time:
			return a.Equal(b)
		case string:
			t, err := event.ParseTimestamp(b)
			return err == nil && a.Equal(t)
		}
		return false
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// compare orders two numbers or two strings (or two timestamps).
func compare(a, b any) (int, bool) {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		if !ok {
			return 0, false
		}
		// Compare int64s exactly: float64 loses precision past 2^53.
		if ia, ok := a.(int64); ok {
			if ib, ok := b.(int64); ok {
				return cmpOrdered(ia, ib), true
			}
		}
		return cmpOrdered(fa, fb), true
	}
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		if !ok {
			return 0, false
		}
		return cmpOrdered(a, b), true
	case time.Time:
		switch b := b.(type) {
		case time.Time:
			return a.Compare(b), true
		case string:
			t, err := event.ParseTimestamp(b)
			if err != nil {
				return 0, false
			}
			return a.Compare(t), true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// regexCache compiles patterns taken from fields, bounded in size.
type regexCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

func newRegexCache() *regexCache { return &regexCache{m: map[string]*regexp.Regexp{}} }

func (c *regexCache) get(p string) *regexp.Regexp {
	c.mu.Lock()
	defer c.mu.Unlock()
	if re, ok := c.m[p]; ok {
		return re
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	if len(c.m) >= 1000 {
		clear(c.m)
	}
	c.m[p] = re
	return re
}
