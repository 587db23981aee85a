package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParsePipelines(t *testing.T) {
	src := `# two pipelines
- pipeline.id: web
  path.config: "/etc/sluice/web.conf"
  pipeline.workers: 3
  pipeline.batch.size: 500
  pipeline.batch.delay: 10
  queue.type: persisted
  queue.checkpoint.retry: true
- pipeline:
    id: ${SYS_ID:syslog}
    ecs_compatibility: disabled
  config.string: "input { stdin { } }"
`
	base := Defaults()
	base.Workers, base.PathData = 2, "/data"
	got, warns, err := ParsePipelines("pipelines.yml", []byte(src), base, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d pipelines", len(got))
	}
	web, sys := got[0].Settings, got[1].Settings
	if web.PipelineID != "web" || web.PathConfig != "/etc/sluice/web.conf" || web.Workers != 3 || web.BatchSize != 500 || web.BatchDelay != 10*time.Millisecond || got[0].Line != 2 {
		t.Errorf("web = %+v (line %d)", web, got[0].Line)
	}
	if sys.PipelineID != "syslog" || sys.ConfigString == "" || sys.Workers != 2 || sys.ECSCompatibility != "disabled" || sys.PathData != "/data" {
		t.Errorf("syslog = %+v: want its own id and ECS, the node's workers and path.data", sys)
	}
	if web.QueueType != "persisted" || sys.QueueType != "memory" {
		t.Errorf("queue.type = %q / %q, want persisted for web only", web.QueueType, sys.QueueType)
	}
	if len(warns) != 1 || warns[0].Line != 8 {
		t.Errorf("warnings %+v, want queue.checkpoint.retry (not supported yet) on line 8", warns)
	}
}

func TestParsePipelinesErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"not a list", "pipeline.id: a\n", "pipelines.yml:1: expected a list"},
		{"empty", "", "the file is empty"},
		{"empty list", "[]\n", "the list of pipelines is empty"},
		{"no id", "- path.config: a.conf\n", "pipelines.yml:1: the pipeline has no pipeline.id"},
		{"no config", "- pipeline.id: a\n", "pipelines.yml:1: pipeline \"a\" has neither path.config nor config.string"},
		{"both", "- pipeline.id: a\n  path.config: x\n  config.string: y\n", "has both"},
		{"duplicate id", "- pipeline.id: a\n  path.config: x\n- pipeline.id: a\n  path.config: y\n", "pipelines.yml:3: pipeline.id \"a\" is already used (line 1)"},
		{"bad value", "- pipeline.id: a\n  path.config: x\n  pipeline.workers: many\n", "pipelines.yml:3: pipeline.workers: expected a positive integer"},
		{"typo", "- pipeline.id: a\n  path.config: x\n  pipeline.worker: 2\n", `did you mean "pipeline.workers"?`},
		{"node setting", "- pipeline.id: a\n  path.config: x\n  log.level: debug\n", "pipelines.yml:3: log.level is a node setting"},
		{"node setting ignored", "- pipeline.id: a\n  path.config: x\n  api.http.port: 9600\n", "api.http.port is a node setting"},
		{"item not a map", "- a\n", "pipelines.yml:1: expected a pipeline"},
		{"env unset", "- pipeline.id: ${NOPE}\n  path.config: x\n", "NOPE is not set"},
		{"yaml", "- pipeline.id: [\n", "pipelines.yml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParsePipelines("pipelines.yml", []byte(tt.src), Defaults(), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// Every error is reported, not only the first.
func TestParsePipelinesAllErrors(t *testing.T) {
	_, _, err := ParsePipelines("p.yml", []byte("- pipeline.id: a\n- path.config: b\n"), Defaults(), env(nil))
	if err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Fatalf("err = %v, want two lines", err)
	}
}

func TestReloadSettings(t *testing.T) {
	s := Defaults()
	if s.ReloadAutomatic || s.ReloadInterval != 3*time.Second {
		t.Fatalf("defaults %v %v", s.ReloadAutomatic, s.ReloadInterval)
	}
	if _, err := s.Load("sluice.yml", []byte("config.reload.automatic: true\nconfig.reload.interval: 500ms\n"), env(nil)); err != nil {
		t.Fatal(err)
	}
	if !s.ReloadAutomatic || s.ReloadInterval != 500*time.Millisecond {
		t.Errorf("got %v %v", s.ReloadAutomatic, s.ReloadInterval)
	}
	if _, err := s.Load("sluice.yml", []byte("config.reload.interval: 0s\n"), env(nil)); err == nil {
		t.Error("interval 0 accepted")
	}
}

func TestLoadPipelinesFile(t *testing.T) {
	dir := t.TempDir()
	path, got, _, err := LoadPipelinesFile(dir, Defaults())
	if path != "" || got != nil || err != nil {
		t.Fatalf("missing file: %q %v %v", path, got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pipelines.yml"), []byte("- pipeline.id: x\n  config.string: 'input { stdin { } }'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, got, _, err = LoadPipelinesFile(dir, Defaults())
	if err != nil || len(got) != 1 || !strings.HasSuffix(path, "pipelines.yml") {
		t.Fatalf("%q %v %v", path, got, err)
	}
}

func FuzzParsePipelines(f *testing.F) {
	f.Add([]byte("- pipeline.id: a\n  path.config: x\n"))
	f.Add([]byte("- pipeline: {id: b, workers: 2}\n  config.string: y\n"))
	f.Add([]byte("[1, 2]"))
	f.Fuzz(func(t *testing.T, src []byte) {
		entries, _, err := ParsePipelines("p.yml", src, Defaults(), env(nil))
		if err == nil {
			for _, e := range entries {
				if e.Settings.PipelineID == "" {
					t.Fatal("entry without id")
				}
			}
		}
	})
}
