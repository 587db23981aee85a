// Package json is the json filter: parses JSON text held in a field.
package json

import (
	_ "embed"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "json",
		Summary: "Parses JSON text from a field into the event.",
		Description: `Parses the JSON text in ` + "`source`" + ` and stores the result in ` + "`target`" + `, or, without
a target, merges the members of the parsed object into the root of the event,
overwriting fields of the same name (as Logstash does). A parsed ` + "`@timestamp`" + `
becomes the event's timestamp; an unparsable one is kept in ` + "`_@timestamp`" + ` and the
event tagged ` + "`_timestampparsefailure`" + `. A parsed ` + "`@metadata`" + ` object replaces the
event's metadata.

When the text is not valid JSON, the event is left as it was and tagged with
` + "`tag_on_failure`" + ` (unless ` + "`skip_on_invalid_json`" + `), and a warning is logged. Parsed
JSON that is not an object (an array, a string, a number) needs a ` + "`target`" + `:
without one the event is tagged with ` + "`tag_on_failure`" + `. In both cases the filter
counts as not matched: ` + "`add_field`" + `, ` + "`add_tag`" + ` and the other common options do
not run. An event without the source field, or where it is null, is left
alone. Blank text parses as null.

Numbers that are integers and fit 64 bits stay integers, others are floats;
invalid UTF-8 becomes U+FFFD; ` + "`NaN`" + ` and ` + "`Infinity`" + ` are accepted; nesting deeper than
512 levels is a parse failure.

Difference from Logstash: member names are used literally when merging into
the root (Logstash reads a name such as ` + "`[a][b]`" + ` as a field reference).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the json filter.
type Filter struct {
	Source            event.Ref
	Target            event.Ref
	SkipOnInvalidJSON bool
	TagOnFailure      []string

	logger *slog.Logger
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source", "Field holding the JSON text.").Required().Example(`"message"`)
	s.FieldRef(&f.Target, "target",
		"Field that receives the parsed value (overwritten if it exists). Without it, the parsed object's members "+
			"are merged into the root of the event.").
		Example(`"[document]"`)
	s.Bool(&f.SkipOnInvalidJSON, "skip_on_invalid_json",
		"Leave events whose source is not valid JSON alone: no tag, no warning. For fields that hold JSON only sometimes.").
		Default(false)
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when the source cannot be parsed or stored.").
		Default([]string{"_jsonparsefailure"})
}

// Init keeps the logger.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	return nil
}

var metadataRef = event.MustRef("[@metadata]")

// Filter parses the source field; it returns false when it did not apply.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.Source)
	if !ok || v == nil {
		return false
	}
	text, ok := v.(string)
	if !ok {
		f.fail(e, fmt.Errorf("source field %s holds %s, not JSON text", f.Source, event.TypeName(v)), "")
		return false
	}
	var parsed any
	if !isBlank(text) {
		var err error
		if parsed, err = event.DecodeJSONString(text); err != nil {
			if f.SkipOnInvalidJSON {
				return false
			}
			f.fail(e, err, text)
			return false
		}
	}
	if !f.Target.IsZero() {
		if err := e.Set(f.Target, parsed); err != nil {
			f.fail(e, err, text)
			return false
		}
		return true
	}
	obj, ok := parsed.(map[string]any)
	if !ok {
		f.fail(e, fmt.Errorf("parsed JSON is %s, not an object: set target to keep it", event.TypeName(parsed)), text)
		return false
	}
	ts, hasTS := obj[event.TimestampField]
	delete(obj, event.TimestampField)
	fields := e.Fields()
	for k, val := range obj {
		if k == event.MetadataField {
			if md, ok := val.(map[string]any); ok {
				_ = e.Set(metadataRef, md)
				continue
			}
		}
		fields[k] = val
	}
	if hasTS {
		if s, ok := ts.(string); ok {
			if t, err := event.ParseTimestamp(s); err == nil {
				e.SetTimestamp(t)
				return true
			}
		}
		e.SetTimestamp(time.Now())
		e.AddTag("_timestampparsefailure")
		if s, ok := ts.(string); ok {
			fields["_"+event.TimestampField] = s
		} else {
			fields["_"+event.TimestampField] = string(event.FormatValue(nil, ts))
		}
		f.log().Warn("unrecognized @timestamp value: set to the current time, original in _@timestamp", "value", fields["_"+event.TimestampField])
	}
	return true
}

func (f *Filter) fail(e *event.Event, err error, raw string) {
	for _, t := range f.TagOnFailure {
		e.AddTag(t)
	}
	if len(raw) > 256 {
		raw = raw[:256] + "..."
	}
	f.log().Warn("error parsing json", "source", f.Source.String(), "raw", raw, "error", err)
}

func (f *Filter) log() *slog.Logger {
	if f.logger == nil {
		return slog.Default()
	}
	return f.logger
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
		default:
			return false
		}
	}
	return true
}
