package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"@timestamp":"2024-05-01T10:20:30.123Z","message":"hello","n":1,"f":1.5,"a":[1,"x",null]}`,
		`[{"a":1},{"b":[true,false]}]`,
		`"\ud83d\ude00 \ud83d x\u00e9"`,
		"\"bad \xff utf8\"",
		`-0.0e-0`, `9223372036854775808`, `1e400`, `NaN`, `-Infinity`,
		`{"a":1,"a":{"b":2}}`,
		strings.Repeat("[", 600),
		`{"a":"\u2028\u0000"}`,
		"\xef\xbb\xbf{}",
		`{"x":`, `[1,]`, `"\u12"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeJSONValue(data)
		if err != nil {
			var je *JSONError
			if !errors.As(err, &je) || je.Offset < 0 || je.Offset > len(data) {
				t.Fatalf("bad error %v", err)
			}
			if json.Valid(data) && !strings.Contains(je.Msg, "nested more than") {
				t.Fatalf("valid JSON %q rejected: %v", data, err)
			}
			return
		}
		if !json.Valid(data) && !bytes.ContainsAny(data, "NI") && !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
			t.Fatalf("invalid JSON %q accepted as %#v", data, v)
		}
		out := AppendJSONValue(nil, v)
		if !json.Valid(out) {
			t.Fatalf("AppendJSONValue(%#v) = %q is not valid JSON", v, out)
		}
		v2, err := DecodeJSONValue(out)
		if err != nil {
			t.Fatalf("re-decoding %q: %v", out, err)
		}
		if want := finite(v); !reflect.DeepEqual(v2, want) {
			t.Fatalf("round trip of %q: %#v, then %q, then %#v", data, v, out, v2)
		}
	})
}

// finite replaces NaN and ±Inf (written as null) by nil.
func finite(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = finite(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = finite(e)
		}
		return out
	}
	return v
}
