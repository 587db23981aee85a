package main

import (
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/sluicelog/sluice/internal/settings"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/queue/dlq"
)

// deadLetterQueues opens each pipeline's dead letter queue
// (<path.dead_letter_queue>/<pipeline id>) the first time a pipeline with
// dead_letter_queue.enable is built, and keeps it open for the life of the
// process: a reloaded pipeline is built while the old one still runs, and
// both write the same queue (whose directory the writer locks). Changes
// to a queue's dead_letter_queue.* settings therefore take effect at the
// next start. A nil *deadLetterQueues (sluice check) opens nothing.
type deadLetterQueues struct {
	logger *slog.Logger

	mu   sync.Mutex
	open map[string]*dlq.Writer // by directory
	opts map[string]settings.DeadLetterQueue
}

func newDeadLetterQueues(logger *slog.Logger) *deadLetterQueues {
	return &deadLetterQueues{logger: logger, open: map[string]*dlq.Writer{}, opts: map[string]settings.DeadLetterQueue{}}
}

// forPipeline returns the queue of the pipeline set describes, nil when
// its dead letter queue is not enabled.
func (d *deadLetterQueues) forPipeline(set settings.Settings) (plugin.DeadLetterQueue, error) {
	if d == nil || !set.DeadLetterQueue.Enable {
		return nil, nil
	}
	dir := filepath.Join(set.DeadLetterQueueDir(), set.PipelineID)
	d.mu.Lock()
	defer d.mu.Unlock()
	if w, ok := d.open[dir]; ok {
		if d.opts[dir] != set.DeadLetterQueue {
			d.logger.Warn("dead letter queue settings changed; they take effect at the next start",
				"pipeline", set.PipelineID, "path", dir)
		}
		return w, nil
	}
	o := set.DeadLetterQueue
	w, err := dlq.Open(dlq.Options{Dir: dir, MaxBytes: o.MaxBytes, StoragePolicy: o.StoragePolicy,
		FlushInterval: o.FlushInterval, RetainAge: o.RetainAge, Logger: d.logger.With("pipeline", set.PipelineID)})
	if err != nil {
		return nil, err
	}
	d.logger.Info("dead letter queue enabled", "pipeline", set.PipelineID, "path", dir, "max_bytes", o.MaxBytes,
		"storage_policy", o.StoragePolicy)
	d.open[dir], d.opts[dir] = w, o
	return w, nil
}

// closeAll flushes and closes every queue, logging its counters.
func (d *deadLetterQueues) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for dir, w := range d.open {
		if err := w.Close(); err != nil {
			d.logger.Error("dead letter queue: close", "path", dir, "error", err)
		}
		st := w.Stats()
		d.logger.Info("dead letter queue closed", "path", dir, "written", st.Written, "dropped", st.Dropped,
			"expired", st.Expired, "queue_size_in_bytes", st.QueueSizeBytes)
		delete(d.open, dir)
	}
}
