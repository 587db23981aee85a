//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const goodConf = `# A complete pipeline using the core plugins.
input {
  stdin { }
  tcp { host => "127.0.0.1" port => 5044 codec => json_lines tags => ["tcp"] }
  udp { host => "127.0.0.1" port => 5045 codec => json }
}
filter {
  if [level] == "DEBUG" {
    drop { }
  } else if "tcp" in [tags] {
    mutate { add_field => { "via" => "tcp" } rename => { "msg" => "message" } }
  }
}
output {
  if [via] {
    file { path => "/tmp/sluice-e2e-never-written-%{+YYYY}.log" codec => json_lines }
  }
  stdout { codec => rubydebug }
}
`

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckGoodConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good.conf"), goodConf)

	// The same pipeline as one file, as a directory of files and as a glob.
	split := filepath.Join(dir, "split")
	writeFile(t, filepath.Join(split, "10-input.conf"), "input {\n  stdin { }\n}\n")
	writeFile(t, filepath.Join(split, "20-filter.conf"), "filter {\n  mutate { add_tag => [\"checked\"] }\n}\n")
	writeFile(t, filepath.Join(split, "30-output.conf"), "output {\n  stdout { codec => rubydebug }\n}\n")

	for _, tc := range []struct{ name, path string }{
		{"file", good},
		{"directory", split},
		{"glob", filepath.Join(split, "*.conf")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runSluice(t, procOpts{args: []string{"check", "-f", tc.path}})
			if code != 0 || !strings.Contains(out, "Configuration OK") {
				t.Errorf("sluice check -f %s: exit %d, stdout %q, want exit 0 and \"Configuration OK\"; stderr:\n%s", tc.path, code, out, errOut)
			}
		})
	}
}

// TestCheckBadConfig checks that errors name the file, line and column,
// quote the line with a caret under the column, and suggest names.
func TestCheckBadConfig(t *testing.T) {
	t.Parallel()
	type wantErr struct {
		file      string // base name of the file named in the error
		line, col int
		srcLine   string   // the quoted line
		contains  []string // further text the error must contain
	}
	for _, tc := range []struct {
		name  string
		files map[string]string // base name → content
		path  string            // -f argument, relative to the temp dir ("" = the only file)
		want  []wantErr
	}{
		{
			name:  "misspelt plugin",
			files: map[string]string{"bad.conf": "input {\n  stdin { }\n}\nfilter {\n  mutat { add_tag => [\"x\"] }\n}\noutput { stdout { } }\n"},
			want: []wantErr{{file: "bad.conf", line: 5, col: 3, srcLine: `  mutat { add_tag => ["x"] }`,
				contains: []string{`unknown filter plugin "mutat"`, `did you mean "mutate"?`}}},
		},
		{
			name:  "misspelt setting",
			files: map[string]string{"bad.conf": "input { stdin { } }\noutput {\n  file {\n    pth => \"/tmp/x.log\"\n  }\n}\n"},
			want: []wantErr{
				{file: "bad.conf", line: 4, col: 5, srcLine: `    pth => "/tmp/x.log"`,
					contains: []string{`unknown setting "pth" for file`, `did you mean "path"?`}},
			},
		},
		{
			name:  "syntax error",
			files: map[string]string{"bad.conf": "input {\n  stdin { }\n}\noutput {\n  stdout { codec => }\n}\n"},
			want:  []wantErr{{file: "bad.conf", line: 5, col: 21, srcLine: `  stdout { codec => }`}},
		},
		{
			name:  "several errors at once",
			files: map[string]string{"bad.conf": "input {\n  stdn { }\n}\noutput {\n  stdout { codecc => rubydebug }\n}\n"},
			want: []wantErr{
				{file: "bad.conf", line: 2, col: 3, srcLine: "  stdn { }", contains: []string{`unknown input plugin "stdn"`, `did you mean "stdin"?`}},
				{file: "bad.conf", line: 5, col: 12, srcLine: "  stdout { codecc => rubydebug }", contains: []string{`did you mean "codec"?`}},
			},
		},
		{
			name: "error in one file of a directory",
			files: map[string]string{
				"10-in.conf":  "input {\n  stdin { }\n}\n",
				"20-out.conf": "output {\n  stdot { }\n}\n",
			},
			path: ".",
			want: []wantErr{{file: "20-out.conf", line: 2, col: 3, srcLine: "  stdot { }",
				contains: []string{`unknown output plugin "stdot"`, `did you mean "stdout"?`}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var only string
			for name, content := range tc.files {
				only = writeFile(t, filepath.Join(dir, name), content)
			}
			path := only
			if tc.path != "" {
				path = filepath.Join(dir, tc.path)
			}
			code, out, errOut := runSluice(t, procOpts{args: []string{"check", "-f", path}})
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if strings.Contains(out, "Configuration OK") {
				t.Errorf("stdout says the configuration is OK: %q", out)
			}
			lines := strings.Split(errOut, "\n")
			for _, w := range tc.want {
				pos := filepath.Join(dir, w.file) + ":" + strconv.Itoa(w.line) + ":" + strconv.Itoa(w.col) + ":"
				i := indexContaining(lines, pos)
				if i < 0 {
					t.Errorf("no error at %s in stderr:\n%s", pos, errOut)
					continue
				}
				for _, s := range w.contains {
					if !strings.Contains(lines[i], s) {
						t.Errorf("error line %q does not contain %q", lines[i], s)
					}
				}
				// The source line, then a caret under the column (both
				// indented by two spaces).
				if i+2 >= len(lines) || lines[i+1] != "  "+w.srcLine || lines[i+2] != strings.Repeat(" ", 2+w.col-1)+"^" {
					t.Errorf("error at %s should quote the line with a caret under column %d:\nwant:\n  %s\n%s^\ngot:\n%s",
						pos, w.col, w.srcLine, strings.Repeat(" ", 2+w.col-1), strings.Join(lines[i:min(i+3, len(lines))], "\n"))
				}
			}
		})
	}
}

func indexContaining(lines []string, s string) int {
	for i, l := range lines {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

// TestConfigStringDefaults: -e without an input reads stdin, and without
// an output prints to stdout with rubydebug, as Logstash does.
func TestConfigStringDefaults(t *testing.T) {
	t.Parallel()
	code, out, errOut := runSluice(t, procOpts{
		args:  []string{"serve", "-e", `filter { mutate { add_field => { "seen" => "yes" } } }`},
		stdin: strings.NewReader("first line\nsecond line\n"),
	})
	if code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, errOut)
	}
	for _, re := range []string{`"message"\s*=>\s*"first line"`, `"message"\s*=>\s*"second line"`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("stdout lacks %s:\n%s", re, out)
		}
	}
	if n := len(regexp.MustCompile(`"seen"\s*=>\s*"yes"`).FindAllString(out, -1)); n != 2 {
		t.Errorf(`"seen" => "yes" printed %d times, want 2 (the filter ran on both events):\n%s`, n, out)
	}

	// A check of an -e string without an output passes.
	code, out, errOut = runSluice(t, procOpts{args: []string{"check", "-e", `input { stdin { } }`}})
	if code != 0 || !strings.Contains(out, "Configuration OK") {
		t.Errorf("check -e without output: exit %d, stdout %q; stderr:\n%s", code, out, errOut)
	}
}

// TestSettingsFile: --path.settings reads sluice.yml; flags override it;
// unknown keys fail naming the file and line.
func TestSettingsFile(t *testing.T) {
	t.Parallel()
	const conf = `input { stdin { } } output { null { } }`
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sluice.yml"), "# settings for the e2e test\npipeline.workers: 3\npipeline:\n  batch:\n    size: 17\n")

	t.Run("file", func(t *testing.T) {
		t.Parallel()
		p := startSluice(t, procOpts{args: []string{"serve", "--path.settings", dir, "-e", conf}})
		line := p.waitReady()
		if code := p.wait(exitTimeout); code != 0 {
			t.Fatalf("exit code %d, want 0", code)
		}
		if w, b := logAttr(line, "workers"), logAttr(line, "batch_size"); w != "3" || b != "17" {
			t.Errorf("pipeline started with workers=%s batch_size=%s, want 3 and 17 from sluice.yml: %s", w, b, line)
		}
	})
	t.Run("flag overrides", func(t *testing.T) {
		t.Parallel()
		p := startSluice(t, procOpts{args: []string{"serve", "--path.settings", dir, "-w", "5", "-e", conf}})
		line := p.waitReady()
		if code := p.wait(exitTimeout); code != 0 {
			t.Fatalf("exit code %d, want 0", code)
		}
		if w, b := logAttr(line, "workers"), logAttr(line, "batch_size"); w != "5" || b != "17" {
			t.Errorf("pipeline started with workers=%s batch_size=%s, want 5 (flag) and 17 (file): %s", w, b, line)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		t.Parallel()
		bad := t.TempDir()
		yml := writeFile(t, filepath.Join(bad, "sluice.yml"), "pipeline.workers: 2\npipeline.wrokers: 2\n")
		code, _, errOut := runSluice(t, procOpts{args: []string{"serve", "--path.settings", bad, "-e", conf}})
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if !strings.Contains(errOut, yml+":2:") || !strings.Contains(errOut, `"pipeline.wrokers"`) || !strings.Contains(errOut, `did you mean "pipeline.workers"?`) {
			t.Errorf("stderr should name %s:2:, the key and the closest one; got:\n%s", yml, errOut)
		}
		if startedRE.MatchString(errOut) {
			t.Errorf("the pipeline started despite the bad settings file")
		}
	})
}
