package filebeat

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/config"
)

// processors translates a processors list to filters.
func (t *translator) processors(e *entry) []config.Statement {
	if e.val.Kind != yaml.SequenceNode {
		t.errorf(e.val, "processors must be a list, got %s", describe(e.val))
		return nil
	}
	var out []config.Statement
	for _, item := range e.val.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			t.errorf(item, "each processor is a mapping with one key (its name), got %s", describe(item))
			continue
		}
		name, body := item.Content[0], resolve(item.Content[1])
		var opts []*entry
		switch {
		case body.Kind == yaml.MappingNode:
			opts = t.flatten(body, "", func(k string) bool { return k == "fields" || k == "when" })
		case isNull(body):
		default:
			t.errorf(body, "processor %s: expected a mapping of options, got %s", name.Value, describe(body))
			continue
		}
		var when []*entry
		rest := opts[:0:0]
		for _, o := range opts {
			if o.key == "when" || strings.HasPrefix(o.key, "when.") {
				when = append(when, o)
			} else {
				rest = append(rest, o)
			}
		}
		opts = rest
		var cond config.Expr
		if len(when) > 0 {
			if cond = t.condition(t.nest(when)); cond == nil {
				continue
			}
		}
		var fs []config.Statement
		switch name.Value {
		case "add_fields":
			fs = t.addFields(name, opts)
		case "drop_fields":
			if f := t.dropFields(name, opts); f != nil {
				fs = append(fs, f)
			}
		case "add_host_metadata":
			fs = append(fs, t.addHostMetadata(name, opts))
		case "add_cloud_metadata", "add_docker_metadata", "add_kubernetes_metadata":
			// In Filebeat's default configuration; they add nothing
			// outside a cloud, container or cluster.
			t.warnf(name, "processor %s is not supported and is ignored: its fields are not added", name.Value)
			continue
		default:
			t.errorf(name, "processor %q is not supported (sluice ship supports add_fields, drop_fields and add_host_metadata; other processing belongs in `sluice serve`)", name.Value)
			continue
		}
		if len(fs) > 0 && cond != nil {
			p := t.pos(item)
			fs = []config.Statement{&config.If{Pos: p, Branches: []*config.Branch{{Pos: p, Cond: cond, Body: fs}}}}
		}
		out = append(out, fs...)
	}
	return out
}

func (t *translator) addFields(name *yaml.Node, opts []*entry) []config.Statement {
	target := "fields"
	var fields *entry
	for _, o := range opts {
		switch o.key {
		case "target":
			if isNull(o.val) {
				target = ""
			} else {
				target, _ = t.str(o)
			}
		case "fields":
			fields = o
		default:
			t.errorf(o.keyNode, "unknown add_fields setting %q (target, fields)", o.key)
		}
	}
	if fields == nil {
		t.errorf(name, "add_fields needs fields")
		return nil
	}
	if target == "" {
		return t.fieldsMutate(fields, true, "")
	}
	return t.fieldsMutate(fields, false, target)
}

func (t *translator) dropFields(name *yaml.Node, opts []*entry) config.Statement {
	var fields []string
	var at *entry
	for _, o := range opts {
		switch o.key {
		case "fields":
			fields, _ = t.strings(o)
			at = o
		case "ignore_missing":
			t.boolean(o) // missing fields are always ignored
		default:
			t.errorf(o.keyNode, "unknown drop_fields setting %q (fields, ignore_missing)", o.key)
		}
	}
	if at == nil || len(fields) == 0 {
		t.errorf(name, "drop_fields needs fields")
		return nil
	}
	refs := make([]string, 0, len(fields))
	for _, f := range fields {
		switch f {
		case "@timestamp", "type":
			t.errorf(at.val, "drop_fields cannot drop %s (Filebeat refuses it too)", f)
			continue
		}
		if !validField(f) {
			t.errorf(at.val, "drop_fields: bad field name %q", f)
			continue
		}
		refs = append(refs, fieldRef(f))
	}
	p := t.pos(name)
	return &config.Plugin{Pos: p, Name: "mutate", Attrs: []*config.Attr{
		attr(p, "id", strV(p, t.filterID("drop_fields"))),
		attr(t.pos(at.keyNode), "remove_field", strsV(t.pos(at.val), refs)),
	}}
}

// nest turns `when` entries, nested or dotted (when.not.equals.a: 1),
// into one condition mapping.
func (t *translator) nest(es []*entry) *yaml.Node {
	if len(es) == 1 && es[0].key == "when" {
		return es[0].val
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Line: es[0].keyNode.Line, Column: es[0].keyNode.Column}
	for _, e := range es {
		if e.key == "when" {
			t.errorf(e.keyNode, "when is given both as a mapping and as dotted keys")
			continue
		}
		cur := root
		parts := strings.Split(strings.TrimPrefix(e.key, "when."), ".")
		for i, part := range parts {
			var next *yaml.Node
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if cur.Content[j].Value == part && cur.Content[j+1].Kind == yaml.MappingNode {
					next = cur.Content[j+1]
				}
			}
			if i == len(parts)-1 {
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part, Line: e.keyNode.Line, Column: e.keyNode.Column}
				cur.Content = append(cur.Content, k, e.val)
				break
			}
			if next == nil {
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part, Line: e.keyNode.Line, Column: e.keyNode.Column}
				next = &yaml.Node{Kind: yaml.MappingNode, Line: e.keyNode.Line, Column: e.keyNode.Column}
				cur.Content = append(cur.Content, k, next)
			}
			cur = next
		}
	}
	return root
}

// addHostMetadata sets the basic host.* fields, computed once at start.
func (t *translator) addHostMetadata(name *yaml.Node, opts []*entry) config.Statement {
	for _, o := range opts {
		switch {
		case o.key == "netinfo.enabled":
			if on, ok := t.boolean(o); ok && on {
				t.warnf(o.keyNode, "add_host_metadata: host.ip and host.mac are not added by sluice ship")
			}
		case o.key == "cache.ttl" || o.key == "replace_fields" || o.key == "expected_hostname":
			t.warnf(o.keyNode, "add_host_metadata %s is ignored", o.key)
		case strings.HasPrefix(o.key, "geo."):
			t.errorf(o.keyNode, "add_host_metadata geo settings are not supported")
		default:
			t.errorf(o.keyNode, "unknown add_host_metadata setting %q", o.key)
		}
	}
	h := t.host
	p := t.pos(name)
	var kv []string
	for _, f := range []struct{ ref, v string }{
		{"[host][name]", h.Name},
		{"[host][hostname]", h.Name},
		{"[host][architecture]", h.Architecture},
		{"[host][id]", h.ID},
		{"[host][os][type]", h.OSType},
		{"[host][os][family]", h.OSFamily},
		{"[host][os][name]", h.OSName},
		{"[host][os][version]", h.OSVersion},
		{"[host][os][kernel]", h.OSKernel},
	} {
		if f.v != "" && !strings.Contains(f.v, "%{") {
			kv = append(kv, f.ref, f.v)
		}
	}
	return &config.Plugin{Pos: p, Name: "mutate", Attrs: []*config.Attr{
		attr(p, "id", strV(p, t.filterID("add_host_metadata"))),
		attr(p, "replace", hashV(p, kv...)),
	}}
}

// filterID names a generated filter (for logs and metrics).
func (t *translator) filterID(kind string) string {
	t.nfilters++
	return "filebeat_" + kind + "_" + itoa(t.nfilters)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// validField reports whether a Filebeat field name can be a field
// reference.
func validField(f string) bool {
	if f == "" {
		return false
	}
	for part := range strings.SplitSeq(f, ".") {
		if part == "" || strings.ContainsAny(part, "[],") {
			return false
		}
	}
	return true
}

// fieldsMutate sets the fields of a mapping (Filebeat's fields and
// add_fields) with a mutate filter: under target, or at the root. Values
// keep their YAML type (numbers and booleans are converted back from the
// strings mutate sets). Lists are not supported.
func (t *translator) fieldsMutate(e *entry, underRoot bool, target string) []config.Statement {
	if e.val.Kind != yaml.MappingNode {
		if isNull(e.val) {
			return nil
		}
		t.errorf(e.val, "%s must be a mapping of field names to values, got %s", e.key, describe(e.val))
		return nil
	}
	p := t.pos(e.keyNode)
	replace := &config.Hash{Pos: p}
	convert := &config.Hash{Pos: p}
	lists := &config.Hash{Pos: p}
	conv := func(ref string, tag string, vp config.Pos) {
		switch tag {
		case "!!int":
			convert.Entries = append(convert.Entries, &config.HashEntry{Pos: vp, Key: ref, Value: strV(vp, "integer")})
		case "!!float":
			convert.Entries = append(convert.Entries, &config.HashEntry{Pos: vp, Key: ref, Value: strV(vp, "float")})
		case "!!bool":
			convert.Entries = append(convert.Entries, &config.HashEntry{Pos: vp, Key: ref, Value: strV(vp, "boolean")})
		}
	}
	seen := map[string]*yaml.Node{}
	var walk func(m *yaml.Node, prefix []string)
	walk = func(m *yaml.Node, prefix []string) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], resolve(m.Content[i+1])
			if k.Kind != yaml.ScalarNode || !validField(k.Value) {
				t.errorf(k, "bad field name %s", describe(k))
				continue
			}
			path := append(append([]string{}, prefix...), strings.Split(k.Value, ".")...)
			if v.Kind != yaml.MappingNode {
				// The same field twice ("a.b" and a: {b:}, or a repeated
				// key): Filebeat's config loader refuses it too.
				name := strings.Join(path, ".")
				if first, dup := seen[name]; dup {
					t.errorf(k, "field %s is given twice (first on line %d)", name, first.Line)
					continue
				}
				seen[name] = k
			}
			switch {
			case v.Kind == yaml.MappingNode:
				walk(v, path)
				continue
			case v.Kind == yaml.SequenceNode:
				t.listField(v, path, lists, conv)
				continue
			case v.Kind != yaml.ScalarNode:
				t.errorf(v, "field %s: unsupported value %s", strings.Join(path, "."), describe(v))
				continue
			case isNull(v):
				t.warnf(v, "field %s is null: not added", strings.Join(path, "."))
				continue
			case strings.Contains(v.Value, "%{"):
				t.errorf(v, "field %s: the value contains %%{, which sluice would read as a field reference", strings.Join(path, "."))
				continue
			}
			ref := "[" + strings.Join(path, "][") + "]"
			vp := t.pos(v)
			replace.Entries = append(replace.Entries, &config.HashEntry{Pos: vp, Key: ref, Value: strV(vp, v.Value)})
			conv(ref, v.Tag, vp)
		}
	}
	var prefix []string
	if !underRoot && target != "" {
		prefix = strings.Split(target, ".")
		if !validField(target) {
			t.errorf(e.val, "bad target %q", target)
			return nil
		}
	}
	walk(e.val, prefix)
	var out []config.Statement
	if len(lists.Entries) > 0 {
		// Lists first, in a mutate of their own: add_field makes an
		// array of the items (the engine applies it after the mutate's
		// operations, so the convert below must come later).
		out = append(out, &config.Plugin{Pos: p, Name: "mutate", Attrs: []*config.Attr{
			attr(p, "id", strV(p, t.filterID("fields"))),
			attr(p, "add_field", lists),
		}})
	}
	if len(replace.Entries)+len(convert.Entries) > 0 {
		m := &config.Plugin{Pos: p, Name: "mutate", Attrs: []*config.Attr{
			attr(p, "id", strV(p, t.filterID("fields"))),
		}}
		if len(replace.Entries) > 0 {
			m.Attrs = append(m.Attrs, attr(p, "replace", replace))
		}
		if len(convert.Entries) > 0 {
			m.Attrs = append(m.Attrs, attr(p, "convert", convert))
		}
		out = append(out, m)
	}
	return out
}

// listField adds a list of scalars (Filebeat allows lists in fields).
// Their items become strings unless they all have one type.
func (t *translator) listField(v *yaml.Node, path []string, lists *config.Hash, conv func(ref, tag string, vp config.Pos)) {
	ref := "[" + strings.Join(path, "][") + "]"
	vp := t.pos(v)
	arr := &config.Array{Pos: vp}
	tag := ""
	for i, it := range v.Content {
		it = resolve(it)
		if it.Kind != yaml.ScalarNode || isNull(it) || strings.Contains(it.Value, "%{") {
			t.errorf(it, "field %s: list items must be strings, numbers or booleans, got %s", strings.Join(path, "."), describe(it))
			return
		}
		if i == 0 {
			tag = it.Tag
		} else if tag != it.Tag {
			tag = ""
		}
		arr.Items = append(arr.Items, strV(t.pos(it), it.Value))
	}
	if len(arr.Items) == 0 {
		t.warnf(v, "field %s is an empty list: not added", strings.Join(path, "."))
		return
	}
	lists.Entries = append(lists.Entries, &config.HashEntry{Pos: vp, Key: ref, Value: arr})
	conv(ref, tag, vp)
}
