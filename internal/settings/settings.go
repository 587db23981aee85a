// Package settings reads sluice.yml: Logstash's logstash.yml keys, either
// flat ("pipeline.workers: 2") or nested ("pipeline: {workers: 2}"), with
// ${VAR} and ${VAR:default} substituted from the environment. Command-line
// flags override the file.
package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/internal/suggest"
)

// Settings are the node settings Sluice understands.
type Settings struct {
	NodeName         string
	PathData         string
	PathConfig       string
	ConfigString     string
	TestAndExit      bool
	SupportEscapes   bool
	PipelineID       string
	Workers          int
	BatchSize        int
	BatchDelay       time.Duration
	ECSCompatibility string
	LogLevel         string
	LogFormat        string
	// Queue settings (queue.*, path.queue).
	QueueType             string
	PathQueue             string // "" means <path.data>/queue
	QueuePageCapacity     int64
	QueueMaxBytes         int64
	QueueMaxEvents        int64
	QueueCheckpointWrites int
	QueueCheckpointAcks   int
	QueueDrain            bool
}

// Defaults returns the settings before any file or flag.
func Defaults() Settings {
	host, _ := os.Hostname()
	return Settings{
		NodeName:         host,
		PathData:         "data",
		PipelineID:       "main",
		BatchSize:        125,
		BatchDelay:       50 * time.Millisecond,
		ECSCompatibility: "v8",
		LogLevel:         "info",
		LogFormat:        "plain",

		QueueType:             "memory",
		QueuePageCapacity:     64 << 20,
		QueueMaxBytes:         1 << 30,
		QueueCheckpointWrites: 1024,
		QueueCheckpointAcks:   1024,
	}
}

// key describes one setting: how to apply a value to Settings.
type key struct {
	name  string
	apply func(s *Settings, v string) error
}

func str(f func(*Settings) *string) func(*Settings, string) error {
	return func(s *Settings, v string) error { *f(s) = v; return nil }
}

func boolean(f func(*Settings) *bool) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("expected true or false, got %q", v)
		}
		*f(s) = b
		return nil
	}
}

func positive(f func(*Settings) *int) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("expected a positive integer, got %q", v)
		}
		*f(s) = n
		return nil
	}
}

var sizeRE = regexp.MustCompile(`^\s*([0-9]+)\s*([kKmMgGtT]?)(i?)([bB]?)\s*$`)

// byteSize parses Logstash's byte sizes: "64mb", "1024MiB", "1gb", or a
// plain number of bytes (kb and KiB both mean 1024).
func byteSize(f func(*Settings) *int64) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		m := sizeRE.FindStringSubmatch(v)
		if m == nil {
			return fmt.Errorf("expected a byte size such as 64mb or 1gb, got %q", v)
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		mult := map[string]int64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[strings.ToLower(m[2])]
		if err != nil || n <= 0 || n > (1<<62)/mult {
			return fmt.Errorf("expected a positive byte size, got %q", v)
		}
		*f(s) = n * mult
		return nil
	}
}

// count parses an integer >= 0.
func count(f func(*Settings) *int64) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("expected an integer >= 0 (0: no limit), got %q", v)
		}
		*f(s) = n
		return nil
	}
}

func oneOf(values ...string) func(f func(*Settings) *string) func(*Settings, string) error {
	return func(f func(*Settings) *string) func(*Settings, string) error {
		return func(s *Settings, v string) error {
			for _, ok := range values {
				if v == ok {
					*f(s) = v
					return nil
				}
			}
			return fmt.Errorf("expected one of %s, got %q", strings.Join(values, ", "), v)
		}
	}
}

// Keys are the supported logstash.yml keys.
var keys = []key{
	{"node.name", str(func(s *Settings) *string { return &s.NodeName })},
	{"path.data", str(func(s *Settings) *string { return &s.PathData })},
	{"path.config", str(func(s *Settings) *string { return &s.PathConfig })},
	{"config.string", str(func(s *Settings) *string { return &s.ConfigString })},
	{"config.test_and_exit", boolean(func(s *Settings) *bool { return &s.TestAndExit })},
	{"config.support_escapes", boolean(func(s *Settings) *bool { return &s.SupportEscapes })},
	{"pipeline.id", str(func(s *Settings) *string { return &s.PipelineID })},
	{"pipeline.workers", positive(func(s *Settings) *int { return &s.Workers })},
	{"pipeline.batch.size", positive(func(s *Settings) *int { return &s.BatchSize })},
	{"pipeline.batch.delay", func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("expected milliseconds (an integer >= 0), got %q", v)
		}
		s.BatchDelay = time.Duration(n) * time.Millisecond
		return nil
	}},
	{"pipeline.ecs_compatibility", oneOf("disabled", "v1", "v8")(func(s *Settings) *string { return &s.ECSCompatibility })},
	{"log.level", oneOf("fatal", "error", "warn", "info", "debug", "trace")(func(s *Settings) *string { return &s.LogLevel })},
	{"log.format", oneOf("plain", "json")(func(s *Settings) *string { return &s.LogFormat })},
	{"queue.type", oneOf("memory", "persisted")(func(s *Settings) *string { return &s.QueueType })},
	{"path.queue", str(func(s *Settings) *string { return &s.PathQueue })},
	{"queue.page_capacity", byteSize(func(s *Settings) *int64 { return &s.QueuePageCapacity })},
	{"queue.max_bytes", byteSize(func(s *Settings) *int64 { return &s.QueueMaxBytes })},
	{"queue.max_events", count(func(s *Settings) *int64 { return &s.QueueMaxEvents })},
	// Logstash's 0 means "no periodic checkpoint": Sluice then fsyncs
	// (writes) or checkpoints (acks) only at page ends and at shutdown.
	{"queue.checkpoint.writes", func(s *Settings, v string) error {
		return intSetting(&s.QueueCheckpointWrites, v)
	}},
	{"queue.checkpoint.acks", func(s *Settings, v string) error {
		return intSetting(&s.QueueCheckpointAcks, v)
	}},
	{"queue.drain", boolean(func(s *Settings) *bool { return &s.QueueDrain })},
}

func intSetting(p *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("expected an integer >= 0, got %q", v)
	}
	if n == 0 {
		n = 1 << 30
	}
	*p = n
	return nil
}

// Logstash keys Sluice accepts but does not act on (yet); using one logs a
// warning instead of failing, so an existing logstash.yml still loads.
var ignored = []string{
	"pipeline.unsafe_shutdown", "pipeline.ordered", "pipeline.plugin_classloaders", "pipeline.separate_logs",
	"pipeline.buffer.type", "path.logs", "path.plugins", "http.host", "http.port", "api.enabled", "api.http.host",
	"api.http.port", "api.environment", "api.ssl.enabled", "config.reload.automatic", "config.reload.interval",
	"config.debug", "queue.checkpoint.retry", "queue.compression",
	"dead_letter_queue.enable", "dead_letter_queue.max_bytes", "dead_letter_queue.storage_policy",
	"dead_letter_queue.flush_interval", "path.dead_letter_queue", "xpack.monitoring.enabled",
	"monitoring.enabled", "allow_superuser", "log.format.json.fix_duplicate_message_fields",
	"pipeline.system", "modules", "cloud.id", "cloud.auth",
}

// Names returns every key Sluice acts on, sorted.
func Names() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	sort.Strings(out)
	return out
}

// Apply sets one key from its text value.
func (s *Settings) Apply(name, value string) error {
	for _, k := range keys {
		if k.name == name {
			if err := k.apply(s, value); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("unknown setting %q", name)
}

// Warning is a non-fatal remark about the settings file.
type Warning struct {
	Line int
	Msg  string
}

// LoadFile reads dir/sluice.yml (or dir/logstash.yml when there is no
// sluice.yml) into s. A missing file is not an error. Unknown keys are
// errors naming the file, line and key.
func (s *Settings) LoadFile(dir string) (string, []Warning, error) {
	var path string
	for _, name := range []string{"sluice.yml", "logstash.yml"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		return "", nil, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return path, nil, err
	}
	warns, err := s.Load(path, src, os.LookupEnv)
	return path, warns, err
}

// Load applies a settings document. name is used in error messages.
func (s *Settings) Load(name string, src []byte, lookup func(string) (string, bool)) ([]Warning, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: expected a mapping of settings", name, root.Line)
	}
	var flat []flatEntry
	if err := flatten("", root, &flat); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	var warns []Warning
	var errs []string
	for _, e := range flat {
		v, err := substitute(e.value, lookup)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d: %s: %v", name, e.line, e.key, err))
			continue
		}
		if contains(ignored, e.key) {
			warns = append(warns, Warning{Line: e.line, Msg: fmt.Sprintf("%s is a Logstash setting Sluice does not support yet; ignored", e.key)})
			continue
		}
		if err := s.Apply(e.key, v); err != nil {
			msg := err.Error()
			if strings.HasPrefix(msg, "unknown setting") {
				if sug := suggest.Closest(e.key, Names()); sug != "" {
					msg += fmt.Sprintf("; did you mean %q?", sug)
				}
			}
			errs = append(errs, fmt.Sprintf("%s:%d: %s", name, e.line, msg))
		}
	}
	if len(errs) > 0 {
		return warns, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return warns, nil
}

type flatEntry struct {
	key, value string
	line       int
}

func flatten(prefix string, n *yaml.Node, out *[]flatEntry) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if prefix != "" {
			name = prefix + "." + name
		}
		switch v.Kind {
		case yaml.MappingNode:
			if err := flatten(name, v, out); err != nil {
				return err
			}
		case yaml.ScalarNode:
			*out = append(*out, flatEntry{key: name, value: v.Value, line: k.Line})
		default:
			if contains(ignored, name) {
				*out = append(*out, flatEntry{key: name, line: k.Line})
				continue
			}
			return fmt.Errorf("%d: %s: expected a single value", k.Line, name)
		}
	}
	return nil
}

var varRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^}]*))?\}`)

func substitute(v string, lookup func(string) (string, bool)) (string, error) {
	var err error
	out := varRE.ReplaceAllStringFunc(v, func(m string) string {
		sub := varRE.FindStringSubmatch(m)
		if val, ok := lookup(sub[1]); ok {
			return val
		}
		if strings.Contains(m, ":") {
			return sub[2]
		}
		err = fmt.Errorf("environment variable %s is not set and has no default (write ${%s:default})", sub[1], sub[1])
		return m
	})
	return out, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
