package settings

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDeadLetterQueueSettings(t *testing.T) {
	s := Defaults()
	s.PathData = "/data"
	if d := s.DeadLetterQueue; d.Enable || d.MaxBytes != 1024<<20 || d.StoragePolicy != "drop_newer" || d.FlushInterval != 5*time.Second || d.RetainAge != 0 {
		t.Errorf("defaults = %+v", d)
	}
	if got := s.DeadLetterQueueDir(); got != filepath.Join("/data", "dead_letter_queue") {
		t.Errorf("default dir = %s", got)
	}
	src := `
dead_letter_queue:
  enable: true
  max_bytes: 2gb
  storage_policy: drop_older
  flush_interval: 250
  retain:
    age: 7d
path.dead_letter_queue: /dlq
`
	if _, err := s.Load("sluice.yml", []byte(src), env(nil)); err != nil {
		t.Fatal(err)
	}
	want := DeadLetterQueue{Enable: true, Path: "/dlq", MaxBytes: 2 << 30, StoragePolicy: "drop_older",
		FlushInterval: 250 * time.Millisecond, RetainAge: 7 * 24 * time.Hour}
	if s.DeadLetterQueue != want {
		t.Errorf("got %+v, want %+v", s.DeadLetterQueue, want)
	}
	if s.DeadLetterQueueDir() != "/dlq" {
		t.Errorf("dir = %s", s.DeadLetterQueueDir())
	}
}

func TestDeadLetterQueueSettingErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"dead_letter_queue.max_bytes: lots\n", "expected a size such as 1024mb"},
		{"dead_letter_queue.max_bytes: 0\n", "expected a size"},
		{"dead_letter_queue.storage_policy: drop_all\n", "expected one of drop_newer, drop_older"},
		{"dead_letter_queue.flush_interval: 5s\n", "expected milliseconds"},
		{"dead_letter_queue.retain.age: 7 days\n", "expected an age such as 7d"},
		{"dead_letter_queue.enable: yes please\n", "expected true or false"},
	} {
		s := Defaults()
		_, err := s.Load("sluice.yml", []byte(tc.src), env(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1024mb": 1 << 30, "1GB": 1 << 30, "512kb": 512 << 10, "100": 100, "10b": 10, "1tb": 1 << 40} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}
