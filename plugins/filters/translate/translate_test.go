package translate

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const codes = `dictionary => { "200" => "OK" "404" => "Not Found" }`

func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in, want   map[string]any
		ok         bool
	}{
		{
			name: "exact",
			conf: `translate { source => "code" target => "text" ` + codes + ` }`,
			in:   map[string]any{"code": "404"},
			want: map[string]any{"code": "404", "text": "Not Found"},
			ok:   true,
		},
		{
			name: "number source",
			conf: `translate { source => "code" target => "text" ` + codes + ` }`,
			in:   map[string]any{"code": int64(200)},
			want: map[string]any{"code": int64(200), "text": "OK"},
			ok:   true,
		},
		{
			name: "array source: first element",
			conf: `translate { source => "code" target => "text" ` + codes + ` }`,
			in:   map[string]any{"code": []any{"200", "404"}},
			want: map[string]any{"code": []any{"200", "404"}, "text": "OK"},
			ok:   true,
		},
		{
			name: "no match, no fallback",
			conf: `translate { source => "code" target => "text" ` + codes + ` }`,
			in:   map[string]any{"code": "418"},
			want: map[string]any{"code": "418"},
		},
		{
			name: "fallback with reference",
			conf: `translate { source => "code" target => "text" fallback => "code %{code}" ` + codes + ` }`,
			in:   map[string]any{"code": "418"},
			want: map[string]any{"code": "418", "text": "code 418"},
			ok:   true,
		},
		{
			name: "missing source: no fallback",
			conf: `translate { source => "code" target => "text" fallback => "x" ` + codes + ` }`,
			in:   map[string]any{},
			want: map[string]any{},
		},
		{
			name: "existing target kept",
			conf: `translate { source => "code" target => "text" ` + codes + ` }`,
			in:   map[string]any{"code": "200", "text": "mine"},
			want: map[string]any{"code": "200", "text": "mine"},
		},
		{
			name: "override",
			conf: `translate { source => "code" target => "text" override => true ` + codes + ` }`,
			in:   map[string]any{"code": "200", "text": "mine"},
			want: map[string]any{"code": "200", "text": "OK"},
			ok:   true,
		},
		{
			name: "in place by default (ECS)",
			conf: `translate { source => "code" ` + codes + ` }`,
			in:   map[string]any{"code": "200"},
			want: map[string]any{"code": "OK"},
			ok:   true,
		},
		{
			name: "legacy target and old names",
			conf: `translate { ecs_compatibility => disabled field => "code" ` + codes + ` }`,
			in:   map[string]any{"code": "200"},
			want: map[string]any{"code": "200", "translation": "OK"},
			ok:   true,
		},
		{
			name: "destination alias",
			conf: `translate { source => "code" destination => "[a][b]" ` + codes + ` }`,
			in:   map[string]any{"code": "200"},
			want: map[string]any{"code": "200", "a": map[string]any{"b": "OK"}},
			ok:   true,
		},
		{
			name: "regex, first key in order wins",
			conf: `translate { source => "ua" target => "kind" regex => true dictionary => { "bot|crawler" => "robot" "Mozilla" => "browser" } }`,
			in:   map[string]any{"ua": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
			want: map[string]any{"ua": "Mozilla/5.0 (compatible; Googlebot/2.1)", "kind": "robot"},
			ok:   true,
		},
		{
			name: "not exact: substitute inside",
			conf: `translate { source => "msg" target => "out" exact => false dictionary => { "foo" => "bar" "a.b" => "X" } }`,
			in:   map[string]any{"msg": "foofing a.b acb"},
			want: map[string]any{"msg": "foofing a.b acb", "out": "barfing X acb"},
			ok:   true,
		},
		{
			name: "not exact, regex",
			conf: `translate { source => "msg" target => "out" exact => false regex => true dictionary => { "[0-9]+" => "N" } }`,
			in:   map[string]any{"msg": "id 42 and 7"},
			want: map[string]any{"msg": "id 42 and 7", "out": "id N and N"},
			ok:   true,
		},
		{
			name: "iterate_on, array of values",
			conf: `translate { iterate_on => "ids" source => "ids" target => "names" fallback => "Unknown" dictionary => { "100" => "Yuki" "102" => "Ahmed" } }`,
			in:   map[string]any{"ids": []any{int64(100), int64(110), "102"}},
			want: map[string]any{"ids": []any{int64(100), int64(110), "102"}, "names": []any{"Yuki", "Unknown", "Ahmed"}},
			ok:   true,
		},
		{
			name: "iterate_on, array of objects",
			conf: `translate { iterate_on => "people" source => "id" target => "[n][name]" dictionary => { "100" => "Yuki" } }`,
			in:   map[string]any{"people": []any{map[string]any{"id": int64(100)}, map[string]any{"id": int64(5)}, "junk"}},
			want: map[string]any{"people": []any{map[string]any{"id": int64(100), "n": map[string]any{"name": "Yuki"}}, map[string]any{"id": int64(5)}, "junk"}},
			ok:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			tt.in["@timestamp"] = ts0
			e := event.FromMap(tt.in)
			if ok := f.Filter(e, nil); ok != tt.ok {
				t.Errorf("Filter = %v, want %v", ok, tt.ok)
			}
			tt.want["@timestamp"] = ts0
			tt.want["@version"] = "1"
			if got := e.Fields(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		file, content string
		in            any
		want          any
	}{
		{"d.yml", "\"100\": Continue\nmerci: gracias\nobj:\n  a: 1\n  b: [x, 2.5]\n", "merci", "gracias"},
		{"d.yaml", "\"100\": Continue\n", "100", "Continue"},
		{"o.yml", "obj:\n  a: 1\n  b: [x, 2.5]\n", "obj", map[string]any{"a": int64(1), "b": []any{"x", 2.5}}},
		{"d.json", `{"200": "OK", "n": {"x": [1, 1.5]}}`, "n", map[string]any{"x": []any{int64(1), 1.5}}},
		{"d.csv", "100,Yuki\n\"1,0\",\"a \"\"b\"\"\"\n", "1,0", `a "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := write(t, dir, tt.file, tt.content)
			f := plugintest.Build(t, plugin.KindFilter, fmt.Sprintf(`translate { source => "k" target => "v" dictionary_path => %q }`, p)).Plugin.(*Filter)
			e := event.FromMap(map[string]any{"k": tt.in})
			if !f.Filter(e, nil) {
				t.Fatal("no match")
			}
			if got, _ := e.GetField("v"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestReload(t *testing.T) {
	for _, behaviour := range []string{"merge", "replace"} {
		t.Run(behaviour, func(t *testing.T) {
			p := write(t, t.TempDir(), "d.yml", "a: 1\n")
			f := plugintest.Build(t, plugin.KindFilter, fmt.Sprintf(
				`translate { source => "k" target => "v" override => true dictionary_path => %q refresh_interval => 0.001 refresh_behaviour => %s }`,
				p, behaviour)).Plugin.(*Filter)
			look := func(k string) (any, bool) {
				e := event.FromMap(map[string]any{"k": k})
				f.Filter(e, nil)
				return e.GetField("v")
			}
			if v, _ := look("a"); v != int64(1) {
				t.Fatalf("a = %#v", v)
			}
			write(t, filepath.Dir(p), "d.yml", "b: 2\n")
			future := time.Now().Add(time.Hour)
			if err := os.Chtimes(p, future, future); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				if v, _ := look("b"); v == int64(2) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("not reloaded")
				}
				time.Sleep(time.Millisecond)
			}
			_, kept := look("a")
			if kept != (behaviour == "merge") {
				t.Errorf("a kept = %v after %s", kept, behaviour)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	badCSV := write(t, dir, "bad.csv", "a,b,c\n")
	badYAML := write(t, dir, "bad.yml", "- a\n- b\n")
	txt := write(t, dir, "d.txt", "a: b\n")
	for _, conf := range []string{
		`translate { source => "k" }`,
		`translate { target => "v" ` + codes + ` }`,
		`translate { source => "k" field => "j" ` + codes + ` }`,
		`translate { source => "k" target => "a" destination => "b" ` + codes + ` }`,
		`translate { source => "k" override => "maybe" ` + codes + ` }`,
		`translate { source => "k" regex => true dictionary => { "(" => "x" } }`,
		fmt.Sprintf(`translate { source => "k" %s dictionary_path => %q }`, codes, badCSV),
		fmt.Sprintf(`translate { source => "k" dictionary_path => %q }`, badCSV),
		fmt.Sprintf(`translate { source => "k" dictionary_path => %q }`, badYAML),
		fmt.Sprintf(`translate { source => "k" dictionary_path => %q }`, txt),
		`translate { source => "k" dictionary_path => "/nonexistent.yml" }`,
	} {
		if _, err := plugintest.BuildErr(plugin.KindFilter, conf); err == nil {
			t.Errorf("%s: no error", conf)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("a: b\n\"1\": [x]\n"))
	f.Add([]byte(`{"a": {"b": 1}}`))
	f.Add([]byte("a,b\n\"c\",d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseYAML(data)
		_, _ = parseJSON(data)
		_, _ = parseCSV(data)
	})
}

func BenchmarkExact(b *testing.B) {
	in, err := plugintest.BuildErr(plugin.KindFilter, `translate { source => "code" target => "text" `+codes+` }`)
	if err != nil {
		b.Fatal(err)
	}
	f := in.Plugin.(*Filter)
	b.ReportAllocs()
	for b.Loop() {
		e := event.FromMap(map[string]any{"code": "404"})
		f.Filter(e, nil)
	}
}
