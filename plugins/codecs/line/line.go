// Package line is the line codec: a byte stream split on a delimiter
// (newline by default), one event per line; encoding writes one line per
// event.
package line

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
		Name:    "line",
		Summary: "Line-oriented text: one event per line.",
		Description: `Decoding splits the stream on ` + "`delimiter`" + ` and makes one event per line with
the text in ` + "`message`" + `. A partial line is kept until the rest arrives (in any
number of reads); a last line without a delimiter is emitted when the stream
ends. Empty lines give events with an empty message, as in Logstash.

Differences from Logstash:

- With the default newline delimiter, a carriage return before the newline
  is removed too, so Windows (CRLF) senders give clean messages. Logstash
  keeps the ` + "`\\r`" + `. A custom delimiter is matched exactly.
- Memory is bounded: a line longer than the input's size limit (1 MiB unless
  the input says otherwise) is emitted as soon as it is known to be too
  long, cut to the limit and tagged ` + "`_linetoolong`" + `; the rest of it up to the next
  delimiter is dropped, and a warning is logged (once per stream; later ones
  at debug level). Logstash's line codec has no limit.
- In UTF-8 mode each invalid byte becomes U+FFFD (Logstash escapes the whole
  line, Ruby-style).

With ` + "`ecs_compatibility`" + ` v1 or v8 the line is also kept in ` + "`[event][original]`" + `.

Encoding writes ` + "`format`" + ` expanded against the event (or the event's text form
` + "`<@timestamp> <host> <message>`" + `) followed by the delimiter.`,
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the line codec.
type Codec struct {
	Format    string
	Charset   string
	Delimiter string

	format   *event.Template
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
	s.String(&c.Format, "format",
		"Text written for each event when encoding, with `%{field}` references (sprintf); the delimiter is added. "+
			"Without it, the event's text form `<@timestamp> <host> <message>` is written.").
		Example(`"%{[log][level]} %{message}"`)
	s.String(&c.Charset, "charset",
		"Character set of the input text, converted to UTF-8 when decoding: `UTF-8`, `ISO-8859-1`, "+
			"`Windows-1252` (`CP1252`), `US-ASCII`, `Shift_JIS`, `UTF-16LE` and the other common code pages.").
		Default("UTF-8")
	s.String(&c.Delimiter, "delimiter",
		"What separates lines, when decoding and encoding. With the default newline a `\\r` before it is removed too.").
		Default("\n")
}

// Init checks the settings.
func (c *Codec) Init(ctx *plugin.Context) error {
	if c.Delimiter == "" {
		return fmt.Errorf("delimiter must not be empty")
	}
	cs, err := codecutil.NewCharset(c.Charset)
	if err != nil {
		return err
	}
	c.charset = cs
	if c.Format != "" {
		if c.format, err = event.ParseTemplate(c.Format); err != nil {
			return fmt.Errorf("format: %w", err)
		}
	}
	c.original = codecutil.ECSEnabled(ctx)
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
	return &Decoder{c: c, split: codecutil.NewSplitter(c.Delimiter, max), max: max, logger: logger}
}

// Encode appends one line.
func (c *Codec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	if c.format != nil {
		dst = c.format.AppendTo(dst, e)
	} else {
		dst = codecutil.AppendEventString(dst, e)
	}
	return append(dst, c.Delimiter...), nil
}

// Decoder decodes one stream of lines.
type Decoder struct {
	c      *Codec
	split  *codecutil.Splitter
	max    int
	logger *slog.Logger
	long   codecutil.Once
	emit   func(*event.Event)
	onRec  func([]byte, bool)
}

// Decode emits an event for every line completed by p.
func (d *Decoder) Decode(p []byte, emit func(*event.Event)) {
	d.emit = emit
	d.split.Split(p, d.recordFunc())
	d.emit = nil
}

// Flush emits the last line if the stream ended without a delimiter.
func (d *Decoder) Flush(emit func(*event.Event)) {
	d.emit = emit
	d.split.Flush(d.recordFunc())
	d.emit = nil
}

// recordFunc returns the splitter callback, made once per decoder so that
// decoding does not allocate a closure per call.
func (d *Decoder) recordFunc() func([]byte, bool) {
	if d.onRec == nil {
		d.onRec = d.record
	}
	return d.onRec
}

func (d *Decoder) record(rec []byte, truncated bool) {
	if truncated {
		d.long.Log(d.logger, "line longer than the size limit: cut and tagged "+codecutil.TagLineTooLong+"; the rest of the line is dropped",
			"limit", d.max)
	} else if d.c.Delimiter == "\n" && len(rec) > 0 && rec[len(rec)-1] == '\r' {
		rec = rec[:len(rec)-1]
	}
	msg := d.c.charset.String(rec)
	e := event.NewMessage(msg)
	if d.c.original {
		_ = e.Set(codecutil.OriginalRef, msg)
	}
	if truncated {
		e.AddTag(codecutil.TagLineTooLong)
	}
	d.emit(e)
}
