// Package clone is the clone filter: duplicates events.
package clone

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
		Name:    "clone",
		Summary: "Duplicates each event, once per name in clones.",
		Description: `Makes one copy of the event for each name in ` + "`clones`" + `. The original goes on
unchanged; each copy is marked with its name: ` + "`type`" + ` is set to it when
` + "`ecs_compatibility => disabled`" + `, otherwise (ECS) the name is added to ` + "`tags`" + `.
Copies then run through the filters after this one, like any event, and are
delivered and acknowledged with their original. The common options (` + "`add_field`" + `,
` + "`add_tag`" + `, ...) apply to the original and to every copy.

An empty ` + "`clones`" + ` list makes no copies (a warning is logged at start-up).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the clone filter.
type Filter struct {
	Clones []string

	ecs bool
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Strings(&f.Clones, "clones",
		"One copy is made per name; the name goes into the copy's `type` (ECS disabled) or `tags` (ECS).").
		Required().Example(`["copy_for_archive"]`)
}

var typeRef = event.MustRef("type")

// Init reads the ECS mode and warns about an empty list.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.ecs = ctx.ECS()
	if len(f.Clones) == 0 && ctx.Logger != nil {
		ctx.Logger.Warn("clones is empty: no clones will be made")
	}
	return nil
}

// Filter emits the copies; it always applies.
func (f *Filter) Filter(e *event.Event, emit func(*event.Event)) bool {
	for _, name := range f.Clones {
		c := e.Clone()
		if f.ecs {
			c.AddTag(name)
		} else {
			_ = c.Set(typeRef, name)
		}
		emit(c)
	}
	return true
}
