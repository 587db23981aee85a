// Package uuid is the uuid filter: adds a random UUID to events.
package uuid

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "uuid",
		Summary: "Adds a random UUID (version 4) to events.",
		Description: `Stores a random version 4 UUID, such as ` + "`0b7e1c9a-3f47-4b6e-9c2d-5a4e8f1d2c3b`" + `, in
` + "`target`" + `. The randomness comes from the operating system's secure
generator. Useful as a document id that stays the same when an output
retries.

An existing, non-null ` + "`target`" + ` is left alone unless ` + "`overwrite`" + ` is set. The
common options (` + "`add_field`" + `, ` + "`add_tag`" + `, ...) run for every event, as in Logstash.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the uuid filter.
type Filter struct {
	Target    event.Ref
	Overwrite bool
}

var _ plugin.Filter = (*Filter)(nil)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Target, "target", "Field that receives the UUID.").Required().Example(`"[@metadata][uuid]"`)
	s.Bool(&f.Overwrite, "overwrite", "Replace the target when it already holds a value.").Default(false)
}

// Filter sets the UUID. It always counts as matched.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if !f.Overwrite {
		if v, ok := e.Get(f.Target); ok && v != nil {
			return true
		}
	}
	_ = e.Set(f.Target, New()) // a target through a non-object stays as it was
	return true
}

// New returns a random version 4 UUID in its canonical text form.
func New() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
