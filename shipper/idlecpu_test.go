//go:build linux

package shipper

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// processCPU returns the user+system CPU time this process used so far.
func processCPU(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestIdleCPUManyFiles tails 2,000 idle files (every one open, with the
// input's default intervals) and measures the CPU the process uses while
// nothing happens, with file notifications and with polling only. Not
// parallel: the measurement is of the whole test process. The bound is
// generous (measured: about 1 % of a core, 3 % with -race); BENCHMARKS.md
// has the figures.
func TestIdleCPUManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for several seconds")
	}
	const (
		files   = 2000
		measure = 3 * time.Second
		maxCPU  = 0.25 // of one core
	)
	for _, polling := range []bool{false, true} {
		name := map[bool]string{false: "notify", true: "polling"}[polling]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for i := range files {
				appendFile(t, filepath.Join(dir, fmt.Sprintf("f%04d.log", i)), fmt.Sprintf("line %d\n", i))
			}
			c := newCollector(false)
			cfg := testConfig(dir, c)
			// The file input's defaults (sluice ship: close_older 300).
			cfg.StatInterval, cfg.DiscoverInterval, cfg.CloseOlder = time.Second, 15*time.Second, 5*time.Minute
			cfg.RegistryFlushInterval = time.Second
			cfg.MaxOpenFiles = 4095
			cfg.DisableNotify = polling
			startShipper(t, cfg)
			c.waitLines(t, files, 60*time.Second)
			// Let the registry write and the first stat round pass: the
			// process is idle from here on (a wait for quiet, not a
			// synchronisation).
			time.Sleep(1500 * time.Millisecond)
			before, start := processCPU(t), time.Now()
			time.Sleep(measure)
			used, wall := processCPU(t)-before, time.Since(start)
			share := used.Seconds() / wall.Seconds()
			t.Logf("%s: %d idle files, %v CPU in %v: %.1f %% of a core", name, files, used.Round(time.Millisecond), wall.Round(time.Millisecond), share*100)
			if share > maxCPU {
				t.Errorf("%s: idle CPU %.1f %% of a core with %d idle files, want at most %.0f %%", name, share*100, files, maxCPU*100)
			}
		})
	}
}
