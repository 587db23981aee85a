package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates files (name → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"10-input.conf":       "input { i10 {} }",
		"20-filter.conf":      "filter { f20 {} }",
		"30-output.conf":      "output { o30 {} } filter { f30 {} }",
		"05-no-extension":     "input { i05 {} }",
		"99-old.conf~":        "input { backup {} }",
		".hidden.conf":        "input { hidden {} }",
		"sub/40-nested.conf":  "output { nested {} }",
		"sub/deeper/50.conf":  "output { deeper {} }",
		"other/60-other.cfg":  "filter { other {} }",
		"other/61-other.conf": "filter { other61 {} }",
	})
	at := func(s string) string { return filepath.Join(dir, filepath.FromSlash(s)) }
	tests := []struct {
		name  string
		paths []string
		want  string
	}{
		{"directory: its *.conf files, sorted, no hidden, no backups, no subdirectories", []string{dir},
			"input{i10{}} filter{f20{}} output{o30{}} filter{f30{}}"},
		{"a file without .conf named explicitly", []string{at("05-no-extension")}, "input{i05{}}"},
		{"one file", []string{at("20-filter.conf")}, "filter{f20{}}"},
		{"glob", []string{at("*.conf")}, "input{i10{}} filter{f20{}} output{o30{}} filter{f30{}}"},
		{"glob does not match hidden files", []string{at("*hidden*")}, ""},
		{"explicit hidden file", []string{at(".hidden.conf")}, "input{hidden{}}"},
		{"question mark and class", []string{at("[12]?-*.conf")}, "input{i10{}} filter{f20{}}"},
		{"braces", []string{at("{10-input,20-filter}.conf")}, "input{i10{}} filter{f20{}}"},
		{"double star", []string{at("**/*.conf")},
			"input{i10{}} filter{f20{}} output{o30{}} filter{f30{}} filter{other61{}} output{nested{}} output{deeper{}}"},
		{"glob through a directory", []string{at("*/*.c*")}, "filter{other{}} filter{other61{}} output{nested{}}"},
		{"several paths sorted together and deduplicated", []string{at("30-output.conf"), at("other"), at("10-input.conf"), at("30-output.conf")},
			"input{i10{}} output{o30{}} filter{f30{}} filter{other61{}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(tt.paths)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "no configuration file found at") {
					t.Fatalf("got %v, want no configuration file found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(p); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			for _, s := range p.Sections {
				if _, ok := p.Sources[s.Pos.File]; !ok {
					t.Errorf("no source for %s", s.Pos.File)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.conf": "input { stdin {} }\n",
		"b.conf": "filter {\n  mutate { add_tag => [\"x\" }\n}\n",
	})
	_, err := Load([]string{dir})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *Error", err)
	}
	wantFile := filepath.Join(dir, "b.conf")
	if e.Pos.File != wantFile || e.Pos.Line != 2 || e.Pos.Col != 28 {
		t.Errorf("error at %s, want %s:2:28", e.Pos, wantFile)
	}
	if !strings.Contains(e.Error(), "mutate { add_tag => [\"x\" }") {
		t.Errorf("error does not quote the line: %v", e)
	}

	// A section cannot span files: each file is parsed on its own.
	split := t.TempDir()
	writeFiles(t, split, map[string]string{"1.conf": "filter {\n", "2.conf": "}\n"})
	if _, err := Load([]string{split}); err == nil || !strings.Contains(err.Error(), "1.conf:2:1: missing '}' to close the filter section opened at 1:1") {
		t.Errorf("split section: %v", err)
	}

	if _, err := Load([]string{filepath.Join(dir, "nope.conf")}); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(nil); err == nil {
		t.Error("no paths: no error")
	}
	empty := t.TempDir()
	if _, err := Load([]string{empty}); err == nil || !strings.Contains(err.Error(), "no configuration file found at") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := (ParseOptions{MaxSize: 5}).Load([]string{filepath.Join(dir, "a.conf")}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("size limit: %v", err)
	}
}

func TestLoadEscapes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.conf": `input { x1 { a => "t\tb" } }`})
	p, err := ParseOptions{SupportEscapes: true}.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(p); got != `input{x1{a="t\tb"}}` || !p.SupportEscapes {
		t.Errorf("got %s (SupportEscapes %v)", got, p.SupportEscapes)
	}
}
