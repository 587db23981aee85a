package codecutil

import (
	"os"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
)

// TestPythonDocExamples keeps the examples in docs/python.md true: each
// input block is followed by the block the codecs make of it.
func TestPythonDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/python.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	start := strings.Index(section, "### Examples")
	end := strings.Index(section, "## Timestamps")
	if start < 0 || end < start {
		t.Fatal("docs/python.md: no Examples section")
	}
	parts := strings.Split(section[start:end], "```")
	var blocks []string
	for i := 1; i < len(parts); i += 2 {
		blocks = append(blocks, strings.TrimSpace(parts[i]))
	}
	if len(blocks) < 6 || len(blocks)%2 != 0 {
		t.Fatalf("expected pairs of blocks, got %d", len(blocks))
	}
	for i := 0; i < len(blocks); i += 2 {
		j := &JSONEvents{Python: true, Logger: quiet}
		var got []*event.Event
		j.Decode([]byte(blocks[i]), false, "", func(e *event.Event) { got = append(got, e) })
		if len(got) != 1 {
			t.Fatalf("example %d: %d events", i/2, len(got))
		}
		if out := string(got[0].AppendJSON(nil)); out != blocks[i+1] {
			t.Errorf("example %d:\n got %s\ndoc %s", i/2, out, blocks[i+1])
		}
	}
}
