// Package plugin is the public face of Sluice's engine for plugins: the
// kinds of plugin, their lifecycle interfaces, setting declarations and
// the registry. Plugins import this package and event; never pipeline.
package plugin

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sluicelog/sluice/event"
)

// Kind is a plugin kind.
type Kind int

const (
	KindInput Kind = iota
	KindFilter
	KindOutput
	KindCodec
)

var kindNames = [...]string{"input", "filter", "output", "codec"}

func (k Kind) String() string { return kindNames[k] }

// Kinds lists every kind, in documentation order.
var Kinds = []Kind{KindInput, KindFilter, KindOutput, KindCodec}

// Plugin is what every plugin implements: it declares its settings, bound
// to its own fields. Settings is called once on a fresh value before the
// configuration is applied.
type Plugin interface {
	Settings(s *Settings)
}

// Initializer is implemented by plugins that check or prepare their
// configuration once it is decoded (compile patterns, open files). An
// error is reported as a configuration error at the plugin's position.
type Initializer interface {
	Init(ctx *Context) error
}

// Closer is implemented by plugins holding resources. Close is called once
// when the pipeline stops, even when Init failed.
type Closer interface {
	Close() error
}

// Context is what a plugin gets from the engine at Init.
type Context struct {
	// Logger logs with the plugin's id and name attached.
	Logger *slog.Logger
	// PipelineID is the pipeline's id ("main" by default).
	PipelineID string
	// ID is the plugin's id (the `id` setting or a generated one).
	ID string
	// DataDir is path.data: where plugins keep state.
	DataDir string
	// Workers is the pipeline's pipeline.workers: how many goroutines may
	// call a filter's Filter at once. Filters that need a task's events
	// in order (aggregate, elapsed) warn when it is above 1. 0 means not
	// known (a plugin built outside a pipeline, as in tests).
	Workers int
	// ECSCompatibility is the plugin's ECS mode: its `ecs_compatibility`
	// setting, else the pipeline's (`disabled`, `v1` or `v8`). It decides
	// where plugins put the fields they add (e.g. `host` or
	// `[host][hostname]`).
	ECSCompatibility string
	// DeadLetter, when not nil, keeps events an output rejected for good
	// (the elasticsearch output's 400/404 items) so the dead_letter_queue
	// input can replay them. It is nil unless the dead letter queue is
	// enabled; outputs then log and count such events instead.
	DeadLetter DeadLetterWriter

	// buildCodec is set by Registry.Build (see BuildCodec).
	buildCodec func(name string) (Codec, error)
}

// BuildCodec builds the codec called name with its default settings, for
// plugins that pick codecs by name at Init (the http input's
// additional_codecs). The codec gets the plugin's ECS mode and is closed
// with the plugin. It is only available during Init.
func (c *Context) BuildCodec(name string) (Codec, error) {
	if c.buildCodec == nil {
		return nil, errors.New("no codec registry in this context")
	}
	return c.buildCodec(name)
}

// ECS reports whether the plugin should use ECS-compatible field names:
// true for v1 and v8, false for `disabled`. An unset mode counts as v8,
// the default of Logstash 8.
func (c *Context) ECS() bool { return c.ECSCompatibility != "disabled" }

// DeadLetterWriter stores an event that an output could not deliver and
// will not retry, with the reason (the server's error) and the id of the
// plugin that rejected it.
type DeadLetterWriter interface {
	WriteDeadLetter(e *event.Event, pluginID, reason string) error
}

// Input produces events.
type Input interface {
	Plugin
	// Run reads events and pushes them into q until ctx is cancelled or the
	// source ends (stdin at EOF, generator done); then it returns nil.
	// An error means the input failed (it is logged; the pipeline goes on).
	Run(ctx context.Context, q Queue) error
}

// Queue is where inputs put events.
type Queue interface {
	// Push enqueues events, blocking while the pipeline is full
	// (backpressure). ack, when not nil, is called once every one of these
	// events (and events filters made from them) was delivered by every
	// output or dropped on purpose. Push returns an error only when ctx is
	// done or the pipeline is stopping; the events were then not accepted.
	// The slice may be reused by the caller once Push returns; the events
	// belong to the pipeline.
	Push(ctx context.Context, events []*event.Event, ack func()) error
}

// Filter transforms events.
type Filter interface {
	Plugin
	// Filter changes e in place. It returns false when the filter did not
	// apply to e (a grok miss, a json parse failure); the common add_field,
	// add_tag, remove_field and remove_tag options then do not run. Call
	// e.Cancel() to drop e. New events (clone, split) go to emit; they run
	// through the filters after this one. Filter may be called from several
	// goroutines at once: keep per-event state on the stack.
	Filter(e *event.Event, emit func(*event.Event)) bool
}

// Flusher is implemented by filters that hold events back (aggregate,
// multiline). Flush is called periodically and at shutdown.
type Flusher interface {
	Flush(emit func(*event.Event))
}

// FinalFlusher is implemented by filters whose last flush at shutdown
// differs from the periodic one (aggregate pushes its last map whether or
// not it timed out). The engine calls FlushFinal instead of Flush once,
// after the workers stopped.
type FinalFlusher interface {
	FlushFinal(emit func(*event.Event))
}

// Output delivers events.
type Output interface {
	Plugin
	// Write delivers events. It returns nil once every event reached a
	// terminal outcome (delivered, or rejected for good and reported). A
	// *BatchError names events to retry; any other error retries the whole
	// batch. The engine retries with backoff until success or shutdown.
	// Unless the spec says Serial, Write may be called concurrently.
	Write(ctx context.Context, events []*event.Event) error
}

// BatchError reports a partial failure: the events at Failed (indexes into
// the slice given to Write) should be retried.
type BatchError struct {
	Failed []int
	Err    error
}

func (e *BatchError) Error() string { return e.Err.Error() }
func (e *BatchError) Unwrap() error { return e.Err }

// Codec turns bytes into events and events into bytes.
type Codec interface {
	Plugin
	// NewDecoder returns a decoder for one stream (a connection, a file).
	NewDecoder(opts DecoderOptions) Decoder
	// Encode appends the encoding of e to dst. Outputs call it from several
	// goroutines at once: it must keep no per-call state in the codec and
	// must not modify e.
	Encode(dst []byte, e *event.Event) ([]byte, error)
}

// DecoderOptions are set by the input that owns the stream.
type DecoderOptions struct {
	// MaxBytes bounds one event's raw size (a line, a document). Longer
	// input is cut at MaxBytes and tagged; 0 means the codec's default.
	MaxBytes int
	// Logger reports decoding problems (with the stream's peer attached).
	Logger *slog.Logger
}

// Decoder decodes one stream. It is not safe for concurrent use.
type Decoder interface {
	// Decode consumes p (which it must not keep) and emits every complete
	// event it holds.
	Decode(p []byte, emit func(*event.Event))
	// Flush emits whatever is buffered (a last line without a newline) at
	// the end of the stream.
	Flush(emit func(*event.Event))
}

// IdleFlusher is implemented by decoders that hold data back waiting for
// more (the multiline codec). An input that owns a stream calls the
// decoder's Flush once no bytes arrived on that stream for
// IdleFlushInterval; zero means never.
type IdleFlusher interface {
	IdleFlushInterval() time.Duration
}

// DecodeMessage decodes one whole message (a datagram, a request body).
func DecodeMessage(d Decoder, p []byte, emit func(*event.Event)) {
	d.Decode(p, emit)
	d.Flush(emit)
}

// Opener is implemented by inputs that acquire resources (listen on a
// port, open a file) before Run. The pipeline calls Open for every input
// before it reports itself started, so bind errors surface at start-up and
// "started" means "accepting".
type Opener interface {
	Open(ctx context.Context) error
}

// StreamCodec is implemented by codecs that frame a byte stream (a tcp
// connection, stdin, a file) differently from a whole message. plain makes
// one event per message, but on a stream one per line, as Logstash's stream
// inputs switch plain to line.
type StreamCodec interface {
	NewStreamDecoder(opts DecoderOptions) Decoder
}

// NewStreamDecoder returns the decoder for a byte stream: the codec's
// stream decoder when it has one, else its usual decoder.
func NewStreamDecoder(c Codec, opts DecoderOptions) Decoder {
	if sc, ok := c.(StreamCodec); ok {
		return sc.NewStreamDecoder(opts)
	}
	return c.NewDecoder(opts)
}
