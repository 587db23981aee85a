// Package translate is the translate filter: looks values up in a
// dictionary.
package translate

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "translate",
		Summary: "Replaces a field's value by looking it up in a dictionary (inline, or a YAML, JSON or CSV file).",
		Description: `Looks the value of ` + "`source`" + ` up in a dictionary and stores the translation in
` + "`target`" + `. The dictionary is given inline (` + "`dictionary`" + `) or as a file
(` + "`dictionary_path`" + `: YAML or JSON mapping, or CSV with two columns, chosen by the
name's extension), not both. The file is checked every ` + "`refresh_interval`" + `
seconds and read again when it changed; a file that cannot be read then is
logged and the previous dictionary kept.

The value looked up is the source's text (numbers and booleans in their text
form; for an array, its first element). With ` + "`exact`" + ` (the default) the whole
value must equal a key, or with ` + "`regex`" + ` match a key as an (unanchored) regular
expression, tried in the dictionary's order. Without ` + "`exact`" + `, every occurrence of
a key inside the value is replaced by its translation (` + "`foofing`" + ` becomes
` + "`barfing`" + ` with ` + "`foo: bar`" + `). Translations can be objects or arrays (YAML, JSON).

On no match, ` + "`fallback`" + ` (which can hold ` + "`%{field}`" + ` references) is stored if set.
The filter matches, and the common options run, when a translation or the
fallback was stored. A missing source leaves the event alone. When ` + "`target`" + `
already exists it is left alone unless ` + "`override`" + ` is set; translating in place
(` + "`target`" + ` equal to ` + "`source`" + `, the default with ECS compatibility) always overwrites.

With ` + "`iterate_on`" + `, the field holds an array: when it is the ` + "`source`" + ` too, ` + "`target`" + `
gets an array of translations (the fallback or null where nothing matched);
otherwise each element is an object in which ` + "`source`" + ` is looked up and ` + "`target`" + `
set.

Differences from Logstash: regular expressions are Go's RE2 syntax; the file
is reloaded only when its modification time changed, whatever the interval.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the translate filter.
type Filter struct {
	Source           event.Ref
	Field            event.Ref
	Target           event.Ref
	Destination      event.Ref
	Dictionary       plugin.Hash
	DictionaryPath   string
	RefreshInterval  time.Duration
	RefreshBehaviour string
	Exact            bool
	Regex            bool
	Fallback         string
	Override         any
	IterateOn        event.Ref

	override bool
	inPlace  bool
	fallback *event.Template
	dict     atomic.Pointer[dict]
	logger   *slog.Logger

	fileMu      sync.Mutex
	fileMod     time.Time
	fileChecked atomic.Int64
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source", "Field whose value is looked up (required, or its old name `field`).").
		Example(`"[http][response][status_code]"`)
	s.FieldRef(&f.Field, "field", "Old name of `source`.").Deprecated("use `source`")
	s.FieldRef(&f.Target, "target",
		"Field that receives the translation. Default: the source itself with ECS compatibility, else `translation`.").
		Example(`"[http][response][status_text]"`)
	s.FieldRef(&f.Destination, "destination", "Old name of `target`.").Deprecated("use `target`")
	s.Hash(&f.Dictionary, "dictionary", "The dictionary: keys and their translations.").
		Example(`{ "200" => "OK" "404" => "Not Found" }`)
	s.Path(&f.DictionaryPath, "dictionary_path",
		"Dictionary file: `.yml`/`.yaml` or `.json` (a mapping) or `.csv` (two columns: key, translation).").
		Example(`"/etc/sluice/status_codes.yml"`)
	s.Seconds(&f.RefreshInterval, "refresh_interval",
		"How often to check `dictionary_path` for changes; 0: never.").Default(300 * time.Second)
	s.String(&f.RefreshBehaviour, "refresh_behaviour",
		"On reload, `merge` the file into the dictionary (entries gone from the file stay) or `replace` it.").
		Default("merge").Enum("merge", "replace")
	s.Bool(&f.Exact, "exact", "Translate the whole value; without it, translate every key found inside the value.").Default(true)
	s.Bool(&f.Regex, "regex", "Treat dictionary keys as regular expressions.").Default(false)
	s.String(&f.Fallback, "fallback", "Stored when nothing matched; can hold `%{field}` references.").Example(`"unknown"`)
	s.Any(&f.Override, "override",
		"Replace an existing target (`true`/`false`). Default: false, except when translating in place.")
	s.FieldRef(&f.IterateOn, "iterate_on",
		"Field holding an array to translate element by element (see the description).").Example(`"[users]"`)
}

// Init checks the settings and loads the dictionary.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.Source.IsZero() {
		f.Source = f.Field
	} else if !f.Field.IsZero() {
		return errors.New("set source or its old name field, not both")
	}
	if f.Source.IsZero() {
		return errors.New("source is required")
	}
	if f.Target.IsZero() {
		f.Target = f.Destination
	} else if !f.Destination.IsZero() {
		return errors.New("set target or its old name destination, not both")
	}
	if f.Target.IsZero() {
		if ctx.ECS() {
			f.Target = f.Source
		} else {
			f.Target = event.MustRef("translation")
		}
	}
	f.inPlace = f.Target.String() == f.Source.String()
	switch x := f.Override.(type) {
	case nil:
		f.override = f.inPlace
	case string:
		switch x {
		case "true":
			f.override = true
		case "false":
		default:
			return fmt.Errorf("override: expected true or false, got %q", x)
		}
	default:
		return fmt.Errorf("override: expected true or false, got %v", x)
	}
	if f.Fallback != "" {
		t, err := event.ParseTemplate(f.Fallback)
		if err != nil {
			return fmt.Errorf("fallback: %w", err)
		}
		f.fallback = t
	}
	if len(f.Dictionary) > 0 && f.DictionaryPath != "" {
		return errors.New("set dictionary or dictionary_path, not both")
	}
	if len(f.Dictionary) == 0 && f.DictionaryPath == "" {
		return errors.New("set dictionary or dictionary_path")
	}
	entries := fromHash(f.Dictionary)
	if f.DictionaryPath != "" {
		st, err := os.Stat(f.DictionaryPath)
		if err != nil {
			return fmt.Errorf("dictionary_path: %w", err)
		}
		if entries, err = readFile(f.DictionaryPath); err != nil {
			return fmt.Errorf("dictionary_path: %w", err)
		}
		f.fileMod = st.ModTime()
		f.fileChecked.Store(time.Now().UnixNano())
	}
	d, err := newDict(entries, f.Regex, f.Exact)
	if err != nil {
		return err
	}
	f.dict.Store(d)
	return nil
}

// refresh reloads dictionary_path when refresh_interval has passed and the
// file changed.
func (f *Filter) refresh() {
	now := time.Now().UnixNano()
	last := f.fileChecked.Load()
	if now-last < int64(f.RefreshInterval) || !f.fileChecked.CompareAndSwap(last, now) {
		return
	}
	f.fileMu.Lock()
	defer f.fileMu.Unlock()
	st, err := os.Stat(f.DictionaryPath)
	if err != nil {
		f.logger.Warn("cannot check dictionary_path, keeping the dictionary read before", "path", f.DictionaryPath, "error", err)
		return
	}
	if st.ModTime().Equal(f.fileMod) {
		return
	}
	entries, err := readFile(f.DictionaryPath)
	if err == nil {
		if f.RefreshBehaviour == "merge" {
			entries = merge(f.dict.Load(), entries)
		}
		var d *dict
		if d, err = newDict(entries, f.Regex, f.Exact); err == nil {
			f.dict.Store(d)
			f.fileMod = st.ModTime()
			f.logger.Info("reloaded dictionary_path", "path", f.DictionaryPath, "entries", len(d.entries))
			return
		}
	}
	f.logger.Warn("cannot reload dictionary_path, keeping the dictionary read before", "path", f.DictionaryPath, "error", err)
}

// Filter translates; it returns true when a translation or the fallback
// was stored.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if f.DictionaryPath != "" && f.RefreshInterval > 0 {
		f.refresh()
	}
	d := f.dict.Load()
	if !f.IterateOn.IsZero() {
		return f.iterate(e, d)
	}
	v, ok := e.Get(f.Source)
	if !ok || v == nil {
		return false
	}
	if !f.override {
		if _, exists := e.Get(f.Target); exists {
			return false
		}
	}
	out, ok := f.translate(d, v, e)
	if !ok {
		return false
	}
	return e.Set(f.Target, out) == nil
}

// translate looks v up, falling back to the fallback.
func (f *Filter) translate(d *dict, v any, e *event.Event) (any, bool) {
	if s, ok := text(v); ok {
		if out, ok := d.lookup(s, f.Exact, f.Regex); ok {
			return event.CloneValue(out), true
		}
	}
	if f.fallback != nil {
		return f.fallback.Render(e), true
	}
	return nil, false
}

func (f *Filter) iterate(e *event.Event, d *dict) bool {
	v, _ := e.Get(f.IterateOn)
	arr, ok := v.([]any)
	if !ok {
		return false
	}
	if f.IterateOn.String() == f.Source.String() {
		if !f.override {
			if _, exists := e.Get(f.Target); exists {
				return false
			}
		}
		out := make([]any, len(arr))
		done := false
		for i, item := range arr {
			if t, ok := f.translate(d, item, e); ok {
				out[i] = t
				done = true
			}
		}
		return done && e.Set(f.Target, out) == nil
	}
	done := false
	for _, item := range arr {
		obj, ok := item.(map[string]any)
		if !ok {
			continue
		}
		sv, ok := getPath(obj, f.Source.Path())
		if !ok || sv == nil {
			continue
		}
		if !f.override {
			if _, exists := getPath(obj, f.Target.Path()); exists {
				continue
			}
		}
		if t, ok := f.translate(d, sv, e); ok && setPath(obj, f.Target.Path(), t) {
			done = true
		}
	}
	return done
}

func getPath(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func setPath(m map[string]any, path []string, v any) bool {
	if len(path) == 0 {
		return false
	}
	for _, k := range path[:len(path)-1] {
		next, ok := m[k]
		if !ok {
			child := map[string]any{}
			m[k] = child
			m = child
			continue
		}
		if m, ok = next.(map[string]any); !ok {
			return false
		}
	}
	m[path[len(path)-1]] = v
	return true
}

// text is the text of a value for lookup; the first element of an array.
func text(v any) (string, bool) {
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return "", false
		}
		v = arr[0]
	}
	switch x := v.(type) {
	case string:
		return x, true
	case int64, float64, bool:
		return event.ValueString(x), true
	}
	return "", false
}

// lookup translates s.
func (d *dict) lookup(s string, exact, regex bool) (any, bool) {
	if exact {
		if !regex {
			i, ok := d.index[s]
			if !ok {
				return nil, false
			}
			return d.entries[i].value, true
		}
		for _, e := range d.entries {
			if e.re.MatchString(s) {
				return e.value, true
			}
		}
		return nil, false
	}
	if d.union == nil {
		return nil, false
	}
	matched := false
	out := d.union.ReplaceAllStringFunc(s, func(m string) string {
		var val any
		if regex {
			for _, e := range d.entries {
				if loc := e.re.FindStringIndex(m); loc != nil && loc[0] == 0 && loc[1] == len(m) {
					val = e.value
					break
				}
			}
		} else if i, ok := d.index[m]; ok {
			val = d.entries[i].value
		}
		if val == nil {
			return m
		}
		matched = true
		if s, ok := val.(string); ok {
			return s
		}
		return strings.TrimSpace(event.ValueString(val))
	})
	return out, matched
}
