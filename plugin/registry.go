package plugin

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/internal/suggest"
)

// Spec describes a plugin kind to the registry.
type Spec struct {
	Kind Kind
	Name string
	// Summary is one line for plugin lists.
	Summary string
	// Description is Markdown for the doc page (may be empty).
	Description string
	// Example is a copy-paste pipeline snippet using the plugin; the docs
	// show it and a test checks that it passes `sluice check`.
	Example string
	// Serial asks the engine to call an output's Write from one goroutine
	// at a time (for outputs that are not safe for concurrent use).
	Serial bool
	// New returns a fresh, unconfigured plugin.
	New func() Plugin
}

// Registry holds plugin specs by kind and name. Registering a name twice
// panics. Plugins register into Default from their init functions; tests
// may build their own with NewRegistry.
type Registry struct {
	mu    sync.RWMutex
	specs map[Kind]map[string]*Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{specs: map[Kind]map[string]*Spec{}}
}

// Default is the registry that plugins/all fills.
var Default = NewRegistry()

// Register adds s to Default.
func Register(s Spec) { Default.Register(s) }

// Register adds a spec. It panics on a duplicate or an incomplete spec.
func (r *Registry) Register(s Spec) {
	if s.Name == "" || s.New == nil {
		panic("BUG: plugin spec without a name or constructor")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.specs[s.Kind]
	if m == nil {
		m = map[string]*Spec{}
		r.specs[s.Kind] = m
	}
	if _, dup := m[s.Name]; dup {
		panic(fmt.Sprintf("BUG: %s plugin %q registered twice", s.Kind, s.Name))
	}
	sp := s
	m[s.Name] = &sp
}

// Clone returns a new registry holding the same specs, to which a caller
// may add its own (sluice test adds its event feeder and collector).
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := NewRegistry()
	for kind, m := range r.specs {
		c.specs[kind] = make(map[string]*Spec, len(m))
		for name, s := range m {
			c.specs[kind][name] = s
		}
	}
	return c
}

// Lookup finds a spec.
func (r *Registry) Lookup(kind Kind, name string) (*Spec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.specs[kind][name]
	return s, ok
}

// Specs returns the specs of one kind sorted by name.
func (r *Registry) Specs(kind Kind) []*Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Spec, 0, len(r.specs[kind]))
	for _, s := range r.specs[kind] {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (r *Registry) names(kind Kind) []string {
	var out []string
	for _, s := range r.Specs(kind) {
		out = append(out, s.Name)
	}
	return out
}

// Instance is a configured plugin.
type Instance struct {
	Spec     *Spec
	Plugin   Plugin
	Common   *Common
	Pos      config.Pos
	Settings *Settings
	Context  *Context
	// Codecs built for this instance's codec settings (closed with it).
	Codecs []*Instance
}

// Close closes the plugin and its codecs if they are Closers.
func (in *Instance) Close() error {
	var first error
	for _, c := range in.Codecs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	if c, ok := in.Plugin.(Closer); ok {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// BuildEnv is what Build needs from the pipeline being built.
type BuildEnv struct {
	// Config is the parsed pipeline, for error messages quoting the source.
	Config *config.Pipeline
	// Logger is the base logger; plugin loggers add id and plugin name.
	Logger     *slog.Logger
	PipelineID string
	DataDir    string
	// ECSCompatibility is pipeline.ecs_compatibility (disabled, v1, v8).
	ECSCompatibility string
	// Workers is pipeline.workers, given to plugins as Context.Workers
	// (0 when not known).
	Workers int
	// NewID makes an id for a plugin that has none.
	NewID func(spec *Spec) string
	// DeadLetter is the pipeline's dead letter queue, nil unless
	// dead_letter_queue.enable is set. Build gives each plugin its
	// writer as Context.DeadLetter.
	DeadLetter DeadLetterQueue
}

// DeadLetterQueue is a pipeline's dead letter queue: it hands out a
// writer for each plugin, which records the plugin's type (its name, e.g.
// "elasticsearch") with every event.
type DeadLetterQueue interface {
	ForPlugin(pluginType string) DeadLetterWriter
}

// SettingsOf declares a fresh plugin's settings (plus the common ones of
// its kind) and returns them; used by docs and checks.
func SettingsOf(spec *Spec) *Settings {
	s := &Settings{}
	var c Common
	c.declare(spec.Kind, s)
	spec.New().Settings(s)
	return s
}

// Build makes a configured instance of the plugin p of the given kind:
// decodes settings (unknown names, wrong types, missing required settings
// are all reported, with positions), applies defaults and runs Init.
// On error the returned instance, if not nil, must still be closed.
func (r *Registry) Build(kind Kind, p *config.Plugin, env *BuildEnv) (*Instance, error) {
	spec, ok := r.Lookup(kind, p.Name)
	if !ok {
		return nil, config.ErrorList{r.unknownPlugin(kind, p, env)}
	}
	d := &decoder{reg: r, env: env, pos: p.Pos, ppos: p.Pos}
	in := &Instance{Spec: spec, Plugin: spec.New(), Common: &Common{}, Pos: p.Pos, Settings: &Settings{}}
	in.Common.declare(kind, in.Settings)
	in.Plugin.Settings(in.Settings)
	d.apply(in.Settings, p.Name, mergeAttrs(p.Attrs, d))
	in.Codecs = d.codecs
	if len(d.errs) > 0 {
		return in, d.errs
	}
	id := in.Common.ID
	if id == "" && env.NewID != nil {
		id = env.NewID(spec)
	}
	ecs := in.Common.ECSCompatibility
	if ecs == "" {
		ecs = env.ECSCompatibility
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.Default()
	}
	in.Context = &Context{
		Logger:     logger.With("plugin", kind.String()+"/"+spec.Name, "id", id),
		PipelineID: env.PipelineID,
		ID:         id,
		DataDir:    env.DataDir,
		Workers:    env.Workers,

		ECSCompatibility: ecs,
	}
	if env.DeadLetter != nil && kind != KindCodec {
		in.Context.DeadLetter = env.DeadLetter.ForPlugin(spec.Name)
	}
	in.Common.ID = id
	in.Common.ECSCompatibility = ecs
	in.Context.buildCodec = func(name string) (Codec, error) {
		cin, err := r.Build(KindCodec, &config.Plugin{Pos: p.Pos, Name: name}, &BuildEnv{
			Config: env.Config, Logger: env.Logger, PipelineID: env.PipelineID,
			DataDir: env.DataDir, ECSCompatibility: ecs, Workers: env.Workers,
			NewID: func(*Spec) string { return id + "_codec_" + name },
		})
		if cin != nil {
			in.Codecs = append(in.Codecs, cin)
		}
		if err != nil {
			// The caller's error gets the plugin's position: keep only
			// the messages.
			if l, ok := err.(config.ErrorList); ok {
				msgs := make([]string, len(l))
				for i, e := range l {
					msgs[i] = e.Msg
				}
				return nil, errors.New(strings.Join(msgs, "; "))
			}
			return nil, err
		}
		return cin.Plugin.(Codec), nil
	}
	if init, ok := in.Plugin.(Initializer); ok {
		err := init.Init(in.Context)
		in.Context.buildCodec = nil
		if err != nil {
			return in, config.ErrorList{env.Config.Errorf(p.Pos, "%s %s: %v", kind, p.Name, err)}
		}
	}
	return in, nil
}

func (r *Registry) unknownPlugin(kind Kind, p *config.Plugin, env *BuildEnv) *config.Error {
	msg := fmt.Sprintf("unknown %s plugin %q", kind, p.Name)
	for _, k := range Kinds {
		if k != kind {
			if _, ok := r.Lookup(k, p.Name); ok && k != KindCodec {
				msg += fmt.Sprintf(" (%q is %s %s plugin: it belongs in the %s section)", p.Name, article(k.String()), k, k)
				return env.Config.Errorf(p.Pos, "%s", msg)
			}
		}
	}
	if advice := notAvailable(kind, p.Name); advice != "" {
		return env.Config.Errorf(p.Pos, "%s: %s", msg, advice)
	}
	if s := suggest.Closest(p.Name, r.names(kind)); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if names := r.names(kind); len(names) > 0 {
		msg += fmt.Sprintf("; known %ss: %s", kind, strings.Join(names, ", "))
	}
	return env.Config.Errorf(p.Pos, "%s", msg)
}

func article(w string) string {
	if strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}

type decoder struct {
	reg    *Registry
	env    *BuildEnv
	pos    config.Pos
	ppos   config.Pos
	errs   config.ErrorList
	codecs []*Instance
}

func (d *decoder) errorf(pos config.Pos, format string, args ...any) {
	d.errs = append(d.errs, d.env.Config.Errorf(pos, format, args...))
}

func (d *decoder) codec(name string, attrs []*config.Attr, pos config.Pos) (Codec, error) {
	in, err := d.reg.Build(KindCodec, &config.Plugin{Pos: pos, Name: name, Attrs: attrs}, &BuildEnv{
		Config: d.env.Config, Logger: d.env.Logger, PipelineID: d.env.PipelineID,
		DataDir: d.env.DataDir, ECSCompatibility: d.env.ECSCompatibility,
		NewID: func(*Spec) string { return "codec_" + name },
	})
	if in != nil {
		d.codecs = append(d.codecs, in)
	}
	if err != nil {
		if l, ok := err.(config.ErrorList); ok {
			d.errs = append(d.errs, l...)
			return nil, errReported
		}
		return nil, err
	}
	return in.Plugin.(Codec), nil
}

// errReported marks an error already added to the decoder's list.
var errReported = fmt.Errorf("reported")

func (d *decoder) apply(s *Settings, pluginName string, attrs []*config.Attr) {
	for _, a := range attrs {
		st, ok := s.Lookup(a.Name)
		if !ok {
			msg := fmt.Sprintf("unknown setting %q for %s", a.Name, pluginName)
			if sug := suggest.Closest(a.Name, sortedNames(s)); sug != "" {
				msg += fmt.Sprintf("; did you mean %q?", sug)
			}
			d.errorf(a.Pos, "%s", msg)
			continue
		}
		d.pos = a.Pos
		if err := st.decode(a.Value, d); err != nil {
			if err != errReported {
				d.errorf(a.Value.Position(), "setting %q of %s: %v", a.Name, pluginName, err)
			}
			continue
		}
		st.Set = true
		if len(st.EnumValues) > 0 {
			if str, err := parseString(a.Value, d); err == nil && !contains(st.EnumValues, str) {
				d.errorf(a.Value.Position(), "setting %q of %s: %q is not one of %s", a.Name, pluginName, str, strings.Join(st.EnumValues, ", "))
			}
		}
		if st.Deprecation != "" && d.env.Logger != nil {
			d.env.Logger.Warn("deprecated setting", "setting", a.Name, "plugin", pluginName, "at", a.Pos.String(), "advice", st.Deprecation)
		}
	}
	for _, st := range s.list {
		if st.Set {
			continue
		}
		if st.IsRequired {
			d.errorf(d.pluginPos(), "%s: missing required setting %q", pluginName, st.Name)
			continue
		}
		if st.HasDefault {
			d.pos = d.pluginPos()
			if err := st.applyDefault(d); err != nil && err != errReported {
				d.errorf(d.pluginPos(), "%s: default of %q: %v", pluginName, st.Name, err)
			}
		}
	}
}

func (d *decoder) pluginPos() config.Pos { return d.ppos }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mergeAttrs joins repeated settings as Logstash does: arrays are
// concatenated, hashes merged, a scalar repeated with the same value kept
// once, and different values gathered into an array (which settings that
// take a single value then reject with a type error).
func mergeAttrs(attrs []*config.Attr, d *decoder) []*config.Attr {
	seen := map[string]*config.Attr{}
	out := make([]*config.Attr, 0, len(attrs))
	for _, a := range attrs {
		prev, dup := seen[a.Name]
		if !dup {
			c := *a
			seen[a.Name] = &c
			out = append(out, &c)
			continue
		}
		switch pv := prev.Value.(type) {
		case *config.Array:
			if nv, ok := a.Value.(*config.Array); ok {
				prev.Value = &config.Array{Pos: pv.Pos, Items: append(append([]config.Value{}, pv.Items...), nv.Items...)}
				continue
			}
		case *config.Hash:
			if nv, ok := a.Value.(*config.Hash); ok {
				prev.Value = &config.Hash{Pos: pv.Pos, Entries: append(append([]*config.HashEntry{}, pv.Entries...), nv.Entries...)}
				continue
			}
		}
		if scalarText(prev.Value) != "" && scalarText(prev.Value) == scalarText(a.Value) {
			continue
		}
		items := []config.Value{prev.Value}
		if arr, ok := prev.Value.(*config.Array); ok {
			items = append([]config.Value{}, arr.Items...)
		}
		if arr, ok := a.Value.(*config.Array); ok {
			items = append(items, arr.Items...)
		} else {
			items = append(items, a.Value)
		}
		prev.Value = &config.Array{Pos: prev.Value.Position(), Items: items}
	}
	return out
}

// scalarText identifies a scalar value for duplicate detection ("" for
// arrays, hashes and plugins).
func scalarText(v config.Value) string {
	switch x := v.(type) {
	case *config.String:
		return "s:" + x.Value
	case *config.Bareword:
		return "s:" + x.Value
	case *config.Number:
		return "n:" + x.Raw
	}
	return ""
}
