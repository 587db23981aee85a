// Package mutate is the mutate filter: rename, replace, convert and
// reshape fields, with Logstash's fixed order of operations.
package mutate

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindFilter,
		Name:        "mutate",
		Summary:     "Renames, replaces, converts and reshapes fields.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Filter{} },
	})
}

const description = `The mutate filter performs general changes on fields: rename, update,
replace, type conversion, regular expression substitution, case changes,
splitting and joining, merging and copying.

### Processing order

Whatever order they are written in, the operations of one mutate filter run
in this fixed order (as in Logstash):

coerce, rename, update, replace, convert, gsub, uppercase, capitalize,
lowercase, strip, split, join, merge, copy

Then, if all of them succeeded, the common options (` + "`add_field`, `add_tag`, `remove_field`, `remove_tag`" + `)
are applied. To run operations in another order, use several mutate filters
one after the other.

### Failures

If an operation fails (a value that cannot be converted to a number, a
field that cannot be set because its parent is not a hash, a dynamic gsub
pattern that does not compile), the remaining operations are skipped, the
event is tagged with ` + "`tag_on_failure`" + ` and the common options are not applied.
Operations on missing fields are not failures: they do nothing.

### Differences from Logstash

- Regular expressions (` + "`gsub`" + `) use Go's RE2 syntax: no lookaround and no
  backreferences inside the pattern. ` + "`^`" + ` and ` + "`$`" + ` match at line boundaries, as
  in Ruby. Replacements use Ruby's syntax (` + "`\\1`, `\\k<name>`, `\\0`" + `).
- ` + "`convert`" + ` to integer produces 64-bit integers: a value outside that range
  (Ruby would make a big integer) is a failure. A float that overflows
  (` + "`\"1e400\"`" + `) is a failure too.
- ` + "`convert => string`" + ` and ` + "`join`" + ` write values as sprintf does everywhere in Sluice
  (see the event model page): hashes as JSON, floats below 1e-7 in exponent form; Ruby's
  ` + "`to_s`" + ` writes hashes in Ruby syntax and floats below 1e-4 in exponent form.
- ` + "`strip`" + ` leaves non-string array elements alone (Logstash fails on them).
- A ` + "`rename`" + ` whose destination cannot be set keeps the source field (Logstash
  loses the value).
- The ` + "`remove`" + ` option, removed from Logstash's mutate in 3.5.5, is rejected with
  a hint to use ` + "`remove_field`" + `.
`

// Filter is the mutate filter.
type Filter struct {
	Coerce       plugin.Hash
	Rename       plugin.Hash
	Update       plugin.Hash
	Replace      plugin.Hash
	Convert      plugin.Hash
	Gsub         []any
	Uppercase    []string
	Capitalize   []string
	Lowercase    []string
	Strip        []string
	Split        plugin.Hash
	Join         plugin.Hash
	Merge        plugin.Hash
	Copy         plugin.Hash
	TagOnFailure string
	Remove       []string

	ops    []op
	logger *slog.Logger
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// op is one compiled operation on one field.
type op struct {
	name  string // "rename", ... for logs
	field string // the field as configured
	apply func(e *event.Event) error
}

// Settings declares the options in processing order.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Hash(&f.Coerce, "coerce", "Sets a field that exists but is null to a value (which may use `%{field}` references).").
		Example(`{ "level" => "info" }`)
	s.Hash(&f.Rename, "rename", "Renames fields: `{ old => new }`. Both names may use `%{field}` references. "+
		"A missing source field is not an error; an existing destination is overwritten.").
		Example(`{ "HOSTORIP" => "client_ip" }`)
	s.Hash(&f.Update, "update", "Sets fields that already exist to a new value (which may use `%{field}` references); missing fields are left alone.").
		Example(`{ "sample" => "My new message" }`)
	s.Hash(&f.Replace, "replace", "Sets fields to a new value (which may use `%{field}` references), adding them if missing.").
		Example(`{ "message" => "%{source_host}: My new message" }`)
	s.Hash(&f.Convert, "convert", "Converts field values to another type: `integer`, `integer_eu`, `float`, `float_eu`, `string` or `boolean`. "+
		"Arrays are converted element by element; hashes and nulls are left alone. "+
		"`integer` and `float` accept `,` as a group separator (`\"1,000.5\"`), the `_eu` variants accept `.` as group separator and `,` as decimal comma (`\"1.000,5\"`); "+
		"`integer` truncates fractions; booleans become 1/0. "+
		"`boolean` accepts `true`, `t`, `yes`, `y`, `1`, `1.0` and `false`, `f`, `no`, `n`, `0`, `0.0` (any case) and the empty string (false); "+
		"other values are left as they are. A string that is not a number is a failure (see `tag_on_failure`).").
		Example(`{ "bytes" => "integer" "ok" => "boolean" }`)
	s.Array(&f.Gsub, "gsub", "Regular expression substitutions: triples of field, pattern and replacement. "+
		"Applies to strings and arrays of strings. The pattern may use `%{field}` references (it is then compiled per event); "+
		"the replacement may use `%{field}` references and Ruby's `\\1`, `\\k<name>` group references. Remember to double backslashes in the configuration.").
		Example(`[ "path", "/", "_", "agent", "[\\?#-]", "." ]`)
	s.Strings(&f.Uppercase, "uppercase", "Fields to convert to upper case (strings and arrays of strings).").Example(`[ "method" ]`)
	s.Strings(&f.Capitalize, "capitalize", "Fields to capitalize: first character upper case, the rest lower case.").Example(`[ "name" ]`)
	s.Strings(&f.Lowercase, "lowercase", "Fields to convert to lower case (strings and arrays of strings).").Example(`[ "host" ]`)
	s.Strings(&f.Strip, "strip", "Fields whose leading and trailing whitespace is removed (strings and arrays of strings).").Example(`[ "field1", "field2" ]`)
	s.Hash(&f.Split, "split", "Splits string fields into arrays at a separator: `{ field => separator }`. "+
		"A single space splits on runs of whitespace; trailing empty parts are dropped (Ruby's `split`).").
		Example(`{ "hostname" => "." }`)
	s.Hash(&f.Join, "join", "Joins array fields into a string with a separator: `{ field => separator }`. Other values are left alone.").
		Example(`{ "path_parts" => "/" }`)
	s.Hash(&f.Merge, "merge", "Merges fields into a destination: `{ dest => added }`. Arrays are concatenated, strings become arrays, "+
		"hashes are merged key by key; merging a hash with a non-hash is skipped.").
		Example(`{ "tags" => "extra_tags" }`)
	s.Hash(&f.Copy, "copy", "Copies fields: `{ source => destination }`, overwriting the destination. Missing or null sources are skipped.").
		Example(`{ "source_field" => "dest_field" }`)
	s.String(&f.TagOnFailure, "tag_on_failure", "Tag added when an operation fails; the remaining operations are then skipped.").
		Default("_mutate_error")
	s.Strings(&f.Remove, "remove", "Removed from Logstash's mutate filter (3.5.5) and not supported: use the common `remove_field` option.")
}

// Init compiles every operation, in processing order.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.logger == nil {
		f.logger = slog.Default()
	}
	if len(f.Remove) > 0 {
		return fmt.Errorf("the remove option was removed from the mutate filter; use remove_field => %s instead", quoteList(f.Remove))
	}
	f.ops = nil
	steps := []func() error{
		f.compileCoerce, f.compileRename, f.compileUpdate, f.compileReplace, f.compileConvert,
		f.compileGsub,
		func() error { return f.compileCase("uppercase", f.Uppercase, strings.ToUpper) },
		func() error { return f.compileCase("capitalize", f.Capitalize, capitalize) },
		func() error { return f.compileCase("lowercase", f.Lowercase, strings.ToLower) },
		func() error { return f.compileCase("strip", f.Strip, strip) },
		f.compileSplit, f.compileJoin, f.compileMerge, f.compileCopy,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// Filter applies the operations in order. It returns false, after tagging
// the event, when one fails.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	for i := range f.ops {
		o := &f.ops[i]
		if err := o.apply(e); err != nil {
			f.logger.Warn("mutate failed; remaining operations skipped", "operation", o.name, "field", o.field, "error", err)
			if f.TagOnFailure != "" {
				e.AddTag(f.TagOnFailure)
			}
			return false
		}
	}
	return true
}

func (f *Filter) add(name, field string, apply func(e *event.Event) error) {
	f.ops = append(f.ops, op{name: name, field: field, apply: apply})
}

// text is a value that may contain %{field} references, compiled once.
type text struct {
	tpl    *event.Template // nil when static
	static string
}

func compileText(s string) (text, error) {
	t, err := event.ParseTemplate(s)
	if err != nil {
		return text{}, err
	}
	if t.IsStatic() {
		return text{static: t.Render(event.New())}, nil
	}
	return text{tpl: t}, nil
}

func (t *text) render(e *event.Event) string {
	if t.tpl == nil {
		return t.static
	}
	return t.tpl.Render(e)
}

// name is a field name that may contain %{field} references.
type name struct {
	ref event.Ref
	tpl *event.Template // nil when static
}

func compileName(s string) (name, error) {
	t, err := event.ParseTemplate(s)
	if err != nil {
		return name{}, err
	}
	if !t.IsStatic() {
		return name{tpl: t}, nil
	}
	r, err := event.ParseRef(t.Render(event.New()))
	if err != nil {
		return name{}, err
	}
	return name{ref: r}, nil
}

func (n *name) resolve(e *event.Event) (event.Ref, error) {
	if n.tpl == nil {
		return n.ref, nil
	}
	return event.ParseRef(n.tpl.Render(e))
}

// scalarText returns a hash or array value from the configuration as text.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return string(event.FormatValue(nil, x)), nil
	}
	return "", fmt.Errorf("expected a string, got %s", describeConfig(v))
}

func describeConfig(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case plugin.Hash:
		return "a hash"
	}
	return fmt.Sprintf("%v", v)
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// fieldValue parses a { field => text } entry.
func fieldValue(opName string, e plugin.HashEntry) (event.Ref, text, error) {
	ref, err := event.ParseRef(e.Key)
	if err != nil {
		return event.Ref{}, text{}, fmt.Errorf("%s: %w", opName, err)
	}
	s, err := scalarText(e.Value)
	if err != nil {
		return event.Ref{}, text{}, fmt.Errorf("%s: value for %q: %w", opName, e.Key, err)
	}
	t, err := compileText(s)
	if err != nil {
		return event.Ref{}, text{}, fmt.Errorf("%s: value for %q: %w", opName, e.Key, err)
	}
	return ref, t, nil
}

func (f *Filter) compileCoerce() error {
	for _, ent := range f.Coerce {
		ref, val, err := fieldValue("coerce", ent)
		if err != nil {
			return err
		}
		f.add("coerce", ent.Key, func(e *event.Event) error {
			if v, ok := e.Get(ref); !ok || v != nil {
				return nil
			}
			return e.Set(ref, val.render(e))
		})
	}
	return nil
}

func (f *Filter) compileRename() error {
	for _, ent := range f.Rename {
		from, err := compileName(ent.Key)
		if err != nil {
			return fmt.Errorf("rename: %w", err)
		}
		s, err := scalarText(ent.Value)
		if err != nil {
			return fmt.Errorf("rename: destination for %q: %w", ent.Key, err)
		}
		to, err := compileName(s)
		if err != nil {
			return fmt.Errorf("rename: destination for %q: %w", ent.Key, err)
		}
		f.add("rename", ent.Key, func(e *event.Event) error {
			src, err := from.resolve(e)
			if err != nil {
				return err
			}
			dst, err := to.resolve(e)
			if err != nil {
				return err
			}
			v, ok := e.Remove(src)
			if !ok {
				return nil
			}
			if err := e.Set(dst, v); err != nil {
				_ = e.Set(src, v) // keep the value rather than lose it
				return err
			}
			return nil
		})
	}
	return nil
}

func (f *Filter) compileUpdate() error {
	for _, ent := range f.Update {
		ref, val, err := fieldValue("update", ent)
		if err != nil {
			return err
		}
		f.add("update", ent.Key, func(e *event.Event) error {
			if _, ok := e.Get(ref); !ok {
				return nil
			}
			return e.Set(ref, val.render(e))
		})
	}
	return nil
}

func (f *Filter) compileReplace() error {
	for _, ent := range f.Replace {
		ref, val, err := fieldValue("replace", ent)
		if err != nil {
			return err
		}
		f.add("replace", ent.Key, func(e *event.Event) error {
			return e.Set(ref, val.render(e))
		})
	}
	return nil
}

func (f *Filter) compileConvert() error {
	for _, ent := range f.Convert {
		ref, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("convert: %w", err)
		}
		kind, _ := ent.Value.(string)
		conv := converterFor(kind)
		if conv == nil {
			return fmt.Errorf("convert: invalid conversion type %s for field %q; expected one of %s",
				describeConfig(ent.Value), ent.Key, strings.Join(conversions, ", "))
		}
		isBool := kind == "boolean"
		field := ent.Key
		convertOne := func(v any) (any, error) {
			out, err := conv(v)
			if err == nil && isBool {
				if _, ok := out.(bool); !ok && f.logger.Enabled(context.Background(), slog.LevelDebug) {
					f.logger.Debug("mutate: value left as it is: not a boolean", "field", field, "value", v)
				}
			}
			return out, err
		}
		f.add("convert", ent.Key, func(e *event.Event) error {
			v, ok := e.Get(ref)
			if !ok {
				return nil
			}
			switch x := v.(type) {
			case nil, map[string]any:
				return nil
			case []any:
				out := make([]any, len(x))
				for i, el := range x {
					if el == nil {
						continue
					}
					c, err := convertOne(el)
					if err != nil {
						return err
					}
					out[i] = c
				}
				copy(x, out)
				return nil
			default:
				c, err := convertOne(v)
				if err != nil {
					return err
				}
				return e.Set(ref, c)
			}
		})
	}
	return nil
}

// gsubOp is one field, pattern, replacement triple.
type gsubOp struct {
	ref     event.Ref
	re      *regexp.Regexp  // nil when the pattern has %{} references
	needle  *event.Template // the dynamic pattern
	repl    *replacement    // nil when the replacement has %{} references
	replTpl *event.Template
}

func (f *Filter) compileGsub() error {
	if len(f.Gsub)%3 != 0 {
		return fmt.Errorf("gsub: expected triples of field, pattern and replacement; got %d values", len(f.Gsub))
	}
	for i := 0; i < len(f.Gsub); i += 3 {
		var parts [3]string
		for j := range parts {
			s, err := scalarText(f.Gsub[i+j])
			if err != nil {
				return fmt.Errorf("gsub: item %d: %w", i+j+1, err)
			}
			parts[j] = s
		}
		field, pattern, repl := parts[0], parts[1], parts[2]
		g := &gsubOp{}
		var err error
		if g.ref, err = event.ParseRef(field); err != nil {
			return fmt.Errorf("gsub: %w", err)
		}
		if strings.Contains(pattern, "%{") {
			if g.needle, err = event.ParseTemplate(pattern); err != nil {
				return fmt.Errorf("gsub: pattern for %q: %w", field, err)
			}
		} else if g.re, err = compileRegex(pattern); err != nil {
			return fmt.Errorf("gsub: pattern for %q: %w", field, err)
		}
		rt, err := event.ParseTemplate(repl)
		if err != nil {
			return fmt.Errorf("gsub: replacement for %q: %w", field, err)
		}
		if rt.IsStatic() {
			g.repl = parseReplacement(rt.Render(event.New()))
			if g.re != nil {
				if err := g.repl.check(g.re); err != nil {
					return fmt.Errorf("gsub: %q: %w", field, err)
				}
			}
		} else {
			g.replTpl = rt
		}
		f.add("gsub", field, g.apply)
	}
	return nil
}

func (g *gsubOp) apply(e *event.Event) error {
	v, ok := e.Get(g.ref)
	if !ok {
		return nil
	}
	switch v.(type) {
	case string, []any:
	default:
		return nil
	}
	re := g.re
	if re == nil {
		var err error
		if re, err = compileRegex(g.needle.Render(e)); err != nil {
			return err
		}
	}
	repl := g.repl
	if repl == nil {
		repl = parseReplacement(g.replTpl.Render(e))
	}
	switch x := v.(type) {
	case string:
		out, err := repl.replaceAll(re, x)
		if err != nil {
			return err
		}
		if out == x {
			return nil
		}
		return e.Set(g.ref, out)
	case []any:
		for i, el := range x {
			s, ok := el.(string)
			if !ok {
				continue
			}
			out, err := repl.replaceAll(re, s)
			if err != nil {
				return err
			}
			x[i] = out
		}
	}
	return nil
}

// compileCase compiles uppercase, capitalize, lowercase and strip: a
// string function applied to strings and to the strings of arrays.
func (f *Filter) compileCase(opName string, fields []string, fn func(string) string) error {
	for _, field := range fields {
		ref, err := event.ParseRef(field)
		if err != nil {
			return fmt.Errorf("%s: %w", opName, err)
		}
		f.add(opName, field, func(e *event.Event) error {
			v, _ := e.Get(ref)
			switch x := v.(type) {
			case string:
				if out := fn(x); out != x {
					return e.Set(ref, out)
				}
			case []any:
				for i, el := range x {
					if s, ok := el.(string); ok {
						x[i] = fn(s)
					}
				}
			}
			return nil
		})
	}
	return nil
}

func (f *Filter) compileSplit() error {
	for _, ent := range f.Split {
		ref, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("split: %w", err)
		}
		sep, err := scalarText(ent.Value)
		if err != nil {
			return fmt.Errorf("split: separator for %q: %w", ent.Key, err)
		}
		f.add("split", ent.Key, func(e *event.Event) error {
			v, _ := e.Get(ref)
			if s, ok := v.(string); ok {
				return e.Set(ref, split(s, sep))
			}
			return nil
		})
	}
	return nil
}

func (f *Filter) compileJoin() error {
	for _, ent := range f.Join {
		ref, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("join: %w", err)
		}
		sep, err := scalarText(ent.Value)
		if err != nil {
			return fmt.Errorf("join: separator for %q: %w", ent.Key, err)
		}
		f.add("join", ent.Key, func(e *event.Event) error {
			v, _ := e.Get(ref)
			arr, ok := v.([]any)
			if !ok {
				return nil
			}
			first := true
			return e.Set(ref, string(appendJoined(nil, arr, sep, &first)))
		})
	}
	return nil
}

func (f *Filter) compileMerge() error {
	for _, ent := range f.Merge {
		dest, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		var names []any
		if arr, ok := ent.Value.([]any); ok {
			names = arr
		} else {
			names = []any{ent.Value}
		}
		var added []event.Ref
		for _, n := range names {
			s, err := scalarText(n)
			if err != nil {
				return fmt.Errorf("merge: field merged into %q: %w", ent.Key, err)
			}
			r, err := event.ParseRef(s)
			if err != nil {
				return fmt.Errorf("merge: %w", err)
			}
			added = append(added, r)
		}
		destName := ent.Key
		f.add("merge", ent.Key, func(e *event.Event) error {
			destV, _ := e.Get(dest)
			for _, a := range added {
				addV, _ := e.Get(a)
				dm, dIsMap := destV.(map[string]any)
				am, aIsMap := addV.(map[string]any)
				if dIsMap != aIsMap {
					f.logger.Warn("mutate: cannot merge a hash with a value that is not a hash; skipped", "dest_field", destName, "added_field", a.String())
					continue
				}
				if dIsMap {
					for k, v := range am {
						dm[k] = event.CloneValue(v)
					}
					continue
				}
				arr := asArray(destV)
				for _, v := range asArray(addV) {
					arr = append(arr, event.CloneValue(v))
				}
				if err := e.Set(dest, arr); err != nil {
					return err
				}
				destV = arr
			}
			return nil
		})
	}
	return nil
}

// asArray is Ruby's Array(): nil is empty, an array is itself, anything
// else is an array of one.
func asArray(v any) []any {
	switch x := v.(type) {
	case nil:
		return []any{}
	case []any:
		return x
	default:
		return []any{x}
	}
}

func (f *Filter) compileCopy() error {
	for _, ent := range f.Copy {
		src, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		s, err := scalarText(ent.Value)
		if err != nil {
			return fmt.Errorf("copy: destination for %q: %w", ent.Key, err)
		}
		dst, err := event.ParseRef(s)
		if err != nil {
			return fmt.Errorf("copy: destination for %q: %w", ent.Key, err)
		}
		f.add("copy", ent.Key, func(e *event.Event) error {
			v, _ := e.Get(src)
			if v == nil {
				return nil
			}
			return e.Set(dst, event.CloneValue(v))
		})
	}
	return nil
}
