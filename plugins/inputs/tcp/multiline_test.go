package tcp

import (
	"io"
	"slices"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/multiline"
)

// A traceback sent as separate lines becomes one event, and the last
// event is delivered after auto_flush_interval while the connection stays
// open; after the idle flush the connection goes on.
func TestMultilineIdleFlush(t *testing.T) {
	inst := plugintest.Build(t, plugin.KindInput,
		`tcp { host => "127.0.0.1" port => 0 codec => multiline { preset => "python" auto_flush_interval => 0.2 } }`)
	in := inst.Plugin.(*Input)
	q := newQueue()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	traceback := []string{
		"2024-05-01 10:00:00,000 ERROR [app] failed",
		"Traceback (most recent call last):",
		`  File "/srv/app.py", line 3, in <module>`,
		"    1 / 0",
		"ZeroDivisionError: division by zero",
	}
	for _, line := range append(traceback, "2024-05-01 10:00:01,000 INFO [app] next") {
		if _, err := io.WriteString(c, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	evs := q.Wait(t, 2, 5*time.Second)
	want := []string{
		"2024-05-01 10:00:00,000 ERROR [app] failed\nTraceback (most recent call last):\n" +
			"  File \"/srv/app.py\", line 3, in <module>\n    1 / 0\nZeroDivisionError: division by zero",
		"2024-05-01 10:00:01,000 INFO [app] next",
	}
	if got := messages(evs); !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
	if tags := evs[0].Tags(); !slices.Equal(tags, []string{"multiline"}) {
		t.Errorf("tags %q", tags)
	}
	// The connection is still usable after the idle flush.
	if _, err := io.WriteString(c, "again\n  indented\n"); err != nil {
		t.Fatal(err)
	}
	evs = q.Wait(t, 3, 5*time.Second)
	if got := evs[2].Message(); got != "again\n  indented" {
		t.Errorf("third event %q", got)
	}
}
