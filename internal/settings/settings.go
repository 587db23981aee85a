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
		APIEnabled:       true,
		APIHost:          "127.0.0.1",
		APIPort:          "9600-9700",
		ReloadInterval:   3 * time.Second,
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
	{"config.reload.automatic", boolean(func(s *Settings) *bool { return &s.ReloadAutomatic })},
	{"config.reload.interval", func(s *Settings, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("expected a positive duration such as 3s, got %q", v)
		}
		s.ReloadInterval = d
		return nil
	}},
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

// Logstash keys Sluice accepts but does not act on (yet); using one logs a
// warning instead of failing, so an existing logstash.yml still loads.
var ignored = []string{
	"pipeline.unsafe_shutdown", "pipeline.ordered", "pipeline.plugin_classloaders", "pipeline.separate_logs",
	"pipeline.buffer.type", "path.logs", "path.plugins", "api.environment", "api.ssl.enabled",
	"config.debug", "queue.type", "path.queue", "queue.page_capacity", "queue.max_events", "queue.max_bytes",
	"queue.checkpoint.acks", "queue.checkpoint.writes", "queue.checkpoint.retry", "queue.drain",
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
