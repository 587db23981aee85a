package file_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	"github.com/sluicelog/sluice/plugins/outputs/file"
)

func sample(app string, n int) *event.Event {
	return event.FromMap(map[string]any{
		"@timestamp": time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC),
		"message":    fmt.Sprintf("line %d", n),
		"app":        app,
	})
}

// TestConfigured builds the output from pipeline syntax with the real
// json_lines codec (the default), a field and date path, and octal modes.
func TestConfigured(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	o := plugintest.Build(t, plugin.KindOutput, fmt.Sprintf(`file {
		path      => "%s/logs/%%{app}/%%{+yyyy.MM.dd}.log"
		file_mode => 0600
		dir_mode  => "0700"
	}`, dir)).Plugin.(*file.Output)
	if err := o.Write(context.Background(), []*event.Event{sample("api", 1), sample("web", 2), sample("api", 3)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "logs", "api", "2024.05.01.log")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%s: %q", path, b)
	}
	for i, l := range lines {
		var doc map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if want := fmt.Sprintf("line %d", 2*i+1); doc["message"] != want || doc["@timestamp"] != "2024-05-01T10:20:30.000Z" {
			t.Errorf("line %d: %v", i, doc)
		}
	}
	for p, want := range map[string]os.FileMode{
		filepath.Join(dir, "logs"):        0o700,
		filepath.Join(dir, "logs", "api"): 0o700,
		path:                              0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", p, fi.Mode().Perm(), want)
		}
	}
}

func TestLineCodec(t *testing.T) {
	dir := t.TempDir()
	o := plugintest.Build(t, plugin.KindOutput, fmt.Sprintf(`file {
		path  => "%s/out.txt"
		codec => line { format => "%%{app}: %%{message}" }
	}`, dir)).Plugin.(*file.Output)
	if err := o.Write(context.Background(), []*event.Event{sample("api", 1)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out.txt")); string(b) != "api: line 1\n" {
		t.Errorf("file = %q", b)
	}
}

func TestConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		`file { }`:                       `missing required setting "path"`,
		`file { path => "/%{x}/a.log" }`: "first directory may not be dynamic",
		`file { path => "/tmp/a.log" file_mode => 0948 }`:            "not an octal permission",
		`file { path => "/tmp/a.log" write_behavior => "truncate" }`: "not one of",
		`file { path => "/tmp/%{+qqq}.log" }`:                        "path",
	} {
		_, err := plugintest.BuildErr(plugin.KindOutput, src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want %q", src, err, want)
		}
	}
}

// BenchmarkJSONLines writes batches of 125 typical events with the real
// json_lines codec to one file.
func BenchmarkJSONLines(b *testing.B) {
	dir := b.TempDir()
	in, err := plugintest.BuildErr(plugin.KindOutput, fmt.Sprintf(`file { path => "%s/out.log" }`, dir))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	o := in.Plugin.(*file.Output)
	batch := make([]*event.Event, 125)
	size := 0
	for i := range batch {
		batch[i] = event.FromMap(map[string]any{
			"@timestamp": time.Date(2024, 5, 1, 10, 20, 30, 123000000, time.UTC),
			"message":    fmt.Sprintf("GET /api/v1/items/%d HTTP/1.1 200 1534 \"-\" \"python-requests/2.31\"", i),
			"host":       map[string]any{"name": "web-01"},
			"log":        map[string]any{"level": "info", "logger": "app.views"},
			"status":     int64(200),
			"duration":   0.0123,
		})
		line, _ := o.Codec.Encode(nil, batch[i])
		size += len(line)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Write(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}
