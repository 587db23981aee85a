// Package kv is the kv filter: parses key=value pairs from text.
package kv

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "kv",
		Summary: "Parses key=value pairs (query strings, logfmt-like lines) into fields.",
		Description: `Finds ` + "`key=value`" + ` pairs in ` + "`source`" + ` and stores them at the root of the event or
under ` + "`target`" + `. Pairs are separated by any character of ` + "`field_split`" + ` (or matches of
` + "`field_split_pattern`" + `); keys and values by any character of ` + "`value_split`" + ` (or
` + "`value_split_pattern`" + `). Values in double or single quotes, and with
` + "`include_brackets`" + ` in ` + "`()`" + `, ` + "`[]`" + ` or ` + "`<>`" + `, may contain separators; the quotes or
brackets are removed. Tokens without a value separator are skipped. A key seen
twice gets an array of values.

A backslash escapes the next character (` + "`a=x\\ y`" + ` keeps the space; the backslash
stays in the value). With ` + "`whitespace => lenient`" + ` spaces may surround the value
separator (` + "`key = value`" + `); other blanks belong to keys and values, as in Logstash
(` + "`a=1, b=2`" + ` with ` + "`field_split => \",\"`" + ` gives the key ` + "`\" b\"`" + `: add ` + "`trim_key => \" \"`" + `).

Keys are cleaned in this order: ` + "`trim_key`" + `, ` + "`remove_char_key`" + `, ` + "`transform_key`" + `, then
` + "`include_keys`" + ` / ` + "`exclude_keys`" + ` are checked, then ` + "`prefix`" + ` is added (` + "`prefix`" + `, ` + "`include_keys`" + ` and ` + "`exclude_keys`" + ` may use
` + "`%{field}`" + `). ` + "`trim_*`" + ` and ` + "`remove_char_*`" + ` are the body of a regular-expression character
class, as in Logstash (` + "`<>\\[\\],`" + `, ` + "`a-z`" + `). Values get
` + "`trim_value`" + `, ` + "`remove_char_value`" + ` and ` + "`transform_value`" + `. With ` + "`recursive`" + `, a value that
itself holds pairs becomes an object.

A missing or null source is left alone; an array source is parsed element by
element. When no pair is found (and no ` + "`default_keys`" + ` apply) the filter does not
count as matched. Parsing is linear in the input (no backtracking), and
` + "`timeout_millis`" + ` bounds the time spent on one event: on timeout nothing is stored
and the event is tagged with ` + "`tag_on_timeout`" + `.

Differences from Logstash: the scanner is hand-written rather than one regular
expression, so some odd inputs split differently (a quoted value is only taken
as quoted when a separator or the end follows its closing quote); keys that are
not valid field references are stored as literal top-level names.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the kv filter.
type Filter struct {
	Source               event.Ref
	Target               event.Ref
	FieldSplit           string
	ValueSplit           string
	FieldSplitPattern    string
	ValueSplitPattern    string
	IncludeKeys          []string
	ExcludeKeys          []string
	Prefix               string
	TrimKey              string
	TrimValue            string
	RemoveCharKey        string
	RemoveCharValue      string
	IncludeBrackets      bool
	AllowDuplicateValues bool
	AllowEmptyValues     bool
	Recursive            bool
	TransformKey         string
	TransformValue       string
	DefaultKeys          plugin.Hash
	Whitespace           string
	TagOnFailure         []string
	TagOnTimeout         []string
	TimeoutMillis        int

	fieldSplit, valueSplit splitter
	strict                 bool
	trimKey, trimValue     charClass
	rmKey, rmValue         charClass
	// dynamic is set when prefix, include_keys or exclude_keys hold
	// %{field} references, rendered per event.
	dynamic                bool
	static                 keySettings
	prefixTpl              *event.Template
	includeTpl, excludeTpl []*event.Template
	timeout                time.Duration
	logger                 *slog.Logger
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

var transforms = []string{"lowercase", "uppercase", "capitalize"}

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source", "Field holding the text to parse.").Default("message")
	s.FieldRef(&f.Target, "target", "Field that receives the pairs as an object (replaced if it exists). Without it, pairs go to the root of the event.").
		Example(`"[kv]"`)
	s.String(&f.FieldSplit, "field_split", "Characters that separate pairs; each one is a separator (`&?` splits at & and at ?).").Default(" ")
	s.String(&f.ValueSplit, "value_split", "Characters that separate a key from its value; each one is a separator.").Default("=")
	s.String(&f.FieldSplitPattern, "field_split_pattern", "Regular expression separating pairs; overrides `field_split`.").Example(`"\\+\\+"`)
	s.String(&f.ValueSplitPattern, "value_split_pattern", "Regular expression separating keys from values; overrides `value_split`.").Example(`":+"`)
	s.Strings(&f.IncludeKeys, "include_keys", "Keep only these keys (compared before `prefix` is added).").Default([]string{})
	s.Strings(&f.ExcludeKeys, "exclude_keys", "Drop these keys (compared before `prefix` is added).").Default([]string{})
	s.String(&f.Prefix, "prefix", "Text put before every key.").Default("")
	s.String(&f.TrimKey, "trim_key", "Characters removed from the start and end of keys: the body of a regular-expression character class.").Example(`"<>\\[\\],"`)
	s.String(&f.TrimValue, "trim_value", "Characters removed from the start and end of values.").Example(`"<>\\[\\],"`)
	s.String(&f.RemoveCharKey, "remove_char_key", "Characters removed anywhere in keys.").Example(`"<>\\[\\],"`)
	s.String(&f.RemoveCharValue, "remove_char_value", "Characters removed anywhere in values.").Example(`"<>\\[\\],"`)
	s.Bool(&f.IncludeBrackets, "include_brackets", "Treat values enclosed in (), [] or <> like quoted values: they may hold separators, and the brackets are removed.").Default(true)
	s.Bool(&f.AllowDuplicateValues, "allow_duplicate_values", "Keep a key/value pair seen twice twice; when false, identical pairs are kept once.").Default(true)
	s.Bool(&f.AllowEmptyValues, "allow_empty_values", "Keep keys whose value is empty (as an empty string).").Default(false)
	s.Bool(&f.Recursive, "recursive", "Parse values that themselves hold key=value pairs into objects.").Default(false)
	s.String(&f.TransformKey, "transform_key", "Change the case of keys.").Enum(transforms...)
	s.String(&f.TransformValue, "transform_value", "Change the case of values.").Enum(transforms...)
	s.Hash(&f.DefaultKeys, "default_keys", "Keys and values added when the text does not contain them.").Example(`{ "from" => "logstash@example.com" }`)
	s.String(&f.Whitespace, "whitespace", "`lenient` ignores blanks around the value separator; `strict` does not.").
		Default("lenient").Enum("lenient", "strict")
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when the pairs cannot be stored.").Default([]string{"_kv_filter_error"})
	s.Strings(&f.TagOnTimeout, "tag_on_timeout", "Tags added when parsing one event takes longer than `timeout_millis`.").Default([]string{"_kv_filter_timeout"})
	s.Int(&f.TimeoutMillis, "timeout_millis", "Time limit for parsing one event, in milliseconds; 0 disables the limit.").Default(30000)
}

// Init prepares the separators.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	var err error
	if f.fieldSplit, err = newSplitter("field_split", f.FieldSplit, f.FieldSplitPattern); err != nil {
		return err
	}
	if f.valueSplit, err = newSplitter("value_split", f.ValueSplit, f.ValueSplitPattern); err != nil {
		return err
	}
	f.strict = f.Whitespace == "strict"
	for _, c := range []struct {
		dst        *charClass
		name, body string
	}{
		{&f.trimKey, "trim_key", f.TrimKey}, {&f.trimValue, "trim_value", f.TrimValue},
		{&f.rmKey, "remove_char_key", f.RemoveCharKey}, {&f.rmValue, "remove_char_value", f.RemoveCharValue},
	} {
		if *c.dst, err = newCharClass(c.name, c.body); err != nil {
			return err
		}
	}
	if f.prefixTpl, err = event.ParseTemplate(f.Prefix); err != nil {
		return fmt.Errorf("prefix: %w", err)
	}
	f.dynamic = !f.prefixTpl.IsStatic()
	for _, l := range []struct {
		dst  *[]*event.Template
		name string
		keys []string
	}{{&f.includeTpl, "include_keys", f.IncludeKeys}, {&f.excludeTpl, "exclude_keys", f.ExcludeKeys}} {
		for _, k := range l.keys {
			tpl, err := event.ParseTemplate(k)
			if err != nil {
				return fmt.Errorf("%s: %w", l.name, err)
			}
			f.dynamic = f.dynamic || !tpl.IsStatic()
			*l.dst = append(*l.dst, tpl)
		}
	}
	if f.TimeoutMillis < 0 {
		return fmt.Errorf("timeout_millis must not be negative")
	}
	f.timeout = time.Duration(f.TimeoutMillis) * time.Millisecond
	f.static = keySettings{prefix: f.Prefix, include: f.IncludeKeys, exclude: f.ExcludeKeys}
	return nil
}

func newSplitter(name, chars, pattern string) (splitter, error) {
	if pattern != "" {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return splitter{}, fmt.Errorf("%s_pattern: %w", name, err)
		}
		if re.MatchString("") {
			return splitter{}, fmt.Errorf("%s_pattern %q matches empty text; it must match at least one character", name, pattern)
		}
		return splitter{re: re}, nil
	}
	c := charSet(chars)
	if c == "" {
		return splitter{}, fmt.Errorf("%s must not be empty", name)
	}
	return splitter{chars: c}, nil
}

// keySettings are prefix, include_keys and exclude_keys as they apply to
// one event.
type keySettings struct {
	prefix           string
	include, exclude []string
}

func (f *Filter) renderKeys(e *event.Event) *keySettings {
	ks := &keySettings{prefix: f.prefixTpl.Render(e)}
	for _, t := range f.includeTpl {
		ks.include = append(ks.include, t.Render(e))
	}
	for _, t := range f.excludeTpl {
		ks.exclude = append(ks.exclude, t.Render(e))
	}
	return ks
}

// errTimeout stops a parse that ran out of time.
type timeoutError struct{}

func (timeoutError) Error() string { return "timed out" }

// Filter parses the source; it returns false when nothing was found.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.Source)
	if !ok || v == nil {
		return false
	}
	var deadline time.Time
	if f.timeout > 0 {
		deadline = time.Now().Add(f.timeout)
	}
	ks := &f.static
	if f.dynamic {
		ks = f.renderKeys(e)
	}
	var kv orderedMap
	switch x := v.(type) {
	case string:
		if err := f.parseInto(&kv, x, ks, deadline, 0); err != nil {
			f.timedOut(e)
			return false
		}
	case []any:
		for _, el := range x {
			s, ok := el.(string)
			if !ok {
				continue
			}
			if err := f.parseInto(&kv, s, ks, deadline, 0); err != nil {
				f.timedOut(e)
				return false
			}
		}
	default:
		f.debug("kv: source is not text", "field", f.Source.String(), "type", event.TypeName(v))
		return false
	}
	for _, d := range f.DefaultKeys {
		if !kv.has(d.Key) {
			kv.set(d.Key, hashValue(d.Value))
		}
	}
	if kv.len() == 0 {
		return false
	}
	if !f.Target.IsZero() {
		if err := e.Set(f.Target, kv.toMap()); err != nil {
			f.failed(e, err)
			return false
		}
		return true
	}
	for i, k := range kv.keys {
		if err := e.SetField(k, kv.values[i]); err != nil {
			// Not a valid field reference: keep the key as written.
			e.Fields()[k] = kv.values[i]
		}
	}
	return true
}

// hashValue converts a default_keys value to an event value.
func hashValue(v any) any {
	if h, ok := v.(plugin.Hash); ok {
		m := make(map[string]any, len(h))
		for _, ent := range h {
			m[ent.Key] = hashValue(ent.Value)
		}
		return m
	}
	return v
}

const maxDepth = 8

// parseInto adds the pairs of s to kv.
func (f *Filter) parseInto(kv *orderedMap, s string, ks *keySettings, deadline time.Time, depth int) error {
	var err error
	n := 0
	f.scan(s, func(key, value string) bool {
		n++
		if n%64 == 0 && !deadline.IsZero() && time.Now().After(deadline) {
			err = timeoutError{}
			return false
		}
		key = f.trimKey.trimString(key)
		key = f.rmKey.removeString(key)
		key = transform(key, f.TransformKey)
		if key == "" {
			return true
		}
		if len(ks.include) > 0 && !slices.Contains(ks.include, key) {
			return true
		}
		if slices.Contains(ks.exclude, key) {
			return true
		}
		key = ks.prefix + key
		value = f.trimValue.trimString(value)
		value = f.rmValue.removeString(value)
		value = transform(value, f.TransformValue)
		if value == "" && !f.AllowEmptyValues {
			return true
		}
		var val any = value
		if f.Recursive && depth < maxDepth && f.hasValueSplit(value) {
			var inner orderedMap
			if err = f.parseInto(&inner, value, ks, deadline, depth+1); err != nil {
				return false
			}
			if inner.len() > 0 {
				val = inner.toMap()
			}
		}
		kv.add(key, val, f.AllowDuplicateValues)
		return true
	})
	return err
}

func (f *Filter) hasValueSplit(s string) bool {
	i, _ := f.valueSplit.next(s, 0)
	return i >= 0
}

func (f *Filter) timedOut(e *event.Event) {
	for _, t := range f.TagOnTimeout {
		e.AddTag(t)
	}
	f.log().Warn("kv: parsing took longer than timeout_millis; event left unchanged", "field", f.Source.String(), "timeout_millis", f.TimeoutMillis)
}

func (f *Filter) failed(e *event.Event, err error) {
	for _, t := range f.TagOnFailure {
		e.AddTag(t)
	}
	f.log().Warn("kv: cannot store the parsed pairs", "target", f.Target.String(), "error", err)
}

func (f *Filter) log() *slog.Logger {
	if f.logger == nil {
		return slog.Default()
	}
	return f.logger
}

func (f *Filter) debug(msg string, args ...any) {
	if l := f.log(); l.Enabled(context.Background(), slog.LevelDebug) {
		l.Debug(msg, args...)
	}
}

// orderedMap keeps keys in the order found, so that fields are set in
// text order (a later [a][b] after a, as Logstash would).
type orderedMap struct {
	keys   []string
	values []any
	idx    map[string]int // built once there are many keys
}

func (m *orderedMap) len() int { return len(m.keys) }

func (m *orderedMap) index(k string) int {
	if m.idx != nil {
		if i, ok := m.idx[k]; ok {
			return i
		}
		return -1
	}
	return slices.Index(m.keys, k)
}

// push appends a new key.
func (m *orderedMap) push(k string, v any) {
	m.keys = append(m.keys, k)
	m.values = append(m.values, v)
	if m.idx != nil {
		m.idx[k] = len(m.keys) - 1
	} else if len(m.keys) > 16 {
		m.idx = make(map[string]int, 2*len(m.keys))
		for i, key := range m.keys {
			m.idx[key] = i
		}
	}
}

func (m *orderedMap) has(k string) bool { return m.index(k) >= 0 }

func (m *orderedMap) set(k string, v any) {
	if i := m.index(k); i >= 0 {
		m.values[i] = v
		return
	}
	m.push(k, v)
}

// add stores v under k; a second value turns the entry into an array.
func (m *orderedMap) add(k string, v any, allowDup bool) {
	i := m.index(k)
	if i < 0 {
		m.push(k, v)
		return
	}
	cur := m.values[i]
	arr, isArr := cur.([]any)
	if !isArr {
		arr = []any{cur}
	}
	if !allowDup {
		for _, x := range arr {
			if s1, ok := x.(string); ok {
				if s2, ok := v.(string); ok && s1 == s2 {
					return
				}
			}
		}
	}
	m.values[i] = append(arr, v)
}

func (m *orderedMap) toMap() map[string]any {
	out := make(map[string]any, len(m.keys))
	for i, k := range m.keys {
		out[k] = m.values[i]
	}
	return out
}
