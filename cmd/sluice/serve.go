package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/config"
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
	{"log.format", "", "log.format", "plain or json (default plain)", false},
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
		if settingsFile == "" {
			fmt.Fprintf(stderr, "sluice: no sluice.yml or logstash.yml in %s\n", *pathSettings)
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

	cfg, err := loadPipeline(set, logger)
	if err != nil {
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	p, err := pipeline.New(cfg, pipeline.Settings{
		ID: set.PipelineID, Workers: set.Workers, BatchSize: set.BatchSize, BatchDelay: set.BatchDelay,
		ECSCompatibility: set.ECSCompatibility, DataDir: set.PathData, Logger: logger,
		Queue: pipeline.QueueSettings{
			Type: set.QueueType, Path: set.PathQueue, PageCapacity: set.QueuePageCapacity,
			MaxBytes: set.QueueMaxBytes, MaxEvents: set.QueueMaxEvents, CheckpointWrites: set.QueueCheckpointWrites,
			CheckpointAcks: set.QueueCheckpointAcks, Drain: set.QueueDrain,
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, formatConfigError(err))
		return 1
	}
	if set.TestAndExit {
		fmt.Fprintln(stdout, "Configuration OK")
		return 0
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var forced atomic.Bool
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		logger.Info("signal received: stopping inputs and draining in-flight events (send it again to exit at once)", "signal", sig.String())
		cancel()
		sig = <-sigs
		logger.Warn("second signal: exiting now; undelivered events are not acknowledged", "signal", sig.String())
		forced.Store(true)
		p.ForceStop()
		os.Exit(1)
	}()
	start := time.Now()
	go func() {
		select {
		case <-p.Started():
			logger.Debug("pipeline ready", "startup", time.Since(start))
		case <-ctx.Done():
		}
	}()
	if err := p.Run(ctx); err != nil {
		logger.Error("pipeline failed", "error", err)
		return 1
	}
	if forced.Load() {
		return 1
	}
	return 0
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
