package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMemProfileAtPeak(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	rate := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = rate })
	stop := startMemProfile(path)
	var keep [][]byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		keep = append(keep, make([]byte, 1<<20)) // grow the live heap
		runtime.GC()
		if b, err := os.ReadFile(path + ".txt"); err == nil && strings.Contains(string(b), "/gc/heap/live:bytes") && len(keep) > 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no profile written")
		}
		time.Sleep(25 * time.Millisecond) // the profiler samples every 20 ms
	}
	stop()
	runtime.KeepAlive(keep)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A pprof profile is a gzip-compressed protocol buffer.
	if len(b) < 100 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("not a heap profile: %d bytes % x", len(b), b[:min(len(b), 4)])
	}
}
