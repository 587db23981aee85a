package syslog

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

type frame struct {
	msg       string
	truncated bool
}

// frames runs data through a framer in chunks of the given sizes (cycled)
// and returns the frames, flush included.
func frames(max int, data []byte, sizes []int) []frame {
	f := framer{max: max}
	var out []frame
	emit := func(m []byte, tr bool) { out = append(out, frame{string(m), tr}) }
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(sizes) > 0 {
			n = min(max1(sizes[i%len(sizes)]), len(data))
		}
		f.feed(data[:n], emit)
		data = data[n:]
	}
	f.flush(emit)
	return out
}

func max1(n int) int { return max(n, 1) }

func TestFramer(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []frame
	}{
		{"LF", "<1>a\n<2>b\n", 100, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"CRLF and blank lines", "\r\n<1>a\r\n\n\n<2>b\r\n", 100, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"NUL", "<14>python one\x00<14>python two\x00", 100, []frame{{"<14>python one", false}, {"<14>python two", false}}},
		{"NUL framing keeps later newlines", "<14>one\x00<14>two\nTraceback\n  x\x00<14>three\x00", 100,
			[]frame{{"<14>one", false}, {"<14>two\nTraceback\n  x", false}, {"<14>three", false}}},
		{"LF first: NUL and LF delimit", "<14>one\n<14>two\x00<14>three\nx\x00", 100,
			[]frame{{"<14>one", false}, {"<14>two", false}, {"<14>three", false}, {"x", false}}},
		{"NUL then LF", "<14>x\x00\n<14>y\x00\n", 100, []frame{{"<14>x", false}, {"<14>y", false}}},
		{"last line without delimiter", "<1>a\n<2>b", 100, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"octet counted", "4 <1>a5 <2>bc", 100, []frame{{"<1>a", false}, {"<2>bc", false}}},
		{"octet counted with newline inside and after", "8 <1>a\nb c\n6 <2>d\x00e\n", 100, []frame{{"<1>a\nb c", false}, {"<2>d\x00e", false}}},
		{"mixed", "<1>lf\n6 <2>oct<3>nul\x00", 100, []frame{{"<1>lf", false}, {"<2>oct", false}, {"<3>nul", false}}},
		{"number line is not a count", "42 is the answer\n12345\n", 100, []frame{{"42 is the answer", false}, {"12345", false}}},
		{"zero count", "0 <1>x\n", 100, []frame{{"<1>x", false}}},
		{"octet counted cut at EOF", "10 <1>abc", 100, []frame{{"<1>abc", true}}},
		{"long line cut", "<1>" + strings.Repeat("x", 20) + "\n<2>ok\n", 10, []frame{{"<1>xxxxxxx", true}, {"<2>ok", false}}},
		{"long octet message cut", "23 <1>" + strings.Repeat("y", 20) + "<2>ok\n", 10, []frame{{"<1>yyyyyyy", true}, {"<2>ok", false}}},
		{"long last line cut", "<1>" + strings.Repeat("z", 20), 10, []frame{{"<1>zzzzzzz", true}}},
		{"ten digits are not a count", "1234567890 <1>x\n", 100, []frame{{"1234567890 <1>x", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every chunk size must give the same frames.
			for size := 1; size <= len(tt.in); size++ {
				got := frames(tt.max, []byte(tt.in), []int{size})
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("chunks of %d:\n got %+v\nwant %+v", size, got, tt.want)
				}
			}
		})
	}
}

// FuzzFramer checks that chunking never changes the frames, and that no
// frame exceeds the limit.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("<1>a\n<2>b"), byte(3), uint8(50))
	f.Add([]byte("4 <1>a5 <2>bc\x00<3>c\r\n"), byte(1), uint8(8))
	f.Add([]byte("23 <1>yyyyyyyyyyyyyyyyyyyy<2>ok\n"), byte(5), uint8(10))
	f.Add([]byte("999999999 <"), byte(2), uint8(64))
	f.Fuzz(func(t *testing.T, data []byte, chunk byte, maxSize uint8) {
		max := int(maxSize) + 1
		whole := frames(max, data, nil)
		split := frames(max, data, []int{int(chunk)})
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("chunking changed the frames:\n whole %+v\n split %+v", whole, split)
		}
		total := 0
		for _, fr := range whole {
			if len(fr.msg) > max {
				t.Fatalf("frame of %d bytes, max %d", len(fr.msg), max)
			}
			total += len(fr.msg)
		}
		if total > len(data) {
			t.Fatalf("%d bytes of frames from %d bytes", total, len(data))
		}
	})
}

// FuzzParse checks that the parser never panics, that its strings come
// from the line, and that a message parses the same every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"<38>Nov 24 04:59:01 web-1 sshd[2042]: Accepted publickey",
		"<86>2026-11-24T05:31:46.123456+01:00 web-1 sshd[99]: Connection closed",
		"<14>python\x00",
		"<11>myapp[1]: x",
		`<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][x y="\]"] msg`,
		"<13>1 - - - - - -",
		"<190>Nov 24 04:58:00 <23.6> fw01 kernel: DROP",
		"<0>Feb 29 00:00:00.123456789 h a: x",
		"<13>2026-11-24 05:31:46 h app: x",
		"hello",
		"<1",
	} {
		f.Add(s)
	}
	p := testParser()
	f.Fuzz(func(t *testing.T, line string) {
		m, ok := p.Parse(line)
		if !ok {
			return
		}
		if m.Priority < 0 || m.Priority > 191 {
			t.Fatalf("priority %d", m.Priority)
		}
		for _, s := range []string{m.Timestamp, m.Hostname, m.AppName, m.ProcID, m.MsgID} {
			if !strings.Contains(line, s) {
				t.Fatalf("field %q is not from the line %q", s, line)
			}
		}
		if m.Msg != "" && !strings.Contains(line, m.Msg) && m.StructuredData == nil {
			t.Fatalf("message %q is not from the line %q", m.Msg, line)
		}
		if utf8.ValidString(line) && !utf8.ValidString(m.Msg) {
			t.Fatalf("invalid UTF-8 message %q from valid line", m.Msg)
		}
		m2, _ := p.Parse(line)
		if fmt.Sprintf("%#v", m) != fmt.Sprintf("%#v", m2) {
			t.Fatal("parse is not deterministic")
		}
	})
}
