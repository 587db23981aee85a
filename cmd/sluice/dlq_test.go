package main

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/sluicelog/sluice/internal/settings"
)

func TestDeadLetterQueuesKeptAcrossReloads(t *testing.T) {
	set := settings.Defaults()
	set.PathData = t.TempDir()
	d := newDeadLetterQueues(slog.New(slog.DiscardHandler))
	defer d.closeAll()
	if dl, err := d.forPipeline(set); dl != nil || err != nil {
		t.Fatalf("disabled: %v, %v", dl, err)
	}
	set.DeadLetterQueue.Enable = true
	first, err := d.forPipeline(set)
	if err != nil || first == nil {
		t.Fatalf("enabled: %v, %v", first, err)
	}
	// A reload builds the pipeline again while the old one runs: same queue.
	set.DeadLetterQueue.MaxBytes = 1 << 20
	again, err := d.forPipeline(set)
	if err != nil || again != first {
		t.Errorf("reload got %v, %v; want the open queue", again, err)
	}
	other := set
	other.PipelineID = "beats"
	if dl, err := d.forPipeline(other); err != nil || dl == nil || dl == first {
		t.Errorf("second pipeline: %v, %v", dl, err)
	}
	var none *deadLetterQueues // sluice check
	if dl, err := none.forPipeline(set); dl != nil || err != nil {
		t.Errorf("check mode: %v, %v", dl, err)
	}
	d.closeAll()
	// Closed: the directory lock is free again.
	d2 := newDeadLetterQueues(slog.New(slog.DiscardHandler))
	defer d2.closeAll()
	if _, err := d2.forPipeline(set); err != nil {
		t.Errorf("after closeAll: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(set.PathData, "dead_letter_queue", "*"))
	if len(dirs) != 2 {
		t.Errorf("queue directories %v, want main and beats", dirs)
	}
}
