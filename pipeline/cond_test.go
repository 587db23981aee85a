package pipeline

import (
	"testing"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
)

func TestConditionSemantics(t *testing.T) {
	ev := func() *event.Event {
		return event.FromMap(map[string]any{
			"message": "GET /index.html 200",
			"status":  int64(200),
			"ratio":   float64(0.5),
			"level":   "ERROR",
			"empty":   "",
			"zero":    int64(0),
			"no":      false,
			"null":    nil,
			"tags":    []any{"web", "prod"},
			"nested":  map[string]any{"a": map[string]any{"b": "deep"}},
			"codes":   []any{int64(1), int64(2)},
			"strnum":  "200",
			"pattern": "^GET",
		})
	}
	re := func(p string) *config.RegexLit { return &config.RegexLit{Pattern: p} }
	not := func(x config.Expr) *config.Not { return &config.Not{X: x} }
	list := func(items ...config.Expr) *config.ListLit { return &config.ListLit{Items: items} }
	cases := []struct {
		name string
		expr config.Expr
		want bool
	}{
		{"bare existing string", ref("[message]"), true},
		{"bare empty string is true", ref("[empty]"), true},
		{"bare zero is true", ref("[zero]"), true},
		{"bare false is false", ref("[no]"), false},
		{"bare null is false", ref("[null]"), false},
		{"bare missing is false", ref("[missing]"), false},
		{"nested ref", bin("==", ref("[nested][a][b]"), slit("deep")), true},
		{"string equal", bin("==", ref("[level]"), slit("ERROR")), true},
		{"string equal is case sensitive", bin("==", ref("[level]"), slit("error")), false},
		{"int equals float", bin("==", ref("[status]"), flit(200.0)), true},
		{"string is not number", bin("==", ref("[strnum]"), nlit(200)), false},
		{"missing == anything is false", bin("==", ref("[missing]"), slit("")), false},
		{"missing != anything is true", bin("!=", ref("[missing]"), slit("x")), true},
		{"!= on equal values", bin("!=", ref("[status]"), nlit(200)), false},
		{"numeric <", bin("<", ref("[ratio]"), nlit(1)), true},
		{"numeric >=", bin(">=", ref("[status]"), nlit(200)), true},
		{"numeric >", bin(">", ref("[status]"), nlit(200)), false},
		{"numeric <=", bin("<=", ref("[status]"), nlit(199)), false},
		{"string < lexical", bin("<", slit("abc"), slit("abd")), true},
		{"mixed types compare false", bin("<", ref("[strnum]"), nlit(300)), false},
		{"missing compare false", bin(">", ref("[missing]"), nlit(0)), false},
		{"regex match", bin("=~", ref("[message]"), re(`^GET /\S+ 2\d\d$`)), true},
		{"regex no match", bin("=~", ref("[message]"), re(`^POST`)), false},
		{"regex negated", bin("!~", ref("[message]"), re(`^POST`)), true},
		{"regex on missing field", bin("=~", ref("[missing]"), re(`.*`)), false},
		{"negated regex on missing field", bin("!~", ref("[missing]"), re(`.*`)), true},
		{"regex on number does not match", bin("=~", ref("[status]"), re(`200`)), false},
		{"regex from string literal", bin("=~", ref("[level]"), slit("ERR")), true},
		{"regex from a field", bin("=~", ref("[message]"), ref("[pattern]")), true},
		{"in array field", bin("in", slit("web"), ref("[tags]")), true},
		{"not in array field", bin("not in", slit("dev"), ref("[tags]")), true},
		{"in missing field", bin("in", slit("web"), ref("[missing]")), false},
		{"not in missing field", bin("not in", slit("web"), ref("[missing]")), true},
		{"in literal list", bin("in", ref("[level]"), list(slit("WARN"), slit("ERROR"))), true},
		{"number in number array", bin("in", nlit(2), ref("[codes]")), true},
		{"substring in string", bin("in", slit("index"), ref("[message]")), true},
		{"substring not in string", bin("in", slit("admin"), ref("[message]")), false},
		{"key in hash", bin("in", slit("a"), ref("[nested]")), true},
		{"and", bin("and", ref("[message]"), ref("[status]")), true},
		{"and false", bin("and", ref("[message]"), ref("[missing]")), false},
		{"or", bin("or", ref("[missing]"), ref("[status]")), true},
		{"xor both true", bin("xor", ref("[message]"), ref("[status]")), false},
		{"xor one true", bin("xor", ref("[message]"), ref("[missing]")), true},
		{"nand both true", bin("nand", ref("[message]"), ref("[status]")), false},
		{"nand one false", bin("nand", ref("[message]"), ref("[missing]")), true},
		{"not", not(ref("[missing]")), true},
		{"not of comparison", not(bin("==", ref("[status]"), nlit(200))), false},
		{"metadata missing", ref("[@metadata][x]"), false},
	}
	cc := condCompiler{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := cc.compile(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := f(ev()); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConditionCompileErrors(t *testing.T) {
	cc := condCompiler{}
	bad := []config.Expr{
		bin("=~", ref("[a]"), &config.RegexLit{Pattern: "("}),
		bin("==", ref("[a"), slit("x")),
		bin("==", &config.RegexLit{Pattern: "x"}, slit("x")),
	}
	for _, x := range bad {
		if _, err := cc.compile(x); err == nil {
			t.Errorf("%#v compiled without error", x)
		}
	}
}
