package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func init() {
	cases = append(cases, benchCase{
		name: "file_to_null", defaultEvents: 1_000_000,
		target: ">= 150 MiB/s, RSS <= 40 MiB (issue 6)",
		met:    func(r result) bool { return r.MiBPerSec >= 150 && r.PeakRSSMiB <= 40 },
		run:    runFile,
	})
}

// runFile writes one big file of Apache lines, then times sluice reading
// it (file input, read mode) into the null output: from "pipeline
// started" to the moment the input reports the file completed (every
// event acknowledged).
func runFile(e *env, n int64) (result, error) {
	const name = "file_to_null"
	r := result{Case: name, Events: n}
	p, src, err := apachePayload(e.dataFile)
	if err != nil {
		return r, err
	}
	r.Source = src
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	logPath := filepath.Join(dir, "big.log")
	if _, err := writePayloadFile(logPath, p, n); err != nil {
		return r, err
	}
	r.Bytes = p.size(n)
	r.AvgEventSize = p.avgEventSize()
	done := filepath.Join(dir, "completed.txt")
	cfg := fmt.Sprintf(`input {
  file {
    path => %q
    mode => read
    sincedb_path => %q
    file_completed_action => log
    file_completed_log_path => %q
  }
}
output {
  null {}
}
`, logPath, filepath.Join(dir, "registry.json"), done)
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	meter := startBusyMeter()
	sp, err := startSluice(e, dir, cfg, profileEnv(e, name))
	if err != nil {
		return r, err
	}
	defer sp.kill()
	started, err := sp.startedAt(ctx)
	if err != nil {
		return r, err
	}
	for {
		b, _ := os.ReadFile(done)
		if strings.Contains(string(b), logPath) {
			break
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("the file was not completed in time\n%s", sp.log.tail())
		case <-sp.exited:
			return r, fmt.Errorf("sluice exited: %v\n%s", sp.waitErr, sp.log.tail())
		case <-time.After(5 * time.Millisecond):
		}
	}
	r.Seconds = time.Since(started).Seconds()
	if err := sp.stop(time.Until(deadline(ctx))); err != nil {
		return r, err
	}
	if err := finish(&r, sp, n); err != nil {
		return r, err
	}
	r.OtherCPUPercent = meter.otherPercent(time.Duration(r.CPUSeconds * float64(time.Second)))
	return r, nil
}
