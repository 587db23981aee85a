package tcp

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// chunkReader returns data in chunks whose sizes cycle through sizes.
type chunkReader struct {
	data  []byte
	sizes []byte
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(r.sizes) > 0 {
		n = int(r.sizes[r.i%len(r.sizes)]) + 1
		r.i++
	}
	n = min(n, len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func FuzzStream(f *testing.F) {
	f.Add([]byte("a\nb\nc"), []byte{0}, false)
	f.Add([]byte("line one\r\nline two\n\n\n"), []byte{3, 200, 1}, false)
	f.Add([]byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nhello\n"), []byte{7}, true)
	f.Add([]byte("PROXY TCP6 ::1 ::2 65535 0\r\n"), []byte{255}, true)
	f.Add([]byte("PROXY UNKNOWN\r\nx"), []byte{0, 1}, true)
	f.Add([]byte("PROXY "+strings.Repeat("9", 200)), []byte{50}, true)
	f.Add([]byte("\xff\xfe\x00\n{\"a\":"), []byte{2}, false)
	f.Fuzz(func(t *testing.T, data, sizes []byte, proxy bool) {
		in := build(t, "v8", "port", 0, "proxy_protocol", proxy, "dns_reverse_lookup_enabled", false, "max_event_size", 64)
		q := &countQueue{}
		st := newStream(in, q, in.log)
		err := st.run(context.Background(), &chunkReader{data: data, sizes: sizes})
		n := q.n.Load()
		if limit := int64(bytes.Count(data, []byte("\n")) + 1); n > limit {
			t.Fatalf("%d events from %d newlines", n, limit-1)
		}
		if !proxy && err != nil {
			t.Fatalf("run: %v", err)
		}
	})
}

// FuzzStreamContent checks that chunking never changes what the line codec
// decodes.
func FuzzStreamContent(f *testing.F) {
	f.Add([]byte("a\nb\nc"), []byte{0})
	f.Add([]byte("x\r\n\ny\n"), []byte{1, 7, 0})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		if !utf8.Valid(data) {
			t.Skip("invalid UTF-8 is replaced by the codec")
		}
		in := build(t, "v8", "port", 0, "dns_reverse_lookup_enabled", false)
		q := newQueue()
		st := newStream(in, q, in.log)
		if err := st.run(context.Background(), &chunkReader{data: data, sizes: sizes}); err != nil {
			t.Fatal(err)
		}
		var want []string
		if len(data) > 0 {
			want = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			for i, l := range want {
				want[i] = strings.TrimSuffix(l, "\r")
			}
		}
		if got := messages(q.Events()); !slices.Equal(got, want) {
			t.Fatalf("decoded %q, want %q", got, want)
		}
	})
}
