package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The http input case: ndjson POST bodies of httpBodyEvents events from
// e.conns clients, answered once the events are in the pipeline; a 429
// (pipeline full) is retried after a short pause, as clients should.
func init() {
	cases = append(cases, benchCase{
		name: "http_ndjson_to_null", defaultEvents: 1_000_000,
		run: func(e *env, n int64) (result, error) {
			return runHTTP(e, "http_ndjson_to_null", jsonPayload(20000), n)
		},
	})
}

const httpBodyEvents = 1000

func runHTTP(e *env, name string, p *payload, n int64) (result, error) {
	r := result{Case: name, Events: n, AvgEventSize: p.avgEventSize()}
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	cfg := "input {\n  http { host => \"127.0.0.1\" port => 0 }\n}\noutput {\n  null {}\n}\n"
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	meter := startBusyMeter()
	sp, err := startSluice(e, dir, cfg, profileEnv(e, name))
	if err != nil {
		return r, err
	}
	defer sp.kill()
	addr, err := sp.listenAddr(ctx)
	if err != nil {
		return r, err
	}
	if _, err := sp.startedAt(ctx); err != nil {
		return r, err
	}
	st, retries, err := sendHTTP(ctx, "http://"+addr+"/", p, n, e.conns)
	if err != nil {
		return r, fmt.Errorf("sending: %w\n%s", err, sp.log.tail())
	}
	if err := sp.stop(time.Until(deadline(ctx))); err != nil {
		return r, err
	}
	r.Bytes = st.Bytes
	r.Seconds = sp.exitAt.Sub(st.Start).Seconds()
	r.DrainSeconds = sp.exitAt.Sub(st.Drained).Seconds()
	r.GenCPUSeconds = st.CPU.Seconds()
	if err := finish(&r, sp, n); err != nil {
		return r, err
	}
	if retries > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d requests answered 429 and retried", retries))
	}
	r.OtherCPUPercent = meter.otherPercent(time.Duration(r.CPUSeconds * float64(time.Second)))
	return r, nil
}

// sendHTTP posts n events of p as ndjson bodies over conns keep-alive
// connections; it returns when every request was answered 200.
func sendHTTP(ctx context.Context, url string, p *payload, n int64, conns int) (sendStats, int64, error) {
	var st sendStats
	// Bodies of httpBodyEvents events taken from the block in order.
	var bodies [][]byte
	for i := 0; i+httpBodyEvents <= len(p.ends); i += httpBodyEvents {
		start := 0
		if i > 0 {
			start = p.ends[i-1]
		}
		bodies = append(bodies, p.block[start:p.ends[i+httpBodyEvents-1]])
	}
	if len(bodies) == 0 {
		return st, 0, errors.New("payload smaller than one body")
	}
	jobs := make(chan []byte, 64)
	go func() {
		defer close(jobs)
		for k := int64(0); n > 0; k++ {
			b := bodies[k%int64(len(bodies))]
			if n < httpBodyEvents {
				b = b[:bytesOfFirst(b, int(n))]
			}
			n -= min(n, httpBodyEvents)
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var sent, retries atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, max(conns, 1))
	cpu0 := selfCPU()
	st.Start = time.Now()
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for b := range jobs {
				for {
					req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
					if err != nil {
						errs[i] = err
						return
					}
					req.Header.Set("Content-Type", "application/x-ndjson")
					resp, err := c.Do(req)
					if err != nil {
						errs[i] = err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusTooManyRequests {
						retries.Add(1)
						time.Sleep(10 * time.Millisecond)
						continue
					}
					if resp.StatusCode != http.StatusOK {
						errs[i] = fmt.Errorf("status %d", resp.StatusCode)
						return
					}
					sent.Add(int64(len(b)))
					break
				}
			}
		}()
	}
	wg.Wait()
	st.CPU = selfCPU() - cpu0
	st.Written = time.Now()
	st.Drained = st.Written // answered: every event is in the pipeline
	st.Bytes = sent.Load()
	return st, retries.Load(), errors.Join(errs...)
}

// bytesOfFirst returns the length of the first k newline-terminated
// events of b.
func bytesOfFirst(b []byte, k int) int {
	off := 0
	for ; k > 0; k-- {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return len(b)
		}
		off += i + 1
	}
	return off
}
