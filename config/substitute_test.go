package config

import (
	"errors"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestSubstitute(t *testing.T) {
	vars := env(map[string]string{"HOST": "es:9200", "PORT": "5044", "EMPTY": "", "a.b_c": "dots", "NESTED": "${HOST}"})
	tests := []struct {
		name, src, want string
	}{
		{"string setting", `output { es { hosts => "${HOST}" } }`, `output{es{hosts="es:9200"}}`},
		{"inside text", `output { es { hosts => "http://${HOST}/x" } }`, `output{es{hosts="http://es:9200/x"}}`},
		{"several", `output { es { h => "${HOST}-${PORT}-${HOST}" } }`, `output{es{h="es:9200-5044-es:9200"}}`},
		{"default unused", `input { beats { port => "${PORT:5000}" } }`, `input{beats{port="5044"}}`},
		{"default used", `input { beats { port => "${NOPE:5000}" } }`, `input{beats{port="5000"}}`},
		{"empty default", `input { beats { p => "${NOPE:}" } }`, `input{beats{p=""}}`},
		{"default with spaces and colons", `input { x1 { p => "${NOPE:a b:c}" } }`, `input{x1{p="a b:c"}}`},
		{"defined but empty", `input { x1 { p => "${EMPTY:x}" } }`, `input{x1{p=""}}`},
		{"dotted name", `input { x1 { p => "${a.b_c}" } }`, `input{x1{p="dots"}}`},
		{"not a reference", `input { x1 { p => "${1x} ${} $HOST ${HOST" } }`, `input{x1{p="${1x} ${} $HOST ${HOST"}}`},
		{"values are not substituted again", `input { x1 { p => "${NESTED}" } }`, `input{x1{p="${HOST}"}}`},
		{"arrays and hashes", `output { es { hosts => ["${HOST}", "b"] h => { "${HOST}" => "${PORT}" k2 => ["${PORT}"] } } }`,
			`output{es{hosts=["es:9200", "b"] h={${HOST}=>"5044" k2=>["5044"]}}}`},
		{"plugin values", `input { x1 { codec => json { charset => "${PORT}" } } }`, `input{x1{codec=json{charset="5044"}}}`},
		{"barewords numbers names untouched", `input { x1 { "${HOST}" => 1 b => bare } }`, `input{x1{${HOST}=n:1 b=w:bare}}`},
		{"sprintf untouched", `output { x1 { index => "%{[host]}-${PORT}" } }`, `output{x1{index="%{[host]}-5044"}}`},
		{"conditions", `filter { if [h] == "${HOST}" and [p] in ["${PORT}", 1] { x1 {} } else if "${PORT}" in [tags] {} }`,
			`filter{if((and (== [h] "es:9200") (in [p] (list "5044" n:1)))){x1{}} elif((in "5044" [tags])){}}`},
		{"regexes untouched", `filter { if [h] =~ /${HOST}/ or [h] =~ "${HOST}" { } }`,
			`filter{if((or (=~ [h] /${HOST}/) (=~ [h] "${HOST}"))){}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseString("t.conf", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if err := Substitute(p, vars); err != nil {
				t.Fatal(err)
			}
			if got := dump(p); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSubstituteUndefined(t *testing.T) {
	src := "input {\n  beats { port => \"${PORT}\" }\n}\noutput {\n  es { hosts => [\"http://${ES_HOST}:${ES_PORT:9200}\", 'x'] }\n  if [a] == \"${MISSING}\" {}\n}\n"
	p, err := ParseString("p.conf", src)
	if err != nil {
		t.Fatal(err)
	}
	err = Substitute(p, env(nil))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v, want an ErrorList", err)
	}
	want := []string{
		`p.conf:2:20: variable "PORT" is not defined (in ${PORT}) and has no default; set it, or give one as ${PORT:default}`,
		`p.conf:5:26: variable "ES_HOST" is not defined (in ${ES_HOST}) and has no default; set it, or give one as ${ES_HOST:default}`,
		`p.conf:6:14: variable "MISSING" is not defined (in ${MISSING}) and has no default; set it, or give one as ${MISSING:default}`,
	}
	if len(list) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, e := range list {
		if got := e.Pos.String() + ": " + e.Msg; got != want[i] {
			t.Errorf("error %d:\ngot  %s\nwant %s", i, got, want[i])
		}
	}
	if !strings.Contains(list[1].Error(), "\n    es { hosts => [\"http://${ES_HOST}:${ES_PORT:9200}\", 'x'] }\n                           ^") {
		t.Errorf("caret not under the reference:\n%s", list[1].Error())
	}
}

func TestSubstituteWithEscapes(t *testing.T) {
	// With escapes processed the literal's text differs from its value, so
	// the error points at the string itself.
	p, err := ParseOptions{SupportEscapes: true}.Parse("t.conf", []byte(`input { x1 { p => "a\tb${X}" } }`))
	if err != nil {
		t.Fatal(err)
	}
	err = Substitute(p, env(nil))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Pos.Col != 19 {
		t.Fatalf("got %v", err)
	}
}
