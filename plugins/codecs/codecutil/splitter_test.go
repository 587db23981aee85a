package codecutil

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type rec struct {
	Text      string
	Truncated bool
}

// model splits the whole input at once, the obvious way.
func model(input, delim string, max int) []rec {
	var out []rec
	parts := strings.Split(input, delim)
	for i, p := range parts {
		if i == len(parts)-1 && p == "" {
			break // nothing after the last delimiter
		}
		if len(p) > max {
			out = append(out, rec{p[:max], true})
		} else {
			out = append(out, rec{p, false})
		}
	}
	return out
}

// run feeds chunks to a splitter and flushes, checking the memory bound.
func run(t testing.TB, chunks [][]byte, delim string, max int) []rec {
	s := NewSplitter(delim, max)
	var out []rec
	emit := func(b []byte, tr bool) { out = append(out, rec{string(b), tr}) }
	for _, c := range chunks {
		s.Split(c, emit)
		if s.Buffered() > max+len(delim) {
			t.Fatalf("splitter holds %d bytes, limit %d+%d", s.Buffered(), max, len(delim))
		}
	}
	s.Flush(emit)
	if s.Buffered() != 0 {
		t.Fatalf("%d bytes left after Flush", s.Buffered())
	}
	return out
}

func chunksAt(input string, cuts ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, c := range cuts {
		out = append(out, []byte(input[prev:c]))
		prev = c
	}
	return append(out, []byte(input[prev:]))
}

func TestSplitterEveryBoundary(t *testing.T) {
	inputs := []string{
		"",
		"one line",
		"a\nb\n",
		"a\nb",
		"\n\n\n",
		"a\r\nb\r\n",
		"héllo\nwörld\n\xff\xfe\n",
		"short\n" + strings.Repeat("x", 25) + "\nafter\n" + strings.Repeat("y", 11) + "\n" + strings.Repeat("z", 12),
		strings.Repeat("q", 40),
	}
	for _, delim := range []string{"\n", "\r\n", "||", "abc"} {
		for _, in0 := range inputs {
			in := strings.ReplaceAll(in0, "\n", delim)
			for _, max := range []int{1, 5, 10, 11, 12, 100} {
				want := model(in, delim, max)
				name := fmt.Sprintf("delim %q max %d input %q", delim, max, in)
				if got := run(t, [][]byte{[]byte(in)}, delim, max); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: one chunk\n got %+v\nwant %+v", name, got, want)
				}
				for i := 0; i <= len(in); i++ {
					for j := i; j <= len(in); j++ {
						if got := run(t, chunksAt(in, i, j), delim, max); !reflect.DeepEqual(got, want) {
							t.Fatalf("%s: cuts at %d,%d\n got %+v\nwant %+v", name, i, j, got, want)
						}
					}
				}
				var bytewise [][]byte
				for i := range len(in) {
					bytewise = append(bytewise, []byte{in[i]})
				}
				if got := run(t, bytewise, delim, max); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: byte by byte\n got %+v\nwant %+v", name, got, want)
				}
			}
		}
	}
}

func TestSplitterLongLineIsEmittedEarly(t *testing.T) {
	s := NewSplitter("\n", 10)
	var got []rec
	emit := func(b []byte, tr bool) { got = append(got, rec{string(b), tr}) }
	s.Split([]byte("0123456789AB"), emit) // no delimiter yet, but too long already
	if want := []rec{{"0123456789", true}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// A megabyte more of the same line: dropped, without growing.
	for range 100 {
		s.Split(bytes.Repeat([]byte("z"), 10000), emit)
		if s.Buffered() > 0 {
			t.Fatalf("holding %d bytes while discarding", s.Buffered())
		}
	}
	s.Split([]byte("rest\nnext\n"), emit)
	if want := []rec{{"0123456789", true}, {"next", false}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func FuzzSplitter(f *testing.F) {
	f.Add([]byte("a\nbb\nccc\n"), "\n", 2, uint8(3))
	f.Add([]byte("a\r\nbb\r\nccc"), "\r\n", 1, uint8(1))
	f.Add([]byte("xxabxab"), "ab", 3, uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, delim string, max int, step uint8) {
		if delim == "" || len(delim) > 8 || max <= 0 || max > 1000 {
			return
		}
		want := model(string(in), delim, max)
		st := int(step)%7 + 1
		var chunks [][]byte
		for i := 0; i < len(in); i += st {
			chunks = append(chunks, in[i:min(i+st, len(in))])
		}
		if got := run(t, chunks, delim, max); !reflect.DeepEqual(got, want) {
			t.Fatalf("chunks of %d:\n got %+v\nwant %+v", st, got, want)
		}
	})
}
