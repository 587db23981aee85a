//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// pythonBin returns the interpreter with e2e/python/requirements.txt
// installed: $SLUICE_PYTHON, else the venv scripts/pyenv.sh makes. Without
// one the test is skipped, except in CI (CI=true), where it fails.
func pythonBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLUICE_PYTHON"); p != "" {
		return p
	}
	p := filepath.Join(repoRoot, ".cache", "pyenv", "bin", "python")
	if _, err := os.Stat(p); err != nil {
		msg := fmt.Sprintf("no Python environment at %s (run scripts/pyenv.sh, or set SLUICE_PYTHON): %v", p, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// pyRecord is what e2e/python/emit.py reports for each record it sent.
type pyRecord struct {
	Route   string         `json:"route"`
	Message string         `json:"message"`
	Created float64        `json:"created"`
	Level   string         `json:"level"`
	Logger  string         `json:"logger"`
	Extra   map[string]any `json:"extra"`
	Exc     bool           `json:"exc"`
}

// pyRoute says where each library's record parts are in the event, as
// docs/python.md promises (the json codecs' python_formats normalisation).
type pyRoute struct {
	level, logger, traceback []string // field paths
	extra                    []string // prefix of the extra fields (nil = top level)
	levelOf                  func(string) string
	tracebackHas             []string
	fixed                    map[string]any // dotted path (a/b) → value every event has
	absent                   []string       // top-level keys the normalisation removes
}

var (
	pyTraceback = []string{"Traceback (most recent call last):", "in divide", "return 1 / 0", "ZeroDivisionError: division by zero"}
	pyRoutes    = map[string]pyRoute{
		// python-logstash, LogstashFormatterVersion1: kept as sent.
		"logstash_tcp": {level: []string{"level"}, logger: []string{"logger_name"}, traceback: []string{"stack_trace"},
			tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1", "type": "python-e2e"}},
		"logstash_udp": {level: []string{"level"}, logger: []string{"logger_name"}, traceback: []string{"stack_trace"},
			tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1", "type": "python-e2e"}},
		// python-logstash's default LogstashFormatterVersion0: @message →
		// message, @fields' members → top level, @type → type, ...
		"logstash_tcp_v0": {level: []string{"levelname"}, logger: []string{"logger"}, traceback: []string{"stack_trace"},
			tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1", "type": "python-e2e"},
			absent: []string{"@message", "@fields", "@type", "@tags", "@source_host", "@source_path"}},
		// python-logstash-async: already Logstash's shape; the record's
		// fields and the extras under "extra".
		"async_tcp": {level: []string{"level"}, logger: []string{"extra", "logger_name"}, traceback: []string{"extra", "stack_trace"},
			extra: []string{"extra"}, tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1", "extra/error_type": nil}},
		// Its UDP and HTTP transports send the same documents.
		"async_udp": {level: []string{"level"}, logger: []string{"extra", "logger_name"}, traceback: []string{"extra", "stack_trace"},
			extra: []string{"extra"}, tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1", "extra/error_type": nil}},
		"async_http": {level: []string{"level"}, logger: []string{"extra", "logger_name"}, traceback: []string{"extra", "stack_trace"},
			extra: []string{"extra"}, tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1", "extra/error_type": nil,
				"url/path": "/python", "http/method": "POST"}},
		// ecs-logging: dotted keys expanded ("log.level" joins the "log"
		// object); the traceback without its header line.
		"ecs": {level: []string{"log", "level"}, logger: []string{"log", "logger"}, traceback: []string{"error", "stack_trace"},
			levelOf: strings.ToLower, tracebackHas: []string{"in divide", "return 1 / 0"},
			fixed:  map[string]any{"@version": "1", "ecs/version": "1.6.0"},
			absent: []string{"log.level", "ecs.version"}},
		// The same documents written to a file by logging.FileHandler and
		// read by the file input (the README's route 3).
		"ecs_file": {level: []string{"log", "level"}, logger: []string{"log", "logger"}, traceback: []string{"error", "stack_trace"},
			levelOf: strings.ToLower, tracebackHas: []string{"in divide", "return 1 / 0"},
			fixed:  map[string]any{"@version": "1", "ecs/version": "1.6.0"},
			absent: []string{"log.level", "ecs.version"}},
		// structlog: "event" → message, "timestamp" → @timestamp.
		"structlog": {level: []string{"level"}, logger: []string{"logger"}, traceback: []string{"exception"},
			tracebackHas: pyTraceback, fixed: map[string]any{"@version": "1"},
			absent: []string{"event", "timestamp"}},
	}
)

// TestPythonLibraries sends records through real Python logging libraries
// (python-logstash over tcp and udp, python-logstash-async over tcp, udp
// and http, ecs-logging, structlog) into tcp json_lines, udp json and http
// inputs, and checks the events written by the file output.
func TestPythonLibraries(t *testing.T) {
	t.Parallel()
	python := pythonBin(t)
	tcpPort, udpPort, httpPort := freePort(t, "tcp"), freePort(t, "udp"), freePort(t, "tcp")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	logFile := filepath.Join(dir, "app.log")
	conf := fmt.Sprintf(`input {
  tcp { host => "127.0.0.1" port => %d codec => json_lines }
  udp { host => "127.0.0.1" port => %d codec => json }
  http { host => "127.0.0.1" port => %d }
  file { path => [%s] start_position => "beginning" codec => json_lines sincedb_path => %s }
}
output { file { path => %s codec => json_lines } }`, tcpPort, udpPort, httpPort, confString(t, logFile),
		confString(t, filepath.Join(dir, "registry.json")), confString(t, out))
	p := startSluice(t, procOpts{args: []string{"serve", "-e", conf}})
	p.waitReady()

	routes := []string{"logstash_tcp", "logstash_tcp_v0", "logstash_udp", "async_tcp", "async_udp", "async_http", "ecs", "ecs_file", "structlog"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Deprecation warnings of newer Pythons about the libraries' code are
	// not send errors.
	cmd := exec.CommandContext(ctx, python, append([]string{"-W", "ignore::DeprecationWarning", filepath.Join(repoRoot, "e2e", "python", "emit.py"),
		"--tcp-port", fmt.Sprint(tcpPort), "--udp-port", fmt.Sprint(udpPort), "--http-port", fmt.Sprint(httpPort),
		"--log-file", logFile}, routes...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("emit.py: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		// Logging handlers print their send errors there.
		t.Errorf("emit.py wrote to stderr:\n%s", stderr.String())
	}
	var sent []pyRecord
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r pyRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("emit.py output %q: %v", line, err)
		}
		sent = append(sent, r)
	}
	if len(sent) != 3*len(routes) {
		t.Fatalf("emit.py reported %d records, want %d:\n%s", len(sent), 3*len(routes), stdout.String())
	}

	// Wait for them all (or the deadline), then say which are missing.
	pollUntil(30*time.Second, func() bool { return countLines(t, out) >= len(sent) })
	p.stop()
	events := readJSONLines(t, out)
	if len(events) != len(sent) {
		t.Errorf("output has %d events, want %d", len(events), len(sent))
	}
	byMessage := map[string]map[string]any{}
	for _, ev := range events {
		byMessage[str(ev, "message")] = ev
	}

	for _, rec := range sent {
		t.Run(rec.Route+"/"+rec.Level, func(t *testing.T) {
			route := pyRoutes[rec.Route]
			ev, ok := byMessage[rec.Message]
			if !ok {
				t.Fatalf("no event with message %q (unicode and escapes must survive); messages: %q", rec.Message, keys(byMessage))
			}
			checkTimestamp(t, ev, rec.Created)

			wantLevel := rec.Level
			if route.levelOf != nil {
				wantLevel = route.levelOf(wantLevel)
			}
			if got := str(ev, route.level...); got != wantLevel {
				t.Errorf("level at %v = %q, want %q", route.level, got, wantLevel)
			}
			if got := str(ev, route.logger...); got != rec.Logger {
				t.Errorf("logger at %v = %q, want %q", route.logger, got, rec.Logger)
			}
			for k, want := range rec.Extra {
				got, ok := field(ev, append(append([]string{}, route.extra...), k)...)
				if !ok || !reflect.DeepEqual(got, want) {
					t.Errorf("extra field %v = %#v (present %v), want %#v", append(route.extra, k), got, ok, want)
				}
			}
			for path, want := range route.fixed {
				got, ok := field(ev, strings.Split(path, "/")...)
				if want == nil { // any value, only present with an exception
					if ok != rec.Exc {
						t.Errorf("field %s present: %v, want %v", path, ok, rec.Exc)
					}
					continue
				}
				if !ok || got != want {
					t.Errorf("field %s = %#v (present %v), want %#v", path, got, ok, want)
				}
			}
			for _, k := range route.absent {
				if v, ok := ev[k]; ok {
					t.Errorf("field %q should have been normalised away; it is %#v", k, v)
				}
			}
			tb := str(ev, route.traceback...)
			if rec.Exc {
				for _, s := range route.tracebackHas {
					if !strings.Contains(tb, s) {
						t.Errorf("traceback at %v lacks %q: %q", route.traceback, s, tb)
					}
				}
			} else if tb != "" {
				t.Errorf("record without exception has a traceback at %v: %q", route.traceback, tb)
			}
		})
	}
}

// checkTimestamp compares the event's @timestamp with the record's
// creation time at millisecond precision (±1 ms: libraries truncate or
// round the microseconds differently).
func checkTimestamp(t *testing.T, ev map[string]any, created float64) {
	t.Helper()
	s := str(ev, "@timestamp")
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("@timestamp %q: %v", s, err)
		return
	}
	want := int64(math.Floor(created * 1000))
	if d := ts.UnixMilli() - want; d < -1 || d > 1 {
		t.Errorf("@timestamp %s is %d ms away from the record's time %s", s, d,
			time.UnixMilli(want).UTC().Format(time.RFC3339Nano))
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
