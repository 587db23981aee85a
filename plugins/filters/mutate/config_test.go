package mutate_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/filters/mutate"
)

func build(t *testing.T, src string) plugin.Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, src).Plugin.(plugin.Filter)
}

func apply(t *testing.T, f plugin.Filter, fields map[string]any) (*event.Event, bool) {
	t.Helper()
	fields[event.TimestampField] = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	e := event.FromMap(fields)
	return e, f.Filter(e, nil)
}

// TestConfigOrderDoesNotMatter writes the operations in reverse processing
// order in pipeline syntax: the result is that of the fixed order.
func TestConfigOrderDoesNotMatter(t *testing.T) {
	f := build(t, `mutate {
		copy       => { "m" => "cp" }
		merge      => { "m" => "s" }
		join       => { "s" => "_" }
		split      => { "s" => "o" }
		strip      => [ "s" ]
		lowercase  => [ "s" ]
		capitalize => [ "s" ]
		uppercase  => [ "s" ]
		gsub       => [ "s", "-World", " World" ]
		convert    => { "num" => "integer" }
		replace    => { "s" => "%{r}  " "num" => "1%{n}" }
		update     => { "r" => "%{r}+" }
		rename     => { "c" => "r" }
		coerce     => { "c" => "Hello-World" }
	}`)
	e, ok := apply(t, f, map[string]any{"c": nil, "n": int64(2)})
	if !ok {
		t.Fatalf("filter failed: %v", e.Tags())
	}
	want := map[string]any{
		"r": "Hello-World+", "n": int64(2), "num": int64(12),
		"s": "hell_ w_rld+", "m": []any{"hell_ w_rld+"}, "cp": []any{"hell_ w_rld+"},
	}
	for k, v := range want {
		if got, _ := e.GetField(k); !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
}

// TestConfigForms checks Logstash's spellings: arrays of pairs for hash
// options, a single string for array options, repeated options, and
// backslashes kept as written (config.support_escapes off).
func TestConfigForms(t *testing.T) {
	f := build(t, `mutate {
		rename    => [ "a", "b" ]
		rename    => [ "x", "y" ]
		convert   => [ "n", "integer", "fl", "float" ]
		lowercase => "low"
		gsub      => [ "d", "(\d+)-(\d+)", "\2.\1", "p", "[\\]", "/" ]
		merge     => { "list" => "one" }
		merge     => { "list" => "two" }
	}`)
	e, ok := apply(t, f, map[string]any{
		"a": "A", "x": "X", "n": "1,000", "fl": "2.5", "low": "LOW", "d": "10-20", "p": `a\b`,
		"list": "zero", "one": "1", "two": "2",
	})
	if !ok {
		t.Fatalf("filter failed: %v", e.Tags())
	}
	for k, v := range map[string]any{
		"b": "A", "y": "X", "n": int64(1000), "fl": 2.5, "low": "low", "d": "20.10", "p": "a/b",
		"list": []any{"zero", "1", "2"},
	} {
		if got, _ := e.GetField(k); !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		`mutate { convert => { "f" => "int" } }`:          "invalid conversion type",
		`mutate { gsub => [ "f", "a" ] }`:                 "triples",
		`mutate { remove => [ "f" ] }`:                    "remove_field",
		`mutate { uppercase => { "f" => "x" } }`:          "expected a string",
		`mutate { rename => { "[a" => "b" } }`:            "invalid field reference",
		`mutate { tag_on_failure => "x" lowercse => [] }`: `did you mean "lowercase"`,
	} {
		_, err := plugintest.BuildErr(plugin.KindFilter, src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want %q", src, err, want)
		}
	}
}
