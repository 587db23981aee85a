package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDecodeJSONValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{`true`, true},
		{`false`, false},
		{`0`, int64(0)},
		{`-0`, int64(0)},
		{`42`, int64(42)},
		{`-42`, int64(-42)},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, float64(9223372036854775808)},
		{`123456789012345678901234567890`, 1.2345678901234568e+29},
		{`1.5`, 1.5},
		{`3.0`, 3.0},
		{`1e3`, 1000.0},
		{`1E-2`, 0.01},
		{`-1.25e+2`, -125.0},
		{`1e400`, math.Inf(1)},
		{`Infinity`, math.Inf(1)},
		{`-Infinity`, math.Inf(-1)},
		{`""`, ""},
		{`"plain"`, "plain"},
		{`"a\"b\\c\/d\n\r\t\b\f"`, "a\"b\\c/d\n\r\t\b\f"},
		{`"\u00e9\u4e2d"`, "é中"},
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud83d"`, "\ufffd"},
		{`"\ude00x"`, "\ufffdx"},
		{`"\ud83d\u0041"`, "\ufffdA"},
		{`"héllo wörld"`, "héllo wörld"},
		{"\"bad \xff utf8\"", "bad \ufffd utf8"},
		{"\"\xe2\x82\"", "\ufffd\ufffd"},
		{`[]`, []any{}},
		{`{}`, map[string]any{}},
		{` [1, "a", null, [true], {"k": 2.5}] `, []any{int64(1), "a", nil, []any{true}, map[string]any{"k": 2.5}}},
		{`{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
		{`{"a":{"b":{"c":[]}}}`, map[string]any{"a": map[string]any{"b": map[string]any{"c": []any{}}}}},
		{"\xef\xbb\xbf{\"bom\":true}", map[string]any{"bom": true}},
		{"{\"k\\u0000\":\"\\u0000\"}", map[string]any{"k\x00": "\x00"}},
	}
	for _, tt := range tests {
		got, err := DecodeJSONValue([]byte(tt.in))
		if err != nil {
			t.Errorf("DecodeJSONValue(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeJSONValue(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
	// NaN is not equal to itself: check apart.
	v, err := DecodeJSONValue([]byte(`NaN`))
	if f, ok := v.(float64); err != nil || !ok || !math.IsNaN(f) {
		t.Errorf("NaN decoded to %#v, %v", v, err)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "unexpected end of input"},
		{`   `, 3, "unexpected end of input"},
		{`{`, 1, "expected a string key"},
		{`{"a"}`, 4, "expected ':'"},
		{`{"a":}`, 5, "expected a value"},
		{`{"a":1,}`, 7, "expected a string key"},
		{`{"a":1 "b":2}`, 7, "expected ',' or '}'"},
		{`[1,]`, 3, "expected a value"},
		{`[1 2]`, 3, "expected ',' or ']'"},
		{`[1`, 2, "end of input in an array"},
		{`{'a':1}`, 1, "expected a string key"},
		{`"abc`, 0, "unterminated string"},
		{"\"a\x01\"", 2, "control character 0x01"},
		{`"\x"`, 1, `invalid escape`},
		{`"\u12"`, 1, `invalid \u escape`},
		{`tru`, 0, "expected true"},
		{`nul`, 0, "expected null"},
		{`01`, 1, "after the top-level value"},
		{`-`, 1, "expected a digit"},
		{`1.`, 2, "after '.'"},
		{`1e`, 2, "in the exponent"},
		{`+1`, 0, "expected a value"},
		{`{"a":1} x`, 8, "after the top-level value"},
		{`{} {}`, 3, "after the top-level value"},
		{`hello world`, 0, "expected a value"},
		{strings.Repeat("[", MaxJSONDepth+1), MaxJSONDepth, "nested more than 512"},
		{strings.Repeat(`{"a":`, MaxJSONDepth+1), 5 * MaxJSONDepth, "nested more than 512"},
	}
	for _, tt := range tests {
		_, err := DecodeJSONValue([]byte(tt.in))
		var je *JSONError
		if !errors.As(err, &je) {
			t.Errorf("DecodeJSONValue(%.40q): err = %v, want a *JSONError", tt.in, err)
			continue
		}
		if je.Offset != tt.offset || !strings.Contains(je.Msg, tt.msg) {
			t.Errorf("DecodeJSONValue(%.40q): %v; want offset %d and %q", tt.in, err, tt.offset, tt.msg)
		}
		if !strings.Contains(err.Error(), "byte offset") {
			t.Errorf("error text %q does not give the offset", err)
		}
	}
	// Exactly MaxJSONDepth levels is fine.
	deep := strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)
	if _, err := DecodeJSONValue([]byte(deep)); err != nil {
		t.Errorf("depth %d: %v", MaxJSONDepth, err)
	}
}

func TestDecodeJSONObjectOnly(t *testing.T) {
	if _, err := DecodeJSON([]byte(` [1]`)); err == nil || !strings.Contains(err.Error(), "expected an object, got an array") {
		t.Errorf("array: err = %v", err)
	}
	m, err := DecodeJSON([]byte(`{"message":"hi"}`))
	if err != nil || m["message"] != "hi" {
		t.Errorf("object: %v, %v", m, err)
	}
}

func TestDecodeJSONDoesNotKeepInput(t *testing.T) {
	buf := []byte(`{"k":"value","e":"a\nb"}`)
	m, err := DecodeJSON(buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	if m["k"] != "value" || m["e"] != "a\nb" {
		t.Errorf("decoded values changed with the input buffer: %v", m)
	}
}

func TestFromJSON(t *testing.T) {
	e, err := FromJSON([]byte(`{"@timestamp":"2024-05-01T10:20:30.123Z","message":"m","@metadata":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 5, 1, 10, 20, 30, 123e6, time.UTC)
	if !e.Timestamp().Equal(want) {
		t.Errorf("timestamp = %v, want %v", e.Timestamp(), want)
	}
	if e.Fields()["@version"] != "1" || e.Message() != "m" || e.Metadata()["x"] != int64(1) {
		t.Errorf("event = %v meta %v", e.Fields(), e.Metadata())
	}
	if _, err := FromJSON([]byte(`[]`)); err == nil {
		t.Error("FromJSON of an array: no error")
	}
}

func TestAppendJSON(t *testing.T) {
	ts := time.Date(2024, 5, 1, 10, 20, 30, 123456789, time.FixedZone("X", 3600))
	e := FromMap(map[string]any{
		"@timestamp": ts,
		"@version":   "1",
		"message":    "héllo \"w\"\n\t<&>\x01\u2028",
		"bad":        "a\xffb",
		"n":          int64(-7),
		"f":          3.0,
		"g":          0.1,
		"big":        1e21,
		"small":      1e-7,
		"nan":        math.NaN(),
		"inf":        math.Inf(-1),
		"b":          true,
		"nil":        nil,
		"Z":          []any{int64(1), "x", map[string]any{"y": false, "a": time.Date(2000, 1, 2, 3, 4, 5, 6e6, time.UTC)}},
		"empty":      map[string]any{},
		"arr":        []any{},
	})
	e.Metadata()["secret"] = "not shown"
	got := string(e.AppendJSON([]byte("prefix:")))
	want := `prefix:{"@timestamp":"2024-05-01T09:20:30.123Z","@version":"1",` +
		`"Z":[1,"x",{"a":"2000-01-02T03:04:05.006Z","y":false}],"arr":[],"b":true,"bad":"a\ufffdb",` +
		`"big":1e+21,"empty":{},"f":3.0,"g":0.1,"inf":null,` +
		`"message":"héllo \"w\"\n\t<&>\u0001\u2028","n":-7,"nan":null,"nil":null,"small":1e-7}`
	want = strings.Replace(want, `a\ufffdb`, "a\ufffdb", 1)
	if got != want {
		t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(got[len("prefix:"):])) {
		t.Errorf("output is not valid JSON")
	}
}

func TestAppendJSONFloat(t *testing.T) {
	tests := map[float64]string{
		0: "0.0", 1: "1.0", -2.5: "-2.5", 1e20: "100000000000000000000.0", 1e21: "1e+21",
		1e-6: "0.000001", 1.5e-7: "1.5e-7", 123456789.125: "123456789.125", -1e-300: "-1e-300",
		math.MaxFloat64: "1.7976931348623157e+308",
	}
	for f, want := range tests {
		got := string(AppendJSONFloat(nil, f))
		if got != want {
			t.Errorf("AppendJSONFloat(%v) = %s, want %s", f, got, want)
		}
		back, err := DecodeJSONValue([]byte(got))
		if err != nil || back != f {
			t.Errorf("%s decodes to %#v, %v; want %v", got, back, err, f)
		}
	}
}

func TestJSONRoundTripAgainstEncodingJSON(t *testing.T) {
	in := `{"s":"x\u0000y","a":[1,2.5,-3e-9,"\u00e9"],"o":{"k":null,"t":true}}`
	v, err := DecodeJSONValue([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out := AppendJSONValue(nil, v)
	var a, b any
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("encoding/json sees %v, then %v", a, b)
	}
}

// TestAppendJSONStringWords checks the 8-byte fast path against
// encoding/json at every position of every byte that needs escaping (or
// is the first byte of a multi-byte character), in strings of several
// lengths.
func TestAppendJSONStringWords(t *testing.T) {
	specials := []string{"\"", "\\", "\n", "\x00", "\x1f", "\x7f", " ", "~", "é", "\u2028", "\xff"}
	for n := 0; n <= 24; n++ {
		for _, sp := range specials {
			for at := 0; at <= n; at++ {
				s := strings.Repeat("a", at) + sp + strings.Repeat("b", n-at)
				got := AppendJSONString(nil, s)
				var back string
				if err := json.Unmarshal(got, &back); err != nil {
					t.Fatalf("%q: output %s is not JSON: %v", s, got, err)
				}
				want := strings.ToValidUTF8(s, "\ufffd")
				if back != want {
					t.Fatalf("%q: round trip gave %q, want %q", s, back, want)
				}
				if sp == "\u2028" && !strings.Contains(string(got), `\u2028`) {
					t.Fatalf("%q: U+2028 not escaped: %s", s, got)
				}
			}
		}
	}
}

// TestDecodeJSONStringWords checks the 8-byte scan of the decoder against
// encoding/json with an escape, a control or a non-ASCII byte at every
// position of strings of several lengths, with plain runs around it.
func TestDecodeJSONStringWords(t *testing.T) {
	specials := []string{`\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, "é", "\xff", "\x7f", "~"}
	for n := 0; n <= 24; n++ {
		for _, sp := range specials {
			for at := 0; at <= n; at++ {
				lit := `"` + strings.Repeat("a", at) + sp + strings.Repeat("b", n-at) + sp + `c"`
				v, err := DecodeJSONValue([]byte(lit))
				if err != nil {
					t.Fatalf("%s: %v", lit, err)
				}
				var want string
				if err := json.Unmarshal([]byte(lit), &want); err != nil {
					t.Fatalf("%s: encoding/json: %v", lit, err)
				}
				if v != want {
					t.Fatalf("%s: got %q, want %q", lit, v, want)
				}
			}
		}
	}
	if _, err := DecodeJSONValue([]byte("\"abcdefghij\x01klmnop\"")); err == nil {
		t.Fatal("a raw control character after a plain run was accepted")
	}
}

// TestDecodeJSONInterning decodes documents whose short values repeat and
// collide in the intern cache: every value must still be the one written.
func TestDecodeJSONInterning(t *testing.T) {
	for i := range 5000 {
		a := fmt.Sprintf("v%d", i%300)
		b := fmt.Sprintf("x%dx", i%7)
		long := strings.Repeat("l", maxInternLen+1+i%3)
		doc := fmt.Sprintf(`{"a":%q,"b":[%q,"y",""],"c":{"d":%q},"e":%q,"f":"esc\"%d"}`, a, b, a, long, i%5)
		m, err := DecodeJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"a": a, "b": []any{b, "y", ""}, "c": map[string]any{"d": a}, "e": long, "f": fmt.Sprintf("esc\"%d", i%5)}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("doc %d: got %v, want %v", i, m, want)
		}
	}
}
