package lumberjack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// stream is a sample of what clients send: v2 windows (plain and
// compressed) and a v1 window.
func stream(t testing.TB) []byte {
	t.Helper()
	var b []byte
	b = AppendWindow(b, V2, 2)
	b = AppendJSON(b, 1, []byte(`{"message":"one"}`))
	b = AppendJSON(b, 2, []byte(`{"message":"two"}`))
	var inner []byte
	inner = AppendJSON(inner, 1, []byte(`{"message":"three"}`))
	inner = AppendJSON(inner, 2, []byte(`{"message":"four"}`))
	b = AppendWindow(b, V2, 2)
	b, err := AppendCompressed(b, V2, 3, inner)
	if err != nil {
		t.Fatal(err)
	}
	b = AppendWindow(b, V1, 1)
	b = AppendData(b, 7, "line", "five", "host", "h")
	return b
}

func describe(f *Frame) string {
	switch f.Type {
	case TypeWindow:
		return fmt.Sprintf("%cW%d", f.Version, f.Window)
	case TypeJSON:
		return fmt.Sprintf("%cJ%d:%s:%v", f.Version, f.Seq, f.JSON, f.Compressed)
	case TypeData:
		s := fmt.Sprintf("%cD%d", f.Version, f.Seq)
		for _, p := range f.Pairs {
			s += fmt.Sprintf(":%s=%s", p.Key, p.Value)
		}
		return s
	}
	return "?"
}

func decodeAll(r io.Reader, lim Limits) ([]string, error) {
	d := NewDecoder(r, lim)
	var out []string
	for {
		f, err := d.Next()
		if err != nil {
			return out, err
		}
		out = append(out, describe(f))
	}
}

func TestDecode(t *testing.T) {
	want := []string{
		"2W2", `2J1:{"message":"one"}:false`, `2J2:{"message":"two"}:false`,
		"2W2", `2J1:{"message":"three"}:true`, `2J2:{"message":"four"}:true`,
		"1W1", "1D7:line=five:host=h",
	}
	data := stream(t)
	readers := map[string]io.Reader{
		"whole":    bytes.NewReader(data),
		"one byte": iotest.OneByteReader(bytes.NewReader(data)),
		"half":     iotest.HalfReader(bytes.NewReader(data)),
	}
	for name, r := range readers {
		got, err := decodeAll(r, Limits{})
		if err != io.EOF {
			t.Errorf("%s: error %v, want io.EOF", name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
}

func TestDecodeTruncated(t *testing.T) {
	data := stream(t)
	// Every cut inside a frame is an unexpected EOF or a protocol error;
	// cuts between frames are a clean EOF.
	for n := range len(data) {
		_, err := decodeAll(bytes.NewReader(data[:n]), Limits{})
		var perr *Error
		if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.As(err, &perr) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	big := AppendJSON(AppendWindow(nil, V2, 1), 1, bytes.Repeat([]byte("x"), 1000))
	bomb, _ := AppendCompressed(AppendWindow(nil, V2, 100), V2, 9, bytes.Repeat(AppendJSON(nil, 1, []byte(`{}`)), 1000))
	cases := []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{"payload", big, Limits{MaxPayload: 999}, "JSON frame of 1000 bytes exceeds the limit of 999 bytes"},
		{"inflated", bomb, Limits{MaxCompressed: 5000}, "compressed frame inflates to more than 5000 bytes"},
		{"4 GiB JSON", append([]byte("2J\x00\x00\x00\x01"), binary.BigEndian.AppendUint32(nil, 1<<32-1)...), Limits{}, "exceeds the limit"},
		{"pairs", []byte("1D\x00\x00\x00\x01\xff\xff\xff\xff"), Limits{}, "pairs exceeds the limit"},
	}
	for _, tc := range cases {
		_, err := decodeAll(bytes.NewReader(tc.data), tc.lim)
		var perr *Error
		if !errors.As(err, &perr) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestAppendACK(t *testing.T) {
	if got := AppendACK(nil, V2, 0x01020304); !bytes.Equal(got, []byte{'2', 'A', 1, 2, 3, 4}) {
		t.Errorf("ACK %q", got)
	}
}

func FuzzFrameDecoder(f *testing.F) {
	f.Add(stream(f))
	f.Add(AppendData(AppendWindow(nil, V1, 1), 1, "line", "x"))
	c, _ := AppendCompressed(AppendWindow(nil, V2, 1), V2, 0, AppendJSON(nil, 1, []byte(`{"a":1}`)))
	f.Add(c)
	c, _ = AppendCompressed(nil, V2, 9, bytes.Repeat([]byte{'2', 'W', 0, 0, 0, 1}, 2000))
	f.Add(c)
	f.Add([]byte("2J\x00\x00\x00\x01\xff\xff\xff\xff"))
	f.Add([]byte("2C\x00\x00\x00\x10\x78\x9c"))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	const maxPayload, maxInflated = 1 << 12, 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data), Limits{MaxPayload: maxPayload, MaxPairs: 64, MaxCompressed: maxInflated})
		frames := 0
		for {
			fr, err := d.Next()
			if err != nil {
				break
			}
			frames++
			size := len(fr.JSON)
			for _, p := range fr.Pairs {
				size += len(p.Key) + len(p.Value)
			}
			if size > maxPayload {
				t.Fatalf("frame of %d bytes passed a limit of %d", size, maxPayload)
			}
			if cap(d.buf) > maxPayload+growStep {
				t.Fatalf("buffer grew to %d bytes", cap(d.buf))
			}
			// Every frame takes at least 6 bytes of the input or of an
			// inflated stream bounded by maxInflated.
			if frames > len(data)+maxInflated/6+1 {
				t.Fatalf("%d frames from %d bytes", frames, len(data))
			}
		}
	})
}
