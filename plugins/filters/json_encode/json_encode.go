// Package json_encode is the json_encode filter: serialises a field to
// JSON text.
package json_encode

import (
	_ "embed"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "json_encode",
		Summary: "Serialises a field's value to JSON text.",
		Description: `Writes the value of ` + "`source`" + ` (an object, an array or a scalar) as JSON text into
` + "`target`" + `, or back into ` + "`source`" + ` when no target is set. Timestamps become ISO 8601
strings; NaN and infinities, which JSON cannot hold, become ` + "`null`" + `.

When ` + "`target`" + ` cannot be set (its parent is a string, say), the event is tagged
` + "`_jsonencodefailure`" + ` and the filter counts as not matched.

Difference from Logstash: an event without the source field is left alone (the filter
does not match) instead of getting the text ` + "`null`" + ` in the target.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the json_encode filter.
type Filter struct {
	Source event.Ref
	Target event.Ref
}

var _ plugin.Filter = (*Filter)(nil)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source", "Field whose value is encoded.").Required().Example(`"[request][headers]"`)
	s.FieldRef(&f.Target, "target", "Field that receives the JSON text. Defaults to the source field (overwritten).").
		Example(`"[request][headers_json]"`)
}

// Filter encodes the source; it returns false when the source is missing
// or the target cannot be set.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.Source)
	if !ok {
		return false
	}
	target := f.Target
	if target.IsZero() {
		target = f.Source
	}
	if err := e.Set(target, string(event.AppendJSONValue(nil, v))); err != nil {
		e.AddTag("_jsonencodefailure")
		return false
	}
	return true
}
