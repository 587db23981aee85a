// Package json_lines is the json_lines codec: newline-delimited JSON.
package json_lines

import (
	_ "embed"
	"fmt"
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
		Name:    "json_lines",
		Summary: "Newline-delimited JSON: one JSON document per line.",
		Description: `Decoding splits the stream on ` + "`delimiter`" + ` and decodes every line as the json
codec decodes a document: an object is an event, an array of objects one
event per object, blank lines are skipped, and a line that is not JSON
becomes an event with the raw text in ` + "`message`" + `, tagged ` + "`_jsonparsefailure`" + ` —
never dropped. A partial line is kept until the rest arrives; a last line
without a delimiter is decoded when the stream ends.

With ` + "`python_formats`" + ` (on by default) the JSON written by the common Python
logging formatters is normalised into Logstash's event shape; see
[Python log formats](../python.md).

Memory is bounded: a line longer than ` + "`decode_size_limit_bytes`" + ` (or the input's
size limit, 1 MiB by default) is cut, becomes a ` + "`_jsonparsefailure`" + ` event
also tagged ` + "`_linetoolong`" + `, and the rest of the line is dropped. Logstash's
default limit is 512 MB and an over-long line is an error there.

Encoding writes each event as compact JSON (` + "`@timestamp`" + ` first, then the
fields sorted by name, ` + "`@metadata`" + ` left out) followed by the delimiter.`,
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the json_lines codec.
type Codec struct {
	Charset       string
	Delimiter     string
	Target        event.Ref
	PythonFormats bool
	SizeLimit     int

	charset *codecutil.Charset
	logger  *slog.Logger
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
	s.String(&c.Delimiter, "delimiter", "What separates documents, when decoding and encoding.").Default("\n")
	s.FieldRef(&c.Target, "target",
		"Field that receives each decoded object. Without it the object's fields go to the root of the event "+
			"(and `python_formats` applies). Decoding only.").
		Example(`"[document]"`)
	s.Bool(&c.PythonFormats, "python_formats",
		"Normalise the JSON of the common Python logging formatters (python-logstash, python-logstash-async, "+
			"ecs-logging, structlog) into Logstash's event shape: `message`, `@timestamp` and `@version` where "+
			"Logstash expects them, ECS dotted keys expanded. Nothing is dropped. See docs/python.md.").
		Default(true)
	s.Int(&c.SizeLimit, "decode_size_limit_bytes",
		"Longest line accepted, in bytes; a longer one is cut and tagged `_linetoolong`. "+
			"Defaults to the input's limit (1 MiB unless the input sets another).")
}

// Init checks the settings.
func (c *Codec) Init(ctx *plugin.Context) error {
	if c.Delimiter == "" {
		return fmt.Errorf("delimiter must not be empty")
	}
	if c.SizeLimit < 0 {
		return fmt.Errorf("decode_size_limit_bytes must be positive")
	}
	cs, err := codecutil.NewCharset(c.Charset)
	if err != nil {
		return err
	}
	c.charset = cs
	c.logger = ctx.Logger
	return nil
}

// NewDecoder returns a decoder for one stream.
func (c *Codec) NewDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	logger := opts.Logger
	if logger == nil {
		logger = c.logger
	}
	max := codecutil.MaxBytes(opts)
	if c.SizeLimit > 0 {
		max = c.SizeLimit
	}
	d := &Decoder{
		split: codecutil.NewSplitter(c.Delimiter, max),
		max:   max,
		docs: codecutil.JSONEvents{
			Target: c.Target, Python: c.PythonFormats, Charset: c.charset, Logger: logger,
		},
		logger: logger,
	}
	d.onLine = d.line
	return d
}

// Encode appends the event as compact JSON and the delimiter.
func (c *Codec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	return append(e.AppendJSON(dst), c.Delimiter...), nil
}

// Decoder decodes one stream of JSON lines.
type Decoder struct {
	split  *codecutil.Splitter
	max    int
	docs   codecutil.JSONEvents
	logger *slog.Logger
	long   codecutil.Once
	emit   func(*event.Event)
	onLine func([]byte, bool)
}

// Decode emits the events of every line completed by p.
func (d *Decoder) Decode(p []byte, emit func(*event.Event)) {
	d.emit = emit
	d.split.Split(p, d.onLine)
	d.emit = nil
}

// Flush decodes the last line if the stream ended without a delimiter.
func (d *Decoder) Flush(emit func(*event.Event)) {
	d.emit = emit
	d.split.Flush(d.onLine)
	d.emit = nil
}

func (d *Decoder) line(rec []byte, truncated bool) {
	if truncated {
		d.long.Log(d.logger, "JSON line longer than the size limit: cut and tagged "+codecutil.TagLineTooLong+"; the rest of the line is dropped",
			"limit", d.max)
	}
	d.docs.Decode(rec, truncated, codecutil.TagLineTooLong, d.emit)
}
