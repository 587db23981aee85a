package mutate

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

var testTime = time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)

// h builds a hash from key, value pairs.
func h(kv ...any) plugin.Hash {
	out := plugin.Hash{}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, plugin.HashEntry{Key: kv[i].(string), Value: kv[i+1]})
	}
	return out
}

func newFilter(t testing.TB, f *Filter) *Filter {
	t.Helper()
	if f.TagOnFailure == "" {
		f.TagOnFailure = "_mutate_error"
	}
	if err := f.Init(&plugin.Context{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return f
}

// newEvent builds an event from fields (values normalised), with a fixed
// @timestamp so that expectations can be written by hand.
func newEvent(fields map[string]any) *event.Event {
	m := map[string]any{}
	for k, v := range fields {
		m[k] = event.CloneValue(event.Normalize(v))
	}
	m[event.TimestampField] = testTime
	return event.FromMap(m)
}

// userFields returns the event's fields without @timestamp and @version.
func userFields(e *event.Event) map[string]any {
	out := map[string]any{}
	for k, v := range e.Fields() {
		if k != event.TimestampField && k != event.VersionField {
			out[k] = v
		}
	}
	return out
}

type tc struct {
	name   string
	filter Filter
	in     map[string]any
	want   map[string]any
	fail   bool // the filter reports failure (and tags the event)
}

func runCases(t *testing.T, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.filter
			newFilter(t, &f)
			e := newEvent(c.in)
			ok := f.Filter(e, func(*event.Event) { t.Fatal("mutate must not emit events") })
			if ok == c.fail {
				t.Errorf("Filter returned %v, want %v", ok, !c.fail)
			}
			want := map[string]any{}
			for k, v := range c.want {
				want[k] = event.Normalize(event.CloneValue(v))
			}
			if c.fail {
				tags, _ := want["tags"].([]any)
				want["tags"] = append(tags, "_mutate_error")
			}
			if got := userFields(e); !reflect.DeepEqual(got, want) {
				t.Errorf("fields:\n got  %s\n want %s", show(got), show(want))
			}
		})
	}
}

// show prints values with their Go types, so that 1 and "1" differ.
func show(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortStrings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: %s", k, show(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return fmt.Sprintf("%T(%#v)", v, v)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

type m = map[string]any
type a = []any

func TestCoerce(t *testing.T) {
	runCases(t, []tc{
		{name: "null becomes default", filter: Filter{Coerce: h("f1", "Hello", "f2", "Bye")},
			in: m{"f1": nil, "f2": nil}, want: m{"f1": "Hello", "f2": "Bye"}},
		{name: "number default is text", filter: Filter{Coerce: h("f", int64(5))},
			in: m{"f": nil}, want: m{"f": "5"}},
		{name: "non-null left alone", filter: Filter{Coerce: h("f", "x")},
			in: m{"f": true}, want: m{"f": true}},
		{name: "missing field not created", filter: Filter{Coerce: h("f", "x")},
			in: m{}, want: m{}},
		{name: "nested and sprintf", filter: Filter{Coerce: h("[a][b]", "from %{host}")},
			in: m{"a": m{"b": nil}, "host": "h1"}, want: m{"a": m{"b": "from h1"}, "host": "h1"}},
	})
}

func TestRename(t *testing.T) {
	runCases(t, []tc{
		{name: "simple", filter: Filter{Rename: h("HOSTORIP", "client_ip")},
			in: m{"HOSTORIP": "1.2.3.4"}, want: m{"client_ip": "1.2.3.4"}},
		{name: "missing source is not an error", filter: Filter{Rename: h("nosuchfield", "hello")},
			in: m{"x": 1}, want: m{"x": 1}},
		{name: "into nested", filter: Filter{Rename: h("ip", "[client][ip]")},
			in: m{"ip": "::1"}, want: m{"client": m{"ip": "::1"}}},
		{name: "out of nested", filter: Filter{Rename: h("[a][b]", "c")},
			in: m{"a": m{"b": m{"deep": 1}, "k": 2}}, want: m{"a": m{"k": 2}, "c": m{"deep": 1}}},
		{name: "overwrites destination", filter: Filter{Rename: h("a", "b")},
			in: m{"a": 1, "b": 2}, want: m{"b": 1}},
		{name: "dynamic source", filter: Filter{Rename: h("field_%{x}", "destination")},
			in: m{"field_one": "value", "x": "one"}, want: m{"destination": "value", "x": "one"}},
		{name: "dynamic destination", filter: Filter{Rename: h("origin", "field_%{x}")},
			in: m{"origin": "value", "x": "one"}, want: m{"field_one": "value", "x": "one"}},
		{name: "null value moves", filter: Filter{Rename: h("a", "b")},
			in: m{"a": nil}, want: m{"b": nil}},
		{name: "array element", filter: Filter{Rename: h("[arr][0]", "first")},
			in: m{"arr": a{"x", "y"}}, want: m{"arr": a{"y"}, "first": "x"}},
		{name: "destination parent not a hash fails and keeps source", filter: Filter{Rename: h("a", "[s][x]")},
			in: m{"a": 1, "s": "str"}, want: m{"a": 1, "s": "str"}, fail: true},
		{name: "several in order", filter: Filter{Rename: h("a", "b", "b", "c")},
			in: m{"a": 1}, want: m{"c": 1}},
	})
}

func TestUpdateReplace(t *testing.T) {
	runCases(t, []tc{
		{name: "update existing", filter: Filter{Update: h("sample", "My new message")},
			in: m{"sample": "old"}, want: m{"sample": "My new message"}},
		{name: "update missing does nothing", filter: Filter{Update: h("nosuchfield", "weee")},
			in: m{}, want: m{}},
		{name: "update null field (it exists)", filter: Filter{Update: h("f", "v")},
			in: m{"f": nil}, want: m{"f": "v"}},
		{name: "update sprintf", filter: Filter{Update: h("[a][b]", "%{x}-%{[y][z]}")},
			in: m{"a": m{"b": 1}, "x": 7, "y": m{"z": "q"}}, want: m{"a": m{"b": "7-q"}, "x": 7, "y": m{"z": "q"}}},
		{name: "replace existing", filter: Filter{Replace: h("message", "%{source_host}: My new message")},
			in: m{"message": "old", "source_host": "web1"}, want: m{"message": "web1: My new message", "source_host": "web1"}},
		{name: "replace adds missing", filter: Filter{Replace: h("newfield", "newnew")},
			in: m{}, want: m{"newfield": "newnew"}},
		{name: "replace nested creates parents", filter: Filter{Replace: h("[a][b][c]", "v")},
			in: m{}, want: m{"a": m{"b": m{"c": "v"}}}},
		{name: "replace value is always a string", filter: Filter{Replace: h("n", "%{x}")},
			in: m{"x": 5}, want: m{"n": "5", "x": 5}},
		{name: "replace with missing reference keeps the text", filter: Filter{Replace: h("n", "%{nope}")},
			in: m{}, want: m{"n": "%{nope}"}},
		{name: "replace a hash by a string", filter: Filter{Replace: h("a", "x")},
			in: m{"a": m{"b": 1}}, want: m{"a": "x"}},
		{name: "replace under a string fails", filter: Filter{Replace: h("[s][x]", "v")},
			in: m{"s": "str"}, want: m{"s": "str"}, fail: true},
	})
}

func TestConvertInteger(t *testing.T) {
	conv := func(kind string) Filter { return Filter{Convert: h("f", kind)} }
	cases := []struct {
		kind string
		in   any
		want any // nil: failure, value unchanged
	}{
		{"integer", "123", 123},
		{"integer", "-42", -42},
		{"integer", "+42", 42},
		{"integer", " 42 \n", 42},
		{"integer", "1,000", 1000},
		{"integer", "1,000,000.99", 1000000},
		{"integer", "123.99", 123},
		{"integer", "-123.45", -123},
		{"integer", ".5", 0},
		{"integer", "1.230000e+02", 123},
		{"integer", "-1.234500E+02", -123},
		{"integer", "1e3", 1000},
		{"integer", "1e-3", 0},
		{"integer", "0x7b", 123},
		{"integer", "0X7B", 123},
		{"integer", "-0x1A", -26},
		{"integer", "0x1.edcdp6", 123},
		{"integer", "1_000", 1000},
		{"integer", "9007199254740993", int64(9007199254740993)},
		{"integer", "9.007199254740993e+15", int64(9007199254740993)},
		{"integer", "9223372036854775807", int64(9223372036854775807)},
		{"integer", "-9223372036854775808", int64(-9223372036854775808)},
		{"integer", "9223372036854775808", nil},
		{"integer", "1e19", nil},
		{"integer", "1e999999999999", nil},
		{"integer", "1e-999999999999", 0},
		{"integer", "abc", nil},
		{"integer", "12abc", nil},
		{"integer", "", nil},
		{"integer", "1__0", nil},
		{"integer", "_1", nil},
		{"integer", ".", nil},
		{"integer", "0b101", nil},
		{"integer", 3.99, 3},
		{"integer", -2.7, -2},
		{"integer", 123.0, 123},
		{"integer", 1e30, nil},
		{"integer", int64(7), 7},
		{"integer", true, 1},
		{"integer", false, 0},
		{"integer", testTime, testTime.Unix()},
		{"integer_eu", "1.000", 1000},
		{"integer_eu", "1.234,56", 1234},
		{"integer_eu", "3,99", 3},
		{"integer_eu", 5, 5},
		{"float", "1,000.5", 1000.5},
		{"float", "3.14", 3.14},
		{"float", "-0.5", -0.5},
		{"float", "1e3", 1000.0},
		{"float", "1_000.5", 1000.5},
		{"float", "0x7b", 123.0},
		{"float", "-0x1A", -26.0},
		{"float", "0x1.edcdp6", 123.4501953125},
		{"float", "1e400", nil},
		{"float", "inf", nil},
		{"float", "Infinity", nil},
		{"float", "nan", nil},
		{"float", "abc", nil},
		{"float", "", nil},
		{"float", int64(3), 3.0},
		{"float", 2.5, 2.5},
		{"float", true, 1.0},
		{"float", false, 0.0},
		{"float", time.Unix(1700000000, 500000000).UTC(), 1700000000.5},
		{"float_eu", "1.000,5", 1000.5},
		{"float_eu", "3141,5926", 3141.5926},
		{"float_eu", "3.141", 3141.0},
		{"float_eu", 3, 3.0},
	}
	var tcs []tc
	for _, c := range cases {
		name := fmt.Sprintf("%s %T %v", c.kind, c.in, c.in)
		if c.want == nil {
			tcs = append(tcs, tc{name: name, filter: conv(c.kind), in: m{"f": c.in}, want: m{"f": c.in}, fail: true})
		} else {
			tcs = append(tcs, tc{name: name, filter: conv(c.kind), in: m{"f": c.in}, want: m{"f": c.want}})
		}
	}
	runCases(t, tcs)
}

func TestConvertStringBoolean(t *testing.T) {
	cases := []struct {
		kind string
		in   any
		want any
	}{
		{"string", 123, "123"},
		{"string", 123.0, "123.0"},
		{"string", 123.45, "123.45"},
		{"string", 16777217.0, "16777217.0"},
		{"string", 1e20, "1.0e+20"},
		{"string", 0.00001, "0.00001"},
		{"string", 2.5e-8, "2.5e-08"},
		{"string", testTime, "2024-05-01T12:30:00.000Z"},
		{"string", 0.0001, "0.0001"},
		{"string", true, "true"},
		{"string", "0x7b", "0x7b"},
		{"string", "1.230000e+02", "1.230000e+02"},
		{"boolean", "true", true},
		{"boolean", "TRUE", true},
		{"boolean", "t", true},
		{"boolean", "Yes", true},
		{"boolean", "y", true},
		{"boolean", "1", true},
		{"boolean", "1.0", true},
		{"boolean", "false", false},
		{"boolean", "F", false},
		{"boolean", "no", false},
		{"boolean", "N", false},
		{"boolean", "0", false},
		{"boolean", "0.0", false},
		{"boolean", "", false},
		{"boolean", 1, true},
		{"boolean", 0, false},
		{"boolean", 1.0, true},
		{"boolean", 0.0, false},
		{"boolean", true, true},
		// Not a boolean spelling: passes through, not a failure.
		{"boolean", "maybe", "maybe"},
		{"boolean", " true", " true"},
		{"boolean", 2, 2},
		{"boolean", 0.5, 0.5},
	}
	var tcs []tc
	for _, c := range cases {
		tcs = append(tcs, tc{name: fmt.Sprintf("%s %T %v", c.kind, c.in, c.in),
			filter: Filter{Convert: h("f", c.kind)}, in: m{"f": c.in}, want: m{"f": c.want}})
	}
	runCases(t, tcs)
}

func TestConvertShapes(t *testing.T) {
	runCases(t, []tc{
		{name: "array element-wise, nulls kept", filter: Filter{Convert: h("f", "integer")},
			in: m{"f": a{"1", 2.9, nil, true}}, want: m{"f": a{1, 2, nil, 1}}},
		{name: "array of booleans", filter: Filter{Convert: h("f", "boolean")},
			in: m{"f": a{"yes", "no", "perhaps", 1}}, want: m{"f": a{true, false, "perhaps", true}}},
		{name: "array of hashes to string", filter: Filter{Convert: h("f", "string")},
			in: m{"f": a{m{"b": 1, "a": "x"}, a{1, 2}}}, want: m{"f": a{`{"a":"x","b":1}`, "1,2"}}},
		{name: "array to string", filter: Filter{Convert: h("f", "string")},
			in: m{"f": a{1, 2.5, false}}, want: m{"f": a{"1", "2.5", "false"}}},
		{name: "array with a bad element fails and is left unchanged", filter: Filter{Convert: h("f", "integer")},
			in: m{"f": a{"1", "x"}}, want: m{"f": a{"1", "x"}}, fail: true},
		{name: "array with a nested array fails", filter: Filter{Convert: h("f", "float")},
			in: m{"f": a{a{"1"}}}, want: m{"f": a{a{"1"}}}, fail: true},
		{name: "hash left alone", filter: Filter{Convert: h("f", "integer")},
			in: m{"f": m{"a": "1"}}, want: m{"f": m{"a": "1"}}},
		{name: "null left alone", filter: Filter{Convert: h("f", "integer")},
			in: m{"f": nil}, want: m{"f": nil}},
		{name: "missing field", filter: Filter{Convert: h("f", "integer")},
			in: m{}, want: m{}},
		{name: "nested field", filter: Filter{Convert: h("[foo][bar]", "integer")},
			in: m{"foo": m{"bar": "1000"}}, want: m{"foo": m{"bar": 1000}}},
		{name: "array index", filter: Filter{Convert: h("[foo][0]", "integer")},
			in: m{"foo": a{"100", "200"}}, want: m{"foo": a{100, "200"}}},
		{name: "several fields in order", filter: Filter{Convert: h("a", "integer", "b", "float", "c", "boolean")},
			in: m{"a": "1", "b": "2", "c": "y"}, want: m{"a": 1, "b": 2.0, "c": true}},
		{name: "failure stops at the failing field", filter: Filter{Convert: h("a", "integer", "b", "integer", "c", "integer")},
			in: m{"a": "1", "b": "x", "c": "3"}, want: m{"a": 1, "b": "x", "c": "3"}, fail: true},
	})
}

func TestGsub(t *testing.T) {
	runCases(t, []tc{
		{name: "string", filter: Filter{Gsub: a{"unicorns", "but extinct", "and common"}},
			in: m{"unicorns": "Magnificient, but extinct, animals"}, want: m{"unicorns": "Magnificient, and common, animals"}},
		{name: "all occurrences", filter: Filter{Gsub: a{"p", "/", "_"}},
			in: m{"p": "/a/b/c"}, want: m{"p": "_a_b_c"}},
		{name: "character class", filter: Filter{Gsub: a{"p", `[\\?#-]`, "."}},
			in: m{"p": `a\b?c#d-e`}, want: m{"p": "a.b.c.d.e"}},
		{name: "anchored digit", filter: Filter{Gsub: a{"colors", `\d$`, "blue"}},
			in: m{"colors": "red3"}, want: m{"colors": "redblue"}},
		{name: "ruby multi-line anchors", filter: Filter{Gsub: a{"f", `^x`, "y"}},
			in: m{"f": "x1\nx2"}, want: m{"f": "y1\ny2"}},
		{name: "array of strings, others kept", filter: Filter{Gsub: a{"u", "extinct", "common"}},
			in: m{"u": a{"extinct animals", 5, "extinct ideas"}}, want: m{"u": a{"common animals", 5, "common ideas"}}},
		{name: "multiple fields", filter: Filter{Gsub: a{"colors", "red", "blue", "shapes", "square", "circle"}},
			in: m{"colors": "One red car", "shapes": "Four red squares"}, want: m{"colors": "One blue car", "shapes": "Four red circles"}},
		{name: "numbered groups", filter: Filter{Gsub: a{"d", `(\d+)-(\d+)-(\d+)`, `\3/\2/\1`}},
			in: m{"d": "2024-05-01"}, want: m{"d": "01/05/2024"}},
		{name: "named group and whole match", filter: Filter{Gsub: a{"d", `(?<y>\d{4})`, `[\k<y>|\0|\&]`}},
			in: m{"d": "in 2024"}, want: m{"d": "in [2024|2024|2024]"}},
		{name: "pre and post match", filter: Filter{Gsub: a{"d", `-`, "<\\`|\\'>"}},
			in: m{"d": "a-b"}, want: m{"d": "a<a|b>b"}},
		{name: "escaped backslash and unknown escape", filter: Filter{Gsub: a{"d", `x`, `\\1\q`}},
			in: m{"d": "x"}, want: m{"d": `\1\q`}},
		{name: "dollar is literal", filter: Filter{Gsub: a{"d", `(a)`, `$1${1}`}},
			in: m{"d": "a"}, want: m{"d": "$1${1}"}},
		{name: "unmatched group is empty", filter: Filter{Gsub: a{"d", `(a)|(b)`, `[\2]`}},
			in: m{"d": "ab"}, want: m{"d": "[][b]"}},
		{name: "last matched group", filter: Filter{Gsub: a{"d", `(a)(b)?`, `<\+>`}},
			in: m{"d": "ab a"}, want: m{"d": "<b> <a>"}},
		{name: "dynamic replacement", filter: Filter{Gsub: a{"d", `X`, `%{who}`}},
			in: m{"d": "hi X", "who": "bob"}, want: m{"d": "hi bob", "who": "bob"}},
		{name: "dynamic pattern", filter: Filter{Gsub: a{"d", `%{sep}+`, `-`}},
			in: m{"d": "a;;b;c", "sep": ";"}, want: m{"d": "a-b-c", "sep": ";"}},
		{name: "dynamic pattern that does not compile fails", filter: Filter{Gsub: a{"d", `%{sep}`, `-`}},
			in: m{"d": "a(b", "sep": "("}, want: m{"d": "a(b", "sep": "("}, fail: true},
		{name: "dynamic replacement with unknown group fails", filter: Filter{Gsub: a{"d", `a`, `\k<%{g}>`}},
			in: m{"d": "a", "g": "nope"}, want: m{"d": "a", "g": "nope"}, fail: true},
		{name: "missing field", filter: Filter{Gsub: a{"d", "a", "b"}},
			in: m{}, want: m{}},
		{name: "number left alone", filter: Filter{Gsub: a{"d", "1", "2"}},
			in: m{"d": 11}, want: m{"d": 11}},
		{name: "nested", filter: Filter{Gsub: a{"[a][b]", "o", "0"}},
			in: m{"a": m{"b": "foo"}}, want: m{"a": m{"b": "f00"}}},
	})
}

func TestCaseAndStrip(t *testing.T) {
	runCases(t, []tc{
		{name: "uppercase", filter: Filter{Uppercase: []string{"a", "b", "missing", "n"}},
			in: m{"a": "hello", "b": a{"x", 1, "Yz"}, "n": 5}, want: m{"a": "HELLO", "b": a{"X", 1, "YZ"}, "n": 5}},
		{name: "lowercase", filter: Filter{Lowercase: []string{"a", "b"}},
			in: m{"a": "HeLLo", "b": a{"ÉCOLE", nil}}, want: m{"a": "hello", "b": a{"école", nil}}},
		{name: "capitalize", filter: Filter{Capitalize: []string{"a", "b", "c", "e"}},
			in:   m{"a": "exAmPlE", "b": a{"ExAmPlE", "xyzółć", "nÎcË gÛŸ", "こにちわ"}, "c": "", "e": "АБВГД\x00mmm"},
			want: m{"a": "Example", "b": a{"Example", "Xyzółć", "Nîcë gûÿ", "こにちわ"}, "c": "", "e": "Абвгд\x00mmm"}},
		{name: "strip", filter: Filter{Strip: []string{"a", "b", "c"}},
			in:   m{"a": " /store.php ", "b": a{"\t x \r\n", 3, "y"}, "c": m{"k": " v "}},
			want: m{"a": "/store.php", "b": a{"x", 3, "y"}, "c": m{"k": " v "}}},
		{name: "hash left alone", filter: Filter{Uppercase: []string{"h"}},
			in: m{"h": m{"k": "v"}}, want: m{"h": m{"k": "v"}}},
	})
}

func TestSplitJoin(t *testing.T) {
	runCases(t, []tc{
		{name: "split", filter: Filter{Split: h("f", ",")},
			in: m{"f": "foo,bar,baz"}, want: m{"f": a{"foo", "bar", "baz"}}},
		{name: "split single value", filter: Filter{Split: h("f", ",")},
			in: m{"f": "foo"}, want: m{"f": a{"foo"}}},
		{name: "split drops trailing empties, keeps inner ones", filter: Filter{Split: h("f", ",")},
			in: m{"f": ",a,,b,,"}, want: m{"f": a{"", "a", "", "b"}}},
		{name: "split empty string", filter: Filter{Split: h("f", ",")},
			in: m{"f": ""}, want: m{"f": a{}}},
		{name: "split multi-char separator", filter: Filter{Split: h("f", "::")},
			in: m{"f": "a::b"}, want: m{"f": a{"a", "b"}}},
		{name: "split on space is awk-like", filter: Filter{Split: h("f", " ")},
			in: m{"f": "  a \t b\n"}, want: m{"f": a{"a", "b"}}},
		{name: "split into characters", filter: Filter{Split: h("f", "")},
			in: m{"f": "héé"}, want: m{"f": a{"h", "é", "é"}}},
		{name: "split non-string left alone", filter: Filter{Split: h("f", ",", "g", ",")},
			in: m{"f": a{"a,b"}, "g": 3}, want: m{"f": a{"a,b"}, "g": 3}},
		{name: "join", filter: Filter{Join: h("f", ",")},
			in: m{"f": a{"a", "b", "c"}}, want: m{"f": "a,b,c"}},
		{name: "join values and nested arrays", filter: Filter{Join: h("f", "|")},
			in: m{"f": a{1, 2.5, true, nil, a{"x", a{"y"}}}}, want: m{"f": "1|2.5|true||x|y"}},
		{name: "join empty array", filter: Filter{Join: h("f", ",")},
			in: m{"f": a{}}, want: m{"f": ""}},
		{name: "join non-array left alone", filter: Filter{Join: h("f", ",")},
			in: m{"f": "a b"}, want: m{"f": "a b"}},
	})
}

func TestMergeCopy(t *testing.T) {
	runCases(t, []tc{
		{name: "string into missing field", filter: Filter{Merge: h("list", "foo")},
			in: m{"foo": "bar"}, want: m{"list": a{"bar"}, "foo": "bar"}},
		{name: "string into empty array", filter: Filter{Merge: h("list", "foo")},
			in: m{"list": a{}, "foo": "bar"}, want: m{"list": a{"bar"}, "foo": "bar"}},
		{name: "string into array", filter: Filter{Merge: h("list", "foo")},
			in: m{"list": a{"1", "2"}, "foo": "bar"}, want: m{"list": a{"1", "2", "bar"}, "foo": "bar"}},
		{name: "array into array", filter: Filter{Merge: h("list", "foo")},
			in: m{"list": a{"1"}, "foo": a{"2", "3"}}, want: m{"list": a{"1", "2", "3"}, "foo": a{"2", "3"}}},
		{name: "array into string", filter: Filter{Merge: h("list", "foo")},
			in: m{"list": "1", "foo": a{"2", "3"}}, want: m{"list": a{"1", "2", "3"}, "foo": a{"2", "3"}}},
		{name: "string into string", filter: Filter{Merge: h("list", "foo")},
			in: m{"list": "1", "foo": "2"}, want: m{"list": a{"1", "2"}, "foo": "2"}},
		{name: "missing added field makes dest an array", filter: Filter{Merge: h("list", "foo")},
			in: m{"list": "1"}, want: m{"list": a{"1"}}},
		{name: "hash into hash", filter: Filter{Merge: h("d", "s")},
			in:   m{"d": m{"a": 1, "b": 2}, "s": m{"b": 3, "c": m{"x": 1}}},
			want: m{"d": m{"a": 1, "b": 3, "c": m{"x": 1}}, "s": m{"b": 3, "c": m{"x": 1}}}},
		{name: "hash and array do not merge", filter: Filter{Merge: h("d", "s")},
			in: m{"d": a{1}, "s": m{"b": 3}}, want: m{"d": a{1}, "s": m{"b": 3}}},
		{name: "several added fields", filter: Filter{Merge: h("d", a{"x", "y"})},
			in: m{"d": "0", "x": "1", "y": a{"2"}}, want: m{"d": a{"0", "1", "2"}, "x": "1", "y": a{"2"}}},
		{name: "copy", filter: Filter{Copy: h("src", "dst")},
			in: m{"src": "v"}, want: m{"src": "v", "dst": "v"}},
		{name: "copy nested overwrites", filter: Filter{Copy: h("[a][b]", "[c][d]")},
			in:   m{"a": m{"b": m{"x": a{1}}}, "c": m{"d": "old", "e": 1}},
			want: m{"a": m{"b": m{"x": a{1}}}, "c": m{"d": m{"x": a{1}}, "e": 1}}},
		{name: "copy missing or null source", filter: Filter{Copy: h("nope", "dst", "null", "dst2")},
			in: m{"null": nil}, want: m{"null": nil}},
		{name: "copy under a string fails", filter: Filter{Copy: h("a", "[s][x]")},
			in: m{"a": 1, "s": "str"}, want: m{"a": 1, "s": "str"}, fail: true},
	})
}

func TestCopyIsDeep(t *testing.T) {
	f := newFilter(t, &Filter{Copy: h("src", "dst"), Merge: h("list", "src")})
	e := newEvent(m{"src": a{m{"k": "v"}}})
	if !f.Filter(e, nil) {
		t.Fatal("filter failed")
	}
	src, _ := e.GetField("src")
	src.([]any)[0].(map[string]any)["k"] = "changed"
	if v, _ := e.GetField("[dst][0][k]"); v != "v" {
		t.Errorf("copy shares data with its source: dst[0].k = %v", v)
	}
	if v, _ := e.GetField("[list][0][k]"); v != "v" {
		t.Errorf("merge shares data with its source: list[0].k = %v", v)
	}
}

// TestOrder checks the fixed processing order: each step consumes the
// result of the one before it, so any other order gives another result.
func TestOrder(t *testing.T) {
	f := Filter{
		// Declared in reverse order on purpose: the order of the
		// settings must not matter.
		Copy:       h("m", "cp"),
		Merge:      h("m", "s"),
		Join:       h("s", "_"),
		Split:      h("s", "o"),
		Strip:      []string{"s"},
		Lowercase:  []string{"s"},
		Capitalize: []string{"s"},
		Uppercase:  []string{"s"},
		Gsub:       a{"s", "-World", " World"},
		Convert:    h("num", "integer"),
		Replace:    h("s", "%{r}  ", "num", "1%{n}"),
		Update:     h("r", "%{r}+"),
		Rename:     h("c", "r"),
		Coerce:     h("c", "Hello-World"),
	}
	runCases(t, []tc{{
		name:   "chain",
		filter: f,
		in:     m{"c": nil, "n": 2},
		want: m{
			"r":   "Hello-World+",
			"n":   2,
			"num": 12,
			// replace "Hello-World+  ", gsub "Hello World+  " (the
			// pattern is case-sensitive), uppercase "HELLO WORLD+  ",
			// capitalize "Hello world+  ", lowercase "hello world+  ",
			// strip "hello world+", split at "o", join with "_".
			"s":  "hell_ w_rld+",
			"m":  a{"hell_ w_rld+"},
			"cp": a{"hell_ w_rld+"},
		},
	}})
}

func TestFailureSkipsRestAndTags(t *testing.T) {
	runCases(t, []tc{
		{name: "convert fails, later operations skipped",
			filter: Filter{Convert: h("n", "integer"), Uppercase: []string{"u"}, Rename: h("r", "r2")},
			in:     m{"n": "NaN?", "u": "low", "r": 1},
			// rename ran (before convert); uppercase did not.
			want: m{"n": "NaN?", "u": "low", "r2": 1}, fail: true},
		{name: "existing tags kept",
			filter: Filter{Convert: h("n", "float")},
			in:     m{"n": "x", "tags": a{"a"}},
			want:   m{"n": "x", "tags": a{"a"}}, fail: true},
	})

	f := newFilter(t, &Filter{Convert: h("n", "integer"), TagOnFailure: "bad_number"})
	e := newEvent(m{"n": "x"})
	if f.Filter(e, nil) {
		t.Fatal("filter succeeded")
	}
	f.Filter(e, nil)
	if got := e.Tags(); !reflect.DeepEqual(got, []string{"bad_number"}) {
		t.Errorf("tags = %q, want [bad_number] once", got)
	}
}

func TestInitErrors(t *testing.T) {
	cases := []struct {
		name   string
		filter Filter
		want   string
	}{
		{"bad conversion", Filter{Convert: h("f", "int")}, `invalid conversion type int for field "f"`},
		{"conversion not a string", Filter{Convert: h("f", a{"integer"})}, "invalid conversion type an array"},
		{"gsub not triples", Filter{Gsub: a{"f", "a"}}, "triples"},
		{"gsub bad regex", Filter{Gsub: a{"f", "(", "x"}}, "invalid regular expression"},
		{"gsub lookahead", Filter{Gsub: a{"f", "a(?=b)", "x"}}, "no lookaround"},
		{"gsub unknown named group", Filter{Gsub: a{"f", "(?<a>x)", `\k<b>`}}, "group <b>"},
		{"gsub array item", Filter{Gsub: a{"f", a{"x"}, "y"}}, "item 2: expected a string, got an array"},
		{"bad field reference", Filter{Uppercase: []string{"[a"}}, "uppercase: invalid field reference"},
		{"bad rename destination", Filter{Rename: h("a", "b]")}, "rename: destination"},
		{"replace with a hash value", Filter{Replace: h("a", h("b", "c"))}, "expected a string, got a hash"},
		{"remove", Filter{Remove: []string{"x"}}, `use remove_field => ["x"]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.filter.Init(&plugin.Context{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Init error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestNoOperationsSucceeds(t *testing.T) {
	f := newFilter(t, &Filter{})
	if !f.Filter(newEvent(m{"a": 1}), nil) {
		t.Error("an empty mutate must succeed (so that add_field and friends apply)")
	}
}
