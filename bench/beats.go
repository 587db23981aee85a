package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"
)

// The beats cases: go-lumber async clients (the library Filebeat's
// Logstash output is built on) → beats input → null, windows of 2048 as
// Filebeat's default bulk_max_size, uncompressed and at Filebeat's default
// compression level 3.
func init() {
	for _, level := range []int{0, 3} {
		name := "beats_to_null"
		if level > 0 {
			name = "beats_compressed_to_null"
		}
		cases = append(cases, benchCase{
			name: name, defaultEvents: 2_000_000,
			target: ">= 300k events/s, RSS <= 60 MiB",
			met:    func(r result) bool { return r.EventsPerSec >= 300_000 && r.PeakRSSMiB <= 60 },
			run: func(e *env, n int64) (result, error) {
				return runBeats(e, name, level, n)
			},
		})
	}
}

const (
	beatsWindow   = 2048
	beatsInflight = 2 // Filebeat's default `pipelining`
)

// runBeats runs sluice with a beats input and the null output, sends n
// events over e.conns go-lumber connections and waits for every window's
// ACK, then stops sluice. The time runs from the first window sent to
// sluice's exit (every event delivered); its counters must show n events.
func runBeats(e *env, name string, level int, n int64) (result, error) {
	docs := beatsDocs(20 * beatsWindow)
	r := result{Case: name, Events: n}
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	cfg := "input {\n  beats { host => \"127.0.0.1\" port => 0 }\n}\noutput {\n  null {}\n}\n"
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
	st, err := sendBeats(ctx, addr, docs, n, e.conns, level)
	if err != nil {
		return r, fmt.Errorf("sending: %w\n%s", err, sp.log.tail())
	}
	if err := sp.stop(time.Until(deadline(ctx))); err != nil {
		return r, err
	}
	r.Bytes = st.Bytes
	r.AvgEventSize = float64(st.Bytes) / float64(n)
	r.Seconds = sp.exitAt.Sub(st.Start).Seconds()
	r.DrainSeconds = sp.exitAt.Sub(st.Drained).Seconds()
	r.GenCPUSeconds = st.CPU.Seconds()
	if err := finish(&r, sp, n); err != nil {
		return r, err
	}
	r.OtherCPUPercent = meter.otherPercent(time.Duration(r.CPUSeconds * float64(time.Second)))
	return r, nil
}

// beatsDocs makes n distinct Filebeat-like JSON documents of about 300
// bytes: @metadata, an access-log message, log, agent, host and ecs.
func beatsDocs(n int) []any {
	r := rand.New(rand.NewPCG(5, 6))
	t := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	out := make([]any, n)
	for i := range out {
		t = t.Add(time.Duration(r.IntN(5000)) * time.Microsecond)
		b := []byte(`{"@timestamp":"`)
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `","@metadata":{"beat":"filebeat","type":"_doc","version":"8.15.0"},"message":`...)
		b = strconv.AppendQuote(b, fmt.Sprintf(msgs[r.IntN(len(msgs))], r.IntN(100000)))
		b = fmt.Appendf(b, `,"log":{"offset":%d,"file":{"path":"/var/log/%s.log"}}`, i*97, loggers[r.IntN(len(loggers))])
		host := hosts[r.IntN(len(hosts))]
		b = fmt.Appendf(b, `,"agent":{"type":"filebeat","name":%q,"version":"8.15.0"},"host":{"name":%q},"ecs":{"version":"8.0.0"}}`, host, host)
		out[i] = b
	}
	return out
}

// sendBeats sends events documents (cycling through docs) over conns
// go-lumber async connections in windows of beatsWindow, and returns once
// every window was acknowledged: sluice acknowledges a window once its
// events are in the pipeline's queue.
func sendBeats(ctx context.Context, addr string, docs []any, events int64, conns, level int) (sendStats, error) {
	var st sendStats
	if conns < 1 {
		conns = 1
	}
	raw := lumber.JSONEncoder(func(v any) ([]byte, error) { return v.([]byte), nil })
	timeout := 60 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	clients := make([]*lumber.AsyncClient, 0, conns)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range conns {
		c, err := lumber.AsyncDial(addr, beatsInflight, raw, lumber.CompressionLevel(level), lumber.Timeout(timeout))
		if err != nil {
			return st, fmt.Errorf("connect to sluice at %s: %w", addr, err)
		}
		clients = append(clients, c)
	}
	cpu0 := selfCPU()
	var wg sync.WaitGroup
	errs := make([]error, conns)
	sizes := make([]int64, conns)
	acked := make([]time.Time, conns)
	startC := make(chan struct{})
	for i, c := range clients {
		n := events / int64(conns)
		if int64(i) < events%int64(conns) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startC
			var mu sync.Mutex
			var ackErr error
			var pending sync.WaitGroup
			off := (i * len(docs) / conns) % len(docs)
			for n > 0 {
				w := int(min(n, beatsWindow))
				if off+w > len(docs) {
					off = 0
				}
				window := docs[off : off+w]
				off += w
				for _, d := range window {
					sizes[i] += int64(len(d.([]byte)))
				}
				pending.Add(1)
				err := c.Send(func(seq uint32, err error) {
					defer pending.Done()
					if err == nil && int(seq) != w {
						err = fmt.Errorf("window of %d events acknowledged up to %d", w, seq)
					}
					if err != nil {
						mu.Lock()
						ackErr = errors.Join(ackErr, err)
						mu.Unlock()
					}
				}, window)
				if err != nil {
					errs[i] = fmt.Errorf("send: %w", err)
					break
				}
				n -= int64(w)
			}
			pending.Wait()
			acked[i] = time.Now()
			if errs[i] == nil {
				errs[i] = ackErr
			}
		}()
	}
	st.Start = time.Now()
	close(startC)
	wg.Wait()
	st.CPU = selfCPU() - cpu0
	if err := errors.Join(errs...); err != nil {
		return st, err
	}
	for i := range clients {
		st.Bytes += sizes[i]
		if acked[i].After(st.Drained) {
			st.Drained = acked[i]
		}
	}
	st.Written = st.Drained
	return st, nil
}
