package codecutil

import (
	"log/slog"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// EncodeOnlyDecoder is the decoder of codecs that only encode (rubydebug,
// dots). Logstash fails at run time when such a codec is given to an
// input; Sluice reads the input as lines instead (nothing is lost) and logs
// a warning once.
func EncodeOnlyDecoder(codec string, opts plugin.DecoderOptions) plugin.Decoder {
	return &encodeOnly{codec: codec, split: NewSplitter("\n", MaxBytes(opts)), logger: opts.Logger}
}

type encodeOnly struct {
	codec  string
	split  *Splitter
	logger *slog.Logger
	warned bool
}

func (d *encodeOnly) Decode(p []byte, emit func(*event.Event)) {
	d.warn()
	d.split.Split(p, func(rec []byte, truncated bool) { d.emit(rec, truncated, emit) })
}

func (d *encodeOnly) Flush(emit func(*event.Event)) {
	d.split.Flush(func(rec []byte, truncated bool) { d.emit(rec, truncated, emit) })
}

func (d *encodeOnly) emit(rec []byte, truncated bool, emit func(*event.Event)) {
	if !truncated && len(rec) > 0 && rec[len(rec)-1] == '\r' {
		rec = rec[:len(rec)-1]
	}
	e := event.NewMessage(ValidUTF8(rec))
	if truncated {
		e.AddTag(TagLineTooLong)
	}
	emit(e)
}

func (d *encodeOnly) warn() {
	if d.warned {
		return
	}
	d.warned = true
	logger := d.logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("this codec only encodes; input is read as lines as the line codec would", "codec", d.codec)
}
