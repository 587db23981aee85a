package settings

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadFlatNestedAndEnv(t *testing.T) {
	src := `
# logstash.yml style
pipeline.workers: 3
pipeline:
  batch:
    size: 500
    delay: 5
  ecs_compatibility: disabled
path.data: ${DATA_DIR:/var/lib/sluice}
log.level: ${LEVEL}
queue.checkpoint.retry: true
`
	s := Defaults()
	warns, err := s.Load("sluice.yml", []byte(src), env(map[string]string{"LEVEL": "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Workers != 3 || s.BatchSize != 500 || s.BatchDelay != 5*time.Millisecond {
		t.Errorf("workers/batch = %d/%d/%v", s.Workers, s.BatchSize, s.BatchDelay)
	}
	if s.ECSCompatibility != "disabled" || s.PathData != "/var/lib/sluice" || s.LogLevel != "debug" {
		t.Errorf("ecs/path.data/log.level = %q/%q/%q", s.ECSCompatibility, s.PathData, s.LogLevel)
	}
	if len(warns) != 1 || warns[0].Line != 11 || !strings.Contains(warns[0].Msg, "queue.checkpoint.retry") {
		t.Errorf("warnings = %+v, want one for queue.checkpoint.retry on line 11", warns)
	}
}

func TestQueueSettings(t *testing.T) {
	src := `
queue:
  type: persisted
  page_capacity: 16mb
  max_bytes: 2gb
  max_events: 5000
  checkpoint.writes: 1
  checkpoint.acks: 0
  drain: true
path.queue: /var/lib/sluice/q
`
	s := Defaults()
	warns, err := s.Load("sluice.yml", []byte(src), env(nil))
	if err != nil || len(warns) != 0 {
		t.Fatalf("err = %v, warnings = %+v", err, warns)
	}
	if s.QueueType != "persisted" || s.QueuePageCapacity != 16<<20 || s.QueueMaxBytes != 2<<30 ||
		s.QueueMaxEvents != 5000 || s.QueueCheckpointWrites != 1 || s.QueueCheckpointAcks != 1<<30 ||
		!s.QueueDrain || s.PathQueue != "/var/lib/sluice/q" {
		t.Errorf("queue settings = %+v", s)
	}
	d := Defaults()
	if d.QueueType != "memory" || d.QueuePageCapacity != 64<<20 || d.QueueMaxBytes != 1<<30 ||
		d.QueueCheckpointWrites != 1024 || d.QueueCheckpointAcks != 1024 {
		t.Errorf("defaults = %+v", d)
	}
	for _, bad := range []string{"queue.type: disk", "queue.max_bytes: lots", "queue.page_capacity: 0", "queue.max_events: -1"} {
		s := Defaults()
		if _, err := s.Load("sluice.yml", []byte(bad), env(nil)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestLoadErrorsNameLineAndKey(t *testing.T) {
	cases := []struct{ src, want string }{
		{"pipeline.wokers: 2\n", `sluice.yml:1: unknown setting "pipeline.wokers"; did you mean "pipeline.workers"?`},
		{"a: 1\npipeline.batch.size: -4\n", `sluice.yml:2: pipeline.batch.size: expected a positive integer, got "-4"`},
		{"log.level: loud\n", `sluice.yml:1: log.level: expected one of fatal, error, warn, info, debug, trace, got "loud"`},
		{"path.data: ${NOPE}\n", `sluice.yml:1: path.data: environment variable NOPE is not set`},
		{"- a\n- b\n", `expected a mapping of settings`},
		{"pipeline.workers: [1, 2]\n", `pipeline.workers: expected a single value`},
		{"api.http.port: high\n", `sluice.yml:1: api.http.port: expected a port or a range of ports such as 9600-9700, got "high"`},
		{"api.enabled: maybe\n", `api.enabled: expected true or false`},
	}
	for _, tc := range cases {
		s := Defaults()
		_, err := s.Load("sluice.yml", []byte(tc.src), env(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tc.src, err, tc.want)
		}
	}
}

func TestAPISettings(t *testing.T) {
	s := Defaults()
	if !s.APIEnabled || s.APIHost != "127.0.0.1" || s.APIPort != "9600-9700" {
		t.Errorf("defaults: %v %q %q", s.APIEnabled, s.APIHost, s.APIPort)
	}
	src := "api:\n  enabled: false\n  http:\n    host: 0.0.0.0\n    port: 9601\nlog.format: json\n"
	if _, err := s.Load("sluice.yml", []byte(src), env(nil)); err != nil {
		t.Fatal(err)
	}
	if s.APIEnabled || s.APIHost != "0.0.0.0" || s.APIPort != "9601" || s.LogFormat != "json" {
		t.Errorf("loaded: %v %q %q %q", s.APIEnabled, s.APIHost, s.APIPort, s.LogFormat)
	}
}
