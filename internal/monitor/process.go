package monitor

import (
	"math"
	"time"
)

// processJSON is /_node/stats' "process" object: Logstash's fields
// (without the JVM), plus resident_in_bytes.
type processJSON struct {
	OpenFileDescriptors     int64   `json:"open_file_descriptors"`
	PeakOpenFileDescriptors int64   `json:"peak_open_file_descriptors"`
	MaxFileDescriptors      int64   `json:"max_file_descriptors"`
	Mem                     memJSON `json:"mem"`
	CPU                     cpuJSON `json:"cpu"`
}

type memJSON struct {
	TotalVirtualInBytes int64 `json:"total_virtual_in_bytes"`
	ResidentInBytes     int64 `json:"resident_in_bytes"`
}

type cpuJSON struct {
	TotalInMillis int64              `json:"total_in_millis"`
	Percent       int64              `json:"percent"`
	LoadAverage   map[string]float64 `json:"load_average,omitempty"`
}

// processSampler remembers the CPU time at the last sample, for the
// percentage, and the most file descriptors seen open.
type processSampler struct {
	lastAt      time.Time
	lastCPU     time.Duration
	percent     int64
	peakOpenFDs int64
}

func (s *processSampler) sample(now time.Time) {
	st := readProcess()
	if st.openFDs > s.peakOpenFDs {
		s.peakOpenFDs = st.openFDs
	}
	if !s.lastAt.IsZero() {
		if dt := now.Sub(s.lastAt); dt > 0 {
			s.percent = int64(math.Round(100 * float64(st.cpu-s.lastCPU) / float64(dt)))
		}
	}
	s.lastAt, s.lastCPU = now, st.cpu
}

// stats reads the process figures now (the CPU percentage is the one of
// the last sampling interval).
func (s *processSampler) stats() processJSON {
	st := readProcess()
	if st.openFDs > s.peakOpenFDs {
		s.peakOpenFDs = st.openFDs
	}
	return processJSON{
		OpenFileDescriptors: st.openFDs, PeakOpenFileDescriptors: s.peakOpenFDs, MaxFileDescriptors: st.maxFDs,
		Mem: memJSON{TotalVirtualInBytes: st.virtual, ResidentInBytes: st.resident},
		CPU: cpuJSON{TotalInMillis: st.cpu.Milliseconds(), Percent: s.percent, LoadAverage: st.load},
	}
}

// procStats are the raw figures a platform reader provides (-1: unknown).
type procStats struct {
	openFDs, maxFDs   int64
	virtual, resident int64
	cpu               time.Duration
	load              map[string]float64
}
