package event

import (
	"math"
	"testing"
	"time"
)

func TestFormatValue(t *testing.T) {
	ts := utcTime(2023, 10, 23, 12, 34, 56, 123456789)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, ""},
		{"string", "héllo \"x\"", "héllo \"x\""},
		{"int", int64(-42), "-42"},
		{"int max", int64(math.MaxInt64), "9223372036854775807"},
		{"true", true, "true"},
		{"false", false, "false"},
		{"float integral", 1.0, "1.0"},
		{"float hundred", 100.0, "100.0"},
		{"float zero", 0.0, "0.0"},
		{"float negative zero", math.Copysign(0, -1), "-0.0"},
		{"float quarter", 0.25, "0.25"},
		{"float shortest", 0.30000000000000004, "0.30000000000000004"}, // 0.1+0.2 at run time
		{"float epoch", 1698064496.123, "1698064496.123"},
		{"float small", 9.3e-05, "0.000093"},
		{"float 1e-7", 1e-7, "0.0000001"},
		{"float below 1e-7", 2.5e-8, "2.5e-08"},
		{"float below 1e16", 9999999999999998.0, "9999999999999998.0"},
		{"float 1e16", 1e16, "1.0e+16"},
		{"float huge", -1.5e300, "-1.5e+300"},
		{"float tiny", 5e-324, "5.0e-324"},
		{"NaN", math.NaN(), "NaN"},
		{"+Inf", math.Inf(1), "Infinity"},
		{"-Inf", math.Inf(-1), "-Infinity"},
		{"timestamp", ts, "2023-10-23T12:34:56.123Z"},
		{"empty array", []any{}, ""},
		{"array", []any{"a", int64(1), 2.5, true}, "a,1,2.5,true"},
		{"array nested and nil", []any{"a", nil, []any{"b", []any{"c", int64(3)}}, "d"}, "a,,b,c,3,d"},
		{"array with hash", []any{"a", map[string]any{"k": "v"}}, `a,{"k":"v"}`},
		{"empty hash", map[string]any{}, "{}"},
		{"hash", map[string]any{
			"z": int64(1),
			"a": []any{int64(1), 2.5, nil, true, "s"},
			"m": map[string]any{"c": "x\"y\n\\", "b": 1e20},
			"t": ts,
			"f": math.NaN(),
		}, `{"a":[1,2.5,null,true,"s"],"f":null,"m":{"b":100000000000000000000.0,"c":"x\"y\n\\"},"t":"2023-10-23T12:34:56.123Z","z":1}`},
		{"hash escapes", map[string]any{"k\t": "\x01\x1f\b\f\r é \u2028 \xff<>&"},
			`{"k\t":"\u0001\u001f\b\f\r é \u2028 ` + "\ufffd" + `<>&"}`},
		{"non-normalized int", 5, "5"},
		{"non-normalized strings", []string{"a", "b"}, "a,b"},
		{"non-normalized float32", float32(0.5), "0.5"},
	}
	for _, tt := range tests {
		if got := string(FormatValue([]byte("<"), tt.v)); got != "<"+tt.want {
			t.Errorf("%s: FormatValue(%#v) = %q, want %q", tt.name, tt.v, got, "<"+tt.want)
		}
	}
}

func TestValueString(t *testing.T) {
	if got := ValueString("abc"); got != "abc" {
		t.Errorf("ValueString(string) = %q", got)
	}
	if got := ValueString(int64(7)); got != "7" {
		t.Errorf("ValueString(7) = %q", got)
	}
	s := "no copy"
	if n := testing.AllocsPerRun(100, func() { _ = ValueString(s) }); n != 0 {
		t.Errorf("ValueString(string) allocates %v times", n)
	}
}

func TestFormatValueDeep(t *testing.T) {
	// Deeply nested values are cut off, not followed until the stack ends.
	var v any = "x"
	for range 10000 {
		v = map[string]any{"a": []any{v}}
	}
	out := FormatValue(nil, v)
	// Cut at MaxJSONDepth levels of {"a":[ ... ]} (8 bytes a level).
	if len(out) == 0 || len(out) > 8*(MaxJSONDepth+1)+8 {
		t.Errorf("deep value formatted to %d bytes", len(out))
	}
}

func TestFormatValueNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, v := range []any{"string", int64(12345), 1.25, true, time.Unix(0, 0), []any{"a", int64(1)}} {
		if n := testing.AllocsPerRun(100, func() { buf = FormatValue(buf[:0], v) }); n != 0 {
			t.Errorf("FormatValue(%#v) allocates %v times", v, n)
		}
	}
}
