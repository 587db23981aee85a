// Command bench is Sluice's end-to-end benchmark harness. It runs the real
// sluice binary, one process per case, generates the load itself (tcp
// cases send a payload prepared in memory over several connections) and
// reports events/s, MiB/s, peak RSS and CPU time of the sluice process.
// Every case checks that sluice delivered every event it was sent (the
// "pipeline stopped" log line's counters, and the output file where there
// is one) and fails otherwise.
//
//	go run ./bench -bin bin/sluice [-case REGEXP] [-events N] [-conns K] [-repeat R] [-json]
//
// (`make bench BENCHFLAGS='-case json'` builds the binary first.)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	os.Exit(benchMain(os.Args[1:], os.Stdout, os.Stderr))
}

// report is the -json output.
type report struct {
	Date     string    `json:"date"`
	Machine  machine   `json:"machine"`
	Conns    int       `json:"conns"`
	Repeat   int       `json:"repeat"`
	Results  []result  `json:"results"`
	Failures []failure `json:"failures,omitempty"`
}

type failure struct {
	Case  string `json:"case"`
	Error string `json:"error"`
}

func benchMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin/sluice", "the sluice binary to run")
	caseRE := fs.String("case", "", "run only the cases whose name matches this regexp (cases: "+caseNames()+")")
	events := fs.Int64("events", 0, "events per case (0: each case's default)")
	conns := fs.Int("conns", 4, "tcp connections the load is spread over")
	repeat := fs.Int("repeat", 1, "runs per case; the run with the median events/s is reported")
	asJSON := fs.Bool("json", false, "print a JSON report instead of tables")
	timeout := fs.Duration("timeout", 10*time.Minute, "time limit of one run of a case")
	profile := fs.String("cpuprofile", "", "directory for CPU and heap profiles of sluice, one per case and process (set through SLUICE_CPUPROFILE and SLUICE_MEMPROFILE)")
	data := fs.String("data", "", "Apache access log for tcp_line_to_null (default: shared/data/apache_logs beside the repository, else generated lines)")
	startupRuns := fs.Int("startup-runs", 20, "starts measured by the startup case")
	keep := fs.Bool("keep", false, "keep the temporary directories (configs, output files)")
	sluiceArgs := fs.String("sluice-args", "", "extra arguments for `sluice serve`, space-separated (e.g. \"-w 1 -b 500\")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	re, err := regexp.Compile(*caseRE)
	if err != nil {
		fmt.Fprintf(stderr, "bench: -case: %v\n", err)
		return 2
	}
	absBin, err := filepath.Abs(*bin)
	if err == nil {
		_, err = os.Stat(absBin)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: -bin: %v (build it with `make build`)\n", err)
		return 2
	}
	if *profile != "" {
		if *profile, err = filepath.Abs(*profile); err == nil {
			err = os.MkdirAll(*profile, 0o755)
		}
		if err != nil {
			fmt.Fprintf(stderr, "bench: -cpuprofile: %v\n", err)
			return 2
		}
	}
	e := &env{bin: absBin, events: *events, conns: max(*conns, 1), timeout: *timeout, profileDir: *profile,
		dataFile: *data, startupRuns: *startupRuns, keepTemp: *keep, sluiceArgs: strings.Fields(*sluiceArgs)}

	rep := report{Date: time.Now().UTC().Format(time.RFC3339), Machine: describeMachine(absBin), Conns: e.conns, Repeat: max(*repeat, 1)}
	var selected []benchCase
	for _, c := range cases {
		if re.MatchString(c.name) {
			selected = append(selected, c)
		}
	}
	if len(selected) == 0 {
		fmt.Fprintf(stderr, "bench: %v %q (cases: %s)\n", errNoCase, *caseRE, caseNames())
		return 2
	}
	for _, c := range selected {
		n := e.events
		if n <= 0 {
			n = c.defaultEvents
		}
		var runs []result
		var failed error
		for i := 0; i < rep.Repeat; i++ {
			fmt.Fprintf(stderr, "bench: %s run %d/%d ...", c.name, i+1, rep.Repeat)
			r, err := c.run(e, n)
			if err != nil {
				fmt.Fprintln(stderr, " FAILED")
				failed = err
				break
			}
			fmt.Fprintf(stderr, " %.2fs\n", r.Seconds)
			runs = append(runs, r)
		}
		if failed != nil {
			fmt.Fprintf(stderr, "bench: %s: %v\n", c.name, failed)
			rep.Failures = append(rep.Failures, failure{Case: c.name, Error: failed.Error()})
			continue
		}
		rep.Results = append(rep.Results, median(runs))
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	} else {
		printReport(stdout, rep)
	}
	if len(rep.Failures) > 0 {
		return 1
	}
	return 0
}

// median returns the run with the median events/s (the startup case has
// one run with its own distribution), listing every run's rate.
func median(runs []result) result {
	if runs[0].Startup != nil {
		return mergeStartups(runs)
	}
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b result) int {
		switch {
		case a.EventsPerSec < b.EventsPerSec:
			return -1
		case a.EventsPerSec > b.EventsPerSec:
			return 1
		}
		return 0
	})
	m := sorted[(len(sorted)-1)/2]
	if len(runs) > 1 {
		m.Runs = nil
		for _, r := range runs {
			m.Runs = append(m.Runs, r.EventsPerSec)
		}
	}
	return m
}

// mergeStartups pools the start times of several startup runs.
func mergeStartups(runs []result) result {
	m := runs[0]
	var all []float64
	for _, r := range runs {
		all = append(all, r.Startup.AllMs...)
		m.PeakRSSMiB = max(m.PeakRSSMiB, r.PeakRSSMiB)
	}
	m.Startup = newStartup(all)
	m.Seconds = m.Startup.MedianMs / 1000
	return m
}

func caseByName(name string) benchCase {
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	return benchCase{}
}

func printReport(w io.Writer, rep report) {
	m := rep.Machine
	fmt.Fprintf(w, "\n%s\nmachine: %s, %d cores, %s, %s, %s\n", rep.Date, m.CPU, m.Cores, m.GoVersion, m.Kernel, m.Sluice)
	if len(m.GoEnv) > 0 {
		fmt.Fprintf(w, "environment (inherited by sluice): %s\n", strings.Join(m.GoEnv, " "))
	}
	fmt.Fprintf(w, "tcp load: %d connections; the load generator (this program) shares the cores with sluice.\n", rep.Conns)
	if rep.Repeat > 1 {
		fmt.Fprintf(w, "median of %d runs per case\n", rep.Repeat)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tevents\tseconds\tevents/s\tMiB/s\tpeak RSS MiB\tsluice CPU s\tCPU µs/event\tgenerator CPU s\tother CPU %\ttarget\t")
	var su *result
	for i, r := range rep.Results {
		if r.Startup != nil {
			su = &rep.Results[i]
			continue
		}
		mib, gen := "-", "-"
		if r.Bytes > 0 {
			mib = fmt.Sprintf("%.1f", r.MiBPerSec)
		}
		if r.GenCPUSeconds > 0 {
			gen = fmt.Sprintf("%.2f", r.GenCPUSeconds)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.0f\t%s\t%.1f\t%.2f\t%.2f\t%s\t%.0f\t%s\t\n", r.Case, r.Events, r.Seconds, r.EventsPerSec,
			mib, r.PeakRSSMiB, r.CPUSeconds, r.CPUSeconds*1e6/float64(max(r.Events, 1)), gen, r.OtherCPUPercent, targetText(r))
	}
	tw.Flush()
	for _, r := range rep.Results {
		if r.CeilingEventsPerSec > 0 {
			fmt.Fprintf(w, "%s: the node's ceiling (same bulk bodies from a plain HTTP client) %.0f events/s; sluice reaches %.0f%% of it\n",
				r.Case, r.CeilingEventsPerSec, 100*r.CeilingRatio)
		}
	}
	fmt.Fprintln(w, "(sluice CPU: user+system seconds of the sluice process, start to exit; other CPU %: what other processes used of the machine during the run: well above 0, the timings are noisy; CPU µs/event less so, though it too moves with GC pacing)")
	if su != nil {
		s := su.Startup
		fmt.Fprintf(w, "\nstartup (exec of `sluice serve` to its tcp port accepting), %d runs: median %.1f ms, p95 %.1f ms, min %.1f ms, max %.1f ms, peak RSS %.1f MiB; %s\n",
			s.Runs, s.MedianMs, s.P95Ms, s.MinMs, s.MaxMs, su.PeakRSSMiB, targetText(*su))
	}
	for _, r := range rep.Results {
		if r.AvgEventSize > 0 {
			fmt.Fprintf(w, "%s: %.0f bytes/event on average", r.Case, r.AvgEventSize)
			if r.Source != "" {
				fmt.Fprintf(w, " (%s)", r.Source)
			}
			fmt.Fprintf(w, "; drain after the last connection closed: %.0f ms\n", r.DrainSeconds*1000)
		}
		if s := r.Shipper; s != nil {
			fmt.Fprintf(w, "%s: shipper peak RSS %.1f MiB, CPU %.2f s (%.1f s/GiB); server (the table's RSS and CPU) %.1f s/GiB\n",
				r.Case, s.PeakRSSMiB, s.CPUSeconds, s.ShipperCPUPerGiB, s.ServerCPUPerGiB)
		}
		if len(r.Runs) > 1 {
			fmt.Fprintf(w, "%s: events/s of each run: %.0f\n", r.Case, r.Runs)
		}
		for _, l := range r.Warnings {
			fmt.Fprintf(w, "%s: sluice warned: %s\n", r.Case, l)
		}
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(w, "\nFAILED %s: %s\n", f.Case, f.Error)
	}
}

func targetText(r result) string {
	c := caseByName(r.Case)
	if c.target == "" {
		return "-"
	}
	if c.met(r) {
		return c.target + " (met)"
	}
	return c.target + " (MISSED)"
}
