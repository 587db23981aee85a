// Package codecutil holds what Sluice's codecs share: a bounded
// delimiter splitter, character set conversion, turning decoded JSON
// documents into events (with the Python logging formats normalised) and
// the tags codecs put on events they could not decode cleanly. Inputs that
// frame lines themselves may use the Splitter too.
package codecutil

import (
	"github.com/sluicelog/sluice/plugin"
)

// Tags codecs add to events.
const (
	// TagJSONParseFailure marks an event whose raw text was not a JSON
	// object (or array of objects); the text is in message.
	TagJSONParseFailure = "_jsonparsefailure"
	// TagLineTooLong marks a line cut at the maximum size; the rest of the
	// line, up to the next delimiter, was dropped.
	TagLineTooLong = "_linetoolong"
	// TagMessageTooLong marks a message or JSON document cut at the
	// maximum size.
	TagMessageTooLong = "_messagetoolong"
)

// DefaultMaxBytes is the size limit of one line or message when the input
// does not set DecoderOptions.MaxBytes.
const DefaultMaxBytes = 1 << 20

// MaxBytes returns the limit to apply: opts.MaxBytes, or DefaultMaxBytes.
func MaxBytes(opts plugin.DecoderOptions) int {
	if opts.MaxBytes > 0 {
		return opts.MaxBytes
	}
	return DefaultMaxBytes
}

// ECSEnabled reports whether the plugin runs in an ECS compatibility mode
// (v1 or v8), in which Logstash's codecs also keep the raw input in
// [event][original].
func ECSEnabled(ctx *plugin.Context) bool {
	return ctx != nil && ctx.ECS()
}
