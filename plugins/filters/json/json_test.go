package json

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func filter(t *testing.T, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func ev(fields map[string]any) *event.Event {
	fields["@timestamp"] = ts0
	return event.FromMap(fields)
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in         map[string]any
		ok         bool
		want       map[string]any
	}{
		{
			name: "merge into the root, overwriting",
			conf: `json { source => "message" }`,
			in:   map[string]any{"message": `{"a":1,"b":{"c":[true,null]},"host":"new","message":"inner"}`, "host": "old"},
			ok:   true,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "a": int64(1), "b": map[string]any{"c": []any{true, nil}}, "host": "new", "message": "inner"},
		},
		{
			name: "target",
			conf: `json { source => "[raw][json]" target => "[doc]" }`,
			in:   map[string]any{"raw": map[string]any{"json": `[1, 2.5, "x"]`}, "doc": "overwritten"},
			ok:   true,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "raw": map[string]any{"json": `[1, 2.5, "x"]`}, "doc": []any{int64(1), 2.5, "x"}},
		},
		{
			name: "parsed @timestamp",
			conf: `json { source => "message" }`,
			in:   map[string]any{"message": `{"@timestamp":"2024-05-01T10:20:30.123+02:00","x":1}`},
			ok:   true,
			want: map[string]any{"@timestamp": time.Date(2024, 5, 1, 8, 20, 30, 123e6, time.UTC), "@version": "1", "message": `{"@timestamp":"2024-05-01T10:20:30.123+02:00","x":1}`, "x": int64(1)},
		},
		{
			name: "bad @timestamp",
			conf: `json { source => "message" }`,
			in:   map[string]any{"message": `{"@timestamp":"yesterday"}`},
			ok:   true,
			want: map[string]any{"@version": "1", "message": `{"@timestamp":"yesterday"}`, "_@timestamp": "yesterday", "tags": []any{"_timestampparsefailure"}},
		},
		{
			name: "invalid JSON is tagged and left alone",
			conf: `json { source => "message" }`,
			in:   map[string]any{"message": `{"a":`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `{"a":`, "tags": []any{"_jsonparsefailure"}},
		},
		{
			name: "custom failure tags",
			conf: `json { source => "message" tag_on_failure => ["bad", "json"] }`,
			in:   map[string]any{"message": `nope`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `nope`, "tags": []any{"bad", "json"}},
		},
		{
			name: "skip_on_invalid_json",
			conf: `json { source => "message" skip_on_invalid_json => true }`,
			in:   map[string]any{"message": `plain text`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `plain text`},
		},
		{
			name: "array without target",
			conf: `json { source => "message" skip_on_invalid_json => true }`,
			in:   map[string]any{"message": `[1]`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `[1]`, "tags": []any{"_jsonparsefailure"}},
		},
		{
			name: "scalar without target",
			conf: `json { source => "message" }`,
			in:   map[string]any{"message": `"str"`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `"str"`, "tags": []any{"_jsonparsefailure"}},
		},
		{
			name: "missing source",
			conf: `json { source => "nothere" }`,
			in:   map[string]any{"message": `{}`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `{}`},
		},
		{
			name: "non-string source",
			conf: `json { source => "n" }`,
			in:   map[string]any{"n": int64(5)},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "n": int64(5), "tags": []any{"_jsonparsefailure"}},
		},
		{
			name: "blank text into a target is null",
			conf: `json { source => "message" target => "t" }`,
			in:   map[string]any{"message": "  "},
			ok:   true,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": "  ", "t": nil},
		},
		{
			name: "too deep",
			conf: `json { source => "message" }`,
			in:   map[string]any{"message": strings.Repeat("[", 513)},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": strings.Repeat("[", 513), "tags": []any{"_jsonparsefailure"}},
		},
		{
			name: "target through a non-object fails",
			conf: `json { source => "message" target => "[message][x]" }`,
			in:   map[string]any{"message": `{}`},
			ok:   false,
			want: map[string]any{"@timestamp": ts0, "@version": "1", "message": `{}`, "tags": []any{"_jsonparsefailure"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filter(t, tt.conf)
			e := ev(tt.in)
			ok := f.Filter(e, func(*event.Event) { t.Fatal("emit called") })
			if ok != tt.ok {
				t.Errorf("Filter returned %v, want %v", ok, tt.ok)
			}
			got := e.Fields()
			if _, want := tt.want["@timestamp"]; !want {
				if e.Timestamp().Before(time.Now().Add(-time.Minute)) {
					t.Errorf("@timestamp %v, want now", e.Timestamp())
				}
				delete(got, "@timestamp")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	f := filter(t, `json { source => "message" }`)
	e := ev(map[string]any{"message": `{"@metadata":{"index":"logs"},"a":1}`})
	if !f.Filter(e, nil) {
		t.Fatal("not applied")
	}
	if e.Metadata()["index"] != "logs" {
		t.Errorf("metadata = %v", e.Metadata())
	}
	if _, ok := e.Fields()["@metadata"]; ok {
		t.Error("@metadata in the fields")
	}
}

func TestRequiredSource(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindFilter, `json { }`); err == nil || !strings.Contains(err.Error(), `"source"`) {
		t.Errorf("err = %v", err)
	}
}

func BenchmarkFilter(b *testing.B) {
	f := &Filter{Source: event.MustRef("message"), TagOnFailure: []string{"_jsonparsefailure"}}
	msg := `{"@timestamp":"2024-05-01T10:20:30.123Z","level":"INFO","logger":"app.views","message":"GET /api/orders/1234 returned 200","status":200,"duration":12.5}`
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		e := event.NewMessage(msg)
		f.Filter(e, nil)
	}
}
