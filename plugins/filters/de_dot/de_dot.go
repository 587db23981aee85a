// Package de_dot is the de_dot filter: renames fields whose names hold dots.
package de_dot

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
		Name:    "de_dot",
		Summary: "Renames top-level fields with dots in their names.",
		Description: `Renames top-level fields whose names contain a dot (` + "`a.b`" + `), which some stores
reject: with ` + "`nested => false`" + ` the dots become ` + "`separator`" + ` (` + "`a_b`" + `); with ` + "`nested => true`" + `
the name becomes a path (` + "`[a][b]`" + `). A renamed field replaces one of the new name.
` + "`fields`" + ` limits the renaming to the listed top-level names. It returns not matched when
nothing was renamed.

Difference from Logstash: only top-level names are looked at (not keys inside objects).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the de_dot filter.
type Filter struct {
	Fields    []string
	Nested    bool
	Separator string
}

var _ plugin.Filter = (*Filter)(nil)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Strings(&f.Fields, "fields", "Top-level field names to rename. Empty: every field with a dot.").Example(`["kubernetes.labels.app"]`)
	s.Bool(&f.Nested, "nested", "Turn dotted names into nested fields instead of replacing the dots.").Default(false)
	s.String(&f.Separator, "separator", "Replacement for each dot when nested is false.").Default("_")
}

// Filter renames; it returns false when no field had a dot.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	fields := e.Fields()
	var names []string
	if len(f.Fields) > 0 {
		for _, n := range f.Fields {
			n = strings.TrimSuffix(strings.TrimPrefix(n, "["), "]")
			if _, ok := fields[n]; ok && strings.Contains(n, ".") {
				names = append(names, n)
			}
		}
	} else {
		for n := range fields {
			if strings.Contains(n, ".") {
				names = append(names, n)
			}
		}
	}
	done := false
	for _, n := range names {
		v := fields[n]
		if f.Nested {
			parts := strings.Split(n, ".")
			for _, p := range parts {
				if p == "" {
					parts = nil
					break
				}
			}
			if parts == nil {
				continue
			}
			ref, err := event.ParseRef("[" + strings.Join(parts, "][") + "]")
			if err != nil {
				continue
			}
			delete(fields, n)
			if err := e.Set(ref, v); err != nil {
				fields[n] = v
				continue
			}
		} else {
			delete(fields, n)
			fields[strings.ReplaceAll(n, ".", f.Separator)] = v
		}
		done = true
	}
	return done
}
