package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// env is what every case gets from the command line.
type env struct {
	bin         string
	events      int64 // 0: the case's default
	conns       int
	timeout     time.Duration
	profileDir  string
	dataFile    string
	startupRuns int
	keepTemp    bool
	sluiceArgs  []string
}

// result is one run of one case.
type result struct {
	Case         string  `json:"case"`
	Events       int64   `json:"events"`
	Bytes        int64   `json:"bytes,omitempty"`
	AvgEventSize float64 `json:"avg_event_bytes,omitempty"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	MiBPerSec    float64 `json:"mib_per_sec,omitempty"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	// GenCPUSeconds is the load generator's (this harness's) own CPU time
	// while it sent: it shares the machine's cores with sluice.
	GenCPUSeconds float64 `json:"generator_cpu_seconds,omitempty"`
	// DrainSeconds is the time from the last connection closed by sluice
	// (everything read) to sluice's exit (queue drained, plugins closed).
	DrainSeconds float64   `json:"drain_seconds,omitempty"`
	Startup      *startup  `json:"startup,omitempty"`
	Runs         []float64 `json:"runs_events_per_sec,omitempty"`
	// OtherCPUPercent is the CPU other processes used during the run, in
	// percent of the whole machine: well above zero, the numbers are noisy.
	OtherCPUPercent float64  `json:"other_cpu_percent"`
	Warnings        []string `json:"warnings,omitempty"`
	// CeilingEventsPerSec is, for output cases, what the destination takes
	// from a plain client sending the same requests; CeilingRatio is
	// EventsPerSec over it.
	CeilingEventsPerSec float64 `json:"ceiling_events_per_sec,omitempty"`
	CeilingRatio        float64 `json:"ceiling_ratio,omitempty"`
	Source              string  `json:"source,omitempty"`
	// Shipper is the sending sluice's side of a two-process case; the
	// other figures (RSS, CPU) are then the receiving server's.
	Shipper *shipperStats `json:"shipper,omitempty"`
}

// startup is the startup case's distribution, in milliseconds.
type startup struct {
	Runs     int       `json:"runs"`
	MedianMs float64   `json:"median_ms"`
	P95Ms    float64   `json:"p95_ms"`
	MinMs    float64   `json:"min_ms"`
	MaxMs    float64   `json:"max_ms"`
	AllMs    []float64 `json:"all_ms"`
}

// benchCase is one benchmark.
type benchCase struct {
	name          string
	defaultEvents int64
	target        string
	// met says whether a result meets the target.
	met func(r result) bool
	run func(e *env, n int64) (result, error)
}

var cases = []benchCase{
	{
		name: "tcp_line_to_null", defaultEvents: 2_000_000,
		target: ">= 150 MiB/s",
		met:    func(r result) bool { return r.MiBPerSec >= 150 },
		run: func(e *env, n int64) (result, error) {
			p, src, err := apachePayload(e.dataFile)
			if err != nil {
				return result{}, err
			}
			r, err := runTCP(e, "tcp_line_to_null", "line", p, n, nullOutput, nil)
			r.Source = src
			return r, err
		},
	},
	{
		name: "tcp_json_lines_to_null", defaultEvents: 2_000_000,
		target: ">= 500k events/s, RSS <= 50 MiB",
		met:    func(r result) bool { return r.EventsPerSec >= 500_000 && r.PeakRSSMiB <= 50 },
		run: func(e *env, n int64) (result, error) {
			return runTCP(e, "tcp_json_lines_to_null", "json_lines", jsonPayload(20000), n, nullOutput, nil)
		},
	},
	{
		name: "tcp_json_lines_to_file", defaultEvents: 1_000_000,
		run: func(e *env, n int64) (result, error) {
			const out = "out.ndjson"
			return runTCP(e, "tcp_json_lines_to_file", "json_lines", jsonPayload(20000), n,
				func(dir string) string {
					return fmt.Sprintf("file { path => %q codec => json_lines }", filepath.Join(dir, out))
				},
				func(dir string, n int64) error { return verifyFile(filepath.Join(dir, out), n) })
		},
	},
	{
		// The Apache half of Elastic's example pipeline (geoip and
		// useragent are not in Sluice yet): grok + date per line.
		name: "tcp_apache_grok_date_to_null", defaultEvents: 1_000_000,
		target: ">= 100k events/s (issue 4: per core)",
		met:    func(r result) bool { return r.EventsPerSec >= 100_000 },
		run: func(e *env, n int64) (result, error) {
			p, src, err := apachePayload(e.dataFile)
			if err != nil {
				return result{}, err
			}
			r, err := runTCPFiltered(e, "tcp_apache_grok_date_to_null", "line",
				`  grok { match => { "message" => "%{COMBINEDAPACHELOG}" } }
  date { match => ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] }`, p, n, nullOutput, nil)
			r.Source = src
			return r, err
		},
	},
	{
		// Elastic's full Apache pipeline: grok + date + geoip + useragent
		// (ECS names). geoip reads $SLUICE_GEOIP_DATABASE_DIR when set (a
		// real database, e.g. from scripts/geoip-db.sh), else a made-up
		// database covering every client /24 of the payload.
		name: "tcp_apache_full_to_null", defaultEvents: 1_000_000,
		run: func(e *env, n int64) (result, error) {
			p, src, err := apachePayload(e.dataFile)
			if err != nil {
				return result{}, err
			}
			r, err := runTCPPrepared(e, "tcp_apache_full_to_null", "line",
				`  grok { match => { "message" => "%{COMBINEDAPACHELOG}" } }
  date { match => ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] }
  geoip { source => "[source][address]" target => "source" }
  useragent { source => "[user_agent][original]" }`, p, n, nullOutput, nil, prepareGeoIP)
			r.Source = src
			if os.Getenv(geoipDirEnv) != "" {
				r.Source += " + geoip database in $" + geoipDirEnv
			} else {
				r.Source += " + made-up geoip database"
			}
			return r, err
		},
	},
	{
		name: "generator_to_null_mutate_cond", defaultEvents: 1_000_000,
		run: runGenerator,
	},
	{
		name: "generator_to_elasticsearch", defaultEvents: 200_000,
		target: ">= 90% of the node's ceiling",
		met:    func(r result) bool { return r.CeilingRatio >= 0.9 },
		run:    runGeneratorToElasticsearch,
	},
	{
		name:   "startup",
		target: "median <= 100 ms",
		met:    func(r result) bool { return r.Startup != nil && r.Startup.MedianMs <= 100 },
		run:    runStartup,
	},
}

func nullOutput(string) string { return "null {}" }

// newTempDir makes the case's working directory (config, data, output).
func newTempDir(e *env, name string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "sluice-bench-"+name+"-")
	if err != nil {
		return "", nil, fmt.Errorf("temp dir: %w", err)
	}
	return dir, func() {
		if !e.keepTemp {
			os.RemoveAll(dir)
		}
	}, nil
}

func profileEnv(e *env, name string) []string {
	if e.profileDir == "" {
		return nil
	}
	return []string{"SLUICE_CPUPROFILE=" + filepath.Join(e.profileDir, name+".pprof"),
		"SLUICE_MEMPROFILE=" + filepath.Join(e.profileDir, name+".heap.pprof")}
}

// runTCP runs sluice with a tcp input (codec) and the given output, sends
// n events of p over e.conns connections, then stops sluice with SIGTERM
// once it has read everything. The time runs from the first byte sent to
// sluice's exit (every event delivered).
func runTCP(e *env, name, codec string, p *payload, n int64, output func(dir string) string, verify func(dir string, n int64) error) (result, error) {
	return runTCPFiltered(e, name, codec, "", p, n, output, verify)
}

// runTCPFiltered is runTCP with a filter section (pipeline syntax, may be
// empty).
func runTCPFiltered(e *env, name, codec, filter string, p *payload, n int64, output func(dir string) string, verify func(dir string, n int64) error) (result, error) {
	return runTCPPrepared(e, name, codec, filter, p, n, output, verify, nil)
}

// runTCPPrepared is runTCPFiltered with a function that prepares the
// case's directory (files under path.data, which is dir/data) before
// sluice starts.
func runTCPPrepared(e *env, name, codec, filter string, p *payload, n int64, output func(dir string) string,
	verify func(dir string, n int64) error, prepare func(dir string, p *payload) error) (result, error) {
	r := result{Case: name, Events: n, AvgEventSize: p.avgEventSize()}
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	if prepare != nil {
		if err := prepare(dir, p); err != nil {
			return r, err
		}
	}
	cfg := fmt.Sprintf("input {\n  tcp { host => \"127.0.0.1\" port => 0 codec => %s }\n}\nfilter {\n%s\n}\noutput {\n  %s\n}\n", codec, filter, output(dir))
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
	st, err := sendTCP(ctx, addr, p, n, e.conns)
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
	r.OtherCPUPercent = meter.otherPercent(time.Duration(r.CPUSeconds * float64(time.Second)))
	if verify != nil {
		if err := verify(dir, n); err != nil {
			return r, err
		}
	}
	return r, nil
}

func deadline(ctx context.Context) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return time.Now().Add(time.Minute)
	}
	return d
}

// finish checks sluice's own counters and fills in the rates and rusage.
func finish(r *result, sp *proc, n int64) error {
	c, err := sp.stopped()
	if err != nil {
		return err
	}
	if c.In != n || c.Out != n {
		return fmt.Errorf("EVENTS LOST: sent %d, sluice counted in=%d filtered=%d out=%d\n%s", n, c.In, c.Filtered, c.Out, sp.log.tail())
	}
	rss, cpu := sp.rusage()
	r.PeakRSSMiB = float64(rss) / (1 << 20)
	r.CPUSeconds = cpu.Seconds()
	if r.Seconds > 0 {
		r.EventsPerSec = float64(n) / r.Seconds
		r.MiBPerSec = float64(r.Bytes) / (1 << 20) / r.Seconds
	}
	r.Warnings = sp.log.warnings()
	return nil
}

// verifyFile checks that the file output wrote n JSON lines.
func verifyFile(path string, n int64) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("file output: %w", err)
	}
	defer f.Close()
	var lines int64
	var first []byte
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		if first == nil && k > 0 {
			first, _, _ = bytes.Cut(bytes.Clone(buf[:k]), []byte{'\n'})
		}
		lines += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("file output: %w", err)
		}
	}
	if lines != n {
		return fmt.Errorf("EVENTS LOST: file output %s has %d lines, want %d", path, lines, n)
	}
	if n > 0 {
		var doc map[string]any
		if err := json.Unmarshal(first, &doc); err != nil {
			return fmt.Errorf("file output: first line is not JSON: %v: %.200s", err, first)
		}
		if _, ok := doc["message"]; !ok {
			return fmt.Errorf("file output: first line has no message: %.200s", first)
		}
	}
	return nil
}

// generatorConfig is a generator → mutate + conditionals → null pipeline:
// the filter work of a typical access-log pipeline, without grok.
const generatorConfig = `input {
  generator {
    count => %d
    message => '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)"'
  }
}
filter {
  mutate {
    add_field => { "[service][name]" => "shop" "[event][dataset]" => "apache.access" "status" => "200" "env" => " Production " }
    add_tag => ["web"]
  }
  if [message] =~ /" 5\d\d / {
    mutate { replace => { "[log][level]" => "error" } add_tag => ["server_error"] }
  } else if [status] == "404" or [message] =~ /" 404 / {
    mutate { replace => { "[log][level]" => "warn" } }
  } else {
    mutate { replace => { "[log][level]" => "info" } }
  }
  mutate {
    rename => { "env" => "[service][environment]" }
    convert => { "status" => "integer" }
    gsub => [ "[event][dataset]", "\.", "_" ]
    uppercase => [ "[log][level]" ]
    strip => [ "[service][environment]" ]
    lowercase => [ "[service][environment]" ]
  }
  if [status] >= 500 and "server_error" in [tags] {
    mutate { add_tag => ["alert"] }
  } else if [log][level] == "INFO" and [service][name] in ["shop", "cart"] {
    mutate { add_field => { "[labels][tier]" => "frontend" } remove_field => [ "status" ] }
  }
}
output {
  null {}
}
`

// runGenerator times sluice from its "pipeline started" log line to its
// exit: the generator input ends after count events and sluice exits
// once they are delivered.
func runGenerator(e *env, n int64) (result, error) {
	const name = "generator_to_null_mutate_cond"
	r := result{Case: name, Events: n}
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	meter := startBusyMeter()
	sp, err := startSluice(e, dir, fmt.Sprintf(generatorConfig, n), profileEnv(e, name))
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
	return r, nil
}

// runStartup measures, e.startupRuns times, the time from exec of `sluice
// serve` (tcp input on a free port, null output) to the port accepting a
// connection.
func runStartup(e *env, _ int64) (result, error) {
	const name = "startup"
	r := result{Case: name}
	dir, cleanup, err := newTempDir(e, name)
	if err != nil {
		return r, err
	}
	defer cleanup()
	runs := max(e.startupRuns, 1)
	var all []float64
	var maxRSS int64
	for i := 0; i < runs; i++ {
		d, rss, err := startOnce(e, dir)
		if err != nil {
			return r, fmt.Errorf("run %d: %w", i+1, err)
		}
		all = append(all, float64(d.Microseconds())/1000)
		maxRSS = max(maxRSS, rss)
	}
	r.Startup = newStartup(all)
	r.Seconds = r.Startup.MedianMs / 1000
	r.PeakRSSMiB = float64(maxRSS) / (1 << 20)
	return r, nil
}

func newStartup(all []float64) *startup {
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	return &startup{Runs: len(all), MedianMs: percentile(sorted, 50), P95Ms: percentile(sorted, 95),
		MinMs: sorted[0], MaxMs: sorted[len(sorted)-1], AllMs: all}
}

// startOnce starts sluice on a free port and polls the port until it
// accepts a connection.
func startOnce(e *env, dir string) (time.Duration, int64, error) {
	port, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	cfg := fmt.Sprintf("input {\n  tcp { host => \"127.0.0.1\" port => %d }\n}\noutput {\n  null {}\n}\n", port)
	sp, err := startSluice(e, dir, cfg, nil)
	if err != nil {
		return 0, 0, err
	}
	defer sp.kill()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadlineAt := time.Now().Add(min(e.timeout, 30*time.Second))
	var up time.Duration
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			up = time.Since(sp.execAt)
			c.Close()
			break
		}
		select {
		case <-sp.exited:
			return 0, 0, fmt.Errorf("sluice exited before accepting connections: %v\n%s", sp.waitErr, sp.log.tail())
		default:
		}
		if time.Now().After(deadlineAt) {
			return 0, 0, fmt.Errorf("port %d did not accept a connection: %v\n%s", port, err, sp.log.tail())
		}
		// Polling is the measurement here: a refused connect returns at
		// once, so wait a little between attempts.
		time.Sleep(200 * time.Microsecond)
	}
	if err := sp.stop(30 * time.Second); err != nil {
		return 0, 0, err
	}
	if _, err := sp.stopped(); err != nil {
		return 0, 0, err
	}
	rss, _ := sp.rusage()
	return up, rss, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// percentile returns the p-th percentile of sorted values (nearest rank).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// errNoCase is returned when -case matches nothing.
var errNoCase = errors.New("no case matches")

func caseNames() string {
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}
