// Package plain is the plain codec: each message is one event's message
// text; encoding writes an sprintf format or the event's text form.
package plain

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
		Name:    "plain",
		Summary: "Plain text: each message is one event, without framing.",
		Description: `Decoding makes one event per message the input delivers (a datagram, a
request body, a record from a queue) with the text in ` + "`message`" + `. Use it on
inputs whose protocol already frames messages. On a byte stream (tcp, stdin)
plain splits on newlines, like ` + "`line`" + `, as Logstash's stream inputs switch
plain to line: read boundaries never cut an event.

The text is converted from ` + "`charset`" + ` to UTF-8; in UTF-8 mode each invalid
byte becomes U+FFFD (Logstash instead escapes the whole message, Ruby-style).
A message longer than the input's size limit (1 MiB unless the input says
otherwise) is cut to that size and tagged ` + "`_messagetoolong`" + `.
With ` + "`ecs_compatibility`" + ` v1 or v8 the text is also kept in ` + "`[event][original]`" + `.

Encoding writes ` + "`format`" + ` expanded against the event, or, without a format,
Logstash's default text form ` + "`<@timestamp> <host> <message>`" + `, with no newline.`,
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the plain codec.
type Codec struct {
	Format  string
	Charset string

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
		"Text written for each event when encoding, with `%{field}` references (sprintf). "+
			"Without it, the event's text form `<@timestamp> <host> <message>` is written. Decoding ignores it.").
		Example(`"%{[log][level]} %{message}"`)
	s.String(&c.Charset, "charset",
		"Character set of the input text, converted to UTF-8 when decoding: `UTF-8`, `ISO-8859-1`, "+
			"`Windows-1252` (`CP1252`), `US-ASCII`, `Shift_JIS`, `UTF-16LE` and the other common code pages.").
		Default("UTF-8")
}

// Init compiles the format and looks up the charset.
func (c *Codec) Init(ctx *plugin.Context) error {
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

// NewDecoder returns a decoder making one event per Decode call.
func (c *Codec) NewDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	logger := opts.Logger
	if logger == nil {
		logger = c.logger
	}
	return &decoder{c: c, max: codecutil.MaxBytes(opts), logger: logger}
}

// NewStreamDecoder returns a line decoder: on a stream (tcp, stdin) plain
// makes one event per line, as Logstash's stream inputs switch plain to
// line, rather than one per read of whatever size.
func (c *Codec) NewStreamDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	d := c.NewDecoder(opts).(*decoder)
	d.split = codecutil.NewSplitter("\n", d.max)
	return d
}

// Encode appends the format's expansion, or the event's text form.
func (c *Codec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	if c.format != nil {
		return c.format.AppendTo(dst, e), nil
	}
	return codecutil.AppendEventString(dst, e), nil
}

type decoder struct {
	c      *Codec
	max    int
	logger *slog.Logger
	long   codecutil.Once
	// split is set for stream decoders: one event per line.
	split *codecutil.Splitter
	emit  func(*event.Event)
	onRec func([]byte, bool)
}

// Decode emits one event for p (nothing for an empty p), or one per
// completed line on a stream.
func (d *decoder) Decode(p []byte, emit func(*event.Event)) {
	if d.split != nil {
		d.emit = emit
		d.split.Split(p, d.recordFunc())
		d.emit = nil
		return
	}
	d.message(p, false, emit)
}

func (d *decoder) recordFunc() func([]byte, bool) {
	if d.onRec == nil {
		d.onRec = func(rec []byte, truncated bool) {
			if !truncated && len(rec) > 0 && rec[len(rec)-1] == '\r' {
				rec = rec[:len(rec)-1]
			}
			d.message(rec, truncated, d.emit)
		}
	}
	return d.onRec
}

func (d *decoder) message(p []byte, truncated bool, emit func(*event.Event)) {
	if len(p) == 0 && d.split == nil {
		return // an empty message; on a stream an empty line is an event, as with line
	}
	if len(p) > d.max {
		d.long.Log(d.logger, "message longer than the size limit: cut and tagged "+codecutil.TagMessageTooLong,
			"bytes", len(p), "limit", d.max)
		p = p[:d.max]
		truncated = true
	}
	msg := d.c.charset.String(p)
	e := event.NewMessage(msg)
	if d.c.original {
		_ = e.Set(codecutil.OriginalRef, msg)
	}
	if truncated {
		e.AddTag(codecutil.TagMessageTooLong)
	}
	emit(e)
}

// Flush emits a stream's last line; a message decoder holds nothing back.
func (d *decoder) Flush(emit func(*event.Event)) {
	if d.split != nil {
		d.emit = emit
		d.split.Flush(d.recordFunc())
		d.emit = nil
	}
}
