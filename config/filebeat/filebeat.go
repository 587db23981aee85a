// Package filebeat translates a Filebeat configuration (filebeat.yml) into
// Sluice's pipeline model, for `sluice ship`: each entry of
// filebeat.inputs becomes a `file` input, processors become filters and
// the output.* section becomes an output. The engine then runs it like any
// other pipeline; nothing here runs events.
//
// Errors name the key with the file, line and column of the YAML; keys
// that Filebeat knows but Sluice ignores are reported as warnings.
package filebeat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/internal/suggest"
)

// ECSVersion is the ecs.version events carry.
const ECSVersion = "8.0.0"

// MaxSize bounds the size of a configuration file.
const MaxSize = 4 << 20

// Options are what the translation needs from the machine.
type Options struct {
	// Version is the agent.version of events (Sluice's version).
	Version string
	// Host describes the machine for agent.name and add_host_metadata;
	// nil means the running system's (see SystemHost).
	Host *Host
}

// Host is what add_host_metadata adds (the basic set: no IP or MAC
// addresses, no geo).
type Host struct {
	Name         string // host name
	Architecture string // uname machine: x86_64, aarch64
	OSType       string // linux, darwin, windows
	OSFamily     string // debian, redhat, ...
	OSName       string // "Debian GNU/Linux"
	OSVersion    string // "12 (bookworm)"
	OSKernel     string // "6.1.0-18-amd64"
	ID           string // /etc/machine-id
}

// Result is a translated configuration.
type Result struct {
	// Pipeline is the translated pipeline; its Sources hold the YAML so
	// that plugin errors quote it.
	Pipeline *config.Pipeline
	// DataDir is path.data when the file sets it.
	DataDir string
	// Warnings are keys that were accepted but have no effect.
	Warnings []*config.Error
}

type translator struct {
	file string
	src  []byte
	opts Options
	host *Host
	errs config.ErrorList
	warn []*config.Error
	pl   *config.Pipeline

	filters []config.Statement
	outputs []config.Statement
	ids     map[string]bool

	name       string // agent.name
	globalTags []string
	beatName   string // [@metadata][beat] (output.logstash.index)
	nfilters   int
}

func (t *translator) errorf(n *yaml.Node, format string, args ...any) {
	t.errs = append(t.errs, t.pl.Errorf(t.pos(n), format, args...))
}

func (t *translator) warnf(n *yaml.Node, format string, args ...any) {
	t.warn = append(t.warn, t.pl.Errorf(t.pos(n), format, args...))
}

// Translate translates the Filebeat configuration src read from file. The
// error is a config.ErrorList naming every problem found.
func Translate(file string, src []byte, opts Options) (*Result, error) {
	t := &translator{file: file, src: src, opts: opts, ids: map[string]bool{}}
	t.pl = &config.Pipeline{Sources: map[string][]byte{file: src}}
	if len(src) > MaxSize {
		return nil, fmt.Errorf("%s: configuration of %d bytes exceeds the limit of %d bytes", file, len(src), MaxSize)
	}
	t.host = opts.Host
	if t.host == nil {
		t.host = SystemHost()
	}
	if t.opts.Version == "" {
		t.opts.Version = "0.0.0"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, config.ErrorList{yamlError(file, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, config.ErrorList{{Pos: config.Pos{File: file, Line: 1, Col: 1}, Msg: "the configuration is empty: it needs filebeat.inputs and an output"}}
	}
	if !t.checkAliases(&doc) {
		return nil, t.errs
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		t.errorf(root, "the configuration must be a mapping of settings (filebeat.inputs, output.*, ...), not a %s", kindName(root))
		return nil, t.errs
	}
	res := &Result{Pipeline: t.pl}
	t.top(root, res)
	if len(t.errs) > 0 {
		return nil, t.errs
	}
	res.Warnings = t.warn
	return res, nil
}

// yamlError turns a YAML syntax error into a positioned error.
func yamlError(file string, err error) *config.Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		// "line 3: did not find expected key"
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
			if i := strings.Index(msg, ": "); i >= 0 {
				msg = msg[i+2:]
			}
		}
	}
	return &config.Error{Pos: config.Pos{File: file, Line: line, Col: 1}, Msg: "YAML: " + msg}
}

// Top-level keys. Values: how they are handled.
var topKeys = []string{
	"filebeat.inputs", "processors", "fields", "fields_under_root", "tags", "name", "path.data",
	"output.logstash", "output.elasticsearch", "output.console", "output.file",
}

// ignoredTop are Filebeat settings that parse but do nothing in Sluice
// (prefixes end in a dot).
var ignoredTop = []string{
	"path.home", "path.config", "path.logs", "logging.", "monitoring.", "http.", "setup.",
	"queue.", "filebeat.registry.", "filebeat.config.", "filebeat.shutdown_timeout",
	"filebeat.overwrite_pipelines", "max_procs", "seccomp.", "features.", "instrumentation.",
}

var unsupportedTop = map[string]string{
	"filebeat.modules":      "Filebeat modules are not supported; configure filebeat.inputs and the parsing in `sluice serve`",
	"filebeat.autodiscover": "autodiscover is not supported",
	"output.kafka":          "the kafka output is not supported by sluice ship; ship to `sluice serve` with output.logstash and use its kafka output",
	"output.redis":          "the redis output is not supported by sluice ship; ship to `sluice serve` with output.logstash",
	"output.discard":        "output.discard is not supported; use output.console or output.file",
}

func matchesPrefix(key string, list []string) bool {
	for _, p := range list {
		if key == p || strings.HasSuffix(p, ".") && strings.HasPrefix(key, p) || strings.HasPrefix(key, p+".") {
			return true
		}
	}
	return false
}

func (t *translator) top(root *yaml.Node, res *Result) {
	entries := t.flatten(root, "", func(key string) bool { return key == "fields" })
	byKey := map[string]*entry{}
	outputs := map[string][]*entry{}
	var outputOrder []string
	for _, e := range entries {
		if kind, ok := outputKind(e.key); ok {
			if _, seen := outputs[kind]; !seen {
				outputOrder = append(outputOrder, kind)
			}
			outputs[kind] = append(outputs[kind], e)
			continue
		}
		switch {
		case slices.Contains(topKeys, e.key):
			byKey[e.key] = e
		case unsupportedTop[firstTwo(e.key)] != "":
			t.errorf(e.keyNode, "%s: %s", e.key, unsupportedTop[firstTwo(e.key)])
		case strings.HasPrefix(e.key, "output."):
			t.errorf(e.keyNode, "unknown output %q; sluice ship supports output.logstash, output.elasticsearch, output.console and output.file", firstTwo(e.key))
		case matchesPrefix(e.key, ignoredTop):
			t.warnf(e.keyNode, "%s is ignored by sluice ship", e.key)
		default:
			t.unknownKey(e, topKeys)
		}
	}
	if e := byKey["name"]; e != nil {
		t.name, _ = t.str(e)
	}
	if t.name == "" {
		t.name = t.host.Name
	}
	if e := byKey["path.data"]; e != nil {
		res.DataDir, _ = t.str(e)
	}
	if e := byKey["tags"]; e != nil {
		t.globalTags, _ = t.strings(e)
	}

	// The output first: output.logstash.index changes the inputs' fields.
	var enabled []string
	for _, kind := range outputOrder {
		if t.outputEnabled(outputs[kind]) {
			enabled = append(enabled, kind)
		}
	}
	switch len(enabled) {
	case 0:
		t.errs = append(t.errs, &config.Error{Pos: config.Pos{File: t.file, Line: 1, Col: 1},
			Msg: "no output configured: set one of output.logstash, output.elasticsearch, output.console or output.file"})
	case 1:
		t.output(enabled[0], outputs[enabled[0]])
	default:
		e := outputs[enabled[1]][0]
		t.errorf(e.keyNode, "only one output may be enabled, found output.%s and output.%s", enabled[0], enabled[1])
	}

	e := byKey["filebeat.inputs"]
	if e == nil {
		t.errs = append(t.errs, &config.Error{Pos: config.Pos{File: t.file, Line: 1, Col: 1},
			Msg: "no filebeat.inputs: sluice ship needs at least one input"})
		return
	}
	if e.val.Kind != yaml.SequenceNode {
		t.errorf(e.val, "filebeat.inputs must be a list of inputs, got %s", describe(e.val))
		return
	}
	var ins []config.Statement
	for i, n := range e.val.Content {
		if p := t.input(i, resolve(n)); p != nil {
			ins = append(ins, p)
		}
	}
	if len(ins) == 0 && len(t.errs) == 0 {
		t.errorf(e.keyNode, "filebeat.inputs has no enabled input")
	}
	// Global fields and processors apply to every event, after the
	// inputs' own.
	var global []config.Statement
	if e := byKey["fields"]; e != nil {
		under := false
		if u := byKey["fields_under_root"]; u != nil {
			under, _ = t.boolean(u)
		}
		global = append(global, t.fieldsMutate(e, under, "fields")...)
	} else if u := byKey["fields_under_root"]; u != nil {
		t.warnf(u.keyNode, "fields_under_root without fields has no effect")
	}
	if e := byKey["processors"]; e != nil {
		global = append(global, t.processors(e)...)
	}

	filters := append(t.filters, global...)
	pos := t.pos(e.keyNode)
	t.pl.Sections = append(t.pl.Sections, &config.Section{Pos: pos, Kind: "input", Body: ins})
	if len(filters) > 0 {
		t.pl.Sections = append(t.pl.Sections, &config.Section{Pos: pos, Kind: "filter", Body: filters})
	}
	if len(t.outputs) > 0 {
		t.pl.Sections = append(t.pl.Sections, &config.Section{Pos: t.outputs[0].Position(), Kind: "output", Body: t.outputs})
	}
}

func firstTwo(key string) string {
	parts := strings.SplitN(key, ".", 3)
	if len(parts) < 2 {
		return key
	}
	return parts[0] + "." + parts[1]
}

func outputKind(key string) (string, bool) {
	for _, k := range []string{"logstash", "elasticsearch", "console", "file"} {
		if key == "output."+k || strings.HasPrefix(key, "output."+k+".") {
			return k, true
		}
	}
	return "", false
}

func (t *translator) unknownKey(e *entry, known []string) {
	msg := fmt.Sprintf("unknown setting %q", e.key)
	if s := suggest.Closest(e.key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	t.errorf(e.keyNode, "%s", msg)
}

// outputEnabled reports whether an output section is enabled (Filebeat's
// `enabled`, default true).
func (t *translator) outputEnabled(es []*entry) bool {
	for _, e := range es {
		if strings.HasSuffix(e.key, ".enabled") && strings.Count(e.key, ".") == 2 {
			b, _ := t.boolean(e)
			return b
		}
	}
	return true
}

// SystemHost describes the machine the shipper runs on.
func SystemHost() *Host {
	h := &Host{OSType: runtime.GOOS, Architecture: runtime.GOARCH}
	h.Name, _ = os.Hostname()
	switch h.Architecture {
	case "amd64":
		h.Architecture = "x86_64"
	case "arm64":
		h.Architecture = "aarch64"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.OSKernel = string(bytes.TrimSpace(b))
	}
	if b, err := os.ReadFile("/etc/machine-id"); err == nil {
		h.ID = string(bytes.TrimSpace(b))
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		kv := map[string]string{}
		for line := range strings.SplitSeq(string(b), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok {
				kv[k] = strings.Trim(v, `"'`)
			}
		}
		h.OSName, h.OSVersion = kv["NAME"], kv["VERSION"]
		h.OSFamily = kv["ID"]
		if like := strings.Fields(kv["ID_LIKE"]); len(like) > 0 {
			h.OSFamily = like[0]
		}
	}
	return h
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
