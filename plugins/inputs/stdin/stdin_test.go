package stdin

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	_ "github.com/sluicelog/sluice/plugins/codecs/multiline"
)

func build(t testing.TB, ecs string) *Input {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindInput, "stdin { ecs_compatibility => "+ecs+" }")
	return inst.Plugin.(*Input)
}

// run runs in on r until Run returns.
func run(t *testing.T, in *Input, r io.Reader) []*event.Event {
	t.Helper()
	in.reader = r
	q := plugintest.NewQueue()
	done := make(chan error, 1)
	go func() { done <- in.Run(context.Background(), q) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return at EOF")
	}
	return q.Events()
}

func TestReadsUntilEOF(t *testing.T) {
	host, _ := os.Hostname()
	cases := []struct {
		ecs, field string
	}{
		{"v8", "[host][hostname]"},
		{"disabled", "host"},
	}
	for _, tc := range cases {
		t.Run(tc.ecs, func(t *testing.T) {
			evs := run(t, build(t, tc.ecs), strings.NewReader("one\ntwo\nlast without newline"))
			if got := messages(evs); !slices.Equal(got, []string{"one", "two", "last without newline"}) {
				t.Fatalf("messages %q", got)
			}
			if v, _ := evs[0].GetField(tc.field); v != host {
				t.Errorf("%s = %v, want %q", tc.field, v, host)
			}
		})
	}
}

func TestKeepsExistingHost(t *testing.T) {
	in := build(t, "disabled")
	e := event.NewMessage("x")
	e.SetField("host", "from-event")
	in.decorate(e)
	if v, _ := e.GetField("host"); v != "from-event" {
		t.Fatalf("host = %v", v)
	}
}

func TestLargeInputIsBatched(t *testing.T) {
	var b strings.Builder
	const n = 100_000
	for i := range n {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	in := build(t, "v8")
	in.reader = strings.NewReader(b.String())
	q := &countingQueue{Queue: plugintest.NewQueue()}
	if err := in.Run(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	evs := q.Events()
	if len(evs) != n {
		t.Fatalf("%d events, want %d", len(evs), n)
	}
	for i, e := range evs {
		if e.Message() != fmt.Sprintf("line %d", i) {
			t.Fatalf("event %d: %q", i, e.Message())
		}
	}
	if q.pushes > n/100 {
		t.Errorf("%d pushes for %d lines", q.pushes, n)
	}
}

type countingQueue struct {
	*plugintest.Queue
	pushes int
}

func (q *countingQueue) Push(ctx context.Context, evs []*event.Event, ack func()) error {
	q.pushes++
	return q.Queue.Push(ctx, evs, ack)
}

func TestCancelWhileReadBlocks(t *testing.T) {
	in := build(t, "v8")
	pr, pw := io.Pipe()
	defer pw.Close()
	in.reader = pr
	q := plugintest.NewQueue()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	io.WriteString(pw, "before cancel\n")
	q.Wait(t, 1, 5*time.Second)
	cancel() // the reader is now blocked in Read
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel while a read was blocked")
	}
}

// TestRealStdin runs this test binary again with a file as its standard
// input, so that the os.Stdin path is exercised.
func TestRealStdin(t *testing.T) {
	if os.Getenv("SLUICE_STDIN_CHILD") == "1" {
		in := build(t, "v8")
		q := plugintest.NewQueue()
		if err := in.Run(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("EVENTS %d %q\n", len(q.Events()), messages(q.Events()))
		return
	}
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "alpha\nbeta\ngamma")
	f.Seek(0, 0)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRealStdin$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SLUICE_STDIN_CHILD=1")
	cmd.Stdin = f
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if want := `EVENTS 3 ["alpha" "beta" "gamma"]`; !strings.Contains(string(out), want) {
		t.Fatalf("child output %s, want %s", out, want)
	}
}

func messages(evs []*event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message()
	}
	return out
}

// With a multiline codec that has auto_flush_interval, the last event is
// delivered once stdin was idle that long, before the input ends.
func TestMultilineIdleFlush(t *testing.T) {
	inst := plugintest.Build(t, plugin.KindInput,
		`stdin { codec => multiline { pattern => "^\s" what => "previous" auto_flush_interval => 0.2 } }`)
	in := inst.Plugin.(*Input)
	pr, pw := io.Pipe()
	in.reader = pr
	q := plugintest.NewQueue()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	if _, err := io.WriteString(pw, "first\n  more\nsecond\n  more"); err != nil {
		t.Fatal(err)
	}
	evs := q.Wait(t, 1, 5*time.Second)
	if got := evs[0].Message(); got != "first\n  more" {
		t.Errorf("first event %q", got)
	}
	// No more input: the held event (and its last line, without a newline)
	// comes after the interval.
	evs = q.Wait(t, 2, 5*time.Second)
	if got := evs[1].Message(); got != "second\n  more" {
		t.Errorf("second event %q", got)
	}
	if _, err := io.WriteString(pw, "\nthird\n"); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return at EOF")
	}
	cancel()
	if got := messages(q.Events()); !slices.Equal(got, []string{"first\n  more", "second\n  more", "", "third"}) {
		t.Errorf("messages %q", got)
	}
}
