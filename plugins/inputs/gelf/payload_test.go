package gelf

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

// graypyDoc is what graypy's GELF handlers send for
// log.exception("payment failed", extra={"order_id": 42}) (graypy 2.1,
// debugging_fields on).
const graypyDoc = `{"version": "1.0", "host": "web-7", "short_message": "payment failed",
 "full_message": "payment failed\nTraceback (most recent call last):\n  File \"app.py\", line 12, in pay\nZeroDivisionError: division by zero",
 "timestamp": 1714564496.789, "level": 3, "_facility": "app.payments",
 "_logger_name": "app.payments", "_file": "/srv/app.py", "_line": 12, "_function": "pay",
 "_pid": 4242, "_process_name": "MainProcess", "_thread_name": "MainThread", "_order_id": 42}`

// dockerDoc is what Docker's gelf logging driver sends for one line.
const dockerDoc = `{"version":"1.1","host":"docker-host-1","short_message":"GET / 200","timestamp":1714564496.123,"level":6,
 "_command":"nginx -g daemon off;","_container_id":"7c6f1e0b2a3d","_container_name":"web","_created":"2024-05-01T12:00:00.000000000Z",
 "_image_id":"sha256:abc","_image_name":"nginx:1.25","_tag":"7c6f1e0b2a3d"}`

func TestMapper(t *testing.T) {
	ts := time.Date(2024, 5, 1, 11, 54, 56, 789000000, time.UTC)
	cases := []struct {
		name   string
		m      mapper
		doc    string
		sender any
		want   map[string]any // fields (nil value: must be absent)
		tags   []string
	}{
		{
			name: "graypy legacy", m: mapper{remap: true, strip: true}, doc: graypyDoc, sender: "10.0.0.7",
			want: map[string]any{
				"@timestamp": ts, "timestamp": nil, "version": "1.0", "host": "web-7", "source_host": "10.0.0.7",
				"message":       "payment failed\nTraceback (most recent call last):\n  File \"app.py\", line 12, in pay\nZeroDivisionError: division by zero",
				"short_message": "payment failed", "full_message": nil, "level": int64(3),
				"facility": "app.payments", "logger_name": "app.payments", "file": "/srv/app.py", "line": int64(12),
				"function": "pay", "pid": int64(4242), "process_name": "MainProcess", "thread_name": "MainThread",
				"order_id": int64(42), "_order_id": nil, "_line": nil,
			},
		},
		{
			name: "graypy ECS", m: mapper{remap: true, strip: true, ecs: true}, doc: graypyDoc, sender: "10.0.0.7",
			want: map[string]any{
				"[host][hostname]": "web-7", "[host][ip]": "10.0.0.7", "source_host": nil,
				"short_message": "payment failed", "logger_name": "app.payments", "@timestamp": ts,
			},
		},
		{
			name: "docker", m: mapper{remap: true, strip: true, ecs: true}, doc: dockerDoc, sender: "172.17.0.1",
			want: map[string]any{
				"message": "GET / 200", "short_message": nil, "level": int64(6), "version": "1.1",
				"container_name": "web", "image_name": "nginx:1.25", "tag": "7c6f1e0b2a3d",
				"created": "2024-05-01T12:00:00.000000000Z", "[host][hostname]": "docker-host-1",
				"@timestamp": time.Date(2024, 5, 1, 11, 54, 56, 123000000, time.UTC),
			},
		},
		{
			name: "no remap, no strip", m: mapper{}, doc: graypyDoc, sender: "10.0.0.7",
			want: map[string]any{
				"short_message": "payment failed", "message": nil, "_logger_name": "app.payments",
				"logger_name": nil, "full_message": "payment failed\nTraceback (most recent call last):\n  File \"app.py\", line 12, in pay\nZeroDivisionError: division by zero",
			},
		},
		{
			name: "full_message equal to short_message", m: mapper{remap: true},
			doc:  `{"short_message":"same","full_message":"same"}`,
			want: map[string]any{"message": "same", "short_message": nil, "full_message": nil},
		},
		{
			name: "empty full_message", m: mapper{remap: true},
			doc:  `{"short_message":"short","full_message":""}`,
			want: map[string]any{"message": "short", "short_message": nil, "full_message": ""},
		},
		{
			name: "non-string short_message stays", m: mapper{remap: true},
			doc:  `{"short_message":42}`,
			want: map[string]any{"message": nil, "short_message": int64(42)},
		},
		{
			name: "integer timestamp", m: mapper{},
			doc:  `{"short_message":"x","timestamp":1714564496}`,
			want: map[string]any{"@timestamp": time.Date(2024, 5, 1, 11, 54, 56, 0, time.UTC), "timestamp": nil},
		},
		{
			name: "microsecond timestamp", m: mapper{},
			doc:  `{"timestamp":1714564496.000001}`,
			want: map[string]any{"@timestamp": time.Date(2024, 5, 1, 11, 54, 56, 1000, time.UTC)},
		},
		{
			name: "string timestamp kept", m: mapper{},
			doc:  `{"timestamp":"yesterday"}`,
			want: map[string]any{"timestamp": "yesterday"},
		},
		{
			name: "absurd timestamp kept and tagged", m: mapper{},
			doc:  `{"timestamp":1e300}`,
			want: map[string]any{"timestamp": 1e300},
			tags: []string{TagTimestampFailure},
		},
		{
			name: "underscore edge cases", m: mapper{strip: true},
			doc:  `{"_":1,"_@timestamp":2,"_x":3,"__x":4,"___x":5,"_y":6,"y":7}`,
			want: map[string]any{"_": int64(1), "_@timestamp": int64(2), "x": int64(3), "_x": int64(4), "__x": int64(5), "y": int64(6), "___x": nil},
		},
		{
			name: "invalid JSON legacy", m: mapper{remap: true, strip: true}, doc: `{"short_message": "cut`, sender: "10.0.0.9",
			want: map[string]any{"message": `{"short_message": "cut`, "source_host": "10.0.0.9"},
			tags: []string{codecutil.TagJSONParseFailure},
		},
		{
			name: "not an object ECS", m: mapper{ecs: true}, doc: `["a"]`, sender: "10.0.0.9",
			want: map[string]any{"message": `["a"]`, "[host][ip]": "10.0.0.9"},
			tags: []string{codecutil.TagJSONParseFailure},
		},
		{
			name: "ECS with host object kept", m: mapper{ecs: true}, doc: `{"host":{"name":"h"}}`, sender: "10.0.0.9",
			want: map[string]any{"[host][name]": "h", "[host][ip]": "10.0.0.9"},
		},
		{
			name: "ECS with numeric host kept", m: mapper{ecs: true}, doc: `{"host":5}`, sender: "10.0.0.9",
			want: map[string]any{"host": int64(5)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.m.event([]byte(tc.doc), tc.sender)
			for ref, want := range tc.want {
				got, ok := e.GetField(ref)
				if want == nil {
					if ok {
						t.Errorf("%s = %#v, want it absent", ref, got)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", ref, got, want)
				}
			}
			if got := e.Tags(); !reflect.DeepEqual(got, append([]string{}, tc.tags...)) {
				t.Errorf("tags %v, want %v", got, tc.tags)
			}
		})
	}
}

func TestInflater(t *testing.T) {
	msg := []byte(dockerDoc)
	f := &inflater{max: 1 << 20}
	for _, tc := range []struct {
		name string
		p    []byte
	}{
		{"plain", msg},
		{"zlib", zlibBytes(t, msg)},
		{"gzip", gzipBytes(t, msg)},
		{"zlib again (reused reader)", zlibBytes(t, msg)},
		{"gzip again (reused reader)", gzipBytes(t, msg)},
	} {
		got, err := f.payload(tc.p)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%s: got %q, %v", tc.name, got, err)
		}
	}
	for _, tc := range []struct {
		name string
		p    []byte
	}{
		{"corrupt zlib", append([]byte{0x78, 0x9c}, bytes.Repeat([]byte{0xff}, 40)...)},
		{"corrupt gzip", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{0x00}, 40)...)},
		{"truncated zlib", zlibBytes(t, msg)[:20]},
		{"truncated gzip", gzipBytes(t, msg)[:30]},
		{"zlib with a bad checksum", func() []byte { p := zlibBytes(t, msg); p[len(p)-1] ^= 0xff; return p }()},
	} {
		if _, err := f.payload(tc.p); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		// The inflater works after a failure.
		if got, err := f.payload(gzipBytes(t, msg)); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("after %s: got %q, %v", tc.name, got, err)
		}
	}
}

func TestInflaterZipBomb(t *testing.T) {
	const max = 64 << 10
	zeros := make([]byte, 16<<20) // 16 KiB compressed
	for _, tc := range []struct {
		name string
		p    []byte
	}{{"zlib", zlibBytes(t, zeros)}, {"gzip", gzipBytes(t, zeros)}} {
		f := &inflater{max: max}
		_, err := f.payload(tc.p)
		if !errors.Is(err, errInflateTooLarge) {
			t.Fatalf("%s bomb of %d bytes: err %v", tc.name, len(tc.p), err)
		}
		if f.read > max+1 {
			t.Fatalf("%s: inflated %d bytes, want at most %d", tc.name, f.read, max+1)
		}
		if cap(f.out) > 256<<10 {
			t.Fatalf("%s: kept a %d-byte buffer", tc.name, cap(f.out))
		}
	}
	// Exactly max bytes is fine; one more is not.
	f := &inflater{max: 1000}
	if got, err := f.payload(zlibBytes(t, []byte(strings.Repeat("a", 1000)))); err != nil || len(got) != 1000 {
		t.Fatalf("1000 bytes: %d, %v", len(got), err)
	}
	if _, err := f.payload(zlibBytes(t, []byte(strings.Repeat("a", 1001)))); !errors.Is(err, errInflateTooLarge) {
		t.Fatalf("1001 bytes: %v", err)
	}
	if _, err := f.payload([]byte(strings.Repeat("a", 1001))); err == nil {
		t.Fatal("1001 uncompressed bytes accepted")
	}
}

func TestCompressionOf(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want int
	}{
		{"{}", compressionNone}, {"", compressionNone}, {"\x1f", compressionNone},
		{"\x1f\x8b", compressionGzip}, {"\x78\x9c", compressionZlib}, {"\x78\x01", compressionZlib},
		{"\x78\xda", compressionZlib}, {"\x78\x5e", compressionZlib}, {"\x78\x00", compressionNone},
	} {
		if got := compressionOf([]byte(tc.p)); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.p, got, tc.want)
		}
	}
}

// The event owns its strings: the input buffer may be reused.
func TestMapperCopies(t *testing.T) {
	buf := []byte(`{"short_message":"hello","_k":"v"}`)
	m := mapper{remap: true, strip: true}
	e := m.event(buf, nil)
	for i := range buf {
		buf[i] = 'x'
	}
	if e.Message() != "hello" || get(e, "k") != "v" {
		t.Fatalf("event changed with its input: %v", e.Fields())
	}
	_ = event.New
}
