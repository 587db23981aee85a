// Package dissect is the dissect filter: splits text into fields by the
// delimiters between %{...} sections, without regular expressions.
package dissect

import (
	_ "embed"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "dissect",
		Summary: "Splits text into fields by the delimiters of a pattern; no regular expressions.",
		Description: `Each ` + "`mapping`" + ` entry names a source field and a pattern of ` + "`%{...}`" + ` sections
separated by delimiters. Reading left to right, each section takes the text up to
the next occurrence of the delimiter that follows it; the last section takes the
rest of the line. Text before the first section must match literally.

| Section | Meaning |
|---|---|
| ` + "`%{name}`" + `, ` + "`%{[a][b]}`" + ` | store the text in the field |
| ` + "`%{}`" + `, ` + "`%{?name}`" + ` | skip the text (a named skip can be used as a key by ` + "`&`" + `) |
| ` + "`%{+name}`" + `, ` + "`%{+name/2}`" + ` | append to ` + "`name`" + ` (also to a value the event already holds), joined by the delimiter before the section (a space for the first section); ` + "`/N`" + ` orders the parts |
| ` + "`%{&name}`" + ` | store the text in the field named by the value of ` + "`name`" + ` (` + "`%{?k}=%{&k}`" + `) |
| ` + "`%{name->}`" + ` | after this section, skip repeats of the following delimiter (padding) |

Fields whose text is empty are set to the empty string. A line that does not fit
the pattern leaves the event unchanged and tags it with ` + "`tag_on_failure`" + `. A
missing, null or empty source field is left alone. ` + "`convert_datatype`" + ` then turns
fields into ` + "`int`" + ` (64 bits; ` + "`12.7`" + ` becomes 12) or ` + "`float`" + `; a value that is not a number
stays as text and the event is tagged ` + "`_dataconversionuncoercible_<field>_<type>`" + `, a
missing field ` + "`_dataconversionnullvalue_<field>_<type>`" + `, as in Logstash. Conversions
run after every mapping, and also without any mapping.

Differences from Logstash: two sections with no delimiter between them are a
configuration error rather than an ambiguous split; text before the first
section must match (Logstash skips that many characters without comparing).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the dissect filter.
type Filter struct {
	Mapping         plugin.Hash
	ConvertDatatype plugin.Hash
	TagOnFailure    []string

	mappings []mapping
	converts []conversion
	logger   *slog.Logger
}

type mapping struct {
	source event.Ref
	d      *dissector
}

type conversion struct {
	field event.Ref
	float bool
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Hash(&f.Mapping, "mapping", "Source field => dissect pattern. Every entry is applied in order.").
		Example(`{ "message" => "%{ts} %{+ts} %{+ts} %{src} %{prog}[%{pid}]: %{msg}" }`)
	s.Hash(&f.ConvertDatatype, "convert_datatype",
		"Field => `int` or `float`: converts fields after dissection (also fields set by other filters).").
		Example(`{ "pid" => "int" "elapsed" => "float" }`)
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when a source field does not fit its pattern.").
		Default([]string{"_dissectfailure"})
}

// Init compiles the patterns.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	for _, ent := range f.Mapping {
		src, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		p, ok := ent.Value.(string)
		if !ok {
			return fmt.Errorf("mapping %q: the pattern must be a string", ent.Key)
		}
		d, err := compile(p)
		if err != nil {
			return fmt.Errorf("mapping %q: %w", ent.Key, err)
		}
		f.mappings = append(f.mappings, mapping{src, d})
	}
	for _, ent := range f.ConvertDatatype {
		ref, err := event.ParseRef(ent.Key)
		if err != nil {
			return fmt.Errorf("convert_datatype: %w", err)
		}
		switch ent.Value {
		case "int":
			f.converts = append(f.converts, conversion{ref, false})
		case "float":
			f.converts = append(f.converts, conversion{ref, true})
		default:
			return fmt.Errorf("convert_datatype %q: type %v is not int or float", ent.Key, ent.Value)
		}
	}
	if len(f.mappings) == 0 && len(f.converts) == 0 {
		return fmt.Errorf("set mapping (or convert_datatype): the filter has nothing to do")
	}
	return nil
}

// Filter dissects every mapped field; it returns false when a field did
// not fit its pattern or nothing was dissected.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	var (
		buf             [16]capture
		applied, failed bool
	)
	lookup := func(name string) (string, bool) {
		v, ok := e.GetField(name)
		if !ok || v == nil {
			return "", false
		}
		return event.ValueString(v), true
	}
	for i := range f.mappings {
		m := &f.mappings[i]
		v, ok := e.Get(m.source)
		if !ok || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			s = event.ValueString(v)
		}
		if s == "" {
			continue
		}
		caps, ok := m.d.dissect(buf[:0], s, lookup)
		if !ok {
			f.fail(e, m, s, "text does not fit the pattern")
			failed = true
			continue
		}
		for _, c := range caps {
			val := c.value
			if c.onto {
				if old, ok := e.GetField(c.key); ok && old != nil {
					val = event.ValueString(old) + c.joiner + val
				}
			}
			if err := e.SetField(c.key, val); err != nil {
				f.fail(e, m, s, err.Error())
				failed = true
				break
			}
		}
		applied = true
	}
	if failed {
		return false
	}
	if len(f.mappings) > 0 && !applied {
		return false
	}
	for _, c := range f.converts {
		f.convert(e, c)
	}
	return true
}

// convert converts one field, tagging the event as Logstash does when the
// field is missing (_dataconversionnullvalue_<field>_<type>) or not a
// number (_dataconversionuncoercible_<field>_<type>).
func (f *Filter) convert(e *event.Event, c conversion) {
	typ := "int"
	if c.float {
		typ = "float"
	}
	v, ok := e.Get(c.field)
	if !ok || v == nil {
		e.AddTag("_dataconversionnullvalue_" + c.field.String() + "_" + typ)
		return
	}
	var t string
	switch x := v.(type) {
	case string:
		t = strings.TrimSpace(x)
	case int64:
		if c.float {
			_ = e.Set(c.field, float64(x))
		}
		return
	case float64:
		if !c.float && !math.IsNaN(x) && math.Abs(x) < 1<<63 {
			_ = e.Set(c.field, int64(x))
		}
		return
	default:
		t = event.ValueString(v)
	}
	var out any
	x, err := strconv.ParseFloat(t, 64)
	switch {
	case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
		e.AddTag("_dataconversionuncoercible_" + c.field.String() + "_" + typ)
		f.log().Warn("dissect: value cannot be converted", "field", c.field.String(), "type", typ, "value", clip(t))
		return
	case c.float:
		out = x
	default:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			if math.Abs(x) >= 1<<63 {
				e.AddTag("_dataconversionuncoercible_" + c.field.String() + "_" + typ)
				f.log().Warn("dissect: value out of the int range", "field", c.field.String(), "value", clip(t))
				return
			}
			n = int64(x) // "12.7" is 12, as in Logstash
		}
		out = n
	}
	_ = e.Set(c.field, out)
}

func (f *Filter) fail(e *event.Event, m *mapping, s, why string) {
	for _, t := range f.TagOnFailure {
		e.AddTag(t)
	}
	f.log().Debug("dissect failed", "field", m.source.String(), "pattern", clip(m.d.pattern), "value", clip(s), "reason", why)
}

func (f *Filter) log() *slog.Logger {
	if f.logger == nil {
		return slog.Default()
	}
	return f.logger
}
