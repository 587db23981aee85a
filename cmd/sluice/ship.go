package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/config/filebeat"
	"github.com/sluicelog/sluice/pipeline"
)

// shipBatchSize is the pipeline batch size of `sluice ship`. Smaller than
// Filebeat's bulk_max_size (2048): measured shipping a 256 MiB file to
// `sluice serve`, 125-event batches used the same CPU, finished faster
// (more windows in flight across the workers) and kept the shipper's peak
// RSS at 38 MiB instead of 156 MiB. One batch is one Lumberjack window.
const shipBatchSize = 125

// ship runs `sluice ship -c filebeat.yml`: the Filebeat configuration is
// translated into a pipeline (file inputs, filters, one output) and run
// by the same engine as `sluice serve`.
func ship(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice ship", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "filebeat.yml", "Filebeat-style configuration file")
	fs.StringVar(cfgPath, "config", "filebeat.yml", "same as -c")
	printPipeline := fs.Bool("print-pipeline", false, "print the translated pipeline (pipeline language) and exit")
	testOnly := fs.Bool("t", false, "check the configuration (translation and plugin settings) and exit")
	dataDir := fs.String("path.data", "", "directory for the read positions of files (overrides path.data of the configuration; default ./data)")
	logLevel := fs.String("log.level", "info", "fatal, error, warn, info, debug or trace")
	logFormat := fs.String("log.format", "plain", "plain or json")
	workers := fs.Int("pipeline.workers", 0, "workers running filters and the output (default: number of CPUs)")
	batch := fs.Int("pipeline.batch.size", shipBatchSize, "events per batch (one Lumberjack window at most; more memory, not more speed)")
	drain := fs.Duration("shutdown.timeout", 5*time.Second, "on SIGTERM/SIGINT, how long to wait for the output to acknowledge in-flight lines before exiting anyway (they are read again at the next start)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice ship: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintf(stderr, "sluice ship: %v\n", err)
		return 2
	}
	slog.SetDefault(logger)

	src, err := readConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "sluice ship: %v\n", err)
		return 1
	}
	res, err := filebeat.Translate(*cfgPath, src, filebeat.Options{Version: version})
	if err != nil {
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	for _, w := range res.Warnings {
		logger.Warn("configuration: "+w.Msg, "at", w.Pos.String())
	}
	if *printPipeline {
		// Before ${VAR} substitution: the text may be shared, secrets not.
		fmt.Fprintf(stdout, "# Translated from %s by sluice ship.\n", *cfgPath)
		if !config.Writable(res.Pipeline) {
			fmt.Fprintln(stdout, "# Warning: a value ends in a backslash, which a pipeline string cannot hold;")
			fmt.Fprintln(stdout, "# sluice ship runs it as configured, but this text does not read back the same.")
		}
		stdout.Write(config.Format(res.Pipeline))
		return 0
	}
	// ${VAR} and ${VAR:default}, as Filebeat and Logstash expand them.
	if err := config.Substitute(res.Pipeline, os.LookupEnv); err != nil {
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	dir := res.DataDir
	if *dataDir != "" {
		dir = *dataDir
	}
	if dir == "" {
		dir = "data"
	}
	p, err := pipeline.New(res.Pipeline, pipeline.Settings{
		ID: "ship", Workers: *workers, BatchSize: *batch, DataDir: dir, Logger: logger,
	})
	if err != nil {
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	if *testOnly {
		fmt.Fprintln(stdout, "Configuration OK")
		return 0
	}

	ctx, stopSignals := stopOnSignals(logger,
		"signal received: stopping; unacknowledged lines are read again at the next start (send it again to exit at once)",
		"second signal: exiting now", p.ForceStop)
	defer stopSignals()
	// The output may be unable to deliver (server down, retrying with
	// backoff): after the grace period it is stopped. Nothing is lost: the
	// registry holds only acknowledged offsets.
	runDone := make(chan struct{})
	defer close(runDone)
	go func() {
		select {
		case <-ctx.Done():
		case <-runDone:
			return
		}
		timer := time.NewTimer(*drain)
		defer timer.Stop()
		select {
		case <-timer.C:
			logger.Warn("shutdown timeout: stopping the output; unacknowledged lines are read again at the next start",
				"shutdown_timeout", drain.String(), "in_flight", p.Stats().Queued)
			p.ForceStop()
		case <-runDone:
		}
	}()
	logger.Info("sluice ship starting", "config", *cfgPath, "path.data", dir)
	if err := p.Run(ctx); err != nil {
		logger.Error("pipeline failed", "error", err)
		return 1
	}
	return 0
}

func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, filebeat.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(src) > filebeat.MaxSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, filebeat.MaxSize)
	}
	return src, nil
}
