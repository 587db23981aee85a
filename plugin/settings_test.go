package plugin

import "testing"

func TestDefaultTextIsPipelineSyntax(t *testing.T) {
	cases := []struct {
		def  any
		want string
	}{
		{[]any{int64(429), int64(500)}, "[429, 500]"},
		{[]any{"a", int64(1), true}, `["a", 1, true]`},
		{Hash{{Key: "Content-Type", Value: "text/plain"}, {Key: "n", Value: []any{"x"}}}, `{ "Content-Type" => "text/plain" "n" => ["x"] }`},
		{Hash{}, "{}"},
		{"x y", `"x y"`},
	}
	for _, c := range cases {
		s := &Setting{HasDefault: true, DefaultValue: c.def}
		if got := s.DefaultText(); got != c.want {
			t.Errorf("DefaultText(%#v) = %s, want %s", c.def, got, c.want)
		}
	}
}
