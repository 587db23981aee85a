// Package urldecode is the urldecode filter: decodes %XX escapes.
package urldecode

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "urldecode",
		Summary: "Decodes URL-encoded (%XX) text in a field or in every field.",
		Description: `Replaces each ` + "`%XX`" + ` escape in ` + "`field`" + ` (or, with ` + "`all_fields`" + `, in every top-level
field) by the byte it stands for. Strings inside arrays and objects are decoded too;
numbers, booleans and timestamps are left alone. A ` + "`%`" + ` not followed by two hex digits is
kept as it is, and ` + "`+`" + ` stays a plus sign (as in Logstash, which does not treat it as a
space).

The decoded bytes are read in ` + "`charset`" + `. When they are not valid text in it (a lone
` + "`%FF`" + ` in UTF-8), the field is left as it was and the event is tagged with
` + "`tag_on_failure`" + `; the filter then counts as not matched. A missing field is left alone.

Difference from Logstash: ` + "`charset`" + ` supports ` + "`UTF-8`" + ` and ` + "`ISO-8859-1`" + ` only.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the urldecode filter.
type Filter struct {
	Field        event.Ref
	AllFields    bool
	Charset      string
	TagOnFailure []string

	latin1 bool
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Field, "field", "Field to decode.").Default("message")
	s.Bool(&f.AllFields, "all_fields", "Decode every top-level field instead of `field`.").Default(false)
	s.String(&f.Charset, "charset", "Character set the decoded bytes are in.").
		Default("UTF-8").Enum("UTF-8", "ISO-8859-1")
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when a value does not decode.").
		Default([]string{"_urldecodefailure"})
}

// Init reads the charset.
func (f *Filter) Init(*plugin.Context) error {
	f.latin1 = f.Charset == "ISO-8859-1"
	return nil
}

// Filter decodes; it returns false when a value did not decode.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if f.AllFields {
		ok := true
		fields := e.Fields()
		for k, v := range fields {
			if k == event.TimestampField {
				continue
			}
			nv, good := f.decodeValue(v)
			if !good {
				ok = false
				continue
			}
			fields[k] = nv
		}
		if !ok {
			f.tag(e)
		}
		return ok
	}
	v, found := e.Get(f.Field)
	if !found {
		return false
	}
	nv, good := f.decodeValue(v)
	if !good {
		f.tag(e)
		return false
	}
	if err := e.Set(f.Field, nv); err != nil {
		f.tag(e)
		return false
	}
	return true
}

func (f *Filter) tag(e *event.Event) {
	for _, t := range f.TagOnFailure {
		e.AddTag(t)
	}
}

// decodeValue decodes strings in v, returning a new value (v itself is
// not changed, so a failure leaves the event as it was).
func (f *Filter) decodeValue(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return f.decode(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			nv, ok := f.decodeValue(el)
			if !ok {
				return v, false
			}
			out[i] = nv
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			nv, ok := f.decodeValue(el)
			if !ok {
				return v, false
			}
			out[k] = nv
		}
		return out, true
	}
	return v, true
}

func (f *Filter) decode(s string) (string, bool) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, c)
	}
	if f.latin1 {
		r := make([]rune, len(b))
		for j, c := range b {
			r[j] = rune(c)
		}
		return string(r), true
	}
	if !utf8.Valid(b) {
		return s, false
	}
	return string(b), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
