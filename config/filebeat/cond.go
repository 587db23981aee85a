package filebeat

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/config"
)

// condition translates a processor's `when` to a pipeline condition.
// Supported: equals, contains, regexp, range, has_fields, and, or, not.
// It returns nil after reporting an error.
func (t *translator) condition(n *yaml.Node) config.Expr {
	n = resolve(n)
	p := t.pos(n)
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		t.errorf(n, "a condition is a mapping such as {equals: {field: value}}, got %s", describe(n))
		return nil
	}
	var parts []config.Expr
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		var e config.Expr
		switch k.Value {
		case "equals", "contains", "regexp":
			e = t.fieldConds(k.Value, v)
		case "range":
			e = t.rangeCond(v)
		case "has_fields":
			fields, ok := t.strings(&entry{key: "has_fields", keyNode: k, val: v})
			if !ok {
				return nil
			}
			if len(fields) == 0 {
				t.errorf(v, "has_fields takes a list of at least one field name")
				return nil
			}
			var fs []config.Expr
			for _, f := range fields {
				if !validField(f) {
					t.errorf(v, "has_fields: bad field name %q", f)
					return nil
				}
				fs = append(fs, &config.FieldRef{Pos: t.pos(v), Raw: fieldRef(f)})
			}
			e = join(t.pos(k), "and", fs)
		case "and", "or":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				t.errorf(v, "%s takes a list of conditions, got %s", k.Value, describe(v))
				return nil
			}
			var cs []config.Expr
			for _, c := range v.Content {
				x := t.condition(c)
				if x == nil {
					return nil
				}
				cs = append(cs, x)
			}
			e = join(t.pos(k), k.Value, cs)
		case "not":
			x := t.condition(v)
			if x == nil {
				return nil
			}
			e = &config.Not{Pos: t.pos(k), X: x}
		case "network":
			t.errorf(k, "the network condition is not supported; use a cidr filter in `sluice serve`")
			return nil
		default:
			t.errorf(k, "unknown condition %q (equals, contains, regexp, range, has_fields, and, or, not)", k.Value)
			return nil
		}
		if e == nil {
			return nil
		}
		parts = append(parts, e)
	}
	return join(p, "and", parts)
}

// join chains exprs with a boolean operator; xs is never empty.
func join(p config.Pos, op string, xs []config.Expr) config.Expr {
	e := xs[0]
	for _, x := range xs[1:] {
		e = &config.Binary{Pos: p, Op: op, Left: e, Right: x}
	}
	return e
}

// fieldConds translates {field: value, ...} under equals, contains or
// regexp.
func (t *translator) fieldConds(kind string, m *yaml.Node) config.Expr {
	if m.Kind != yaml.MappingNode || len(m.Content) == 0 {
		t.errorf(m, "%s takes a mapping of field names to values, got %s", kind, describe(m))
		return nil
	}
	var parts []config.Expr
	// Nested field names ({log: {level: x}}) are the dotted ones.
	for _, fe := range t.flatten(m, "", func(string) bool { return false }) {
		k, v := fe.keyNode, fe.val
		name := fe.key
		if !validField(name) {
			t.errorf(k, "%s: bad field name %q", kind, name)
			return nil
		}
		if v.Kind != yaml.ScalarNode || isNull(v) {
			t.errorf(v, "%s: the value of %s must be a string, number or boolean, got %s", kind, name, describe(v))
			return nil
		}
		p := t.pos(k)
		ref := &config.FieldRef{Pos: p, Raw: fieldRef(name)}
		switch kind {
		case "equals":
			parts = append(parts, &config.Binary{Pos: p, Op: "==", Left: ref, Right: t.literal(v)})
		case "contains":
			parts = append(parts, &config.Binary{Pos: p, Op: "in", Left: &config.StringLit{Pos: t.pos(v), Value: v.Value}, Right: ref})
		case "regexp":
			if _, err := regexp.Compile(v.Value); err != nil {
				t.errorf(v, "regexp: %v", err)
				return nil
			}
			parts = append(parts, &config.Binary{Pos: p, Op: "=~", Left: ref, Right: &config.RegexLit{Pos: t.pos(v), Pattern: escapeSlashes(v.Value)}})
		}
	}
	if len(parts) == 0 {
		t.errorf(m, "%s takes at least one field", kind)
		return nil
	}
	return join(t.pos(m), "and", parts)
}

// literal is a condition operand for a YAML scalar: a number stays a
// number, anything else is a string.
func (t *translator) literal(v *yaml.Node) config.Expr {
	p := t.pos(v)
	if v.Tag == "!!int" || v.Tag == "!!float" {
		if f, err := strconv.ParseFloat(v.Value, 64); err == nil {
			n := &config.NumberLit{Pos: p, Raw: v.Value, Float: f}
			if i, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
				n.IsInt, n.Int = true, i
			} else {
				n.Raw = strconv.FormatFloat(f, 'f', -1, 64)
			}
			return n
		}
	}
	return &config.StringLit{Pos: p, Value: v.Value}
}

// rangeCond translates {field.gte: 1, field.lt: 5}.
func (t *translator) rangeCond(m *yaml.Node) config.Expr {
	if m.Kind != yaml.MappingNode || len(m.Content) == 0 {
		t.errorf(m, "range takes a mapping such as {http.response.code.gte: 400}, got %s", describe(m))
		return nil
	}
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
	var parts []config.Expr
	for _, e := range t.flatten(m, "", func(string) bool { return false }) {
		i := strings.LastIndexByte(e.key, '.')
		if i < 0 || ops[e.key[i+1:]] == "" || !validField(e.key[:i]) {
			t.errorf(e.keyNode, "range: %q must be a field name followed by .gt, .gte, .lt or .lte", e.key)
			return nil
		}
		if e.val.Tag != "!!int" && e.val.Tag != "!!float" {
			t.errorf(e.val, "range: %s must be a number, got %s", e.key, describe(e.val))
			return nil
		}
		p := t.pos(e.keyNode)
		parts = append(parts, &config.Binary{Pos: p, Op: ops[e.key[i+1:]], Left: &config.FieldRef{Pos: p, Raw: fieldRef(e.key[:i])}, Right: t.literal(e.val)})
	}
	if len(parts) == 0 {
		t.errorf(m, "range takes at least one field")
		return nil
	}
	return join(t.pos(m), "and", parts)
}

// escapeSlashes writes a regular expression for /.../: an unescaped '/'
// becomes '\/'.
func escapeSlashes(re string) string {
	var b strings.Builder
	escaped := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		if c == '/' && !escaped {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		escaped = c == '\\' && !escaped
	}
	return b.String()
}
