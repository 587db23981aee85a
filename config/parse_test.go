package config

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"only whitespace", " \t\r\n\n", ""},
		{"only comments", "# nothing\n  # here", ""},
		{"comment without final newline", "input { stdin {} } # end", "input{stdin{}}"},
		{"byte order mark", "\ufeffinput { stdin {} }", "input{stdin{}}"},
		{"crlf", "input {\r\n  tcp {\r\n    port => 1\r\n  }\r\n}\r\n", "input{tcp{port=n:1}}"},
		{"sections", "input { stdin {} } filter {} output { stdout {} }", "input{stdin{}} filter{} output{stdout{}}"},
		{"only filter", "filter { mutate {} }", "filter{mutate{}}"},
		{"repeated sections any order", "output{a1{}} input{b1{}} output{c1{}}", "output{a1{}} input{b1{}} output{c1{}}"},
		{"no space anywhere", "input{stdin{}tcp{port=>5000}}", "input{stdin{} tcp{port=n:5000}}"},
		{"attrs", `input { tcp { port => 5000 host => "0.0.0.0" mode => server ratio => -1.5 } }`,
			`input{tcp{port=n:5000 host="0.0.0.0" mode=w:server ratio=n:-1.5}}`},
		{"attrs without space between", `input { x1 { a => "x"b => 'y'c => [1]d => {}e => 1 } }`,
			`input{x1{a="x" b="y" c=[n:1] d={} e=n:1}}`},
		{"duplicate attrs are kept in order", `filter { grok { match => { a1 => "x" } match => { b1 => "y" } } }`,
			`filter{grok{match={a1=>"x"} match={b1=>"y"}}}`},
		{"numbers", `filter { x1 { a => 0 b => -0 c => 007 d => 1.25 e => -3. f => 9223372036854775807 g => -9223372036854775808 } }`,
			`filter{x1{a=n:0 b=n:-0 c=n:007 d=n:1.25 e=n:-3. f=n:9223372036854775807 g=n:-9223372036854775808}}`},
		{"barewords", `filter { x1 { a => true b => false c => _x d => ab_12 e => nil } }`,
			`filter{x1{a=w:true b=w:false c=w:_x d=w:ab_12 e=w:nil}}`},
		{"single quotes", `filter { mutate { add_tag => 'it"s' } }`, `filter{mutate{add_tag="it\"s"}}`},
		{"empty strings", `filter { x1 { a => "" b => '' } }`, `filter{x1{a="" b=""}}`},
		{"unicode strings", `filter { x1 { "ключ" => "日本語 ✓" } }`, `filter{x1{ключ="日本語 ✓"}}`},
		{"quoted names", `filter { "mutate" { "add_tag" => x1 'a b' => 1 } }`, `filter{mutate{add_tag=w:x1 a b=n:1}}`},
		{"dashed and numeric names", `filter { my-plugin { a-b => 1 0x => 2 } 123 {} }`, `filter{my-plugin{a-b=n:1 0x=n:2} 123{}}`},
		{"arrays", `output { es { hosts => ["a:9200", 'b', 3, [x1, {k1 => v1}]] empty => [ ] } }`,
			`output{es{hosts=["a:9200", "b", n:3, [w:x1, {k1=>w:v1}]] empty=[]}}`},
		{"array over lines", "output { es { hosts => [\n  \"a\",\n  \"b\"\n] } }", `output{es{hosts=["a", "b"]}}`},
		{"hash", "filter { grok { match => { \"message\" => \"%{X}\" 42 => 1.0 bw => 'y' -1 => z1 } } }",
			`filter{grok{match={message=>"%{X}" 42=>n:1.0 bw=>"y" -1=>w:z1}}}`},
		{"hash on one line", `filter { mutate { add_field => { "a" => "1" "b" => "2" } } }`,
			`filter{mutate{add_field={a=>"1" b=>"2"}}}`},
		{"empty hash", `filter { x1 { h => {} } }`, `filter{x1{h={}}}`},
		{"nested hash", `filter { f1 { h => { a1 => { b1 => [1, 2] c1 => {} } } } }`, `filter{f1{h={a1=>{b1=>[n:1, n:2] c1=>{}}}}}`},
		{"plugin value", `input { stdin { codec => json { charset => "UTF-8" } } }`, `input{stdin{codec=json{charset="UTF-8"}}}`},
		{"plugin value no attrs", `input { stdin { codec => json {} } }`, `input{stdin{codec=json{}}}`},
		{"plugin value quoted name", `input { stdin { codec => "json" { } } }`, `input{stdin{codec=json{}}}`},
		{"plugin value in hash and array", `output { x1 { h => { c1 => plain { format => "%{message}" } } a => [ line {} ] } }`,
			`output{x1{h={c1=>plain{format="%{message}"}} a=[line{}]}}`},
		{"bareword codec", `input { stdin { codec => json_lines } }`, `input{stdin{codec=w:json_lines}}`},
		{"comments everywhere", "# head\ninput # c\n{ # c\n stdin # c\n { # c\n a1 # c\n => # c\n [ # c\n 1 # c\n , # c\n 2 # c\n ] # c\n h1 => { # c\n k1 => 1 # c\n k2 => 2 # c\n } # c\n } # c\n} # c",
			`input{stdin{a1=[n:1, n:2] h1={k1=>n:1 k2=>n:2}}}`},
		{"hash in comment is a comment", "filter { x1 { a => \"#not a comment\" } # b => 1\n }", `filter{x1{a="#not a comment"}}`},
		{"multiline string", "input { x1 { m => \"a\nb\" } }", `input{x1{m="a\nb"}}`},
		{"backslashes kept by default", `filter { x1 { m => "a\"b\n\\x\d" n => 'it\'s' } }`, `filter{x1{m="a\\\"b\\n\\\\x\\d" n="it\\'s"}}`},
		{"backslash before closing quote continues the string", `filter { x1 { m => "a\\" n => " } }`, `filter{x1{m="a\\\\\" n => "}}`},
		{"sprintf and env references stay as written", `output { x1 { index => "logs-%{+YYYY.MM.dd}" p => "${HOME}" } }`,
			`output{x1{index="logs-%{+YYYY.MM.dd}" p="${HOME}"}}`},
		{"keywords as plugin names", `filter { iff {} elsewhere {} in {} and {} }`, `filter{iff{} elsewhere{} in{} and{}}`},
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
			if len(p.Warnings) > 0 {
				t.Errorf("unexpected warnings: %v", p.Warnings)
			}
			checkRoundTrip(t, p)
		})
	}
}

func TestParseConditions(t *testing.T) {
	tests := []struct {
		name, cond, want string
	}{
		{"field truthiness", `[a]`, `[a]`},
		{"nested field", `[a][b][c]`, `[a][b][c]`},
		{"metadata", `[@metadata][x]`, `[@metadata][x]`},
		{"field with spaces dots dashes", `[a b][c.d][e-f][@g]`, `[a b][c.d][e-f][@g]`},
		{"string truthiness", `"x"`, `"x"`},
		{"equal", `[a] == "x"`, `(== [a] "x")`},
		{"not equal single quotes", `[a] != 'x'`, `(!= [a] "x")`},
		{"ordering", `[a] < 1`, `(< [a] n:1)`},
		{"greater", `[a] > -1.5`, `(> [a] n:-1.5)`},
		{"less equal", `[a] <= [b]`, `(<= [a] [b])`},
		{"greater equal", `[a]>=2`, `(>= [a] n:2)`},
		{"regex", `[a] =~ /^x/`, `(=~ [a] /^x/)`},
		{"regex with escaped slash", `[path] =~ /^\/var\/log\//`, `(=~ [path] /^\/var\/log\//)`},
		{"regex not match", `[a] !~ /\d+/`, `(!~ [a] /\d+/)`},
		{"regex from string", `[a] =~ "^x$"`, `(=~ [a] "^x$")`},
		{"in field", `"x" in [tags]`, `(in "x" [tags])`},
		{"in list", `[a] in ["x", "y", 1]`, `(in [a] (list "x" "y" n:1))`},
		{"in list of barewords", `[a] in [foo, bar]`, `(in [a] (list "foo" "bar"))`},
		{"in empty list", `[a] in []`, `(in [a] (list))`},
		{"one-element list", `[a] in ["x"]`, `(in [a] (list "x"))`},
		{"one-element list single quotes", `[a] in [ 'x' ]`, `(in [a] (list "x"))`},
		{"one-number brackets are a field", `[a] in [1]`, `(in [a] [1])`},
		{"not in", `[a] not in [b]`, `(not in [a] [b])`},
		{"not in with spaces", "[a] not \n in [\"x\", \"y\"]", `(not in [a] (list "x" "y"))`},
		{"not field", `![a]`, `(! [a])`},
		{"not with space", `! [a]`, `(! [a])`},
		{"not parenthesised", `!([a] == 1)`, `(! (== [a] n:1))`},
		{"double not", `!(![a])`, `(! (! [a]))`},
		{"parens", `([a])`, `[a]`},
		{"and", `[a] and [b]`, `(and [a] [b])`},
		{"or", `[a] or [b]`, `(or [a] [b])`},
		{"xor alone", `[a] xor [b]`, `(xor [a] [b])`},
		{"nand alone", `[a] nand [b]`, `(nand [a] [b])`},
		{"and binds tighter than or (left)", `[a] and [b] or [c]`, `(or (and [a] [b]) [c])`},
		{"and binds tighter than or (right)", `[a] or [b] and [c]`, `(or [a] (and [b] [c]))`},
		{"and chain nests right", `[a] and [b] and [c]`, `(and [a] (and [b] [c]))`},
		{"or chain nests right", `[a] or [b] or [c]`, `(or [a] (or [b] [c]))`},
		{"mixed", `[a] and [b] or [c] and [d] or [e]`, `(or (and [a] [b]) (or (and [c] [d]) [e]))`},
		{"xor in parens", `([a] xor [b]) and [c]`, `(and (xor [a] [b]) [c])`},
		{"comparisons inside booleans", `[a] == 1 and [b] =~ /x/ or "t" in [tags]`, `(or (and (== [a] n:1) (=~ [b] /x/)) (in "t" [tags]))`},
		{"comments in condition", "[a] # c\n == # c\n 1 # c\n and # c\n [b]", `(and (== [a] n:1) [b])`},
		{"no spaces", `[a]==1 and[b]!="x"or"y"in[c]`, `(or (and (== [a] n:1) (!= [b] "x")) (in "y" [c]))`},
		{"list on the left", `["a", "b"] == [x]`, `(== (list "a" "b") [x])`},
		{"regex truthiness", `/x/`, `/x/`},
		{"unicode field", `[日本] == "語"`, `(== [日本] "語")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseString("test.conf", "filter { if "+tt.cond+" { x1 {} } }")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			br := p.Sections[0].Body[0].(*If).Branches[0]
			if got := dumpExpr(br.Cond); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if len(p.Warnings) > 0 {
				t.Errorf("unexpected warnings: %v", p.Warnings)
			}
			checkRoundTrip(t, p)
		})
	}
}

func TestParseBranches(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"if", `filter { if [a] { x1 {} } }`, `filter{if([a]){x1{}}}`},
		{"if else", `filter { if [a] { x1 {} } else { x2 {} } }`, `filter{if([a]){x1{}} else{x2{}}}`},
		{"else if chain", `filter { if [a] { x1 {} } else if [b] { x2 {} } else if [c] {} else { x3 {} } }`,
			`filter{if([a]){x1{}} elif([b]){x2{}} elif([c]){} else{x3{}}}`},
		{"no spaces", `filter{if[a]{x1{}}else if[b]{}else{}}`, `filter{if([a]){x1{}} elif([b]){} else{}}`},
		{"elseif", `filter { if [a] {} elseif [b] {} elseif{} }`, `filter{if([a]){} elif([b]){} elseif{}}`},
		{"comments between branches", "filter { if [a] { } # c\n else # c\n if # c\n [b] { } # c\n else # c\n { } }", `filter{if([a]){} elif([b]){} else{}}`},
		{"nested", `output { if [a] { if [b] { x1 {} } else { if [c] { x2 {} } } x3 {} } }`,
			`output{if([a]){if([b]){x1{}} else{if([c]){x2{}}} x3{}}}`},
		{"in input section", `input { if [a] { stdin {} } }`, `input{if([a]){stdin{}}}`},
		{"two ifs in a row", `filter { if [a] {} if [b] {} }`, `filter{if([a]){} if([b]){}}`},
		{"plugin after else", `filter { if [a] {} else {} x1 {} }`, `filter{if([a]){} else{} x1{}}`},
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
			checkRoundTrip(t, p)
		})
	}
}

// TestPrecedenceWarnings checks the conditions where Logstash's grouping
// differs from the usual one: the tree is Logstash's and a warning says so.
func TestPrecedenceWarnings(t *testing.T) {
	tests := []struct {
		cond, want, warning string
	}{
		{`[a] and [b] and [c] or [d]`, `(and [a] (or (and [b] [c]) [d]))`,
			"test.conf:1:13: this condition is grouped as Logstash groups it, [a] and (([b] and [c]) or [d]), which differs from the usual precedence (([a] and [b] and [c]) or [d]); add parentheses to make the intent explicit"},
		{`[a] or [b] and [c] and [d] or [e]`, `(or [a] (and [b] (or (and [c] [d]) [e])))`,
			"test.conf:1:13: this condition is grouped as Logstash groups it, [a] or ([b] and (([c] and [d]) or [e])), which differs from the usual precedence ([a] or ([b] and [c] and [d]) or [e]); add parentheses to make the intent explicit"},
		{`[a] and [b] or [c]`, `(or (and [a] [b]) [c])`, ""},
		{`([a] and [b] and [c]) or [d]`, `(or (and [a] (and [b] [c])) [d])`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			p, err := ParseString("test.conf", "filter { if "+tt.cond+" { x1 {} } }")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := dumpExpr(p.Sections[0].Body[0].(*If).Branches[0].Cond); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			var got string
			if len(p.Warnings) > 0 {
				got = p.Warnings[0].Msg
				got = p.Warnings[0].Pos.String() + ": " + got
			}
			if got != tt.warning || len(p.Warnings) > 1 {
				t.Errorf("warning:\ngot  %q\nwant %q", got, tt.warning)
			}
			checkRoundTrip(t, p)
		})
	}
}

func TestEscapes(t *testing.T) {
	tests := []struct {
		name, str, raw, escaped string
	}{
		{"plain", `"abc"`, "abc", "abc"},
		{"escaped double quote", `"a\"b"`, `a\"b`, `a"b`},
		{"escaped single quote", `'a\'b'`, `a\'b`, `a'b`},
		{"other quote in double quotes", `"a\'b"`, `a\'b`, `a'b`},
		{"backslash", `"a\\b"`, `a\\b`, `a\b`},
		{"newline tab return", `"a\nb\tc\rd"`, `a\nb\tc\rd`, "a\nb\tc\rd"},
		{"unknown escape kept", `"\d+\.\s"`, `\d+\.\s`, `\d+\.\s`},
		{"no zero escape", `"a\0"`, `a\0`, `a\0`},
		{"escaped backslash then n", `"\\n"`, `\\n`, `\n`},
		{"escaped quote at end", `"a\""`, `a\"`, `a"`},
		{"windows path", `'C:\Temp\new'`, `C:\Temp\new`, "C:\\Temp\new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "filter { x1 { v => " + tt.str + " } if [a] == " + tt.str + " {} }"
			for _, mode := range []struct {
				opts ParseOptions
				want string
			}{{ParseOptions{}, tt.raw}, {ParseOptions{SupportEscapes: true}, tt.escaped}} {
				p, err := mode.opts.Parse("test.conf", []byte(src))
				if err != nil {
					t.Fatalf("escapes=%v: %v", mode.opts.SupportEscapes, err)
				}
				v := p.Sections[0].Body[0].(*Plugin).Attrs[0].Value.(*String).Value
				c := p.Sections[0].Body[1].(*If).Branches[0].Cond.(*Binary).Right.(*StringLit).Value
				if v != mode.want || c != mode.want {
					t.Errorf("escapes=%v: got value %q and condition string %q, want %q", mode.opts.SupportEscapes, v, c, mode.want)
				}
				checkRoundTrip(t, p)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	src := "input {\n  tcp {\n    port => 5000\n    codec => json { charset => \"UTF-8\" }\n  }\n}\nfilter {\n\tif [a] == \"é\" and ![b] { x1 { h => { k1 => [1] } } }\n  else { }\n}\n"
	p, err := ParseString("p.conf", src)
	if err != nil {
		t.Fatal(err)
	}
	in := p.Sections[0]
	tcp := in.Body[0].(*Plugin)
	port := tcp.Attrs[0]
	codec := tcp.Attrs[1].Value.(*Plugin)
	iff := p.Sections[1].Body[0].(*If)
	and := iff.Branches[0].Cond.(*Binary)
	eq := and.Left.(*Binary)
	not := and.Right.(*Not)
	x1 := iff.Branches[0].Body[0].(*Plugin)
	h := x1.Attrs[0].Value.(*Hash)
	got := map[string]Pos{
		"section": in.Pos, "tcp": tcp.Pos, "port": port.Pos, "5000": port.Value.Position(),
		"codec": codec.Pos, "charset": codec.Attrs[0].Pos, "UTF-8": codec.Attrs[0].Value.Position(),
		"filter": p.Sections[1].Pos, "if": iff.Pos, "and": and.Pos, "==": eq.Pos, "[a]": eq.Left.Position(),
		"é": eq.Right.Position(), "!": not.Pos, "[b]": not.X.Position(), "x1": x1.Pos, "hash": h.Pos,
		"k1": h.Entries[0].Pos, "[1]": h.Entries[0].Value.Position(), "else": iff.Branches[1].Pos,
	}
	want := map[string][2]int{
		"section": {1, 1}, "tcp": {2, 3}, "port": {3, 5}, "5000": {3, 13},
		"codec": {4, 14}, "charset": {4, 21}, "UTF-8": {4, 32},
		"filter": {7, 1}, "if": {8, 2}, "and": {8, 17}, "==": {8, 9}, "[a]": {8, 5},
		// columns count bytes: é takes two
		"é": {8, 12}, "!": {8, 21}, "[b]": {8, 22}, "x1": {8, 28}, "hash": {8, 38},
		"k1": {8, 40}, "[1]": {8, 46}, "else": {9, 3},
	}
	for k, w := range want {
		g := got[k]
		if g.File != "p.conf" || g.Line != w[0] || g.Col != w[1] {
			t.Errorf("%s at %s, want %d:%d", k, g, w[0], w[1])
		}
	}
}

// checkRoundTrip formats p, parses the result and compares the trees.
func checkRoundTrip(t *testing.T, p *Pipeline) {
	t.Helper()
	out := Format(p)
	p2, err := ParseOptions{SupportEscapes: p.SupportEscapes}.Parse("formatted", out)
	if err != nil {
		t.Fatalf("formatted output does not parse: %v\n%s", err, out)
	}
	if a, b := dump(p), dump(p2); a != b {
		t.Errorf("round trip changed the tree:\nbefore %s\nafter  %s\nformatted:\n%s", a, b, out)
	}
	if again := Format(p2); string(again) != string(out) {
		t.Errorf("Format is not stable:\n%s\n---\n%s", out, again)
	}
}

func TestFormatQuoting(t *testing.T) {
	tests := []struct {
		value string
		esc   bool
		want  string
	}{
		{`plain`, false, `"plain"`},
		{`say "hi"`, false, `'say "hi"'`},
		{`it's`, false, `"it's"`},
		{`a\"b`, false, `"a\"b"`},
		{`both " and '`, false, `"both \" and '"`}, // not representable: reads back with a backslash
		{"tab\there", true, `"tab\there"`},
		{`q"b\s`, true, `"q\"b\s"`},
		{`a\"`, true, `"a\\\""`},
		{`end\`, true, `"end\\"`},
		{`\n`, true, `"\\n"`},
		{"a\\\tb", true, `"a\\\tb"`}, // backslash then tab
		{"a\\\nb", true, `"a\\\nb"`}, // backslash then newline
	}
	for _, tt := range tests {
		p := &Pipeline{SupportEscapes: tt.esc, Sections: []*Section{{Kind: "filter", Body: []Statement{
			&Plugin{Name: "x1", Attrs: []*Attr{{Name: "v", Value: &String{Value: tt.value}}}},
		}}}}
		out := string(Format(p))
		got := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "v => ", 2)[1], "\n", 2)[0])
		if got != tt.want {
			t.Errorf("%q (escapes %v): got %s, want %s", tt.value, tt.esc, got, tt.want)
		}
	}
}
