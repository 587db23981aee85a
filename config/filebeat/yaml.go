package filebeat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/config"
)

// entry is one setting found in a YAML mapping: its full dotted key (Filebeat
// reads `a: {b: 1}` and `a.b: 1` alike) and its nodes.
type entry struct {
	key      string
	keyNode  *yaml.Node
	val      *yaml.Node
	consumed bool
}

// flatten lists the settings of mapping m under prefix. Mappings are
// descended into, except those whose key stop reports as free-form (such
// as `fields`); an empty mapping is an entry of its own.
func (t *translator) flatten(m *yaml.Node, prefix string, stop func(key string) bool) []*entry {
	var out []*entry
	seen := map[string]*yaml.Node{}
	var walk func(m *yaml.Node, prefix string, merged bool)
	walk = func(m *yaml.Node, prefix string, merged bool) {
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], resolve(m.Content[i+1])
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				// `<<: *defaults`: applied after the explicit keys,
				// which win.
				merges = append(merges, v)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				t.errorf(k, "a key must be a plain name, not a %s", kindName(k))
				continue
			}
			key := k.Value
			if prefix != "" {
				key = prefix + "." + k.Value
			}
			if v.Kind == yaml.MappingNode && len(v.Content) > 0 && !stop(key) {
				walk(v, key, merged)
				continue
			}
			if prev, dup := seen[key]; dup {
				if !merged {
					t.errorf(k, "%q is set twice (first at line %d)", key, prev.Line)
				}
				continue
			}
			seen[key] = k
			out = append(out, &entry{key: key, keyNode: k, val: v})
		}
		for _, mv := range merges {
			switch mv.Kind {
			case yaml.MappingNode:
				walk(mv, prefix, true)
			case yaml.SequenceNode:
				for _, it := range mv.Content {
					if it = resolve(it); it.Kind == yaml.MappingNode {
						walk(it, prefix, true)
					}
				}
			default:
				t.errorf(mv, "<< must merge a mapping, got %s", describe(mv))
			}
		}
	}
	walk(m, prefix, false)
	return out
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "scalar"
	}
	return "node"
}

func (t *translator) pos(n *yaml.Node) config.Pos {
	return config.Pos{File: t.file, Line: n.Line, Col: n.Column}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// str reads a scalar as text.
func (t *translator) str(e *entry) (string, bool) {
	if e.val.Kind != yaml.ScalarNode || isNull(e.val) {
		t.errorf(e.val, "%s: expected a string, got a %s", e.key, kindName(e.val))
		return "", false
	}
	return e.val.Value, true
}

func (t *translator) boolean(e *entry) (bool, bool) {
	if e.val.Kind == yaml.ScalarNode {
		switch strings.ToLower(e.val.Value) {
		case "true", "yes", "on":
			return true, true
		case "false", "no", "off":
			return false, true
		}
	}
	t.errorf(e.val, "%s: expected true or false, got %s", e.key, describe(e.val))
	return false, false
}

func (t *translator) integer(e *entry, min, max int64) (int64, bool) {
	if e.val.Kind == yaml.ScalarNode {
		if n, err := strconv.ParseInt(e.val.Value, 0, 64); err == nil {
			if n < min || n > max {
				t.errorf(e.val, "%s: %d is out of range %d..%d", e.key, n, min, max)
				return 0, false
			}
			return n, true
		}
	}
	t.errorf(e.val, "%s: expected an integer, got %s", e.key, describe(e.val))
	return 0, false
}

// duration reads a Filebeat duration: a Go duration ("10s", "1h30m") or a
// number of seconds. It returns seconds.
func (t *translator) duration(e *entry) (float64, bool) {
	if e.val.Kind == yaml.ScalarNode && !isNull(e.val) {
		v := e.val.Value
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && !math.IsInf(f, 0) {
			return f, true
		}
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			return d.Seconds(), true
		}
	}
	t.errorf(e.val, "%s: expected a duration such as 10s, 5m or 1h, got %s", e.key, describe(e.val))
	return 0, false
}

// strings reads a list of strings; a single string is a list of one.
func (t *translator) strings(e *entry) ([]string, bool) {
	if e.val.Kind == yaml.ScalarNode && !isNull(e.val) {
		return []string{e.val.Value}, true
	}
	if e.val.Kind != yaml.SequenceNode {
		t.errorf(e.val, "%s: expected a list of strings, got %s", e.key, describe(e.val))
		return nil, false
	}
	out := make([]string, 0, len(e.val.Content))
	for _, it := range e.val.Content {
		it = resolve(it)
		if it.Kind != yaml.ScalarNode || isNull(it) {
			t.errorf(it, "%s: list items must be strings, got %s", e.key, describe(it))
			return nil, false
		}
		out = append(out, it.Value)
	}
	return out, true
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	}
	return "a " + kindName(n)
}

// AST builders. Positions point into the YAML file so that errors the
// plugins report at build time quote the YAML line.

func attr(p config.Pos, name string, v config.Value) *config.Attr {
	return &config.Attr{Pos: p, Name: name, Value: v}
}

func strV(p config.Pos, s string) config.Value { return &config.String{Pos: p, Value: s} }

func boolV(p config.Pos, b bool) config.Value {
	return &config.Bareword{Pos: p, Value: strconv.FormatBool(b)}
}

func intV(p config.Pos, n int64) config.Value {
	return &config.Number{Pos: p, Raw: strconv.FormatInt(n, 10), IsInt: true, Int: n, Float: float64(n)}
}

func numV(p config.Pos, f float64) config.Value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return intV(p, int64(f))
	}
	return &config.Number{Pos: p, Raw: strconv.FormatFloat(f, 'f', -1, 64), Float: f}
}

func strsV(p config.Pos, ss []string) config.Value {
	a := &config.Array{Pos: p}
	for _, s := range ss {
		a.Items = append(a.Items, strV(p, s))
	}
	return a
}

// hashV builds a hash from key, value pairs.
func hashV(p config.Pos, kv ...string) *config.Hash {
	h := &config.Hash{Pos: p}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Entries = append(h.Entries, &config.HashEntry{Pos: p, Key: kv[i], Value: strV(p, kv[i+1])})
	}
	return h
}

// fieldRef turns a Filebeat field name ("log.file.path") into a field
// reference ("[log][file][path]").
func fieldRef(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(name, ".") {
		fmt.Fprintf(&b, "[%s]", part)
	}
	return b.String()
}

// sprintfRefs rewrites Filebeat's `%{[a.b]}` format references to
// Logstash's `%{[a][b]}`; `%{+yyyy.MM.dd}` is the same in both.
func sprintfRefs(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "%{[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "]}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString("%{")
		b.WriteString(fieldRef(s[i+3 : i+j]))
		b.WriteString("}")
		s = s[i+j+2:]
	}
}

// maxExpanded bounds the size of the document with its aliases expanded,
// against documents that refer to an anchor many times over ("billion
// laughs"): the translation walks aliases as copies. 65536 nodes is far
// beyond a hand-written filebeat.yml and translates in tens of
// milliseconds; at 1<<20, a 400-byte document nesting mappings of four
// aliases eight deep took 1.7 s to translate into a 4.9 MB pipeline.
const maxExpanded = 1 << 16

// checkAliases reports an alias that refers to a node containing it (which
// would make the translation loop) and documents too large once aliases
// are expanded.
func (t *translator) checkAliases(root *yaml.Node) bool {
	size := map[*yaml.Node]int{}
	active := map[*yaml.Node]bool{}
	var visit func(n *yaml.Node) (int, bool)
	visit = func(n *yaml.Node) (int, bool) {
		if s, ok := size[n]; ok {
			return s, true
		}
		if active[n] {
			t.errorf(n, "an alias refers to a mapping or list that contains it")
			return 0, false
		}
		active[n] = true
		defer delete(active, n)
		total := 1
		kids := n.Content
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			kids = []*yaml.Node{n.Alias}
		}
		for _, c := range kids {
			s, ok := visit(c)
			if !ok {
				return 0, false
			}
			total += s
			if total > maxExpanded {
				t.errorf(n, "the configuration is too large once its aliases are expanded")
				return 0, false
			}
		}
		size[n] = total
		return total, true
	}
	_, ok := visit(root)
	return ok
}
