package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/sluicelog/sluice/agent"
	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/internal/settings"
	"github.com/sluicelog/sluice/pipeline"
)

// pipelineSettings are the engine settings of one pipeline.
func pipelineSettings(set settings.Settings, logger *slog.Logger) pipeline.Settings {
	return pipeline.Settings{
		ID: set.PipelineID, Workers: set.Workers, BatchSize: set.BatchSize, BatchDelay: set.BatchDelay,
		ECSCompatibility: set.ECSCompatibility, DataDir: set.PathData, Logger: logger,
		Queue: pipeline.QueueSettings{
			Type: set.QueueType, Path: set.PathQueue, PageCapacity: set.QueuePageCapacity,
			MaxBytes: set.QueueMaxBytes, MaxEvents: set.QueueMaxEvents, CheckpointWrites: set.QueueCheckpointWrites,
			CheckpointAcks: set.QueueCheckpointAcks, Drain: set.QueueDrain,
		},
	}
}

// pipelinesLoader returns the agent's LoadFunc. With -f/-e (or
// path.config/config.string in sluice.yml) it is the one pipeline they
// name; else dir/pipelines.yml when present (re-read on every reload);
// else the default pipeline.
//
// dlqs opens the pipelines' dead letter queues (nil: none, for sluice
// check); a queue that cannot be opened fails its pipeline.
func pipelinesLoader(set settings.Settings, settingsDir string, logger *slog.Logger, dlqs *deadLetterQueues) agent.LoadFunc {
	spec := func(s settings.Settings, cfg *config.Pipeline, err error) agent.Spec {
		ps := pipelineSettings(s, logger)
		if err == nil {
			dl, derr := dlqs.forPipeline(s)
			if derr != nil {
				err = derr
			} else if dl != nil {
				ps.DeadLetter = dl
			}
		}
		return agent.NewSpec(s.PipelineID, ps, cfg, err)
	}
	single := set.PathConfig != "" || set.ConfigString != "" || settingsDir == ""
	if single && settingsDir != "" {
		if _, err := os.Stat(filepath.Join(settingsDir, settings.PipelinesFile)); err == nil {
			logger.Warn("ignoring pipelines.yml: a pipeline is given with -f/-e or path.config/config.string", "dir", settingsDir)
		}
	}
	var warnOnce sync.Once
	return func() ([]agent.Spec, error) {
		if !single {
			path, entries, warns, err := settings.LoadPipelinesFile(settingsDir, set)
			if err != nil {
				return nil, err
			}
			if path != "" {
				warnOnce.Do(func() {
					for _, w := range warns {
						logger.Warn(w.Msg, "file", path, "line", w.Line)
					}
				})
				specs := make([]agent.Spec, 0, len(entries))
				for _, e := range entries {
					var cfg *config.Pipeline
					cfg, err := loadPipeline(e.Settings, logger)
					specs = append(specs, spec(e.Settings, cfg, err))
				}
				return specs, nil
			}
		}
		cfg, err := loadPipeline(set, logger)
		return []agent.Spec{spec(set, cfg, err)}, nil
	}
}
