package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks, for any input, that parsing does not panic, that an
// error is a *Error positioned inside the source, and that a successful
// parse formats to text that parses back to the same tree.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.conf")
	more, _ := filepath.Glob("testdata/corpus/*/*")
	for _, name := range append(files, more...) {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, corpusOptions(name).SupportEscapes)
	}
	for _, seed := range []string{
		`filter { if [a] and [b] and [c] or [d] { } }`,
		`filter { if "a" in ["a"] and ![x] and ([y] xor [z]) { } }`,
		`filter { x1 { a => "\\" b => '\'' c => "${X:y}" } }`,
		"filter { if [a] =~ /\\/x\\// { } }",
		"input { x1 { a => [[[{ b => c1 { d => 1 } }]]] } }",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, src []byte, escapes bool) {
		opts := ParseOptions{SupportEscapes: escapes}
		p, err := opts.Parse("fuzz.conf", src)
		if err != nil {
			checkErrorPos(t, src, err)
			return
		}
		out := Format(p)
		p2, err := opts.Parse("formatted.conf", out)
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\ninput:\n%s\nformatted:\n%s", err, src, out)
		}
		if a, b := dump(p), dump(p2); a != b {
			t.Fatalf("round trip changed the tree:\nbefore %s\nafter  %s\ninput:\n%s\nformatted:\n%s", a, b, src, out)
		}
		if again := Format(p2); !bytes.Equal(again, out) {
			t.Fatalf("Format is not stable:\n%s\n---\n%s", out, again)
		}
		if err := Substitute(p, func(string) (string, bool) { return "", false }); err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Substitute error %T: %v", err, err)
			}
			for _, e := range list {
				checkErrorPos(t, src, e)
			}
		}
	})
}

// checkErrorPos checks that err is a positioned *Error within src.
func checkErrorPos(t *testing.T, src []byte, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, not *Error: %v", err, err)
	}
	if e.Pos.File != "fuzz.conf" {
		t.Fatalf("error names file %q: %v", e.Pos.File, err)
	}
	lines := bytes.Split(src, []byte("\n"))
	if e.Pos.Line < 1 || e.Pos.Line > len(lines) {
		t.Fatalf("error line %d outside 1..%d: %v", e.Pos.Line, len(lines), err)
	}
	if e.Pos.Col < 1 || e.Pos.Col > len(lines[e.Pos.Line-1])+1 {
		t.Fatalf("error column %d outside line %d of length %d: %v", e.Pos.Col, e.Pos.Line, len(lines[e.Pos.Line-1]), err)
	}
	_ = e.Error()
}
