package shipper

import (
	"bytes"
	"testing"
)

// modelLines is the obvious framing of a whole input.
func modelLines(in []byte, delim []byte, max int) (out []Line) {
	off := 0
	for {
		i := bytes.Index(in[off:], delim)
		if i < 0 {
			return out
		}
		data := in[off : off+i]
		tr := len(data) > max
		if tr {
			data = data[:max]
		}
		out = append(out, Line{Data: data, Offset: int64(off), End: int64(off + i + len(delim)), Truncated: tr})
		off += i + len(delim)
	}
}

// feedChunks frames in, cut into chunks of size n.
func feedChunks(in []byte, delim []byte, max, n int) (out []Line) {
	f := newFramer(delim, max)
	for off := 0; off < len(in); off += n {
		end := min(off+n, len(in))
		for _, l := range f.feed(nil, in[off:end], int64(off)) {
			l.Data = append([]byte(nil), l.Data...)
			out = append(out, l)
		}
	}
	return out
}

func equalLines(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) || a[i].Offset != b[i].Offset || a[i].End != b[i].End || a[i].Truncated != b[i].Truncated {
			return false
		}
	}
	return true
}

func TestFramerEveryChunkSize(t *testing.T) {
	cases := []struct {
		in, delim string
		max       int
	}{
		{"a\nbb\n\nccc\nlonger line here\ntail", "\n", 5},
		{"a\r\nbb\r\n\r\nccc\r\n", "\r\n", 100},
		{"x||y|||z||", "||", 1},
		{"abcdefghij\n", "\n", 3},
	}
	for _, tc := range cases {
		want := modelLines([]byte(tc.in), []byte(tc.delim), tc.max)
		for n := 1; n <= len(tc.in); n++ {
			if got := feedChunks([]byte(tc.in), []byte(tc.delim), tc.max, n); !equalLines(got, want) {
				t.Fatalf("%q delim %q max %d chunk %d:\n got %+v\nwant %+v", tc.in, tc.delim, tc.max, n, got, want)
			}
		}
	}
}

func TestFramerFlushPartial(t *testing.T) {
	f := newFramer([]byte("\n"), 4)
	f.feed(nil, []byte("ok\nparti"), 0)
	l, ok := f.flush(8)
	if !ok || string(l.Data) != "part" || !l.Truncated || l.Offset != 3 || l.End != 8 || !l.Partial {
		t.Fatalf("flush = %+v %v", l, ok)
	}
	if _, ok := f.flush(8); ok {
		t.Fatal("second flush")
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), []byte("\n"), 3, 2)
	f.Add([]byte("x||y|||z||"), []byte("||"), 1, 3)
	f.Add([]byte("\r\n\r\r\n"), []byte("\r\n"), 8, 1)
	f.Fuzz(func(t *testing.T, in, delim []byte, max, n int) {
		if len(delim) == 0 || len(delim) > 4 || max < 1 || max > 64 || n < 1 || n > 64 || len(in) > 4096 {
			return
		}
		// A line whose kept bytes end inside a split delimiter is ambiguous
		// for the bounded framer only when it overflows; the model cuts the
		// same way, so every input must agree.
		want := modelLines(in, delim, max)
		if got := feedChunks(in, delim, max, n); !equalLines(got, want) {
			t.Fatalf("chunk %d: got %+v want %+v", n, got, want)
		}
	})
}
