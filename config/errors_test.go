package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSyntaxErrors lists bad configurations with the exact position and
// message each must produce.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src, want string // want is "line:col: message"
	}{
		{"inptu { stdin {} }",
			"1:1: expected a section (input, filter or output), found 'inptu' — did you mean 'input'?"},
		{"input { stdin {} }\nfiltre {}",
			"2:1: expected a section (input, filter or output), found 'filtre' — did you mean 'filter'?"},
		{"Output {}",
			"1:1: expected a section (input, filter or output), found 'Output' — did you mean 'output'?"},
		{"stdin {}",
			"1:1: expected a section (input, filter or output), found 'stdin' — plugins go inside an input, filter or output section"},
		{"input stdin {}",
			"1:7: expected '{' after 'input', found 'stdin'"},
		{"input { stdin {} } }",
			"1:20: unexpected '}': there is no open section or block for it to close"},
		{"input {\n  stdin {\n",
			"3:1: missing '}' to close plugin \"stdin\" opened at 2:3"},
		{"filter {\n  mutate { }\n",
			"3:1: missing '}' to close the filter section opened at 1:1"},
		{"input { tcp { port 5000 } }",
			"1:20: expected '=>' after setting name \"port\", found '5000'"},
		{"input { tcp { port = 5000 } }",
			"1:20: expected '=>' after setting name \"port\", found '=' — Logstash settings are written name => value"},
		{"input { tcp { port: 5000 } }",
			"1:19: expected '=>' after setting name \"port\", found ':' — Logstash settings are written name => value"},
		{"input { tcp { port => } }",
			"1:23: expected a value (a string, number, bareword, array, hash or plugin), found '}'"},
		{"input { tcp {\n  host => \"abc } }\n",
			"2:11: unterminated string: the \" opened here is never closed"},
		{"input { tcp { host => 'abc } }",
			"1:23: unterminated string: the ' opened here is never closed"},
		{"input { tcp { x => a-b } }",
			"1:20: a-b is not a valid bareword (only letters, digits and '_' are allowed); quote it: \"a-b\""},
		{"input { tcp { x => a } }",
			"1:20: a bareword needs at least two characters; quote it: \"a\""},
		{"input { tcp { x => 1.2.3 } }",
			"1:20: invalid number \"1.2.3\""},
		{"input { tcp { x => 99999999999999999999 } }",
			"1:20: number 99999999999999999999 is out of range (integers must fit in 64 bits)"},
		{"input { tcp { x => [1, 2,] } }",
			"1:26: expected a value after ',', found ']' — Logstash does not allow a trailing comma in arrays"},
		{"input { tcp { x => [1 2] } }",
			"1:23: expected ',' or ']' in the array opened at 1:20, found '2'"},
		{"input { tcp { x => { aa => 1, bb => 2 } } }",
			"1:29: unexpected ',' in hash: Logstash separates hash entries with spaces or newlines, not commas"},
		{"input { tcp { x => { aa => 1\n bb => 2 aa => 3 } } }",
			"2:10: duplicate key \"aa\" in hash (first at 1:22)"},
		{"input { tcp { x => { [a] => 1 } } }",
			"1:22: expected a hash key (a string, number or bareword) or '}', found '['"},
		{"input { tcp { port => 5000 } port => 1 }",
			"1:35: expected '{' after plugin name \"port\", found '=>' — settings go inside a plugin's braces, as in stdin { port => ... }"},
		{"filter { if { x1 {} } }",
			"1:13: expected a condition after 'if', found '{'"},
		{"filter { if [a] == { x1 {} } }",
			"1:20: expected a value after '==', found '{'"},
		{"filter { if [a] = 1 { x1 {} } }",
			"1:17: expected '{' after the condition of 'if' at 1:10, found '=' — compare with '=='"},
		{"filter { if [a] == 1 { x1 {} } else x2 {} }",
			"1:37: expected '{' or 'if' after 'else', found 'x2'"},
		{"filter { else { } }",
			"1:10: 'else' without a matching 'if' before it"},
		{"filter { if [a] AND [b] { } }",
			"1:17: expected '{' after the condition of 'if' at 1:10, found 'AND' — operators are lowercase: 'and'"},
		{"filter { if [a] && [b] { } }",
			"1:17: expected '{' after the condition of 'if' at 1:10, found '&&' — write 'and' instead of '&&'"},
		{"filter { if ([a] { } }",
			"1:18: expected ')' to close the '(' at 1:13, found '{'"},
		{"filter { if [a][] { } }",
			"1:16: expected '{' after the condition of 'if' at 1:10, found '[' — each part of a field reference is [name], with a name that is not empty and has no '[', ']' or ','"},
		{"filter { if [a [b]] { } }",
			"1:13: invalid field reference: write nested fields as [a][b], each part in its own brackets"},
		{"filter { if true { } }",
			"1:13: expected a value in the condition (a [field] reference, a string, a number, a list or a /regex/), found bareword 'true' — quote strings, as in \"true\", and write fields as [true]"},
		{"filter { if [a] =~ /abc { } }",
			"1:20: unterminated regular expression: the / opened here is never closed (write \\/ for a slash inside it)"},
		{"filter { if [a] =~ 1 { } }",
			"1:20: expected a regular expression /.../ or a string after '=~', found '1'"},
		{"filter { if [a] in [\"x\", ] { } }",
			"1:26: expected a value after ',', found ']' — Logstash does not allow a trailing comma in lists"},
		{"filter { if !\"a\" { } }",
			"1:14: '!' must be followed by a field reference like [field] or a parenthesised condition, found a string"},
		{"filter { if ![a] == 1 { } }",
			"1:13: '!' applies only to the field reference after it; to negate a comparison write !(... == ...)"},
		{"filter { if [a] == 1 {\n  x1 {}\n",
			"3:1: missing '}' to close the 'if' block opened at 1:10"},
		{"filter { x1 { a => \"\xff\" } }",
			"1:21: invalid UTF-8 (byte 0xff): configuration files must be UTF-8 text"},
		{"filter { x1 { a => 1 } } input {\n stdin { } \n filter {} }",
			"3:2: found 'filter' inside the input section — is a '}' missing before it?"},
		{"filter { if [a] not [b] { } }",
			"1:17: expected '{' after the condition of 'if' at 1:10, found 'not' — did you mean 'not in'?"},
		{"filter { if [a] =~ /(?=x)y/ { } }",
			"1:20: invalid regular expression: invalid or unsupported Perl syntax: `(?=` (sluice uses Go's RE2 syntax, which has no lookahead or lookbehind)"},
		{"filter { if [a] == 1 == 2 { } }",
			"1:22: expected '{' after the condition of 'if' at 1:10, found '==' — comparisons cannot be chained; join them with 'and' or 'or'"},
		{"filter { if foo(1) { } }",
			"1:13: method calls such as foo(...) are not supported in conditions (Logstash's grammar accepts them but it cannot run them either)"},
		{"filter { if [a] xor [b] or [c] { } }",
			"1:17: 'xor' cannot be combined with other boolean operators without parentheses (Logstash gives it no precedence); group it, as in (a xor b) and c"},
		{"filter { if [a] or [b] nand [c] { } }",
			"1:24: 'nand' cannot be combined with other boolean operators without parentheses (Logstash gives it no precedence); group it, as in (a nand b) and c"},
		{"filter { if [a] =~ /(a)\\1/ { } }",
			"1:20: invalid regular expression: invalid escape sequence: `\\1` (sluice uses Go's RE2 syntax, which has no backreferences)"},
		{"filter { if [a] =~ \"x(\" { } }",
			"1:20: invalid regular expression: missing closing ): `x(` (sluice uses Go's RE2 syntax)"},
		{"filter { if [a] =~ /x(?>y)/ { } }",
			"1:20: invalid regular expression: invalid or unsupported Perl syntax: `(?>` (sluice uses Go's RE2 syntax, which has no atomic groups)"},
		{"filter { x1 { a => [[[[1]]]] } }\n", ""},
		{"filter { x1 { a => 1 } }\x00", "1:25: expected a section (input, filter or output), found '\\x00'"},
		{"filter { x1 { a => $x } }", "1:20: expected a value (a string, number, bareword, array, hash or plugin), found '$'"},
		{"filter { x1 { a => - } }", "1:20: expected a number, found '-'"},
		{"filter { x1 { => 1 } }", "1:15: expected a setting name or '}' in plugin \"x1\", found '=>'"},
		{"filter { x1 { \"a\" } }", "1:19: expected '=>' after setting name \"a\", found '}'"},
		{"filter { x1 { a => 1 }; }", "1:23: expected a plugin, a conditional or '}' in the filter section, found ';'"},
		{"filter { x1 { aa => 1 } x2 { b => [ } }", "1:37: expected a value (a string, number, bareword, array, hash or plugin), found '}'"},
		{"filter { if [a] == 1 and { } }", "1:26: expected a value in the condition (a [field] reference, a string, a number, a list or a /regex/), found '{'"},
		{"filter { if [a] { } else if { } }", "1:29: expected a condition after 'else if', found '{'"},
		{"filter { if [a] { } else { }", "1:29: missing '}' to close the filter section opened at 1:1"},
		{"filter { if [a] in [\"x\" { } }", "1:25: expected ',' or ']' in the list opened at 1:20, found '{'"},
		{"filter { if [a] in [[1]] { } }", "1:21: expected a string or a number in the list opened at 1:20, found '['"},
		{"filter { if [a] =~ [b] { } }", "1:20: expected a regular expression /.../ or a string after '=~', found '['"},
		{"filter { if [a] != { } }", "1:20: expected a value after '!=', found '{'"},
		{"filter { if != 1 { } }", "1:13: expected a value before '!='"},
		{"filter { if [a] ||", "1:17: expected '{' after the condition of 'if' at 1:10, found '||' — write 'or' instead of '||'"},
		{"filter { if [a]", "1:16: expected '{' after the condition of 'if' at 1:10, found the end of the file"},
		{"filter { if", "1:12: expected a condition, found the end of the file"},
		{"filter { x1 { a =>", "1:19: expected a value, found the end of the file"},
		{"filter { x1 { a => [", "1:21: missing ']' to close the array opened at 1:20"},
		{"filter { x1 { a => {", "1:21: missing '}' to close the hash opened at 1:20"},
		{"filter { x1 { a => { aa =>", "1:27: expected a value, found the end of the file"},
		{"filter { x1 { a => { aa => 1 bb } } }", "1:33: expected '=>' after hash key \"bb\", found '}'"},
		{"input { x1 { codec => json { charset => UTF-8 } } }", "1:41: UTF-8 is not a valid bareword (only letters, digits and '_' are allowed); quote it: \"UTF-8\""},
		{"input { x1 { codec => json\n", "2:1: missing '}' to close plugin \"x1\" opened at 1:9"},
		{"input { x1 { a => 1 } } filter { x2 { b => [1] ", "1:48: missing '}' to close plugin \"x2\" opened at 1:34"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := ParseString("t.conf", tt.src)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want a *Error", err, err)
			}
			got := strings.TrimPrefix(e.Pos.String(), "t.conf:") + ": " + e.Msg
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if e.Pos.File != "t.conf" {
				t.Errorf("file %q", e.Pos.File)
			}
		})
	}
}

func TestErrorRendering(t *testing.T) {
	_, err := ParseString("pipeline.conf", "input {\n\ttcp { « port » => 5000 }\n}\n")
	want := "pipeline.conf:2:8: expected a setting name or '}' in plugin \"tcp\", found '«'\n" +
		"   tcp { « port » => 5000 }\n" +
		"         ^"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestLimits(t *testing.T) {
	deep := "filter { x1 { a => " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + " } }"
	_, err := ParseString("t.conf", deep)
	if err == nil || !strings.Contains(err.Error(), "nesting is too deep (more than 100 levels)") {
		t.Errorf("deep arrays: %v", err)
	}
	deepIf := "filter {" + strings.Repeat(" if [a] {", 150) + strings.Repeat("}", 150) + "}"
	if _, err := ParseString("t.conf", deepIf); err == nil || !strings.Contains(err.Error(), "nesting is too deep") {
		t.Errorf("deep ifs: %v", err)
	}
	deepParens := "filter { if " + strings.Repeat("(", 150) + "[a]" + strings.Repeat(")", 150) + " {} }"
	if _, err := ParseString("t.conf", deepParens); err == nil || !strings.Contains(err.Error(), "nesting is too deep") {
		t.Errorf("deep parens: %v", err)
	}
	deepNot := "filter { if " + strings.Repeat("!(", 150) + "[a]" + strings.Repeat(")", 150) + " {} }"
	if _, err := ParseString("t.conf", deepNot); err == nil || !strings.Contains(err.Error(), "nesting is too deep") {
		t.Errorf("deep nots: %v", err)
	}
	ok := "filter { x1 { a => " + strings.Repeat("[", 50) + strings.Repeat("]", 50) + " } }"
	if _, err := ParseString("t.conf", ok); err != nil {
		t.Errorf("50 levels: %v", err)
	}
	_, err = ParseOptions{MaxSize: 10}.Parse("t.conf", []byte("input { stdin {} }"))
	if err == nil || !strings.Contains(err.Error(), "t.conf:1:1: the configuration is too large (18 bytes; the limit is 10)") {
		t.Errorf("size: %v", err)
	}
}

func TestErrorLongLine(t *testing.T) {
	src := "input { x1 { a => [" + strings.Repeat(`"ü", `, 100) + "?] } }"
	_, err := ParseString("t.conf", src)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %q", err)
	}
	// 60 characters before the column: twelve `"ü", ` of five characters.
	want := "  …" + strings.Repeat(`"ü", `, 12) + "?] } }"
	if lines[1] != want || lines[2] != "  "+strings.Repeat(" ", 61)+"^" {
		t.Errorf("got\n%s\n%s\nwant\n%s", lines[1], lines[2], want)
	}
}
