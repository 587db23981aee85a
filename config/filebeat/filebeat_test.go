package filebeat_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/config/filebeat"
	"github.com/sluicelog/sluice/plugin"
	_ "github.com/sluicelog/sluice/plugins/all"
)

var update = flag.Bool("update", false, "rewrite the expected .conf files")

var testOpts = filebeat.Options{
	Version: "9.9.9",
	Host: &filebeat.Host{
		Name: "web-7", Architecture: "x86_64", OSType: "linux", OSFamily: "debian",
		OSName: "Debian GNU/Linux", OSVersion: "12 (bookworm)", OSKernel: "6.1.0", ID: "abc123",
	},
}

// Each testdata/NAME.yml translates to the pipeline in testdata/NAME.conf
// (run with -update to rewrite them, then read the diff).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yml")
	if len(files) == 0 {
		t.Fatal("no test cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := filebeat.Translate(filepath.Base(f), src, testOpts)
			if err != nil {
				t.Fatalf("translate: %v", err)
			}
			got := config.Format(res.Pipeline)
			want := strings.TrimSuffix(f, ".yml") + ".conf"
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(exp) {
				t.Errorf("translation of %s differs from %s:\n%s", f, want, got)
			}
			// The printed pipeline is valid pipeline syntax and means the
			// same.
			back, err := config.Parse("printed", got)
			if err != nil {
				t.Fatalf("printed pipeline does not parse: %v", err)
			}
			if string(config.Format(back)) != string(got) {
				t.Errorf("printed pipeline does not read back the same")
			}
			checkPlugins(t, res.Pipeline)
		})
	}
}

// fileInputSettings are the file input's settings (tasks/file-contract):
// the translation may only use these.
var fileInputSettings = []string{
	"id", "tags", "add_field", "type", "codec", "path", "exclude", "exclude_files", "include_lines",
	"exclude_lines", "start_position", "mode", "sincedb_path", "stat_interval", "discover_interval",
	"ignore_older", "close_older", "max_open_files", "clean_removed", "sincedb_clean_after", "file_identity", "max_bytes", "delimiter",
}

var multilineSettings = []string{"pattern", "negate", "what", "max_lines", "max_bytes", "auto_flush_interval", "preset", "mode", "count_lines", "flush_pattern"}

var esSettings = []string{"hosts", "index", "user", "password", "api_key", "pipeline",
	"ssl_enabled", "ssl_certificate_authorities", "ssl_certificate", "ssl_key", "ssl_verification_mode"}

// checkPlugins builds every filter and output of the translation with the
// real plugins, so that every generated setting is one they declare. The
// file input, the multiline codec and the elasticsearch output are built
// on other branches: their settings are checked against the agreed names.
func checkPlugins(t *testing.T, p *config.Pipeline) {
	t.Helper()
	env := &plugin.BuildEnv{Config: p}
	var walk func(kind plugin.Kind, body []config.Statement)
	walk = func(kind plugin.Kind, body []config.Statement) {
		for _, st := range body {
			switch x := st.(type) {
			case *config.If:
				for _, b := range x.Branches {
					walk(kind, b.Body)
				}
			case *config.Plugin:
				if agreed := agreedSettings(kind, x.Name); agreed != nil {
					if _, ok := plugin.Default.Lookup(kind, x.Name); !ok {
						checkNames(t, x, agreed)
						continue
					}
				}
				x = withoutMissingCodec(t, x)
				in, err := plugin.Default.Build(kind, x, env)
				if in != nil {
					in.Close()
				}
				if err != nil && !strings.Contains(err.Error(), "no such file") {
					t.Errorf("%s %s: %v", kind, x.Name, err)
				}
			}
		}
	}
	for _, s := range p.Sections {
		switch s.Kind {
		case "input":
			walk(plugin.KindInput, s.Body)
		case "filter":
			walk(plugin.KindFilter, s.Body)
		case "output":
			walk(plugin.KindOutput, s.Body)
		}
	}
}

// withoutMissingCodec returns p without its codec when that codec is the
// multiline codec and it is not registered (it is built on another
// branch): its settings are checked against the agreed names instead.
func withoutMissingCodec(t *testing.T, p *config.Plugin) *config.Plugin {
	t.Helper()
	cp := *p
	cp.Attrs = nil
	for _, a := range p.Attrs {
		if c, ok := a.Value.(*config.Plugin); ok && a.Name == "codec" && c.Name == "multiline" {
			if _, ok := plugin.Default.Lookup(plugin.KindCodec, "multiline"); !ok {
				checkNames(t, c, multilineSettings)
				continue
			}
		}
		cp.Attrs = append(cp.Attrs, a)
	}
	return &cp
}

func agreedSettings(kind plugin.Kind, name string) []string {
	switch {
	case kind == plugin.KindInput && name == "file":
		return fileInputSettings
	case kind == plugin.KindOutput && name == "elasticsearch":
		return esSettings
	}
	return nil
}

func checkNames(t *testing.T, p *config.Plugin, names []string) {
	t.Helper()
	for _, a := range p.Attrs {
		found := false
		for _, n := range names {
			found = found || n == a.Name
		}
		if !found {
			t.Errorf("%s: setting %q is not among the agreed settings", p.Name, a.Name)
		}
		if c, ok := a.Value.(*config.Plugin); ok && a.Name == "codec" {
			if _, ok := plugin.Default.Lookup(plugin.KindCodec, c.Name); !ok && c.Name == "multiline" {
				checkNames(t, c, multilineSettings)
			}
		}
	}
}

func translate(t *testing.T, src string) (*filebeat.Result, error) {
	t.Helper()
	return filebeat.Translate("fb.yml", []byte(src), testOpts)
}

const minimal = "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x.log]}\noutput.console: {}\n"

func TestErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // each must appear in the error text
	}{
		{"unknown top key", minimal + "outptu.logstash.hosts: [a]\n", []string{"fb.yml:4:1:", `unknown setting "outptu.logstash.hosts"`}},
		{"misspelt top key", minimal + "proccessors: []\n", []string{"fb.yml:4:1:", `did you mean "processors"?`}},
		{"unknown input key", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    pathz: [/y]\noutput.console: {}\n",
			[]string{"fb.yml:5:5:", `unknown setting "pathz"; did you mean "paths"?`}},
		{"nested unknown input key", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    prospector:\n      scanner:\n        check_intervall: 1s\noutput.console: {}\n",
			[]string{"fb.yml:7:9:", `"prospector.scanner.check_intervall"`}},
		{"unknown output key", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash:\n  hosts: [a]\n  host: b\n",
			[]string{"fb.yml:5:3:", `unknown setting "output.logstash.host"`}},
		{"no output", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\n", []string{"no output configured"}},
		{"two outputs", minimal + "output.logstash.hosts: [a]\n", []string{"only one output may be enabled"}},
		{"no inputs", "output.console: {}\n", []string{"no filebeat.inputs"}},
		{"unsupported input type", "filebeat.inputs:\n  - type: journald\noutput.console: {}\n", []string{"fb.yml:2:11:", `input type "journald" is not supported`}},
		{"no type", "filebeat.inputs:\n  - paths: [/x]\noutput.console: {}\n", []string{"has no type"}},
		{"no paths", "filebeat.inputs:\n  - {type: filestream, id: a}\noutput.console: {}\n", []string{"has no paths"}},
		{"duplicate id", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\n  - {type: filestream, id: a, paths: [/y]}\noutput.console: {}\n", []string{`two inputs have the id "a"`}},
		{"bad duration", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], ignore_older: soon}\noutput.console: {}\n", []string{"ignore_older: expected a duration"}},
		{"bad bool", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], clean_removed: maybe}\noutput.console: {}\n", []string{"clean_removed: expected true or false"}},
		{"bad encoding", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], encoding: utf-16le}\noutput.console: {}\n", []string{`encoding "utf-16le" is not supported`}},
		{"unsupported processor", minimal + "processors:\n  - dissect: {tokenizer: '%{a}'}\n", []string{"fb.yml:5:5:", `processor "dissect" is not supported`}},
		{"unknown condition", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.matches.x: 1\n", []string{"fb.yml:7:7:", `unknown condition "matches"`}},
		{"network condition", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.network.source.ip: private\n", []string{"network condition is not supported"}},
		{"bad regexp condition", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.regexp.message: '('\n", []string{"regexp: error parsing regexp"}},
		{"empty has_fields", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.not.has_fields: []\n", []string{"has_fields takes a list of at least one field name"}},
		{"empty equals", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.equals.a: {}\n", []string{"fb.yml:"}},
		{"empty range", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.range.a: {}\n", []string{"fb.yml:"}},
		{"range not a number", minimal + "processors:\n  - drop_fields:\n      fields: [a]\n      when.range.code.gte: high\n", []string{"must be a number"}},
		{"drop @timestamp", minimal + "processors:\n  - drop_fields: {fields: ['@timestamp']}\n", []string{"cannot drop @timestamp"}},
		{"multiline without match", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {pattern: '^x'}\noutput.console: {}\n", []string{"needs match"}},
		{"multiline count without count_lines", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {type: count}\noutput.console: {}\n", []string{"fb.yml:6:21:", "type count needs count_lines"}},
		{"multiline count with a pattern", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {type: count, count_lines: 2, pattern: '^x'}\noutput.console: {}\n", []string{"pattern does not apply to type count"}},
		{"multiline count_lines zero", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {type: count, count_lines: 0}\noutput.console: {}\n", []string{"count_lines"}},
		{"multiline count_lines without type count", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {pattern: '^x', match: after, count_lines: 2}\noutput.console: {}\n", []string{"count_lines needs type: count"}},
		{"multiline while_pattern without pattern", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {type: while_pattern}\noutput.console: {}\n", []string{"type while_pattern needs a pattern"}},
		{"multiline while_pattern with match", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {type: while_pattern, pattern: '^x', match: after}\noutput.console: {}\n", []string{"match does not apply to type while_pattern"}},
		{"multiline unknown type", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {type: sometimes, pattern: '^x'}\noutput.console: {}\n", []string{`type must be pattern, count or while_pattern, got "sometimes"`}},
		{"multiline flush_pattern with a preset", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {preset: python, flush_pattern: '^END'}\noutput.console: {}\n", []string{"flush_pattern works with a pattern"}},
		{"multiline skip_newline", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - multiline: {pattern: '^x', match: after, skip_newline: true}\noutput.console: {}\n", []string{"skip_newline is not supported"}},
		{"unknown parser", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    parsers:\n      - container: ~\noutput.console: {}\n", []string{"container parser is not supported"}},
		{"field twice", "filebeat.inputs:\n  - type: filestream\n    id: a\n    paths: [/x]\n    fields:\n      app.env: prod\n      app:\n        env: dev\noutput.console: {}\n",
			[]string{"fb.yml:8:9:", "field fields.app.env is given twice (first on line 6)"}},
		{"yaml syntax", "filebeat.inputs:\n  - type: filestream\n   id: a\n", []string{"fb.yml:1:1: YAML: did not find expected '-' indicator"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a mapping"}},
		{"empty", "", []string{"is empty"}},
		{"set twice", minimal + "output.console.codec.json.pretty: true\noutput:\n  console:\n    codec.json.pretty: false\n", []string{"set twice"}},
		{"list of maps in fields", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], fields: {a: [{b: 1}]}}\noutput.console: {}\n", []string{"list items must be strings, numbers or booleans"}},
		{"alias cycle", "filebeat.inputs:\n  - &x\n    type: filestream\n    <<: *x\noutput.console: {}\n", []string{"refers to a mapping or list that contains it"}},
		{"alias cycle in fields", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], fields: &f {a: *f}}\noutput.console: {}\n", []string{"contains it"}},
		{"billion laughs", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", []string{"too large once its aliases are expanded"}},
		// Valid fields, but 2^16 leaves once expanded: seconds of work before the bound was lowered.
		{"aliases nested in fields", aliasFields(8), []string{"too large once its aliases are expanded"}},
		{"kafka", minimal + "output.kafka.hosts: [k]\n", []string{"kafka output is not supported"}},
		{"modules", minimal + "filebeat.modules:\n  - module: nginx\n", []string{"modules are not supported"}},
		{"bad verification mode", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash: {hosts: [a], ssl.verification_mode: maybe}\n", []string{"ssl.verification_mode must be"}},
		{"logstash without hosts", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash: {loadbalance: true}\n", []string{"output.logstash needs hosts"}},
		{"proxy", "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash: {hosts: [a], proxy_url: 'socks5://p'}\n", []string{"proxies are not supported"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := translate(t, tc.src)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// aliasFields is an input whose fields nest mappings of four aliases to the
// level below, levels deep: 4^levels leaves from a few hundred bytes.
func aliasFields(levels int) string {
	var b strings.Builder
	b.WriteString("filebeat.inputs: [{type: log, paths: [/x], fields: {a0: &a0 {x: y}")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, ", a%d: &a%d {b: *a%d, c: *a%d, d: *a%d, e: *a%d}", i, i, i-1, i-1, i-1, i-1)
	}
	b.WriteString("}}]\noutput.console: {}\n")
	return b.String()
}

func TestAliasesWithinBound(t *testing.T) {
	res, err := translate(t, aliasFields(5))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(config.Format(res.Pipeline)), "=> \"y\""); n < 1024 {
		t.Fatalf("%d leaves in the pipeline, want 4^5 and more", n)
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct{ src, want string }{
		{minimal + "logging.level: debug\n", "logging.level is ignored"},
		{minimal + "queue.mem.events: 4096\n", "queue.mem.events is ignored"},
		{"filebeat.inputs:\n  - {type: filestream, paths: [/x]}\noutput.console: {}\n", `has no id: using "filestream-0"`},
		{"filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash: {hosts: [a], pipelining: 2}\n", "pipelining is ignored"},
		{"filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash: {hosts: [a], max_retries: 3}\n", "never drops them"},
		{"filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], close.on_state_change.renamed: true}\noutput.console: {}\n", "close.on_state_change.renamed is ignored"},
	}
	for _, tc := range cases {
		res, err := translate(t, tc.src)
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		var all []string
		for _, w := range res.Warnings {
			all = append(all, w.Error())
		}
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("warnings %q do not contain %q", all, tc.want)
		}
	}
}

// Dotted and nested keys are the same setting, as in Filebeat.
func TestDottedEqualsNested(t *testing.T) {
	dotted := "filebeat.inputs:\n  - {type: filestream, id: a, paths: [/x], prospector.scanner.check_interval: 3s}\noutput.logstash.hosts: [h]\noutput.logstash.ssl.enabled: true\n"
	nested := "filebeat:\n  inputs:\n    - type: filestream\n      id: a\n      paths: [/x]\n      prospector:\n        scanner:\n          check_interval: 3s\noutput:\n  logstash:\n    hosts: [h]\n    ssl:\n      enabled: true\n"
	a, err := translate(t, dotted)
	if err != nil {
		t.Fatal(err)
	}
	b, err := translate(t, nested)
	if err != nil {
		t.Fatal(err)
	}
	if x, y := string(config.Format(a.Pipeline)), string(config.Format(b.Pipeline)); x != y {
		t.Errorf("dotted:\n%s\nnested:\n%s", x, y)
	}
}

func TestDataDirAndIndex(t *testing.T) {
	res, err := translate(t, "path.data: /var/lib/ship\nfilebeat.inputs:\n  - {type: filestream, id: a, paths: [/x]}\noutput.logstash: {hosts: [h], index: myapp}\n")
	if err != nil {
		t.Fatal(err)
	}
	if res.DataDir != "/var/lib/ship" {
		t.Errorf("DataDir %q", res.DataDir)
	}
	if !strings.Contains(string(config.Format(res.Pipeline)), `"[@metadata][beat]" => "myapp"`) {
		t.Errorf("output.logstash.index does not set [@metadata][beat]:\n%s", config.Format(res.Pipeline))
	}
}

// FuzzTranslate: no input makes the translator panic, and whatever it
// accepts prints as a pipeline that parses back the same.
func FuzzTranslate(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yml")
	for _, name := range files {
		src, _ := os.ReadFile(name)
		f.Add(src)
	}
	f.Add([]byte(minimal))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("filebeat.inputs:\n  - &x\n    type: filestream\n    <<: *x\noutput.console: {}\n"))
	f.Add([]byte("filebeat.inputs:\n  - &first {type: log, id: one, paths: [/one]}\n  - <<: *first\n    id: two\nprocessors:\n  - drop_fields: {fields: [a], when.or: [{equals.a: 1}, {not.has_fields: [b]}]}\noutput.console: {}\n"))
	f.Add([]byte("filebeat.inputs: [{type: log, paths: '/x', fields: {a.b: {c: 1}}}]\noutput.file: {path: '%{x}'}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := filebeat.Translate("fuzz.yml", src, testOpts)
		if err != nil {
			_ = err.Error()
			return
		}
		text := config.Format(res.Pipeline)
		if !config.Writable(res.Pipeline) {
			// A value ends in a backslash: no pipeline string literal
			// can hold it (sluice ship runs the tree, not the text).
			return
		}
		back, err := config.Parse("printed", text)
		if err != nil {
			t.Fatalf("printed pipeline does not parse: %v\n%s", err, text)
		}
		if again := config.Format(back); string(again) != string(text) {
			t.Fatalf("printed pipeline reads back differently:\n%s\n---\n%s", text, again)
		}
	})
}

// The configurations in docs/shipper.md translate without errors, and
// the side-by-side Filebeat and Sluice files are the same.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/shipper.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(doc), "```yaml\n")[1:] {
		blocks = append(blocks, part[:strings.Index(part, "```")])
	}
	if len(blocks) < 3 {
		t.Fatalf("found %d YAML blocks in docs/shipper.md", len(blocks))
	}
	if blocks[0] != blocks[1] {
		t.Errorf("the side-by-side configurations differ")
	}
	for i, b := range blocks {
		if !strings.Contains(b, "filebeat.inputs") {
			continue
		}
		if _, err := filebeat.Translate("doc.yml", []byte(b), testOpts); err != nil {
			t.Errorf("YAML block %d of docs/shipper.md: %v", i+1, err)
		}
	}
}

// YAML anchors and merge keys work; explicit keys win over merged ones.
func TestMergeKeys(t *testing.T) {
	src := "filebeat.inputs:\n  - &first {type: filestream, id: one, paths: [/one], ignore_older: 1h}\n  - <<: *first\n    id: two\n    paths: [/two]\noutput.console: {}\n"
	res, err := translate(t, src)
	if err != nil {
		t.Fatal(err)
	}
	text := string(config.Format(res.Pipeline))
	if strings.Count(text, "ignore_older => 3600") != 2 || !strings.Contains(text, `path => ["/two"]`) {
		t.Errorf("merge not applied:\n%s", text)
	}
}
