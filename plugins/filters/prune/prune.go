// Package prune is the prune filter: removes top-level fields by name or
// value.
package prune

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "prune",
		Summary: "Removes top-level fields by name or by value, with allow and deny lists of regular expressions.",
		Description: `Removes top-level fields of the event:

- with ` + "`whitelist_names`" + `, every field whose name matches none of the regular expressions;
- every field whose name matches one of ` + "`blacklist_names`" + ` (by default, names that
  look like an unresolved ` + "`%{...}`" + ` reference);
- with ` + "`whitelist_values`" + ` (field name => regular expression), a listed field whose
  value does not match;
- with ` + "`blacklist_values`" + `, a listed field whose value matches.

For the value lists, a field holding an array loses only the elements that
fail the test, and is removed when all of them fail. Numbers and booleans are
matched in their text form; a field holding an object is left alone by the
value lists. Regular expressions are unanchored (` + "`^msg$`" + ` for an exact name).
Everything is decided on the event as it was before the filter, then removed.

Only top-level fields are looked at, as in Logstash: ` + "`[a][b]`" + ` cannot be pruned
alone, and ` + "`@metadata`" + ` is never touched. With ` + "`interpolate`" + `, names and
expressions can hold ` + "`%{field}`" + ` references resolved per event.

Differences from Logstash: regular expressions are Go's RE2 syntax (no
backreferences or lookaround); ` + "`@timestamp`" + ` is never removed (an event always has a
timestamp). The common options (` + "`add_field`" + `, ` + "`add_tag`" + `, ...) run for every event.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the prune filter.
type Filter struct {
	Interpolate     bool
	WhitelistNames  []string
	BlacklistNames  []string
	WhitelistValues plugin.Hash
	BlacklistValues plugin.Hash

	whiteNames, blackNames []*pattern
	whiteValues            []valueRule
	blackValues            []valueRule

	mu    sync.Mutex
	cache map[string]*regexp.Regexp
}

// pattern is a regular expression, compiled once or, with interpolate and
// a %{} reference, per event.
type pattern struct {
	re   *regexp.Regexp
	tmpl *event.Template
}

type valueRule struct {
	field *event.Template // field name; static unless interpolate
	name  string
	re    *pattern
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Bool(&f.Interpolate, "interpolate",
		"Resolve `%{field}` references in names and regular expressions for each event.").Default(false)
	s.Strings(&f.WhitelistNames, "whitelist_names",
		"Regular expressions: keep only the top-level fields whose name matches one of them.").
		Example(`["^@timestamp$", "^message$", "^host"]`)
	s.Strings(&f.BlacklistNames, "blacklist_names",
		"Regular expressions: remove the top-level fields whose name matches one of them.").
		Default([]string{`%\{[^}]+\}`})
	s.Hash(&f.WhitelistValues, "whitelist_values",
		"Field name => regular expression: remove the listed fields whose value does not match "+
			"(array elements that do not match).").
		Example(`{ "level" => "^(ERROR|WARN)$" }`)
	s.Hash(&f.BlacklistValues, "blacklist_values",
		"Field name => regular expression: remove the listed fields whose value matches (array elements that match).").
		Example(`{ "user_agent" => "bot" }`)
}

const maxCache = 1000

// Init compiles the regular expressions.
func (f *Filter) Init(*plugin.Context) error {
	f.cache = map[string]*regexp.Regexp{}
	var err error
	if f.whiteNames, err = f.patterns("whitelist_names", f.WhitelistNames); err != nil {
		return err
	}
	if f.blackNames, err = f.patterns("blacklist_names", f.BlacklistNames); err != nil {
		return err
	}
	if f.whiteValues, err = f.rules("whitelist_values", f.WhitelistValues); err != nil {
		return err
	}
	f.blackValues, err = f.rules("blacklist_values", f.BlacklistValues)
	return err
}

func (f *Filter) patterns(setting string, list []string) ([]*pattern, error) {
	out := make([]*pattern, 0, len(list))
	for _, s := range list {
		p, err := f.pattern(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", setting, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (f *Filter) pattern(s string) (*pattern, error) {
	if f.Interpolate {
		t, err := event.ParseTemplate(s)
		if err != nil {
			return nil, err
		}
		if !t.IsStatic() {
			return &pattern{tmpl: t}, nil
		}
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, err
	}
	return &pattern{re: re}, nil
}

func (f *Filter) rules(setting string, h plugin.Hash) ([]valueRule, error) {
	var out []valueRule
	for _, entry := range h {
		var expr string
		switch v := entry.Value.(type) {
		case string:
			expr = v
		case []any:
			parts := make([]string, 0, len(v))
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("%s: %q: expected regular expressions, got %v", setting, entry.Key, x)
				}
				parts = append(parts, "(?:"+s+")")
			}
			expr = strings.Join(parts, "|")
		default:
			return nil, fmt.Errorf("%s: %q: expected a regular expression, got %v", setting, entry.Key, entry.Value)
		}
		p, err := f.pattern(expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", setting, entry.Key, err)
		}
		r := valueRule{name: entry.Key, re: p}
		if f.Interpolate {
			t, err := event.ParseTemplate(entry.Key)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", setting, entry.Key, err)
			}
			if !t.IsStatic() {
				r.field = t
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// regexp returns the pattern's expression for e; nil when an interpolated
// expression does not compile (it then matches nothing).
func (f *Filter) regexp(p *pattern, e *event.Event) *regexp.Regexp {
	if p.tmpl == nil {
		return p.re
	}
	src := p.tmpl.Render(e)
	f.mu.Lock()
	defer f.mu.Unlock()
	if re, ok := f.cache[src]; ok {
		return re
	}
	re, err := regexp.Compile(src)
	if err != nil {
		re = nil
	}
	if len(f.cache) >= maxCache {
		clear(f.cache)
	}
	f.cache[src] = re
	return re
}

func (f *Filter) anyMatch(list []*pattern, name string, e *event.Event) bool {
	for _, p := range list {
		if re := f.regexp(p, e); re != nil && re.MatchString(name) {
			return true
		}
	}
	return false
}

// removal is a field to remove, or, with keep set, the array elements of
// the field to keep.
type removal struct {
	name string
	keep []any
	part bool
}

// Filter prunes the event. It always counts as matched.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	fields := e.Fields()
	var remove []removal
	for name := range fields {
		if name == event.TimestampField || name == event.MetadataField {
			continue
		}
		if len(f.whiteNames) > 0 && !f.anyMatch(f.whiteNames, name, e) ||
			f.anyMatch(f.blackNames, name, e) {
			remove = append(remove, removal{name: name})
		}
	}
	remove = f.byValue(e, fields, f.whiteValues, true, remove)
	remove = f.byValue(e, fields, f.blackValues, false, remove)
	for _, r := range remove {
		if r.part {
			if _, ok := fields[r.name]; ok {
				fields[r.name] = r.keep
			}
			continue
		}
		delete(fields, r.name)
	}
	return true
}

func (f *Filter) byValue(e *event.Event, fields map[string]any, rules []valueRule, white bool, remove []removal) []removal {
	var buf []byte
	for _, r := range rules {
		name := r.name
		if r.field != nil {
			name = r.field.Render(e)
		}
		if name == event.TimestampField || name == event.MetadataField {
			continue
		}
		v, ok := fields[name]
		if !ok || v == nil {
			continue
		}
		re := f.regexp(r.re, e)
		if re == nil {
			continue
		}
		drop := func(x any) (bool, bool) { // drop?, testable?
			switch x.(type) {
			case map[string]any, []any, nil:
				return false, false
			}
			buf = event.FormatValue(buf[:0], x)
			return re.Match(buf) != white, true
		}
		if arr, ok := v.([]any); ok {
			var keep []any
			dropped := 0
			for _, x := range arr {
				if d, _ := drop(x); d {
					dropped++
					continue
				}
				keep = append(keep, x)
			}
			switch {
			case dropped == 0:
			case dropped == len(arr):
				remove = append(remove, removal{name: name})
			default:
				remove = append(remove, removal{name: name, keep: keep, part: true})
			}
			continue
		}
		if d, _ := drop(v); d {
			remove = append(remove, removal{name: name})
		}
	}
	return remove
}
