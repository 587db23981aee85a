package monitor

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func readProcess() procStats {
	st := procStats{openFDs: -1, maxFDs: -1, virtual: -1, resident: -1}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		st.openFDs = int64(len(ents))
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		st.maxFDs = int64(lim.Cur)
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		f := strings.Fields(string(b))
		page := int64(os.Getpagesize())
		if len(f) >= 2 {
			if v, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				st.virtual = v * page
			}
			if v, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				st.resident = v * page
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		st.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			st.load = map[string]float64{}
			for i, k := range []string{"1m", "5m", "15m"} {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					st.load[k] = v
				}
			}
		}
	}
	return st
}
