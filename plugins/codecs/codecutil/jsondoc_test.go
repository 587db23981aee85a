package codecutil

import (
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func decodeDoc(j *JSONEvents, raw string, truncated bool) []*event.Event {
	var out []*event.Event
	j.Decode([]byte(raw), truncated, TagLineTooLong, func(e *event.Event) { out = append(out, e) })
	return out
}

func TestJSONEvents(t *testing.T) {
	type want struct {
		message string
		tags    []string
		field   string // a field that must be there
	}
	tests := []struct {
		in   string
		want []want
	}{
		{`{"message":"one","a":1}`, []want{{message: "one", field: "a"}}},
		{`[{"message":"one"},{"message":"two"}]`, []want{{message: "one"}, {message: "two"}}},
		{`[]`, nil},
		{``, nil},
		{" \r\n\t", nil},
		{`"just a string"`, []want{{message: `"just a string"`, tags: []string{TagJSONParseFailure}}}},
		{`42`, []want{{message: `42`, tags: []string{TagJSONParseFailure}}}},
		{`null`, []want{{message: `null`, tags: []string{TagJSONParseFailure}}}},
		{`[{"a":1},2]`, []want{{message: `[{"a":1},2]`, tags: []string{TagJSONParseFailure}}}},
		{`{"a":`, []want{{message: `{"a":`, tags: []string{TagJSONParseFailure}}}},
		{"not json \xff", []want{{message: "not json \ufffd", tags: []string{TagJSONParseFailure}}}},
		{`{"message":"x","tags":["t"]}`, []want{{message: "x", tags: []string{"t"}}}},
		{strings.Repeat("[", 600), []want{{message: strings.Repeat("[", 600), tags: []string{TagJSONParseFailure}}}},
	}
	for _, tt := range tests {
		got := decodeDoc(&JSONEvents{Logger: quiet, Python: true}, tt.in, false)
		if len(got) != len(tt.want) {
			t.Errorf("%.40q: %d events, want %d", tt.in, len(got), len(tt.want))
			continue
		}
		for i, w := range tt.want {
			e := got[i]
			if e.Message() != w.message {
				t.Errorf("%.40q: event %d message %q, want %q", tt.in, i, e.Message(), w.message)
			}
			if tags := e.Tags(); len(w.tags) > 0 && !reflect.DeepEqual(tags, w.tags) || len(w.tags) == 0 && len(tags) > 0 {
				t.Errorf("%.40q: event %d tags %v, want %v", tt.in, i, tags, w.tags)
			}
			if w.field != "" {
				if _, ok := e.Fields()[w.field]; !ok {
					t.Errorf("%.40q: no field %s", tt.in, w.field)
				}
			}
			if e.Timestamp().IsZero() {
				t.Errorf("%.40q: no @timestamp", tt.in)
			}
		}
	}
}

func TestJSONEventsTruncated(t *testing.T) {
	got := decodeDoc(&JSONEvents{Logger: quiet}, `{"a":1}`, true)
	if len(got) != 1 || got[0].Message() != `{"a":1}` || !reflect.DeepEqual(got[0].Tags(), []string{TagJSONParseFailure, TagLineTooLong}) {
		t.Fatalf("got %v", got[0].Fields())
	}
}

func TestJSONEventsTarget(t *testing.T) {
	j := &JSONEvents{Logger: quiet, Python: true, Target: event.MustRef("[doc]")}
	got := decodeDoc(j, `{"@timestamp":"2001-01-01T00:00:00Z","event":"structlog message","n":1}`, false)
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	doc, _ := got[0].GetField("[doc]")
	want := map[string]any{"@timestamp": "2001-01-01T00:00:00Z", "event": "structlog message", "n": int64(1)}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("[doc] = %#v, want %#v (no normalisation under a target)", doc, want)
	}
	if got[0].Timestamp().Year() == 2001 {
		t.Errorf("@timestamp taken from the target")
	}
	// A target through a non-object is a failure, not a panic.
	j.Target = event.MustRef("[@timestamp][x]")
	got = decodeDoc(j, `{"a":1}`, false)
	if len(got) != 1 || !got[0].HasTag(TagJSONParseFailure) {
		t.Errorf("bad target: %v", got)
	}
}

func TestJSONEventsOriginal(t *testing.T) {
	j := &JSONEvents{Logger: quiet, Original: true}
	got := decodeDoc(j, `{"a":1}`, false)
	if v, _ := got[0].GetField("[event][original]"); v != `{"a":1}` {
		t.Errorf("[event][original] = %#v", v)
	}
	got = decodeDoc(j, `{"event":{"original":"kept"}}`, false)
	if v, _ := got[0].GetField("[event][original]"); v != "kept" {
		t.Errorf("[event][original] overwritten: %#v", v)
	}
	got = decodeDoc(j, `[{"a":1},{"a":2}]`, false)
	if _, ok := got[0].GetField("[event][original]"); ok {
		t.Errorf("[event][original] set for an array")
	}
}

func TestCharset(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"UTF-8", "caf\xc3\xa9 \xff", "café \ufffd"},
		{"utf8", "ok", "ok"},
		{"ISO-8859-1", "caf\xe9 \x93", "café \u0093"},
		{"latin1", "\xe9", "é"},
		{"Windows-1252", "\x93quoted\x94 \x80", "“quoted” €"},
		{"CP1252", "\x80", "€"},
		{"US-ASCII", "a\xe9b", "a\ufffdb"},
		{"Shift_JIS", "\x93\xfa\x96\x7b", "日本"},
		{"UTF-16LE", "h\x00i\x00", "hi"},
		{"cp1251", "\xcf\xf0\xe8", "При"},
	}
	for _, tt := range tests {
		c, err := NewCharset(tt.name)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := c.String([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: %q → %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if got := string(c.Bytes([]byte(tt.in))); got != tt.want {
			t.Errorf("%s: Bytes %q → %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	if _, err := NewCharset("klingon-8"); err == nil || !strings.Contains(err.Error(), `unsupported charset "klingon-8"`) {
		t.Errorf("unknown charset: %v", err)
	}
	var zero *Charset
	if !zero.IsUTF8() || zero.String([]byte("\xff")) != "\ufffd" {
		t.Error("nil Charset is not UTF-8")
	}
}
