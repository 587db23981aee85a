package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The file shipping cases: the real `sluice ship -c filebeat.yml` with the
// file input (filestream) tailing one big file, or 100 files, and sending
// them with output.logstash to a second sluice (beats → null). Issue 6's
// target for one file: >= 150 MiB/s on 2 cores, shipper RSS <= 40 MiB.
func init() {
	cases = append(cases,
		benchCase{
			name: "ship_file_to_beats_null", defaultEvents: 1_000_000,
			target: ">= 150 MiB/s, shipper RSS <= 40 MiB",
			met: func(r result) bool {
				return r.MiBPerSec >= 150 && r.Shipper != nil && r.Shipper.PeakRSSMiB <= 40
			},
			run: func(e *env, n int64) (result, error) { return runShipFiles(e, "ship_file_to_beats_null", n, 1) },
		},
		benchCase{
			name: "ship_100files_to_beats_null", defaultEvents: 1_000_000,
			target: "shipper RSS <= 40 MiB",
			met:    func(r result) bool { return r.Shipper != nil && r.Shipper.PeakRSSMiB <= 40 },
			run:    func(e *env, n int64) (result, error) { return runShipFiles(e, "ship_100files_to_beats_null", n, 100) },
		})
}

// runShipFiles writes n Apache lines into files files (each begins with a
// line naming it, so that their fingerprints differ; those lines count
// among the n), starts the server (beats → null) and `sluice ship`, and
// times from the shipper's "pipeline started" to the moment the server's
// monitoring API counts n events out.
func runShipFiles(e *env, name string, n int64, files int) (result, error) {
	r := result{Case: name, Events: n}
	if n < int64(files)*2 {
		return r, fmt.Errorf("%s needs at least %d events", name, files*2)
	}
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
	logs, srvDir, shipDir := filepath.Join(dir, "logs"), filepath.Join(dir, "server"), filepath.Join(dir, "shipper")
	for _, d := range []string{logs, srvDir, shipDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return r, fmt.Errorf("mkdir: %w", err)
		}
	}
	for i := range files {
		k := n / int64(files)
		if i < int(n%int64(files)) {
			k++
		}
		b, err := writeShipFile(filepath.Join(logs, fmt.Sprintf("app-%03d.log", i)), i, p, k)
		if err != nil {
			return r, err
		}
		r.Bytes += b
	}
	r.AvgEventSize = float64(r.Bytes) / float64(n)

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
	srv.log.mu.Lock()
	api := srv.log.monitor
	srv.log.mu.Unlock()
	if api == "" {
		return r, fmt.Errorf("the server logged no monitoring API address\n%s", srv.log.tail())
	}
	cfg := filepath.Join(shipDir, "shipper.yml")
	yml := fmt.Sprintf(`filebeat.inputs:
  - type: filestream
    id: bench
    paths: [%q]
output.logstash:
  hosts: [%q]
path.data: %q
`, filepath.Join(logs, "*.log"), addr, filepath.Join(shipDir, "data"))
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		return r, fmt.Errorf("shipper config: %w", err)
	}
	sh, err := startSluiceArgs(e, shipDir, []string{"ship", "-c", cfg, "--log.format", "json"}, profileEnv(e, name+"-shipper"), nil)
	if err != nil {
		return r, err
	}
	defer sh.kill()
	started, err := sh.startedAt(ctx)
	if err != nil {
		return r, err
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		out, err := eventsOut(client, api)
		if err == nil && out >= n {
			break
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("the server did not receive every event in time (%d of %d, %v)\n%s", out, n, err, sh.log.tail())
		case <-sh.exited:
			return r, fmt.Errorf("the shipper exited: %v\n%s", sh.waitErr, sh.log.tail())
		case <-time.After(10 * time.Millisecond):
		}
	}
	r.Seconds = time.Since(started).Seconds()
	if err := sh.stop(time.Until(deadline(ctx))); err != nil {
		return r, fmt.Errorf("shipper: %w", err)
	}
	if err := srv.stop(time.Until(deadline(ctx))); err != nil {
		return r, fmt.Errorf("server: %w", err)
	}
	err = finishShipped(&r, srv, sh, n, meter)
	return r, err
}

// writeShipFile writes a first line naming file i, then k-1 events of p,
// and returns the bytes written.
func writeShipFile(path string, i int, p *payload, k int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("payload file: %w", err)
	}
	head, err := fmt.Fprintf(f, "bench file %d\n", i)
	var written int64
	if err == nil {
		written, err = writeEvents(f, p, k-1)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("payload file %s: %w", path, err)
	}
	return int64(head) + written, nil
}

// eventsOut reads events.out from the monitoring API's /_node/stats.
func eventsOut(c *http.Client, base string) (int64, error) {
	resp, err := c.Get(base + "/_node/stats")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		Events struct {
			Out int64 `json:"out"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("/_node/stats: %w", err)
	}
	return st.Events.Out, nil
}
