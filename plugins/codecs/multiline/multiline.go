// Package multiline is the multiline codec: it joins the lines of a byte
// stream that belong together (a stack trace and the log line it follows)
// into one event.
package multiline

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicelog/sluice/event"
	grokengine "github.com/sluicelog/sluice/internal/grok"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

//go:embed example.conf
var example string

// Tags added to events cut at a limit.
const (
	TagMaxLines = "multiline_codec_max_lines_reached"
	TagMaxBytes = "multiline_codec_max_bytes_reached"
)

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindCodec,
		Name:    "multiline",
		Summary: "Joins the lines of a stream that belong together (stack traces, continued lines) into one event.",
		Description: `Decoding splits the stream into lines and decides for each whether it starts a
new event or belongs to another one:

- ` + "`pattern`" + ` is matched against each line (a regular expression that may use grok
  patterns such as ` + "`%{TIMESTAMP_ISO8601}`" + `); ` + "`negate`" + ` inverts the result.
- ` + "`what => previous`" + `: a matching line belongs to the event before it; a line that
  does not match starts a new event. ` + "`what => next`" + `: a matching line belongs to the
  event after it; a line that does not match ends the current event.

The lines of one event are joined with a newline into ` + "`message`" + `; events made of
more than one line get the ` + "`multiline_tag`" + `; ` + "`@timestamp`" + ` is when the event's first line
arrived. Since the end of an event is only
known when the next one starts, the last event of a stream is emitted when the
stream ends, or — with ` + "`auto_flush_interval`" + ` — once no new data arrived for that long
(the tcp, stdin and file inputs honour it; such a flush also ends a last line that
has no newline yet).

### Filebeat's other multiline types

` + "`mode`" + ` (a Sluice extension; Filebeat's multiline ` + "`type`" + `) chooses how lines are grouped:

- ` + "`pattern`" + ` (the default): as above. With ` + "`flush_pattern`" + ` (Filebeat's), a line that
  matches it ends the pending event it joins: it is the event's last line, and the
  next line starts a new event whatever ` + "`pattern`" + ` says. A line that starts an event is
  not checked against it (as in Filebeat). Useful for "begin … end" blocks.
- ` + "`count`" + `: every ` + "`count_lines`" + ` lines make one event; ` + "`pattern`" + ` is not used.
- ` + "`while_pattern`" + `: consecutive lines that match ` + "`pattern`" + ` (after ` + "`negate`" + `) make one
  event; a line that does not match is an event of its own. ` + "`what`" + ` is not used.

The last event of these modes, too, is emitted at the end of the stream or after
` + "`auto_flush_interval`" + ` (Filebeat's ` + "`timeout`" + `, which its ` + "`count`" + ` type ignores).

### Python tracebacks

` + "`preset => \"python\"`" + ` (a Sluice extension, instead of ` + "`pattern`" + `/` + "`negate`" + `/` + "`what`" + `) joins a
Python traceback to the log line it follows, as written by ` + "`logging.exception()`" + `,
` + "`logger.error(..., exc_info=True)`" + ` or an uncaught exception: the
` + "`Traceback (most recent call last):`" + ` line (and ` + "`Stack (most recent call last):`" + ` of ` + "`stack_info=True`" + `),
the indented frame and source lines, the
final exception line, and chained exceptions (the blank line, ` + "`During handling of\nthe above exception, another exception occurred:`" + ` or ` + "`The above exception was the\ndirect cause of the following exception:`" + `, the blank line and the next traceback).
Any other indented line also continues the event before it. The preset keeps a
blank line after an exception back until the next line shows whether a chained
exception follows.

### Limits

An event holds at most ` + "`max_lines`" + ` lines and ` + "`max_bytes`" + ` bytes (and no more than the input's
event size limit, such as the tcp input's ` + "`max_event_size`" + `, when that is smaller). An
event that reaches a limit is emitted at once, tagged
` + "`multiline_codec_max_lines_reached`" + ` or ` + "`multiline_codec_max_bytes_reached`" + ` (a line is cut to
fit); the lines that follow start a new event.

Encoding writes the event's ` + "`message`" + ` followed by a newline.

Differences from Logstash: the ` + "`preset`" + `, ` + "`mode`" + `, ` + "`count_lines`" + ` and ` + "`flush_pattern`" + ` settings are new; an event is emitted as soon
as it reaches a limit, where Logstash waits for the next line; a carriage return
before the newline is removed; invalid UTF-8 bytes become U+FFFD; ` + "`pattern`" + ` is a
Go (RE2) regular expression after grok expansion, with the translations the grok
filter documents.`,
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the multiline codec.
type Codec struct {
	Pattern           string
	Negate            bool
	What              string
	Preset            string
	Mode              string
	CountLines        int
	FlushPattern      string
	PatternsDir       []string
	MaxLines          int
	MaxBytes          int64
	MultilineTag      string
	AutoFlushInterval time.Duration
	Charset           string

	re      *grokengine.Pattern
	flushRe *grokengine.Pattern
	charset *codecutil.Charset
	logger  *slog.Logger
	next    bool
	python  bool
}

// Grouping modes (the mode setting, Filebeat's multiline type).
const (
	ModePattern      = "pattern"
	ModeCount        = "count"
	ModeWhilePattern = "while_pattern"
)

var (
	_ plugin.Codec       = (*Codec)(nil)
	_ plugin.Initializer = (*Codec)(nil)
)

// Settings declares the codec's settings.
func (c *Codec) Settings(s *plugin.Settings) {
	s.String(&c.Pattern, "pattern",
		"Regular expression matched against each line; grok patterns (`%{NAME}`) are expanded. "+
			"Required unless `preset` is set or `mode` is `count`.").
		Example(`"^%{TIMESTAMP_ISO8601} "`)
	s.Bool(&c.Negate, "negate", "Invert the match: lines that do NOT match `pattern` are the ones `what` applies to.").
		Default(false)
	s.String(&c.What, "what",
		"Where a matching line (after `negate`) belongs: `previous` (to the event before it) or `next` (to the event after it). "+
			"Required with `pattern` in `mode => pattern`.").
		Enum("previous", "next")
	s.String(&c.Mode, "mode",
		"How lines are grouped (Filebeat's multiline `type`): `pattern` (with `what`), `count` (every `count_lines` lines), "+
			"or `while_pattern` (consecutive matching lines). A Sluice extension.").
		Default(ModePattern).Enum(ModePattern, ModeCount, ModeWhilePattern)
	s.Int(&c.CountLines, "count_lines", "Lines per event with `mode => count` (Filebeat's `count_lines`).")
	s.String(&c.FlushPattern, "flush_pattern",
		"With `mode => pattern`: a line matching this regular expression (grok patterns expanded) ends the pending event, as its last line "+
			"(Filebeat's `flush_pattern`). A Sluice extension.").
		Example(`"^END "`)
	s.String(&c.Preset, "preset",
		"A built-in rule set instead of `pattern`/`negate`/`what`: `python` joins Python tracebacks "+
			"(also chained exceptions) to the log line they follow. A Sluice extension.").
		Enum("python")
	s.Strings(&c.PatternsDir, "patterns_dir",
		"Directories of grok pattern files (`NAME regexp` per line) that `pattern` may use, besides the built-in catalog.")
	s.Int(&c.MaxLines, "max_lines", "Most lines in one event; an event reaching it is emitted and tagged `multiline_codec_max_lines_reached`.").
		Default(500)
	s.Bytes(&c.MaxBytes, "max_bytes", "Most bytes in one event; an event reaching it is emitted and tagged `multiline_codec_max_bytes_reached`.").
		Default(int64(10 << 20))
	s.String(&c.MultilineTag, "multiline_tag", "Tag added to events made of more than one line (empty: none).").
		Default("multiline")
	s.Seconds(&c.AutoFlushInterval, "auto_flush_interval",
		"Emit the pending event when no new data arrived on the stream for this many seconds (0: only when the stream ends).").
		Default(time.Duration(0)).Example("2")
	s.String(&c.Charset, "charset", "Character set of the input text, converted to UTF-8 (as the line codec's `charset`).").
		Default("UTF-8")
}

// Init checks the settings and compiles the pattern.
func (c *Codec) Init(ctx *plugin.Context) error {
	c.logger = ctx.Logger
	cs, err := codecutil.NewCharset(c.Charset)
	if err != nil {
		return err
	}
	c.charset = cs
	if c.MaxLines < 1 {
		return fmt.Errorf("max_lines must be at least 1, got %d", c.MaxLines)
	}
	if c.MaxBytes < 1 || c.MaxBytes > 1<<30 {
		return fmt.Errorf("max_bytes must be between 1 byte and 1GiB, got %d", c.MaxBytes)
	}
	if c.CountLines != 0 && c.Mode != ModeCount {
		return errors.New(`count_lines needs mode => "count"`)
	}
	if c.FlushPattern != "" && (c.Mode != ModePattern || c.Preset != "") {
		return errors.New(`flush_pattern works with mode => "pattern" and a pattern, not with a preset or another mode`)
	}
	if c.Preset != "" {
		if c.Pattern != "" || c.What != "" || c.Negate || c.Mode != ModePattern {
			return errors.New("preset replaces pattern, negate, what and mode: set either preset or pattern and what")
		}
		c.python = c.Preset == "python"
		return nil
	}
	switch c.Mode {
	case ModeCount:
		if c.CountLines < 1 {
			return fmt.Errorf(`mode => "count" needs count_lines of at least 1, got %d`, c.CountLines)
		}
		if c.Pattern != "" || c.What != "" || c.Negate {
			return errors.New(`mode => "count" uses count_lines, not pattern, negate or what`)
		}
		return nil
	case ModeWhilePattern:
		if c.Pattern == "" {
			return errors.New(`mode => "while_pattern" needs a pattern`)
		}
		if c.What != "" {
			return errors.New(`mode => "while_pattern" joins consecutive matching lines: what does not apply`)
		}
	default:
		if c.Pattern == "" {
			return errors.New("pattern is required (or a preset such as preset => \"python\")")
		}
		if c.What == "" {
			return errors.New(`what is required with pattern: "previous" or "next"`)
		}
	}
	c.next = c.What == "next"
	set := grokengine.ECSV1
	if !ctx.ECS() {
		set = grokengine.Legacy
	}
	catalog := grokengine.Catalog(set)
	files, err := loadPatternsDirs(c.PatternsDir)
	if err != nil {
		return err
	}
	defs := func(name string) (string, bool) {
		if v, ok := files[name]; ok {
			return v, true
		}
		v, ok := catalog[name]
		return v, ok
	}
	if c.re, err = grokengine.Compile(c.Pattern, defs, true); err != nil {
		return fmt.Errorf("pattern: %w", err)
	}
	if c.FlushPattern != "" {
		if c.flushRe, err = grokengine.Compile(c.FlushPattern, defs, true); err != nil {
			return fmt.Errorf("flush_pattern: %w", err)
		}
	}
	return nil
}

func loadPatternsDirs(dirs []string) (map[string]string, error) {
	return grokengine.LoadPatternsDirs(dirs, "*")
}

// NewDecoder returns a decoder for one stream.
func (c *Codec) NewDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	logger := opts.Logger
	if logger == nil {
		logger = c.logger
	}
	if logger == nil {
		logger = slog.Default()
	}
	max := int(c.MaxBytes)
	if opts.MaxBytes > 0 && opts.MaxBytes < max {
		max = opts.MaxBytes
	}
	d := &Decoder{c: c, max: max, logger: logger, split: codecutil.NewSplitter("\n", max)}
	d.onLine = d.line
	return d
}

// Encode appends the event's message and a newline.
func (c *Codec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	return append(append(dst, e.Message()...), '\n'), nil
}

// pyState is where the python preset is in a traceback.
type pyState uint8

const (
	pyNone    pyState = iota // not in a traceback
	pyFrames                 // after "Traceback (...):": indented frames, then the exception line
	pyAfter                  // after the exception line: a chained exception may follow
	pyChained                // after "During handling ...": a blank line, then "Traceback"
)

// Decoder decodes one stream. It is not safe for concurrent use.
type Decoder struct {
	c      *Codec
	max    int
	logger *slog.Logger
	split  *codecutil.Splitter
	onLine func([]byte, bool)
	emit   func(*event.Event)

	buf      []byte // the pending event's lines, joined with '\n'
	lines    int
	cut      bool      // a line of the pending event was cut at the limit
	started  time.Time // when the pending event's first line arrived
	py       pyState
	pyBlank  bool // python: a blank line held back after an exception
	bytesLog codecutil.Once
	linesLog codecutil.Once
}

var (
	_ plugin.Decoder     = (*Decoder)(nil)
	_ plugin.IdleFlusher = (*Decoder)(nil)
)

// IdleFlushInterval is auto_flush_interval.
func (d *Decoder) IdleFlushInterval() time.Duration { return d.c.AutoFlushInterval }

// Decode consumes p and emits every event known to be complete.
func (d *Decoder) Decode(p []byte, emit func(*event.Event)) {
	d.emit = emit
	d.split.Split(p, d.onLine)
	d.emit = nil
}

// Flush emits the partial last line and the pending event (the stream
// ended, or was idle for auto_flush_interval).
func (d *Decoder) Flush(emit func(*event.Event)) {
	d.emit = emit
	d.split.Flush(d.onLine)
	if d.pyBlank {
		d.pyBlank = false
		d.previous("", false, false)
	}
	d.flush()
	d.py = pyNone
	d.emit = nil
}

// Buffered reports how many bytes of pending events the decoder holds.
func (d *Decoder) Buffered() int { return len(d.buf) + d.split.Buffered() }

// Holds reports whether the decoder holds anything back for a later event:
// a pending event (even of empty lines), a blank line the python preset
// keeps, or part of a line. The file input saves a line's end as delivered
// only when nothing is held after it.
func (d *Decoder) Holds() bool { return d.lines > 0 || d.pyBlank || d.split.Buffered() > 0 }

func (d *Decoder) line(rec []byte, truncated bool) {
	if len(rec) > 0 && rec[len(rec)-1] == '\r' && !truncated {
		rec = rec[:len(rec)-1]
	}
	text := d.c.charset.String(rec)
	switch {
	case d.c.python:
		d.pythonLine(text, truncated)
		return
	case d.c.Mode == ModeCount:
		d.add(text, truncated)
		if d.lines >= d.c.CountLines {
			d.flush()
		}
		return
	}
	cont := (d.c.re.Match(text) != nil) != d.c.Negate
	if d.c.Mode == ModeWhilePattern {
		if !cont {
			// A line that does not match is an event of its own.
			d.flush()
			d.add(text, truncated)
			d.flush()
			return
		}
		d.add(text, truncated)
		return
	}
	if d.c.flushRe != nil && d.lines > 0 && d.c.flushRe.Match(text) != nil {
		// The end of the pending event, whatever pattern says.
		d.add(text, truncated)
		d.flush()
		return
	}
	if d.c.next {
		d.add(text, truncated)
		if !cont {
			d.flush()
		}
		return
	}
	d.previous(text, cont, truncated)
}

// previous handles a line in what => previous mode: a continuation joins
// the pending event, another line starts a new one.
func (d *Decoder) previous(text string, cont, truncated bool) {
	if !cont {
		d.flush()
	}
	d.add(text, truncated)
}

// add appends a line to the pending event, emitting it when it reaches a
// limit. truncated says the splitter cut the line.
func (d *Decoder) add(text string, truncated bool) {
	d.cut = d.cut || truncated
	room := d.max - len(d.buf)
	if d.lines > 0 {
		room-- // the newline
	}
	if room <= 0 && d.lines > 0 {
		// Full already (cannot happen: full events are emitted at once).
		d.flush()
		room = d.max
	}
	if d.lines > 0 {
		d.buf = append(d.buf, '\n')
	} else {
		d.started = time.Now() // the event's @timestamp, as in Logstash
	}
	if len(text) > room {
		text = truncateUTF8(text, room)
		d.cut = true
	}
	d.buf = append(d.buf, text...)
	d.lines++
	switch {
	case d.cut || len(d.buf) >= d.max:
		d.bytesLog.Log(d.logger, "multiline event reached max_bytes: emitted and tagged "+TagMaxBytes, "max_bytes", d.max)
		d.flushTagged(TagMaxBytes)
	case d.lines >= d.c.MaxLines:
		d.linesLog.Log(d.logger, "multiline event reached max_lines: emitted and tagged "+TagMaxLines, "max_lines", d.c.MaxLines)
		d.flushTagged(TagMaxLines)
	}
}

func (d *Decoder) flush() { d.flushTagged("") }

func (d *Decoder) flushTagged(tag string) {
	if d.lines == 0 {
		return
	}
	e := event.NewMessage(string(d.buf))
	e.SetTimestamp(d.started)
	if d.lines > 1 && d.c.MultilineTag != "" {
		e.AddTag(d.c.MultilineTag)
	}
	if tag != "" {
		e.AddTag(tag)
	}
	d.buf = d.buf[:0]
	if cap(d.buf) > 64<<10 {
		d.buf = nil
	}
	d.lines = 0
	d.cut = false
	d.emit(e)
}

// pythonLine applies the python preset (what => previous).
func (d *Decoder) pythonLine(text string, truncated bool) {
	if d.pyBlank {
		d.pyBlank = false
		if isChainHeader(text) {
			d.previous("", true, false)
			d.previous(text, true, false)
			d.py = pyChained
			return
		}
		d.py = pyNone
		d.previous("", false, false)
	}
	indented := len(text) > 0 && (text[0] == ' ' || text[0] == '\t')
	cont := false
	switch {
	case text == "Stack (most recent call last):":
		// logging's stack_info: indented frames follow.
		cont, d.py = true, pyNone
	case isTracebackHeader(text):
		// A traceback right after another one (not chained) is a new
		// event: an uncaught exception printed after a logged one.
		cont = d.py != pyAfter || indented
		d.py = pyFrames
		if indented {
			// An exception group: its frames and exception lines are
			// all indented, and a chained exception may follow it.
			d.py = pyAfter
		}
	case indented:
		cont = true
	case d.py == pyFrames && text != "":
		// The exception line ends the traceback.
		cont, d.py = true, pyAfter
	case d.py == pyAfter && text == "":
		d.pyBlank = true
		return
	case d.py == pyChained && text == "":
		cont = true
	default:
		d.py = pyNone
	}
	d.previous(text, cont, truncated)
}

func isTracebackHeader(s string) bool {
	s = strings.TrimLeft(s, " \t|+")
	return s == "Traceback (most recent call last):" || s == "Exception Group Traceback (most recent call last):"
}

func isChainHeader(s string) bool {
	return s == "During handling of the above exception, another exception occurred:" ||
		s == "The above exception was the direct cause of the following exception:"
}

// truncateUTF8 cuts s to at most n bytes, not inside a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
