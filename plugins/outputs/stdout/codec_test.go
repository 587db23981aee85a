package stdout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/rubydebug"
	"github.com/sluicelog/sluice/plugins/outputs/stdout"
)

func build(t *testing.T, src string) (*stdout.Output, *bytes.Buffer) {
	t.Helper()
	o := plugintest.Build(t, plugin.KindOutput, src).Plugin.(*stdout.Output)
	var buf bytes.Buffer
	o.W = &buf
	return o, &buf
}

func sample() []*event.Event {
	e := event.FromMap(map[string]any{
		"@timestamp": time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC),
		"message":    "hello",
		"n":          int64(42),
	})
	return []*event.Event{e, e.Clone()}
}

func TestDefaultCodecIsRubydebug(t *testing.T) {
	o, buf := build(t, `stdout { }`)
	if err := o.Write(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	one := `{
    "@timestamp" => 2024-05-01T10:20:30.000Z,
      "@version" => "1",
       "message" => "hello",
             "n" => 42
}
`
	if got := buf.String(); got != one+one {
		t.Errorf("got\n%s", got)
	}
}

func TestJSONLines(t *testing.T) {
	o, buf := build(t, `stdout { codec => json_lines }`)
	if err := o.Write(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	for _, l := range lines {
		var doc map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if doc["message"] != "hello" || doc["n"] != 42.0 || doc["@timestamp"] != "2024-05-01T10:20:30.000Z" {
			t.Errorf("document %v", doc)
		}
	}
}
