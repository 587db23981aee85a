// Package truncate is the truncate filter: shortens long strings to a
// number of bytes.
package truncate

import (
	_ "embed"
	"fmt"
	"unicode/utf8"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "truncate",
		Summary: "Shortens strings longer than a number of bytes.",
		Description: `Cuts strings longer than ` + "`length_bytes`" + ` bytes down to at most that many bytes.
The cut never splits a UTF-8 character: a character that does not fit whole
is dropped, so the result can be up to three bytes shorter than the limit.

Without ` + "`fields`" + `, every string of the event is truncated (not ` + "`@metadata`" + `).
A field holding an array has each string in it truncated; a field holding an
object has every string inside it truncated, at any depth. Numbers, booleans
and timestamps are left alone, as are missing fields. The common options
(` + "`add_field`" + `, ` + "`add_tag`" + `, ...) run for every event, as in Logstash.

Difference from Logstash: Logstash's documentation allows a cut to leave
invalid UTF-8 at the end of up to six bytes; here the result is always valid
UTF-8 when the input was.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the truncate filter.
type Filter struct {
	Fields      []string
	LengthBytes int

	refs []event.Ref
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Strings(&f.Fields, "fields",
		"Fields to truncate. Without it, every string in the event is truncated.").
		Example(`["message", "[http][request][body][content]"]`)
	s.Int(&f.LengthBytes, "length_bytes", "Maximum length of a string, in bytes.").Required().Example("1024")
}

// Init parses the field references.
func (f *Filter) Init(*plugin.Context) error {
	if f.LengthBytes < 0 {
		return fmt.Errorf("length_bytes must not be negative, got %d", f.LengthBytes)
	}
	for _, name := range f.Fields {
		r, err := event.ParseRef(name)
		if err != nil {
			return fmt.Errorf("fields: %w", err)
		}
		f.refs = append(f.refs, r)
	}
	return nil
}

// Filter truncates the strings. It always counts as matched.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if len(f.refs) == 0 {
		fields := e.Fields()
		for k, v := range fields {
			if k == event.MetadataField {
				continue
			}
			if nv, changed := f.truncate(v); changed {
				fields[k] = nv
			}
		}
		return true
	}
	for _, r := range f.refs {
		v, ok := e.Get(r)
		if !ok {
			continue
		}
		if nv, changed := f.truncate(v); changed {
			_ = e.Set(r, nv) // the field exists, so setting it cannot fail
		}
	}
	return true
}

// truncate returns v with its strings truncated; containers are changed in
// place and reported unchanged.
func (f *Filter) truncate(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		if len(x) <= f.LengthBytes {
			return x, false
		}
		return Cut(x, f.LengthBytes), true
	case []any:
		for i, item := range x {
			if nv, changed := f.truncate(item); changed {
				x[i] = nv
			}
		}
	case map[string]any:
		for k, item := range x {
			if nv, changed := f.truncate(item); changed {
				x[k] = nv
			}
		}
	}
	return v, false
}

// Cut returns the longest prefix of s that has at most n bytes and does not
// end inside a UTF-8 character.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	// s[n] is the first byte dropped; when it continues a character, drop
	// that character's first bytes too (at most UTFMax-1 of them, so that
	// invalid input cannot make the cut walk far back).
	i := n
	for back := 0; back < utf8.UTFMax-1 && i > 0 && !utf8.RuneStart(s[i]); back++ {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		return s[:n] // invalid UTF-8: cut at the byte
	}
	return s[:i]
}
