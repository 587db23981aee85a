// Package json is the json codec: JSON documents to events and events to
// compact JSON.
package json

import (
	_ "embed"
	"log/slog"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindCodec,
		Name:    "json",
		Summary: "JSON documents: an object is an event, an array of objects one event each.",
		Description: `Decoding turns each JSON object into an event; an array of objects gives one
event per object, an empty array or blank input none. Input that is not an
object or an array of objects (invalid JSON, a bare string or number) is never
dropped: it becomes an event whose ` + "`message`" + ` is the raw text, tagged
` + "`_jsonparsefailure`" + `; the first such failure on a stream is logged as a warning, later ones at debug level.

Documents are found in the data as it arrives, so the codec works on message
inputs (udp, http) and on streams (tcp, stdin) alike: a document starting
with ` + "`{`" + ` or ` + "`[`" + ` ends at its matching bracket, whatever the newlines (pretty-printed,
newline-delimited and back-to-back documents all work); any other text runs
to the end of its line. Logstash instead switches a json codec on a stream
input to json_lines. A document longer than the input's size limit (1 MiB
unless the input says otherwise) is cut, tagged ` + "`_jsonparsefailure`" + ` and
` + "`_messagetoolong`" + `, and the rest of it up to the next newline is dropped.

With ` + "`python_formats`" + ` (on by default) the JSON written by the common Python
logging formatters is normalised into Logstash's event shape: python-logstash
(versions 0 and 1), python-logstash-async, ecs-logging and structlog. See
[Python log formats](../python.md) for every mapping.

Numbers that are integers and fit 64 bits stay integers, others are floats;
invalid UTF-8 becomes U+FFFD; ` + "`NaN`" + ` and ` + "`Infinity`" + ` (which Python's json module
writes) are accepted; nesting deeper than 512 levels is a parse failure.
With ` + "`ecs_compatibility`" + ` v1 or v8 a document that gives one event also keeps its
raw text in ` + "`[event][original]`" + `.

Encoding writes the event as one compact JSON object without a newline:
` + "`@timestamp`" + ` first, then the other fields sorted by name, ` + "`@metadata`" + ` left out.`,
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the json codec.
type Codec struct {
	Charset       string
	Target        event.Ref
	PythonFormats bool

	charset  *codecutil.Charset
	original bool
	logger   *slog.Logger
}

var (
	_ plugin.Codec       = (*Codec)(nil)
	_ plugin.Initializer = (*Codec)(nil)
)

// Settings declares the codec's settings.
func (c *Codec) Settings(s *plugin.Settings) {
	s.String(&c.Charset, "charset",
		"Character set of the input, converted to UTF-8 before parsing (for senders that write JSON in "+
			"another encoding, such as nxlog with `CP1252`).").
		Default("UTF-8")
	s.FieldRef(&c.Target, "target",
		"Field that receives the decoded object. Without it the object's fields go to the root of the event "+
			"(and `python_formats` applies). Decoding only.").
		Example(`"[document]"`)
	s.Bool(&c.PythonFormats, "python_formats",
		"Normalise the JSON of the common Python logging formatters (python-logstash, python-logstash-async, "+
			"ecs-logging, structlog) into Logstash's event shape: `message`, `@timestamp` and `@version` where "+
			"Logstash expects them, ECS dotted keys expanded. Nothing is dropped. See docs/python.md.").
		Default(true)
}

// Init checks the settings.
func (c *Codec) Init(ctx *plugin.Context) error {
	cs, err := codecutil.NewCharset(c.Charset)
	if err != nil {
		return err
	}
	c.charset = cs
	c.original = codecutil.ECSEnabled(ctx)
	c.logger = ctx.Logger
	return nil
}

// NewDecoder returns a decoder for one stream or message source.
func (c *Codec) NewDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	logger := opts.Logger
	if logger == nil {
		logger = c.logger
	}
	d := &Decoder{
		framer: framer{max: codecutil.MaxBytes(opts)},
		docs: codecutil.JSONEvents{
			Target: c.Target, Python: c.PythonFormats, Original: c.original,
			Charset: c.charset, Logger: logger,
		},
	}
	d.onDoc = d.doc
	return d
}

// Encode appends the event as compact JSON.
func (c *Codec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	return e.AppendJSON(dst), nil
}

// Decoder decodes the JSON documents of one stream.
type Decoder struct {
	framer framer
	docs   codecutil.JSONEvents
	emit   func(*event.Event)
	onDoc  func([]byte, bool)
}

// Decode emits the events of every document completed by p.
func (d *Decoder) Decode(p []byte, emit func(*event.Event)) {
	d.emit = emit
	d.framer.feed(p, d.onDoc)
	d.emit = nil
}

// Flush decodes what is left (a message's only document, or an unfinished
// one at the end of a stream).
func (d *Decoder) Flush(emit func(*event.Event)) {
	d.emit = emit
	d.framer.flush(d.onDoc)
	d.emit = nil
}

func (d *Decoder) doc(raw []byte, truncated bool) {
	d.docs.Decode(raw, truncated, codecutil.TagMessageTooLong, d.emit)
}
