package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/corpus")

// corpusOptions gives the options a corpus file is parsed with: files whose
// name contains "escapes-support" use config.support_escapes.
func corpusOptions(name string) ParseOptions {
	return ParseOptions{SupportEscapes: strings.Contains(name, "escapes-support")}
}

// TestCorpus parses every configuration of testdata/corpus (each *.conf
// file, and each directory as one pipeline through Load), compares Format's
// output with the .golden file beside it, and checks that the formatted
// text parses back to the same tree.
func TestCorpus(t *testing.T) {
	entries, err := os.ReadDir("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join("testdata/corpus", name)
		var load func() (*Pipeline, error)
		switch {
		case e.IsDir():
			load = func() (*Pipeline, error) { return corpusOptions(name).Load([]string{path}) }
		case strings.HasSuffix(name, ".conf"):
			load = func() (*Pipeline, error) {
				src, err := os.ReadFile(path)
				if err != nil {
					return nil, err
				}
				return corpusOptions(name).Parse(path, src)
			}
		default:
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			p, err := load()
			if err != nil {
				t.Fatal(err)
			}
			got := Format(p)
			golden := strings.TrimSuffix(path, ".conf") + ".golden"
			// Warnings, one "line:col: message" per line, are compared
			// with a .warnings file, absent when there are none.
			var warnings strings.Builder
			for _, w := range p.Warnings {
				warnings.WriteString(lineCol(w.Pos) + ": " + w.Msg + "\n")
			}
			warnFile := strings.TrimSuffix(path, ".conf") + ".warnings"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				os.Remove(warnFile)
				if warnings.Len() > 0 {
					if err := os.WriteFile(warnFile, []byte(warnings.String()), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			wantWarnings, err := os.ReadFile(warnFile)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if warnings.String() != string(wantWarnings) {
				t.Errorf("warnings differ from %s:\n%s", warnFile, warnings.String())
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./config -run TestCorpus -update, then read the golden file)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Format output differs from %s:\n%s", golden, got)
			}
			checkRoundTrip(t, p)
		})
	}
	if n < 15 {
		t.Errorf("the corpus has %d configurations, want at least 15", n)
	}
}
