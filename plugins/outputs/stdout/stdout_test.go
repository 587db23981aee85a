package stdout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// lineCodec encodes "<message>\n" and fails on messages starting with "!".
type lineCodec struct{}

func (lineCodec) Settings(*plugin.Settings)                       {}
func (lineCodec) NewDecoder(plugin.DecoderOptions) plugin.Decoder { return nil }
func (lineCodec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	if strings.HasPrefix(e.Message(), "!") {
		return append(dst, "partial"...), errors.New("cannot encode")
	}
	return append(append(dst, e.Message()...), '\n'), nil
}

// countingWriter counts Write calls; it is deliberately not synchronised
// so that the race detector catches unserialised writes.
type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

func newOutput(t *testing.T, w io.Writer) *Output {
	t.Helper()
	o := &Output{Codec: lineCodec{}, W: w}
	if err := o.Init(&plugin.Context{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatal(err)
	}
	return o
}

func events(msgs ...string) []*event.Event {
	out := make([]*event.Event, len(msgs))
	for i, m := range msgs {
		out[i] = event.NewMessage(m)
	}
	return out
}

func TestWriteOnceInOrder(t *testing.T) {
	w := &countingWriter{}
	o := newOutput(t, w)
	if err := o.Write(context.Background(), events("a", "b", "c")); err != nil {
		t.Fatal(err)
	}
	if w.buf.String() != "a\nb\nc\n" {
		t.Errorf("output %q", w.buf.String())
	}
	if w.writes != 1 {
		t.Errorf("%d writes for one batch, want 1", w.writes)
	}
}

func TestEncodeErrorSkipsEvent(t *testing.T) {
	w := &countingWriter{}
	o := newOutput(t, w)
	if err := o.Write(context.Background(), events("a", "!bad", "c")); err != nil {
		t.Fatal(err)
	}
	if w.buf.String() != "a\nc\n" {
		t.Errorf("output %q: the failed event's partial output must be discarded", w.buf.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrorIsReturned(t *testing.T) {
	o := newOutput(t, failWriter{})
	if err := o.Write(context.Background(), events("a")); err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("error = %v", err)
	}
}

func TestConcurrentBatchesDoNotInterleave(t *testing.T) {
	w := &countingWriter{}
	o := newOutput(t, w)
	const workers, batches, size = 4, 200, 10
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				msgs := make([]string, size)
				for i := range msgs {
					msgs[i] = fmt.Sprintf("w%d-b%d-%d", g, b, i)
				}
				if err := o.Write(context.Background(), events(msgs...)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(w.buf.String(), "\n"), "\n")
	if len(lines) != workers*batches*size {
		t.Fatalf("%d lines, want %d", len(lines), workers*batches*size)
	}
	// Each batch's lines are contiguous and in order.
	for i := 0; i < len(lines); i += size {
		var g, b, n int
		if _, err := fmt.Sscanf(lines[i], "w%d-b%d-%d", &g, &b, &n); err != nil || n != 0 {
			t.Fatalf("line %d = %q does not start a batch", i, lines[i])
		}
		for j := range size {
			if want := fmt.Sprintf("w%d-b%d-%d", g, b, j); lines[i+j] != want {
				t.Fatalf("line %d = %q, want %q (batches interleaved)", i+j, lines[i+j], want)
			}
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	o := &Output{Codec: lineCodec{}, W: io.Discard}
	if err := o.Init(&plugin.Context{}); err != nil {
		b.Fatal(err)
	}
	batch := events(strings.Repeat("x", 100), strings.Repeat("y", 100))
	b.SetBytes(202)
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Write(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
