package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"
)

// startMemProfile, for benchmarks (SLUICE_MEMPROFILE=heap.pprof), writes
// a heap profile to path each time the live heap or the memory the Go
// runtime holds from the OS reaches a new peak, and beside it
// (path + ".txt") the runtime's memory classes at that moment: the files
// left at exit show where the memory went when the process was at its
// largest (`go tool pprof -sample_index=inuse_space`). Allocations are
// sampled every 64 KiB instead of 512 KiB while it runs.
func startMemProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	runtime.MemProfileRate = 64 << 10
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		descs := metrics.All()
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/released:bytes"}, {Name: "/sched/goroutines:goroutines"}}
		for _, d := range descs {
			if strings.HasPrefix(d.Name, "/memory/classes/") && d.Kind == metrics.KindUint64 {
				samples = append(samples, metrics.Sample{Name: d.Name})
			}
		}
		var peakLive, peakHeld uint64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(samples)
			u := func(i int) uint64 {
				if samples[i].Value.Kind() != metrics.KindUint64 {
					return 0
				}
				return samples[i].Value.Uint64()
			}
			live, held := u(0), u(1)-u(2)
			// A new peak by at least 1 MiB: write the profile again.
			if live <= peakLive+1<<20 && held <= peakHeld+1<<20 {
				continue
			}
			peakLive, peakHeld = max(peakLive, live), max(peakHeld, held)
			var b bytes.Buffer
			fmt.Fprintf(&b, "at %s: live heap %d, held from the OS (total - released) %d\n",
				time.Now().UTC().Format(time.RFC3339Nano), live, held)
			for i := range samples {
				fmt.Fprintf(&b, "%s %d\n", samples[i].Name, u(i))
			}
			err := writeAtomic(path+".txt", func(f *os.File) error { _, err := f.Write(b.Bytes()); return err })
			if err == nil {
				err = writeAtomic(path, func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "sluice: SLUICE_MEMPROFILE: %v\n", err)
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}

// writeAtomic writes path through write (a new file renamed over the old).
func writeAtomic(path string, write func(*os.File) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
