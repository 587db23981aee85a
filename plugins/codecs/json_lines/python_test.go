package json_lines

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestRealPythonFormatters runs the real Python libraries (python-logstash,
// python-logstash-async, ecs-logging, structlog) and decodes what they
// write. It skips when Python or one of the libraries is not installed;
// set SLUICE_PYTHON to the interpreter of a virtualenv that has them.
func TestRealPythonFormatters(t *testing.T) {
	py := os.Getenv("SLUICE_PYTHON")
	if py == "" {
		py = "python3"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no Python: %v", err)
	}
	cmd := exec.Command(py, "testdata/python_formatters.py")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skipf("Python libraries missing: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	events := decodeChunks(codec(t, `json_lines`), 0, out)
	if len(events) != 9 {
		t.Fatalf("%d events, want 9:\n%s", len(events), out)
	}
	for i, e := range events {
		if len(e.Tags()) > 0 {
			t.Errorf("event %d: tags %v: %s", i, e.Tags(), show(events[i:i+1]))
		}
		if e.Fields()["@version"] != "1" {
			t.Errorf("event %d: @version %#v", i, e.Fields()["@version"])
		}
		if age := time.Since(e.Timestamp()); age < 0 || age > time.Minute {
			t.Errorf("event %d: @timestamp %v is not the record's time", i, e.Timestamp())
		}
		if e.Message() != "user bob logged in" {
			t.Errorf("event %d: message %q", i, e.Message())
		}
	}
	checks := []struct {
		event int
		field string
		want  any
	}{
		{0, "levelname", "INFO"}, {0, "user_id", int64(42)},
		{1, "logger_name", "app.auth"}, {1, "user_id", int64(42)},
		{2, "[extra][user_id]", int64(42)}, {2, "level", "INFO"},
		{3, "[log][level]", "INFO"}, {3, "[ecs][version]", nil},
		{4, "[log][level]", "info"}, {4, "[log][logger]", "app.auth"}, {4, "user_id", int64(42)},
		{5, "[error][type]", "ValueError"},
		{6, "level", "info"}, {6, "user_id", int64(42)},
		{7, "user_id", int64(42)},
		{8, "[log][level]", "info"},
	}
	for _, c := range checks {
		v, ok := events[c.event].GetField(c.field)
		if !ok || (c.want != nil && v != c.want) {
			t.Errorf("event %d: %s = %#v, want %#v: %s", c.event, c.field, v, c.want, show(events[c.event:c.event+1]))
		}
	}
}
