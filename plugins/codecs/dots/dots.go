// Package dots is the dots codec: one "." per event, for watching
// throughput on a console.
package dots

import (
	_ "embed"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindCodec,
		Name:    "dots",
		Summary: "Writes one dot per event, without newlines.",
		Description: "Encoding writes a single `.` for each event and nothing else, to watch events flow. " +
			"It is meant for outputs; on an input (which Logstash rejects at run time) the data is read as lines " +
			"and a warning is logged.",
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the dots codec.
type Codec struct{}

var _ plugin.Codec = (*Codec)(nil)

// Settings declares no settings of its own.
func (*Codec) Settings(*plugin.Settings) {}

// NewDecoder returns a line decoder (dots cannot decode).
func (*Codec) NewDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	return codecutil.EncodeOnlyDecoder("dots", opts)
}

// Encode appends a dot.
func (*Codec) Encode(dst []byte, _ *event.Event) ([]byte, error) { return append(dst, '.'), nil }
