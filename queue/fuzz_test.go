package queue

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicelog/sluice/event"
)

func FuzzDecodeEvent(f *testing.F) {
	e := event.NewMessage("hello")
	e.Fields()["n"] = []any{int64(1), 2.5, map[string]any{"x": nil}}
	e.Metadata()["m"] = "v"
	f.Add(AppendEvent(nil, e))
	f.Add([]byte{tagMap, 0, tagNil})
	f.Add([]byte{tagMap, 1, 1, 'a', tagTime, 2, 3, tagNil})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		// Whatever decodes encodes and decodes again.
		if _, err := DecodeEvent(AppendEvent(nil, e)); err != nil {
			t.Fatalf("re-encoding a decoded event: %v", err)
		}
	})
}

// FuzzPageRecovery writes arbitrary bytes after some valid records of a
// page and checks that recovery neither panics nor hands out anything but
// the valid events (and events that decode).
func FuzzPageRecovery(f *testing.F) {
	rec := func(msg string) []byte {
		b, at := beginRecord(nil)
		b = AppendEvent(b, event.NewMessage(msg))
		return endRecord(b, at)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3})
	f.Add(rec("tail"))
	f.Add(rec("tail")[:10])
	f.Add(append(rec("a"), 0xff, 0xff, 0xff, 0x7f))
	f.Fuzz(func(t *testing.T, tail []byte) {
		dir := t.TempDir()
		page := appendPageHeader(nil, 0)
		page = append(page, rec("v0")...)
		page = append(page, rec("v1")...)
		page = append(page, tail...)
		if err := os.WriteFile(filepath.Join(dir, "page.0"), page, 0o644); err != nil {
			t.Fatal(err)
		}
		q, err := Open(Options{Dir: dir, Logger: testLogger(t, nil)})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		got := popAll(t, q)
		if len(got) < 2 || got[0].Message() != "v0" || got[1].Message() != "v1" {
			t.Fatalf("valid records lost: %v", messages(got))
		}
		ackAll(got)
		if q.Unacked() != 0 {
			t.Fatalf("unacked = %d after acknowledging everything", q.Unacked())
		}
	})
}

func FuzzNextRecord(f *testing.F) {
	b, at := beginRecord(nil)
	b = append(b, "payload"...)
	f.Add(endRecord(b, at))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, n, err := nextRecord(b)
		if err != nil {
			return
		}
		if n > len(b) || (n > 0 && len(p) != n-recordHdrLen) {
			t.Fatalf("n=%d len(p)=%d len(b)=%d", n, len(p), len(b))
		}
	})
}
