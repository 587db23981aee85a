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

	// DeadLetterQueue holds the dead_letter_queue.* settings and
	// path.dead_letter_queue.
	DeadLetterQueue DeadLetterQueue
	// APIEnabled, APIHost and APIPort are api.enabled, api.http.host and
	// api.http.port (a port or a range such as 9600-9700: the first free
	// one is used).
	APIEnabled bool
	APIHost    string
	APIPort    string
	// ReloadAutomatic and ReloadInterval are config.reload.automatic and
	// config.reload.interval.
	ReloadAutomatic bool
	ReloadInterval  time.Duration
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

// DeadLetterQueue are the dead letter queue settings.
type DeadLetterQueue struct {
	Enable bool
	// Path is path.dead_letter_queue; empty means <path.data>/dead_letter_queue.
	Path          string
	MaxBytes      int64
	StoragePolicy string
	FlushInterval time.Duration
	// RetainAge is dead_letter_queue.retain.age; 0 keeps segments until
	// max_bytes needs room.
	RetainAge time.Duration
}

// DeadLetterQueueDir returns path.dead_letter_queue, defaulting to
// <path.data>/dead_letter_queue. A pipeline's queue is the directory named
// after its id inside it.
func (s *Settings) DeadLetterQueueDir() string {
	if s.DeadLetterQueue.Path != "" {
		return s.DeadLetterQueue.Path
	}
	return filepath.Join(s.PathData, "dead_letter_queue")
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
		DeadLetterQueue: DeadLetterQueue{
			MaxBytes:      1024 << 20,
			StoragePolicy: "drop_newer",
			FlushInterval: 5 * time.Second,
		},
		APIEnabled:     true,
		APIHost:        "127.0.0.1",
		APIPort:        "9600-9700",
		ReloadInterval: 3 * time.Second,

		QueueType:             "memory",
		QueuePageCapacity:     64 << 20,
		QueueMaxBytes:         1 << 30,
		QueueCheckpointWrites: 1024,
		QueueCheckpointAcks:   1024,
	}
}

// ParseBytes reads a byte size as Logstash writes them: a number with an
// optional unit b, kb, mb, gb, tb (1024-based, case-insensitive), e.g.
// "1024mb".
func ParseBytes(v string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"tb", 1 << 40}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("expected a size such as 1024mb or 1gb, got %q", v)
	}
	return n * mult, nil
}

// parseAge reads an age as Logstash's retain.age: a number and a unit d,
// h, m or s ("7d", "36h").
func parseAge(v string) (time.Duration, error) {
	t := strings.TrimSpace(v)
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	if len(t) >= 2 {
		if u, ok := units[t[len(t)-1]]; ok {
			n, err := strconv.ParseInt(t[:len(t)-1], 10, 64)
			if err == nil && n > 0 && n < int64(1<<62)/int64(u) {
				return time.Duration(n) * u, nil
			}
		}
	}
	return 0, fmt.Errorf("expected an age such as 7d, 12h, 30m or 90s, got %q", v)
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
	{"log.format", oneOf("plain", "text", "json")(func(s *Settings) *string { return &s.LogFormat })},
	{"api.enabled", boolean(func(s *Settings) *bool { return &s.APIEnabled })},
	{"api.http.host", str(func(s *Settings) *string { return &s.APIHost })},
	{"api.http.port", ports(func(s *Settings) *string { return &s.APIPort })},
	// Logstash's older names for api.http.*.
	{"http.host", str(func(s *Settings) *string { return &s.APIHost })},
	{"http.port", ports(func(s *Settings) *string { return &s.APIPort })},
	{"dead_letter_queue.enable", boolean(func(s *Settings) *bool { return &s.DeadLetterQueue.Enable })},
	{"path.dead_letter_queue", str(func(s *Settings) *string { return &s.DeadLetterQueue.Path })},
	{"dead_letter_queue.max_bytes", func(s *Settings, v string) error {
		n, err := ParseBytes(v)
		s.DeadLetterQueue.MaxBytes = n
		return err
	}},
	{"dead_letter_queue.storage_policy", oneOf("drop_newer", "drop_older")(func(s *Settings) *string { return &s.DeadLetterQueue.StoragePolicy })},
	{"dead_letter_queue.flush_interval", func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("expected milliseconds (a positive integer), got %q", v)
		}
		s.DeadLetterQueue.FlushInterval = time.Duration(n) * time.Millisecond
		return nil
	}},
	{"dead_letter_queue.retain.age", func(s *Settings, v string) error {
		d, err := parseAge(v)
		s.DeadLetterQueue.RetainAge = d
		return err
	}},
	{"config.reload.automatic", boolean(func(s *Settings) *bool { return &s.ReloadAutomatic })},
	{"config.reload.interval", func(s *Settings, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("expected a positive duration such as 3s, got %q", v)
		}
		s.ReloadInterval = d
		return nil
	}},
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

var portsRE = regexp.MustCompile(`^\s*[0-9]{1,5}\s*(-\s*[0-9]{1,5}\s*)?$`)

// ports accepts a port or a range of ports ("9600-9700").
func ports(f func(*Settings) *string) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		if !portsRE.MatchString(v) {
			return fmt.Errorf("expected a port or a range of ports such as 9600-9700, got %q", v)
		}
		*f(s) = v
		return nil
	}
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
	"pipeline.buffer.type", "path.logs", "path.plugins", "api.environment", "api.ssl.enabled",
	"config.debug", "queue.checkpoint.retry", "queue.compression",
	"xpack.monitoring.enabled",
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
