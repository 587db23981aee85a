package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The shipping case: what `sluice ship` does with one file, measured end
// to end across two processes. A shipper (`sluice serve` running the
// pipeline the Filebeat translator makes, with the stdin input reading the
// file in place of the file input) sends Apache access log lines with the
// lumberjack output to a second sluice, whose beats input feeds the null
// output. Issue 6's target: >= 150 MiB/s for one file on 2 cores, shipper
// RSS <= 40 MiB.
func init() {
	cases = append(cases, benchCase{
		name: "ship_stdin_to_beats_null", defaultEvents: 1_000_000,
		target: ">= 150 MiB/s, shipper RSS <= 40 MiB",
		met: func(r result) bool {
			return r.MiBPerSec >= 150 && r.Shipper != nil && r.Shipper.PeakRSSMiB <= 40
		},
		run: runShip,
	})
}

// shipperStats is the shipper's side of a two-process case (the result's
// own CPU and RSS figures are the server's).
type shipperStats struct {
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPU seconds per GiB of log lines shipped, of each process.
	ShipperCPUPerGiB float64 `json:"shipper_cpu_s_per_gib"`
	ServerCPUPerGiB  float64 `json:"server_cpu_s_per_gib"`
}

// shipperConfig is what config/filebeat makes of a filestream input and
// output.logstash (see `sluice ship --print-pipeline`), with stdin in
// place of the file input.
const shipperConfig = `input {
  stdin {
    add_field => {
      "[agent][type]" => "filebeat"
      "[agent][name]" => "bench"
      "[agent][version]" => "0.1.0-dev"
      "[ecs][version]" => "8.0.0"
      "[input][type]" => "filestream"
      "[@metadata][beat]" => "filebeat"
      "[@metadata][version]" => "0.1.0-dev"
    }
  }
}
output {
  lumberjack { hosts => [%q] }
}
`

// shipHeapGoal is `sluice ship`'s GC heap goal (heapGoal in cmd/sluice).
const shipHeapGoal = "12mb"

const beatsNullConfig = "input {\n  beats { host => \"127.0.0.1\" port => 0 }\n}\noutput {\n  null {}\n}\n"

// runShip writes n lines to a file, starts the server (beats → null) and
// the shipper (file on stdin → lumberjack), and times the shipper from its
// "pipeline started" line to its exit: it exits at the end of its input
// once the server acknowledged every event. The server is stopped then
// and its counters must show n events.
func runShip(e *env, n int64) (result, error) {
	const name = "ship_stdin_to_beats_null"
	r := result{Case: name, Events: n}
	p, src, err := apachePayload(e.dataFile)
	if err != nil {
		return r, err
	}
	r.Source = src
	r.AvgEventSize = p.avgEventSize()
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	logPath := filepath.Join(dir, "app.log")
	if r.Bytes, err = writePayloadFile(logPath, p, n); err != nil {
		return r, err
	}
	srvDir, shipDir := filepath.Join(dir, "server"), filepath.Join(dir, "shipper")
	for _, d := range []string{srvDir, shipDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return r, fmt.Errorf("mkdir: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	meter := startBusyMeter()
	srv, addr, err := startBeatsServer(ctx, e, srvDir, name)
	if srv != nil {
		defer srv.kill()
	}
	if err != nil {
		return r, err
	}
	in, err := os.Open(logPath)
	if err != nil {
		return r, fmt.Errorf("open payload: %w", err)
	}
	defer in.Close()
	// The stand-in runs `sluice serve`: give it `sluice ship`'s GC heap
	// goal (cmd/sluice/gc.go) unless the environment sets the GC.
	shEnv := profileEnv(e, name+"-shipper")
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" && os.Getenv("SLUICE_GC_HEAP_GOAL") == "" {
		shEnv = append(shEnv, "SLUICE_GC_HEAP_GOAL="+shipHeapGoal)
	}
	sh, err := startSluiceStdin(e, shipDir, fmt.Sprintf(shipperConfig, addr), shEnv, in)
	if err != nil {
		return r, err
	}
	defer sh.kill()
	started, err := sh.startedAt(ctx)
	if err != nil {
		return r, err
	}
	if err := sh.wait(time.Until(deadline(ctx))); err != nil {
		return r, fmt.Errorf("shipper: %w", err)
	}
	shipped := sh.exitAt
	if err := srv.stop(time.Until(deadline(ctx))); err != nil {
		return r, fmt.Errorf("server: %w", err)
	}
	r.Seconds = shipped.Sub(started).Seconds()
	r.DrainSeconds = srv.exitAt.Sub(shipped).Seconds()
	err = finishShipped(&r, srv, sh, n, meter)
	return r, err
}

// writePayloadFile writes n events of p (cycling) to path and returns the
// bytes written.
func writePayloadFile(path string, p *payload, n int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("payload file: %w", err)
	}
	written, err := writeEvents(f, p, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return written, fmt.Errorf("payload file %s: %w", path, err)
	}
	return written, nil
}

// finishShipped checks that the shipper (sh) took in and delivered all n
// events and the server (srv) received them, and fills r with both
// processes' figures: the table's RSS and CPU are the server's, r.Shipper
// the shipper's.
func finishShipped(r *result, srv, sh *proc, n int64, meter busyMeter) error {
	sc, err := sh.stopped()
	if err != nil {
		return fmt.Errorf("shipper: %w", err)
	}
	if sc.In != n || sc.Out != n {
		return fmt.Errorf("EVENTS LOST: wrote %d lines, the shipper counted in=%d out=%d\n%s", n, sc.In, sc.Out, sh.log.tail())
	}
	if err := finish(r, srv, n); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	rss, cpu := sh.rusage()
	gib := float64(r.Bytes) / (1 << 30)
	r.Shipper = &shipperStats{
		PeakRSSMiB:       float64(rss) / (1 << 20),
		CPUSeconds:       cpu.Seconds(),
		ShipperCPUPerGiB: cpu.Seconds() / gib,
		ServerCPUPerGiB:  r.CPUSeconds / gib,
	}
	r.Warnings = append(r.Warnings, sh.log.warnings()...)
	r.OtherCPUPercent = meter.otherPercent(time.Duration((r.CPUSeconds + cpu.Seconds()) * float64(time.Second)))
	return nil
}

// startBeatsServer starts the receiving `sluice serve` (beats → null) of
// the shipping cases and waits until its pipeline runs; it returns the
// beats input's address. A returned proc must be killed, error or not.
func startBeatsServer(ctx context.Context, e *env, dir, name string) (*proc, string, error) {
	srv, err := startSluice(e, dir, beatsNullConfig, profileEnv(e, name+"-server"))
	if err != nil {
		return nil, "", err
	}
	addr, err := srv.listenAddr(ctx)
	if err != nil {
		return srv, "", err
	}
	if _, err := srv.startedAt(ctx); err != nil {
		return srv, "", err
	}
	return srv, addr, nil
}
