package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/agent"
	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/internal/monitor"
	"github.com/sluicelog/sluice/internal/settings"
	"github.com/sluicelog/sluice/pipeline"
)

// DefaultPipeline runs when neither -f nor -e is given: JSON over tcp and
// udp on port 5000, printed to stdout.
const DefaultPipeline = `input {
  tcp { port => 5000 codec => json_lines }
  udp { port => 5000 codec => json }
}
output {
  stdout { codec => rubydebug }
}
`

// Logstash's defaults for -e configurations that lack a section.
const (
	defaultInput  = "input { stdin { type => stdin } }\n"
	defaultOutput = "output { stdout { codec => rubydebug } }\n"
)

// flagSpec binds a command-line flag (long name = the sluice.yml key, with
// an optional Logstash short form) to a settings key.
type flagSpec struct {
	long, short, key, help string
	isBool                 bool
}

var serveFlags = []flagSpec{
	{"path.config", "f", "path.config", "pipeline configuration: a file, a directory (its files in lexical order) or a glob", false},
	{"config.string", "e", "config.string", "pipeline configuration text", false},
	{"pipeline.workers", "w", "pipeline.workers", "number of workers running filters and outputs (default: number of CPUs)", false},
	{"pipeline.batch.size", "b", "pipeline.batch.size", "events per worker batch (default 125)", false},
	{"pipeline.batch.delay", "u", "pipeline.batch.delay", "milliseconds to wait for a batch to fill (default 50)", false},
	{"pipeline.id", "", "pipeline.id", "pipeline id (default main)", false},
	{"pipeline.ecs_compatibility", "", "pipeline.ecs_compatibility", "disabled, v1 or v8 (default v8)", false},
	{"path.data", "", "path.data", "directory for state (default ./data)", false},
	{"log.level", "", "log.level", "fatal, error, warn, info, debug or trace (default info)", false},
	{"log.format", "", "log.format", "plain (also: text) or json (default plain)", false},
	{"api.enabled", "", "api.enabled", "serve the monitoring API (default true)", true},
	{"api.http.host", "", "api.http.host", "address the monitoring API binds (default 127.0.0.1)", false},
	{"api.http.port", "", "api.http.port", "port, or range of ports of which the first free one is used, for the monitoring API (default 9600-9700)", false},
	{"config.reload.automatic", "r", "config.reload.automatic", "reload pipelines whose configuration changed (checked every config.reload.interval)", true},
	{"config.reload.interval", "", "config.reload.interval", "how often to check the configuration for changes (default 3s)", false},
	{"config.test_and_exit", "t", "config.test_and_exit", "check the configuration and exit", true},
	{"config.support_escapes", "", "config.support_escapes", "process backslash escapes in quoted strings", true},
}

type boolFlag struct{ v *string }

func (b boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}
func (b boolFlag) Set(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return err
	}
	*b.v = s
	return nil
}
func (b boolFlag) IsBoolFlag() bool { return true }

type strFlag struct{ v *string }

func (f strFlag) String() string {
	if f.v == nil {
		return ""
	}
	return *f.v
}
func (f strFlag) Set(s string) error { *f.v = s; return nil }

func serve(args []string, stdout, stderr io.Writer, checkOnly bool) int {
	name := "serve"
	if checkOnly {
		name = "check"
	}
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := map[string]*string{}
	for _, f := range serveFlags {
		v := new(string)
		values[f.key] = v
		var fv flag.Value = strFlag{v}
		if f.isBool {
			fv = boolFlag{v}
		}
		fs.Var(fv, f.long, f.help)
		if f.short != "" {
			fs.Var(fv, f.short, "short for --"+f.long)
		}
	}
	pathSettings := fs.String("path.settings", "", "directory holding sluice.yml (or logstash.yml)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}

	set := settings.Defaults()
	var warns []settings.Warning
	var settingsFile string
	if *pathSettings != "" {
		var err error
		settingsFile, warns, err = set.LoadFile(*pathSettings)
		if err != nil {
			fmt.Fprintf(stderr, "sluice: %v\n", err)
			return 1
		}
		if _, err := os.Stat(filepath.Join(*pathSettings, settings.PipelinesFile)); settingsFile == "" && err != nil {
			fmt.Fprintf(stderr, "sluice: no sluice.yml, logstash.yml or pipelines.yml in %s\n", *pathSettings)
			return 1
		}
	}
	// Flags override the file.
	set2 := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set2[f.Name] = true })
	for _, f := range serveFlags {
		if set2[f.long] || (f.short != "" && set2[f.short]) {
			if err := set.Apply(f.key, *values[f.key]); err != nil {
				fmt.Fprintf(stderr, "sluice: --%s: %v\n", f.long, err)
				return 2
			}
		}
	}
	if checkOnly {
		set.TestAndExit = true
	}

	logger, err := newLogger(stderr, set.LogLevel, set.LogFormat)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	slog.SetDefault(logger)
	if settingsFile != "" {
		logger.Info("settings loaded", "file", settingsFile)
	}
	for _, w := range warns {
		logger.Warn(w.Msg, "file", settingsFile, "line", w.Line)
	}

	if set.TestAndExit {
		return checkPipelines(pipelinesLoader(set, *pathSettings, logger, nil), stdout, stderr)
	}
	dlqs := newDeadLetterQueues(logger)
	defer dlqs.closeAll()
	load := pipelinesLoader(set, *pathSettings, logger, dlqs)
	var obs agent.Observer
	if set.APIEnabled {
		// Events matter more than their monitoring: when no port is free,
		// the pipelines run without the API (Logstash refuses to start).
		o, stopAPI, err := startAPI(set, logger)
		if err != nil {
			logger.Error("monitoring API not started; running without it", "error", err)
		} else {
			obs = o
			defer stopAPI()
		}
	}
	a := agent.New(agent.Options{Load: load, Automatic: set.ReloadAutomatic, Interval: set.ReloadInterval, Logger: logger, Observer: obs})
	if mo, ok := obs.(monObserver); ok {
		mo.mon.SetDownSource(func() map[string]monitor.Down { return downPipelines(a.Reloads()) })
	}
	// Signals are handled from before the pipelines start: a SIGTERM that
	// arrives while they start (or right after "pipeline started") stops
	// them cleanly instead of killing the process.
	ctx, stopSignals := stopOnSignals(logger,
		"signal received: stopping inputs and draining in-flight events (send it again to exit at once)",
		"second signal: exiting now; undelivered events are not acknowledged", a.ForceStop)
	defer stopSignals()
	// SIGHUP too: one that arrives while the pipelines start (or right
	// after "pipeline started") reloads once Run supervises them, instead
	// of killing the process (SIGHUP's default action).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			logger.Info("SIGHUP received: reloading the configuration")
			a.RequestReload()
		}
	}()
	start := time.Now()
	if err := a.Start(); err != nil {
		var se *agent.StartError
		if errors.As(err, &se) {
			logger.Error("pipeline failed", "error", err)
			return 1
		}
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	logger.Debug("pipelines ready", "startup", time.Since(start))

	if err := a.Run(ctx); err != nil {
		logger.Error("pipeline failed", "error", err)
		return 1
	}
	return 0
}

// startAPI starts the monitoring API (it answers while pipelines load, run,
// reload and drain); the returned observer keeps it following the agent's
// pipelines, the returned function stops it.
func startAPI(set settings.Settings, logger *slog.Logger) (obs agent.Observer, stop func(), err error) {
	lo, hi, err := monitor.ParsePorts(set.APIPort)
	if err != nil {
		return nil, nil, fmt.Errorf("api.http.port: %w", err)
	}
	l, err := monitor.Listen(set.APIHost, lo, hi)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	ps := pipelineSettings(set, logger)
	mon := monitor.New(monitor.Node{
		ID: monitor.NodeID(set.PathData), Name: set.NodeName, Host: host, Version: version,
		Workers: ps.Workers, BatchSize: ps.BatchSize, BatchDelay: ps.BatchDelay,
	}, logger)
	logger.Info("monitoring API listening", "address", "http://"+l.Addr().String(), "port", l.Addr().(*net.TCPAddr).Port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go mon.Run(ctx.Done())
	go func() {
		defer close(done)
		if err := mon.Serve(ctx, l); err != nil {
			logger.Error("monitoring API stopped", "error", err)
		}
	}()
	return monObserver{mon: mon, set: set}, func() { cancel(); <-done }, nil
}

// downPipelines picks the pipelines a reload left down (being retried)
// out of the agent's reload counters.
func downPipelines(reloads map[string]agent.ReloadStats) map[string]monitor.Down {
	var down map[string]monitor.Down
	for id, st := range reloads {
		if st.StartRetries == 0 {
			continue
		}
		if down == nil {
			down = map[string]monitor.Down{}
		}
		down[id] = monitor.Down{Error: st.LastError, Attempts: st.StartRetries, NextRetry: st.NextStartRetry}
	}
	return down
}

// monObserver makes the monitoring API follow the agent's pipelines.
type monObserver struct {
	mon *monitor.Monitor
	set settings.Settings
}

func (o monObserver) PipelineStarted(r agent.Running) {
	o.mon.AddPipeline(r.Pipeline, monitor.PipelineOptions{
		ReloadAutomatic: o.set.ReloadAutomatic, ReloadInterval: o.set.ReloadInterval,
		ConfigHash: r.Hash, DeadLetterQueue: r.Pipeline.Settings().DeadLetter != nil,
	})
}

func (o monObserver) PipelineStopped(id string, p *pipeline.Pipeline) { o.mon.RemovePipelineIf(id, p) }

func (o monObserver) ReloadDone(id string, err error) {
	if err != nil {
		o.mon.ReloadFailed(id, err)
	} else {
		o.mon.ReloadSucceeded(id)
	}
}

// checkPipelines builds every configured pipeline without starting it
// (config.test_and_exit, sluice check).
func checkPipelines(load agent.LoadFunc, stdout, stderr io.Writer) int {
	specs, err := load()
	if err != nil {
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	code := 0
	for _, s := range specs {
		err := s.Err
		if err == nil {
			var p *pipeline.Pipeline
			if p, err = pipeline.New(s.Config, s.Settings); err == nil {
				p.Close()
			}
		}
		if err != nil {
			if len(specs) > 1 {
				fmt.Fprintf(stderr, "pipeline %s: ", s.ID)
			}
			fmt.Fprintln(stderr, formatConfigError(err))
			code = 1
		}
	}
	if code == 0 {
		fmt.Fprintln(stdout, "Configuration OK")
	}
	return code
}

// loadPipeline parses the configuration the settings name, or the default
// pipeline.
func loadPipeline(set settings.Settings, logger *slog.Logger) (*config.Pipeline, error) {
	opts := config.ParseOptions{SupportEscapes: set.SupportEscapes}
	var cfg *config.Pipeline
	switch {
	case set.PathConfig != "" && set.ConfigString != "":
		return nil, errors.New("give either -f/path.config or -e/config.string, not both")
	case set.PathConfig != "":
		var err error
		cfg, err = opts.Load([]string{set.PathConfig})
		if err != nil {
			return nil, err
		}
	case set.ConfigString != "":
		src := set.ConfigString
		p, err := opts.Parse("config string", []byte(src))
		if err != nil {
			return nil, err
		}
		// As Logstash: -e without an input reads stdin; without an output
		// prints to stdout.
		var hasIn, hasOut bool
		for _, s := range p.Sections {
			hasIn = hasIn || s.Kind == "input"
			hasOut = hasOut || s.Kind == "output"
		}
		if !hasIn {
			src = defaultInput + src
		}
		if !hasOut {
			src += "\n" + defaultOutput
		}
		cfg, err = opts.Parse("config string", []byte(src))
		if err != nil {
			return nil, err
		}
	default:
		logger.Info("no -f or -e given: running the default pipeline (tcp and udp on port 5000, JSON, printed to stdout)")
		var err error
		cfg, err = opts.Parse("default pipeline", []byte(DefaultPipeline))
		if err != nil {
			return nil, fmt.Errorf("BUG: default pipeline: %w", err)
		}
	}
	if err := config.Substitute(cfg, os.LookupEnv); err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		logger.Warn("configuration: " + w.Error())
	}
	return cfg, nil
}

func formatConfigError(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var parts []string
		for _, e := range j.Unwrap() {
			parts = append(parts, formatConfigError(e))
		}
		return strings.Join(parts, "\n")
	}
	var list config.ErrorList
	if errors.As(err, &list) {
		var b strings.Builder
		fmt.Fprintf(&b, "Configuration has %d error(s):\n", len(list))
		for _, e := range list {
			b.WriteString(e.Error())
			b.WriteString("\n")
		}
		return strings.TrimRight(b.String(), "\n")
	}
	return "Configuration error: " + err.Error()
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	switch level {
	case "trace", "debug":
		lv = slog.LevelDebug
	case "info", "":
		lv = slog.LevelInfo
	case "warn":
		lv = slog.LevelWarn
	case "error", "fatal":
		lv = slog.LevelError
	default:
		return nil, fmt.Errorf("unknown log level %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
