// Package pipetest runs data-driven pipeline tests: a pipeline's filters
// applied to given input, compared with expected events. `sluice test`
// and the repository's own case folders use it.
//
// A case is a directory holding:
//
//	pipeline.conf   the pipeline; only its filter sections run (input and
//	                output sections, if any, are ignored)
//	input           one event per line: the line is the message, as the
//	                line codec makes it; or input.ndjson, one JSON event
//	                per line
//	expected.ndjson the events the filters must produce, in order, one
//	                JSON object per line
//	sluice.yml      optional settings for the case: pipeline.ecs_compatibility
//	                and path.data (relative to the case directory), so
//	                that a case can run a pipeline written for ECS-less
//	                Logstash unchanged, or give plugins files they look
//	                for under path.data (the geoip filter's database)
//
// An expected event must match the produced one field for field, except
// that @timestamp and @version are compared only when the expected event
// has them (tests rarely know the time of arrival) and [event][original]
// only when present in the expectation.
package pipetest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/settings"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
)

// Result is the outcome of one case.
type Result struct {
	Case string
	// Err is a problem running the case (bad files, configuration error).
	Err error
	// Diffs lists mismatches, one line each; empty when the case passed.
	Diffs []string
}

// Passed reports whether the case ran and matched.
func (r Result) Passed() bool { return r.Err == nil && len(r.Diffs) == 0 }

// Cases lists the case directories under root: root itself when it holds
// a pipeline.conf, else every directory below it that does, sorted.
func Cases(root string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(root, "pipeline.conf")); err == nil {
		return []string{root}, nil
	}
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "pipeline.conf" {
			out = append(out, filepath.Dir(p))
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no test case (a directory with a pipeline.conf)", root)
	}
	sort.Strings(out)
	return out, err
}

// Run runs one case with the plugins of reg (plugin.Default when nil).
func Run(dir string, reg *plugin.Registry) Result {
	res := Result{Case: dir}
	if reg == nil {
		reg = plugin.Default
	}
	cfg, err := config.Load([]string{filepath.Join(dir, "pipeline.conf")})
	if err != nil {
		res.Err = err
		return res
	}
	if err := config.Substitute(cfg, os.LookupEnv); err != nil {
		res.Err = err
		return res
	}
	events, err := readInput(dir)
	if err != nil {
		res.Err = err
		return res
	}
	expected, err := readNDJSON(filepath.Join(dir, "expected.ndjson"))
	if err != nil {
		res.Err = err
		return res
	}
	set, err := caseSettings(dir)
	if err != nil {
		res.Err = err
		return res
	}
	got, err := runFilters(cfg, reg, events, set)
	if err != nil {
		res.Err = err
		return res
	}
	res.Diffs = compare(expected, got)
	return res
}

// runFilters runs the filter sections of cfg over events, in order.
func runFilters(cfg *config.Pipeline, reg *plugin.Registry, events []*event.Event, set caseSet) ([]map[string]any, error) {
	c := &collector{}
	r := reg.Clone()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "sluice_test_feed", New: func() plugin.Plugin { return &feed{events: events} }})
	r.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "sluice_test_collect", New: func() plugin.Plugin { return c }})
	run := &config.Pipeline{Sources: cfg.Sources, Sections: []*config.Section{
		{Kind: "input", Body: []config.Statement{&config.Plugin{Name: "sluice_test_feed"}}},
	}}
	for _, s := range cfg.Sections {
		if s.Kind == "filter" {
			run.Sections = append(run.Sections, s)
		}
	}
	run.Sections = append(run.Sections, &config.Section{Kind: "output", Body: []config.Statement{&config.Plugin{Name: "sluice_test_collect"}}})
	p, err := pipeline.New(run, pipeline.Settings{
		ID: "test", Workers: 1, BatchSize: 125, Registry: r, DataDir: set.dataDir,
		ECSCompatibility: set.ecs,
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	if err := p.Run(context.Background()); err != nil {
		return nil, err
	}
	return c.maps()
}

// caseSet holds the settings a case's sluice.yml may give.
type caseSet struct {
	ecs     string // "" for the default
	dataDir string
}

// caseSettings reads the case's optional sluice.yml. Only the settings
// that change what filters produce are allowed; anything else is an error,
// so that a case never silently ignores what it says.
func caseSettings(dir string) (caseSet, error) {
	out := caseSet{dataDir: os.TempDir()}
	set := settings.Defaults()
	// Empty values show which of the two settings the file gives.
	set.ECSCompatibility, set.PathData = "", ""
	file, _, err := set.LoadFile(dir)
	if err != nil {
		return out, err
	}
	if file == "" {
		return out, nil
	}
	out.ecs = set.ECSCompatibility
	if set.PathData != "" {
		out.dataDir = set.PathData
		if !filepath.IsAbs(out.dataDir) {
			out.dataDir = filepath.Join(dir, out.dataDir)
		}
	}
	def := settings.Defaults()
	set.ECSCompatibility, set.PathData = def.ECSCompatibility, def.PathData
	if set != def {
		return out, fmt.Errorf("%s: a test case's settings may only set pipeline.ecs_compatibility and path.data", file)
	}
	return out, nil
}

type feed struct{ events []*event.Event }

func (*feed) Settings(*plugin.Settings) {}
func (f *feed) Run(ctx context.Context, q plugin.Queue) error {
	return q.Push(ctx, f.events, nil)
}

type collector struct {
	mu  sync.Mutex
	got []*event.Event
}

func (*collector) Settings(*plugin.Settings) {}
func (c *collector) Write(_ context.Context, events []*event.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, events...)
	return nil
}

// maps turns the collected events into plain JSON values, as an output
// would write them (without @metadata).
func (c *collector) maps() ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(c.got))
	for _, e := range c.got {
		m, err := event.DecodeJSON(e.AppendJSON(nil))
		if err != nil {
			return nil, fmt.Errorf("BUG: event does not round-trip through JSON: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

func readInput(dir string) ([]*event.Event, error) {
	if docs, err := readNDJSON(filepath.Join(dir, "input.ndjson")); err == nil {
		out := make([]*event.Event, len(docs))
		for i, d := range docs {
			out[i] = event.FromMap(d)
		}
		return out, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "input"))
	if err != nil {
		return nil, fmt.Errorf("%s: needs an input or input.ndjson file: %w", dir, err)
	}
	var out []*event.Event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		out = append(out, event.NewMessage(strings.TrimSuffix(sc.Text(), "\r")))
	}
	return out, sc.Err()
}

func readNDJSON(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, err := event.DecodeJSON(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// compare lists the differences between expected and produced events.
func compare(expected, got []map[string]any) []string {
	var diffs []string
	n := max(len(expected), len(got))
	for i := 0; i < n; i++ {
		switch {
		case i >= len(got):
			diffs = append(diffs, fmt.Sprintf("event %d: expected but not produced: %s", i+1, show(expected[i])))
		case i >= len(expected):
			diffs = append(diffs, fmt.Sprintf("event %d: produced but not expected: %s", i+1, show(got[i])))
		default:
			for _, d := range diffMaps("", expected[i], got[i], true) {
				diffs = append(diffs, fmt.Sprintf("event %d: %s", i+1, d))
			}
		}
	}
	return diffs
}

// optional fields are compared only when the expectation names them.
var optional = map[string]bool{"[@timestamp]": true, "[@version]": true, "[event][original]": true}

func diffMaps(prefix string, want, got map[string]any, root bool) []string {
	var out []string
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		path := prefix + "[" + k + "]"
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inWant && optional[path]:
		case !inWant:
			out = append(out, fmt.Sprintf("%s: unexpected, got %s", path, show(g)))
		case !inGot:
			out = append(out, fmt.Sprintf("%s: missing, want %s", path, show(w)))
		default:
			wm, wok := w.(map[string]any)
			gm, gok := g.(map[string]any)
			if wok && gok {
				out = append(out, diffMaps(path, wm, gm, false)...)
			} else if show(w) != show(g) {
				out = append(out, fmt.Sprintf("%s: want %s, got %s", path, show(w), show(g)))
			}
		}
	}
	return out
}

func show(v any) string { return string(event.AppendJSONValue(nil, v)) }
