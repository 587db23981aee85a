package elapsed

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
)

type idleInput struct{}

func (idleInput) Settings(*plugin.Settings) {}
func (idleInput) Run(ctx context.Context, _ plugin.Queue) error {
	<-ctx.Done()
	return nil
}

type logLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Building a pipeline with several workers warns, naming the setting; with
// one worker nothing is said.
func TestWarnsAtBuildWithSeveralWorkers(t *testing.T) {
	r := plugin.Default.Clone()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "idle", New: func() plugin.Plugin { return idleInput{} }})
	cfg, err := config.ParseString("t.conf", `input { idle { } }
filter { elapsed { start_tag => "start" end_tag => "end" unique_id_field => "task" } }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3} {
		var logs logLines
		p, err := pipeline.New(cfg, pipeline.Settings{ID: "el", Workers: workers, Registry: r, DataDir: t.TempDir(),
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
		got := logs.String()
		warned := strings.Contains(got, "level=WARN") && strings.Contains(got, "set pipeline.workers: 1")
		if warned != (workers > 1) {
			t.Errorf("workers %d: warned %v, want %v; logs:\n%s", workers, warned, workers > 1, got)
		}
		if workers > 1 && !strings.Contains(got, "pipeline.workers="+strconv.Itoa(workers)) {
			t.Errorf("workers %d: the warning does not give the worker count:\n%s", workers, got)
		}
	}
}
