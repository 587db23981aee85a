package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine describes where the benchmark ran.
type machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	GoVersion string `json:"go"`
	Kernel    string `json:"kernel"`
	Sluice    string `json:"sluice"`
	// GoEnv lists GOGC, GOMEMLIMIT and GOMAXPROCS when set: sluice
	// inherits the harness's environment.
	GoEnv []string `json:"go_env,omitempty"`
}

func describeMachine(bin string) machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), GoVersion: runtime.Version(), Kernel: "unknown"}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS"} {
		if v, ok := os.LookupEnv(k); ok {
			m.GoEnv = append(m.GoEnv, k+"="+v)
		}
	}
	if out, err := exec.Command(bin, "version").Output(); err == nil {
		m.Sluice = strings.TrimSpace(string(out))
	}
	return m
}

// selfCPU is the harness's own user+system CPU time so far (the load
// generator shares the machine with sluice).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// busyMeter measures the CPU time that other processes used during a
// run: the machine's busy time (from /proc/stat) less sluice's and the
// harness's own. Anything well above zero means the numbers are noisy.
type busyMeter struct {
	at   time.Time
	busy time.Duration
	self time.Duration
}

func startBusyMeter() busyMeter {
	return busyMeter{at: time.Now(), busy: machineBusy(), self: selfCPU()}
}

// otherPercent returns other processes' CPU use during the run, as a
// percentage of the machine's capacity (all cores).
func (m busyMeter) otherPercent(sluiceCPU time.Duration) float64 {
	wall := time.Since(m.at)
	if wall <= 0 || m.busy < 0 {
		return 0
	}
	other := machineBusy() - m.busy - (selfCPU() - m.self) - sluiceCPU
	pct := float64(other) / float64(wall*time.Duration(runtime.NumCPU())) * 100
	return max(pct, 0)
}

// machineBusy returns the time all CPUs spent busy since boot (-1 when
// /proc/stat cannot be read).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return -1
	}
	var busy int64
	for i, s := range f[1:] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return -1
		}
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already counted in user.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += v
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	return time.Duration(busy) * 10 * time.Millisecond
}
