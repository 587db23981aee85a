package config

import (
	"testing"
)

func TestParseBasics(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"only comments", "# nothing\n  # here", ""},
		{"sections", "input { stdin {} } filter {} output { stdout {} }", "input{stdin{}} filter{} output{stdout{}}"},
		{"repeated sections any order", "output{a1{}} input{b1{}} output{c1{}}", "output{a1{}} input{b1{}} output{c1{}}"},
		{"no space", "input{stdin{}tcp{port=>5000}}", "input{stdin{} tcp{port=n:5000}}"},
		{"attrs", `input { tcp { port => 5000 host => "0.0.0.0" mode => server ratio => -1.5 } }`,
			`input{tcp{port=n:5000 host="0.0.0.0" mode=w:server ratio=n:-1.5}}`},
		{"single quotes", `filter { mutate { add_tag => 'it"s' } }`, `filter{mutate{add_tag="it\"s"}}`},
		{"quoted names", `filter { "mutate" { "add_tag" => x1 } }`, `filter{mutate{add_tag=w:x1}}`},
		{"dashed plugin name", `filter { my-plugin { a_b => 1 } }`, `filter{my-plugin{a_b=n:1}}`},
		{"arrays", `output { es { hosts => ["a:9200", 'b', 3, [x1, {k1 => v1}]] empty => [] } }`,
			`output{es{hosts=["a:9200", "b", n:3, [w:x1, {k1=>w:v1}]] empty=[]}}`},
		{"hash", "filter { grok { match => { \"message\" => \"%{X}\" 42 => 1.0 bw => 'y' } } }",
			`filter{grok{match={message=>"%{X}" 42=>n:1.0 bw=>"y"}}}`},
		{"nested hash", `filter { f1 { h => { a1 => { b1 => [1, 2] } } } }`, `filter{f1{h={a1=>{b1=>[n:1, n:2]}}}}`},
		{"plugin value", `input { stdin { codec => json { charset => "UTF-8" } } }`, `input{stdin{codec=json{charset="UTF-8"}}}`},
		{"plugin value no attrs", `input { stdin { codec => json {} } }`, `input{stdin{codec=json{}}}`},
		{"bareword codec", `input { stdin { codec => json_lines } }`, `input{stdin{codec=w:json_lines}}`},
		{"comments everywhere", "input # c\n{ # c\n stdin # c\n { # c\n a1 # c\n => # c\n [ # c\n 1 # c\n , # c\n 2 # c\n ] # c\n h1 => { # c\n k1 => 1 # c\n k2 => 2 # c\n } # c\n } # c\n} # c",
			`input{stdin{a1=[n:1, n:2] h1={k1=>n:1 k2=>n:2}}}`},
		{"multiline string", "input { x1 { m => \"a\nb\" } }", `input{x1{m="a\nb"}}`},
		{"backslash kept", `filter { x1 { m => "a\"b\n\\x" } }`, `filter{x1{m="a\\\"b\\n\\\\x"}}`},
		{"backslash before closing quote continues the string", `filter { x1 { m => "a\\" n => " } }`, `filter{x1{m="a\\\\\" n => "}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseString("test.conf", tt.src)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := dump(p); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseConditionsBasic(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"if else", `filter { if [type] == "nginx" { a1 {} } else if [x] =~ /a\/b/ { b1 {} } else { c1 {} } }`,
			`filter{if((== [type] "nginx")){a1{}} elif((=~ [x] /a\/b/)){b1{}} else{c1{}}}`},
		{"in list", `filter { if "x" in [tags] and [a] not in ["b", "c"] { a1 {} } }`,
			`filter{if((and (in "x" [tags]) (not in [a] (list "b" "c")))){a1{}}}`},
		{"not", `filter { if ![a] or !([b] > 1) { a1 {} } }`, `filter{if((or (! [a]) (! (> [b] n:1)))){a1{}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseString("test.conf", tt.src)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := dump(p); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			out := Format(p)
			p2, err := ParseString("formatted", string(out))
			if err != nil {
				t.Fatalf("reparse %s: %v", out, err)
			}
			if dump(p2) != dump(p) {
				t.Errorf("round trip changed the tree:\n%s\n%s", dump(p2), out)
			}
		})
	}
}
