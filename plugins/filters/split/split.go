// Package split is the split filter: one event per element of an array
// or per line of a text.
package split

import (
	_ "embed"
	"strings"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "split",
		Summary: "Splits an event into one event per array element or per line.",
		Description: `When ` + "`field`" + ` holds an array, makes one event per element; when it holds text,
makes one event per piece between ` + "`terminator`" + `s. Each new event is a copy of the
original with ` + "`target`" + ` (by default ` + "`field`" + ` itself) set to its piece; the new events
run through the filters after this one, and the original is dropped. Empty pieces
(empty strings, empty arrays, empty objects) make no event, as in Logstash.

Text with no terminator (a single piece) leaves the event as it is, and the filter
counts as not matched. A field holding something else (a number, an object) gets
the tag ` + "`_split_type_failure`" + ` and the event goes on unsplit.

Difference from Logstash: an event without the field is left alone instead of being
tagged ` + "`_split_type_failure`" + `.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the split filter.
type Filter struct {
	Field      event.Ref
	Target     event.Ref
	Terminator string
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Field, "field", "Field to split: an array, or text cut at `terminator`.").Default("message")
	s.FieldRef(&f.Target, "target", "Field that receives each piece. Defaults to `field`.").Example(`"line"`)
	s.String(&f.Terminator, "terminator", "Separator for text fields.").Default("\n")
}

// Init checks the terminator.
func (f *Filter) Init(*plugin.Context) error {
	if f.Terminator == "" {
		return errTerminator
	}
	if f.Target.IsZero() {
		f.Target = f.Field
	}
	return nil
}

type configError string

func (e configError) Error() string { return string(e) }

const errTerminator = configError("terminator must not be empty")

// Filter emits the pieces and cancels e; it returns false when there was
// nothing to split.
func (f *Filter) Filter(e *event.Event, emit func(*event.Event)) bool {
	v, ok := e.Get(f.Field)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			if isEmpty(el) {
				continue
			}
			f.emitPiece(e, el, emit)
		}
	case string:
		if !strings.Contains(x, f.Terminator) {
			return false
		}
		for piece := range strings.SplitSeq(x, f.Terminator) {
			if piece == "" {
				continue
			}
			f.emitPiece(e, piece, emit)
		}
	default:
		e.AddTag("_split_type_failure")
		return false
	}
	e.Cancel()
	return true
}

func (f *Filter) emitPiece(e *event.Event, piece any, emit func(*event.Event)) {
	c := e.Clone()
	if err := c.Set(f.Target, event.CloneValue(piece)); err != nil {
		c.AddTag("_split_type_failure")
	}
	emit(c)
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
