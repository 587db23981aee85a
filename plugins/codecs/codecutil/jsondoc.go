package codecutil

import (
	"fmt"
	"log/slog"

	"github.com/sluicelog/sluice/event"
)

// JSONEvents turns JSON documents into events, as Logstash's json and
// json_lines codecs do: an object is one event, an array of objects one
// event per object, a blank document nothing, and anything else (invalid
// JSON, a scalar, an array holding a non-object) one event whose message
// is the raw text, tagged _jsonparsefailure. Nothing is dropped.
type JSONEvents struct {
	// Target, when set, receives the decoded object instead of the root.
	Target event.Ref
	// Python applies NormalizePython to each object decoded at the root.
	Python bool
	// Original, when set, stores the raw text in [event][original] when the
	// document gives exactly one event (Logstash's ECS mode of the json
	// codec).
	Original bool
	// Charset converts the raw bytes to UTF-8 first (nil: UTF-8).
	Charset *Charset
	// Logger reports parse failures (nil: slog.Default()): the first at
	// Warn, later ones at Debug.
	Logger *slog.Logger

	failures Once
}

// OriginalRef is [event][original], where ECS-mode codecs keep the raw input.
var OriginalRef = event.MustRef("[event][original]")

// Decode decodes one document. truncated says the document was cut at the
// size limit (it then always fails to decode, and gets tooLongTag as
// well). raw is not kept.
func (j *JSONEvents) Decode(raw []byte, truncated bool, tooLongTag string, emit func(*event.Event)) {
	if !j.Charset.IsUTF8() {
		raw = j.Charset.Bytes(raw)
	}
	if !truncated && isBlank(raw) {
		return
	}
	if truncated {
		j.fail(raw, fmt.Errorf("document longer than the size limit, cut at %d bytes", len(raw)), tooLongTag, emit)
		return
	}
	v, err := event.DecodeJSONValue(raw)
	if err != nil {
		j.fail(raw, err, "", emit)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		e, err := j.event(x)
		if err != nil {
			j.fail(raw, err, "", emit)
			return
		}
		if j.Original {
			if _, ok := e.Get(OriginalRef); !ok {
				_ = e.Set(OriginalRef, ValidUTF8(raw))
			}
		}
		emit(e)
	case []any:
		for _, it := range x {
			if _, ok := it.(map[string]any); !ok {
				j.fail(raw, fmt.Errorf("JSON array holds %s; only objects can become events", event.TypeName(it)), "", emit)
				return
			}
		}
		events := make([]*event.Event, 0, len(x))
		for _, it := range x {
			e, err := j.event(it.(map[string]any))
			if err != nil {
				j.fail(raw, err, "", emit)
				return
			}
			events = append(events, e)
		}
		for _, e := range events {
			emit(e)
		}
	default:
		j.fail(raw, fmt.Errorf("JSON document is %s; only an object or an array of objects can become events", event.TypeName(v)), "", emit)
	}
}

func (j *JSONEvents) event(m map[string]any) (*event.Event, error) {
	if !j.Target.IsZero() {
		e := event.New()
		if err := e.Set(j.Target, m); err != nil {
			return nil, fmt.Errorf("target %s: %w", j.Target, err)
		}
		return e, nil
	}
	if j.Python {
		NormalizePython(m)
	}
	return event.FromMap(m), nil
}

func (j *JSONEvents) fail(raw []byte, err error, extraTag string, emit func(*event.Event)) {
	msg := ValidUTF8(raw)
	j.failures.Log(j.Logger, "JSON parse error, original data now in message field", "error", err, "data", clip(msg, 256))
	e := event.NewMessage(msg)
	e.AddTag(TagJSONParseFailure)
	if extraTag != "" {
		e.AddTag(extraTag)
	}
	emit(e)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func isBlank(p []byte) bool {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
		default:
			return false
		}
	}
	return true
}
