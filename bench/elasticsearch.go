package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The generator_to_elasticsearch case: generator → elasticsearch output on
// the local OpenSearch node (SLUICE_OPENSEARCH_URL, else the node that
// scripts/searchnode.sh starts), default batch settings. Its ceiling is
// the node's own: the same documents, in the same bulk bodies (125 per
// request, as many requests in flight as sluice has workers), posted by a
// plain HTTP client from this harness.

const esGeneratorConfig = `input {
  generator {
    count => %d
    message => '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)"'
  }
}
output {
  %s
}
`

// searchNodeURL finds or starts the OpenSearch node.
func searchNodeURL() (string, error) {
	if u := os.Getenv("SLUICE_OPENSEARCH_URL"); u != "" {
		return strings.TrimRight(u, "/"), nil
	}
	out, err := exec.Command("scripts/searchnode.sh", "start", "opensearch").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("scripts/searchnode.sh start opensearch: %v: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("scripts/searchnode.sh start opensearch (run the bench from the repository root): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func esRequest(method, url, ctype string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("%s %s: HTTP %d: %.300s", method, url, resp.StatusCode, b)
	}
	return b, nil
}

func esCount(base, index string) (int64, error) {
	if _, err := esRequest(http.MethodPost, base+"/"+index+"/_refresh", "", nil); err != nil {
		return 0, err
	}
	b, err := esRequest(http.MethodGet, base+"/"+index+"/_count", "", nil)
	if err != nil {
		return 0, err
	}
	var r struct {
		Count int64 `json:"count"`
	}
	err = json.Unmarshal(b, &r)
	return r.Count, err
}

func benchIndex(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func runGeneratorToElasticsearch(e *env, n int64) (result, error) {
	const name = "generator_to_elasticsearch"
	r := result{Case: name, Events: n}
	base, err := searchNodeURL()
	if err != nil {
		return r, err
	}
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	idx := benchIndex("bench-sluice")
	ceilIdx := benchIndex("bench-ceiling")
	defer esRequest(http.MethodDelete, base+"/"+idx+","+ceilIdx, "", nil) //nolint:errcheck
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()

	// 1. The same documents as sluice sends them (its json_lines is the
	// same encoder), in bulk bodies of 125.
	docsPath := filepath.Join(dir, "docs.ndjson")
	fileOut := fmt.Sprintf("file { path => %q codec => json_lines }", docsPath)
	sp2, err := startSluice(e, dir, fmt.Sprintf(esGeneratorConfig, n, fileOut), nil)
	if err != nil {
		return r, err
	}
	defer sp2.kill()
	if err := sp2.wait(time.Until(deadline(ctx))); err != nil {
		return r, err
	}
	workers := sluiceWorkers(e)
	// 2. Warm the node's JIT up with the same load (into a scratch index),
	// so neither measured run pays for it.
	warmIdx := benchIndex("bench-warmup")
	warm, err := bulkBodies(docsPath, warmIdx, 125)
	if err != nil {
		return r, err
	}
	if err := postAll(base, warm, workers); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	if _, err := esRequest(http.MethodDelete, base+"/"+warmIdx, "", nil); err != nil {
		return r, err
	}
	// 3. The ceiling before and after sluice's run (the mean of both: the
	// node's speed drifts on a shared machine).
	ceiling := func(index string) (float64, error) {
		bodies, err := bulkBodies(docsPath, index, 125)
		if err != nil {
			return 0, err
		}
		t0 := time.Now()
		if err := postAll(base, bodies, workers); err != nil {
			return 0, fmt.Errorf("ceiling: %w", err)
		}
		secs := time.Since(t0).Seconds()
		if got, err := esCount(base, index); err != nil || got != n {
			return 0, fmt.Errorf("ceiling: the index holds %d documents, want %d (%v)", got, n, err)
		}
		return float64(n) / secs, nil
	}
	before, err := ceiling(ceilIdx)
	if err != nil {
		return r, err
	}
	if _, err := esRequest(http.MethodDelete, base+"/"+ceilIdx, "", nil); err != nil {
		return r, err
	}
	// 4. sluice: generator → elasticsearch.
	meter := startBusyMeter()
	out := fmt.Sprintf("elasticsearch { hosts => [%q] index => %q manage_template => false }", base, idx)
	sp, err := startSluice(e, dir, fmt.Sprintf(esGeneratorConfig, n, out), profileEnv(e, name))
	if err != nil {
		return r, err
	}
	defer sp.kill()
	started, err := sp.startedAt(ctx)
	if err != nil {
		return r, err
	}
	if err := sp.wait(time.Until(deadline(ctx))); err != nil {
		return r, err
	}
	r.Seconds = sp.exitAt.Sub(started).Seconds()
	if err := finish(&r, sp, n); err != nil {
		return r, err
	}
	r.OtherCPUPercent = meter.otherPercent(time.Duration(r.CPUSeconds * float64(time.Second)))
	if got, err := esCount(base, idx); err != nil || got != n {
		return r, fmt.Errorf("EVENTS LOST: the index holds %d documents, want %d (%v)", got, n, err)
	}

	after, err := ceiling(ceilIdx)
	if err != nil {
		return r, err
	}
	r.CeilingEventsPerSec = (before + after) / 2
	r.CeilingRatio = r.EventsPerSec / r.CeilingEventsPerSec
	return r, nil
}

// sluiceWorkers is the pipeline's worker count: -w in -sluice-args, else
// the number of cores (sluice's default).
func sluiceWorkers(e *env) int {
	for i, a := range e.sluiceArgs {
		if (a == "-w" || a == "--pipeline.workers" || a == "-pipeline.workers") && i+1 < len(e.sluiceArgs) {
			var w int
			if _, err := fmt.Sscan(e.sluiceArgs[i+1], &w); err == nil && w > 0 {
				return w
			}
		}
	}
	return max(1, runtime.NumCPU())
}

func bulkBodies(path, index string, per int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	action := []byte(fmt.Sprintf(`{"index":{"_index":%q}}`+"\n", index))
	var bodies [][]byte
	var cur []byte
	k := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		cur = append(cur, action...)
		cur = append(cur, sc.Bytes()...)
		cur = append(cur, '\n')
		if k++; k == per {
			bodies, cur, k = append(bodies, cur), nil, 0
		}
	}
	if k > 0 {
		bodies = append(bodies, cur)
	}
	return bodies, sc.Err()
}

// postAll posts the bodies with `workers` requests in flight.
func postAll(base string, bodies [][]byte, workers int) error {
	next := make(chan []byte)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				resp, err := esRequest(http.MethodPost, base+"/_bulk", "application/x-ndjson", b)
				if err != nil {
					errs <- err
					return
				}
				if bytes.Contains(resp[:min(len(resp), 100)], []byte(`"errors":true`)) {
					errs <- fmt.Errorf("bulk items failed: %.300s", resp)
					return
				}
			}
		}()
	}
	var err error
feed:
	for _, b := range bodies {
		select {
		case next <- b:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}
