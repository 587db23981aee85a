package syslog_pri

import (
	"reflect"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func TestFilter(t *testing.T) {
	type m = map[string]any
	ecsWant := func(fc, sc int64, fn, sn string) m {
		sev := m{"code": sc}
		fac := m{"code": fc}
		if fn != "" {
			fac["name"] = fn
		}
		if sn != "" {
			sev["name"] = sn
		}
		return m{"facility": fac, "severity": sev}
	}
	tests := []struct {
		name, conf string
		in         m
		ok         bool
		want       m // fields besides @timestamp/@version
	}{
		{
			name: "legacy string",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": "34"},
			ok:   true,
			want: m{"syslog_pri": "34", "syslog_facility_code": int64(4), "syslog_facility": "security/authorization",
				"syslog_severity_code": int64(2), "syslog_severity": "critical"},
		},
		{
			name: "legacy missing field defaults to 13",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"message": "x"},
			ok:   true,
			want: m{"message": "x", "syslog_facility_code": int64(1), "syslog_facility": "user-level",
				"syslog_severity_code": int64(5), "syslog_severity": "notice"},
		},
		{
			name: "legacy without labels",
			conf: `syslog_pri { ecs_compatibility => disabled use_labels => false }`,
			in:   m{"syslog_pri": int64(191)},
			ok:   true,
			want: m{"syslog_pri": int64(191), "syslog_facility_code": int64(23), "syslog_severity_code": int64(7)},
		},
		{
			name: "ECS integer",
			conf: `syslog_pri { }`,
			in:   m{"log": m{"syslog": m{"priority": int64(0)}}},
			ok:   true,
			want: m{"log": m{"syslog": func() m { x := ecsWant(0, 0, "kernel", "emergency"); x["priority"] = int64(0); return x }()}},
		},
		{
			name: "ECS missing defaults to 13",
			conf: `syslog_pri { }`,
			in:   m{},
			ok:   true,
			want: m{"log": m{"syslog": ecsWant(1, 5, "user-level", "notice")}},
		},
		{
			name: "custom field, array, custom labels, code past the labels",
			conf: `syslog_pri { syslog_pri_field_name => "p" facility_labels => ["k", "u"] severity_labels => ["e"] }`,
			in:   m{"p": []any{"<9>", "x"}},
			ok:   true,
			want: m{"p": []any{"<9>", "x"}, "log": m{"syslog": ecsWant(1, 1, "u", "")}},
		},
		{
			name: "float without fraction",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": 165.0},
			ok:   true,
			want: m{"syslog_pri": 165.0, "syslog_facility_code": int64(20), "syslog_facility": "local4",
				"syslog_severity_code": int64(5), "syslog_severity": "notice"},
		},
		{
			name: "past the RFC range: codes without names",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": "200"},
			ok:   true,
			want: m{"syslog_pri": "200", "syslog_facility_code": int64(25), "syslog_severity_code": int64(0), "syslog_severity": "emergency"},
		},
		{
			name: "not a number",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": "abc"},
			ok:   false,
			want: m{"syslog_pri": "abc", "tags": []any{"_syslogpriparsefailure"}},
		},
		{
			name: "negative",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": int64(-1)},
			ok:   false,
			want: m{"syslog_pri": int64(-1), "tags": []any{"_syslogpriparsefailure"}},
		},
		{
			name: "fraction",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": 1.5},
			ok:   false,
			want: m{"syslog_pri": 1.5, "tags": []any{"_syslogpriparsefailure"}},
		},
		{
			name: "object",
			conf: `syslog_pri { ecs_compatibility => disabled }`,
			in:   m{"syslog_pri": m{"a": int64(1)}},
			ok:   false,
			want: m{"syslog_pri": m{"a": int64(1)}, "tags": []any{"_syslogpriparsefailure"}},
		},
		{
			name: "ECS target blocked by a string",
			conf: `syslog_pri { syslog_pri_field_name => "p" }`,
			in:   m{"p": "13", "log": "text"},
			ok:   false,
			want: m{"p": "13", "log": "text", "tags": []any{"_syslogpriparsefailure"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			e := event.FromMap(tt.in)
			if ok := f.Filter(e, func(*event.Event) { t.Fatal("emit called") }); ok != tt.ok {
				t.Errorf("Filter returned %v, want %v", ok, tt.ok)
			}
			got := e.Fields()
			delete(got, "@timestamp")
			delete(got, "@version")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func BenchmarkFilter(b *testing.B) {
	f := &Filter{UseLabels: true, FacilityLabels: []string{"kernel", "user-level"}, SeverityLabels: []string{"a", "b", "c", "d", "e", "notice"}}
	_ = f.Init(&plugin.Context{ECSCompatibility: "v8"})
	b.ReportAllocs()
	for b.Loop() {
		e := event.NewMessage("x")
		f.Filter(e, nil)
	}
}
