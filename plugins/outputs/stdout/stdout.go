// Package stdout is the stdout output: it prints encoded events on the
// process's standard output.
package stdout

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindOutput,
		Name:    "stdout",
		Summary: "Prints events on standard output.",
		Description: "Prints each event on the standard output of the Sluice process, encoded by the codec " +
			"(`rubydebug` by default: a readable, multi-line rendering of every field). Handy to debug a pipeline; " +
			"`codec => json_lines` gives one JSON document per line for other programs.\n\n" +
			"Each batch is encoded first and written with a single write, so the output of concurrent " +
			"pipeline workers never interleaves. An event the codec cannot encode is reported in the log " +
			"and skipped.",
		Example: example,
		New:     func() plugin.Plugin { return &Output{} },
	})
}

// Output is the stdout output.
type Output struct {
	Codec plugin.Codec

	// W receives the output; nil means os.Stdout. Tests set it.
	W io.Writer

	logger *slog.Logger
	mu     sync.Mutex // serialises writes to W
	bufs   sync.Pool  // *[]byte
}

var (
	_ plugin.Output      = (*Output)(nil)
	_ plugin.Initializer = (*Output)(nil)
)

// Settings declares the codec.
func (o *Output) Settings(s *plugin.Settings) {
	s.Codec(&o.Codec, "codec", "How events are printed.").Default("rubydebug").Example("json_lines")
}

// Init picks the writer.
func (o *Output) Init(ctx *plugin.Context) error {
	o.logger = ctx.Logger
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.W == nil {
		o.W = os.Stdout
	}
	if o.Codec == nil {
		return fmt.Errorf("no codec")
	}
	return nil
}

// maxPooled keeps one huge batch from pinning its buffer forever.
const maxPooled = 4 << 20

// Write encodes the batch and writes it at once.
func (o *Output) Write(_ context.Context, events []*event.Event) error {
	bp, _ := o.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := (*bp)[:0]
	for _, e := range events {
		n := len(buf)
		var err error
		buf, err = o.Codec.Encode(buf, e)
		if err != nil {
			buf = buf[:n]
			o.logger.Error("stdout: cannot encode event; skipped", "error", err)
		}
	}
	var err error
	if len(buf) > 0 {
		o.mu.Lock()
		_, err = o.W.Write(buf)
		o.mu.Unlock()
	}
	if cap(buf) <= maxPooled {
		*bp = buf
		o.bufs.Put(bp)
	}
	if err != nil {
		return fmt.Errorf("stdout: write: %w", err)
	}
	return nil
}
