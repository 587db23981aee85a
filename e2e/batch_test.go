//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBatchStdinToFile runs a batch job: stdin → file (json_lines). It
// must exit by itself once stdin is exhausted, having written every line.
func TestBatchStdinToFile(t *testing.T) {
	t.Parallel()
	logs := dataFile(t, "apache_logs")
	src, err := os.ReadFile(logs)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
	if len(want) != 10000 {
		t.Fatalf("%s has %d lines; this test expects the 10,000-line file", logs, len(want))
	}

	in, err := os.Open(logs)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(t.TempDir(), "out.json")
	conf := `input { stdin { } } output { file { path => ` + confString(t, out) + ` codec => json_lines } }`
	p := startSluice(t, procOpts{args: []string{"serve", "-e", conf}, stdin: in})
	if code := p.wait(exitTimeout); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}

	events := readJSONLines(t, out)
	if len(events) != len(want) {
		t.Fatalf("output has %d events, want %d", len(events), len(want))
	}
	// Order across workers is not guaranteed: compare as multisets.
	counts := map[string]int{}
	for _, line := range want {
		counts[line]++
	}
	for i, ev := range events {
		msg, ok := ev["message"].(string)
		if !ok {
			t.Fatalf("event %d has no string message: %v", i+1, ev)
		}
		if counts[msg] == 0 {
			t.Fatalf("event %d: message %q is not an input line (or appears more often than in the input)", i+1, msg)
		}
		counts[msg]--
		if _, ok := ev["@timestamp"].(string); !ok {
			t.Errorf("event %d has no @timestamp: %v", i+1, ev)
		}
	}
	for line, n := range counts {
		if n != 0 {
			t.Errorf("input line missing from the output %d time(s): %q", n, line)
		}
	}
}
