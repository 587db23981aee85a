// Package useragent is the useragent filter: parses browser user-agent
// strings into name, version, operating system and device, with the
// ua-parser project's regexes (github.com/ua-parser/uap-go).
package useragent

import (
	_ "embed"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru"
	"github.com/ua-parser/uap-go/uaparser"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/fieldtree"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "useragent",
		Summary: "Parses a user-agent string into browser name and version, operating system and device.",
		Description: `Parses the user-agent string in ` + "`source`" + ` with the regexes of the ua-parser
project (uap-core's ` + "`regexes.yaml`" + `, built in; ` + "`regexes`" + ` loads another file) and adds:

| ECS disabled | ECS v1/v8 | what |
|---|---|---|
| ` + "`name`" + ` | ` + "`[user_agent][name]`" + ` | browser or client name (` + "`Other`" + ` when unknown) |
| ` + "`version`" + ` | ` + "`[user_agent][version]`" + ` | its version (` + "`32.0.1700.107`" + `) |
| ` + "`major`" + `, ` + "`minor`" + `, ` + "`patch`" + ` | ` + "`[@metadata][filter][user_agent][version][major]`" + `, ... | version parts |
| ` + "`os_name`" + ` (and ` + "`os`" + `, the same) | ` + "`[user_agent][os][name]`" + ` | operating system |
| ` + "`os_version`" + ` | ` + "`[user_agent][os][version]`" + ` | its version (` + "`10.9.1`" + `, ` + "`Vista`" + `) |
| ` + "`os_major`" + `, ` + "`os_minor`" + `, ` + "`os_patch`" + ` | ` + "`[@metadata][filter][user_agent][os][version][major]`" + `, ... | OS version parts |
| ` + "`os_full`" + ` | ` + "`[user_agent][os][full]`" + ` | OS name and version (` + "`Mac OS X 10.9.1`" + `) |
| ` + "`device`" + ` | ` + "`[user_agent][device][name]`" + ` | device (` + "`Mac`" + `, ` + "`iPhone`" + `, ` + "`Spider`" + `, ` + "`Other`" + `) |

Without ECS compatibility the fields go at the top level of the event, or
below ` + "`target`" + ` when it is set, each name preceded by ` + "`prefix`" + `. With ECS the target
defaults to ` + "`user_agent`" + ` and ` + "`prefix`" + ` is ignored (with a warning).

A missing or empty ` + "`source`" + ` leaves the event alone; for an array, its first
element is parsed. When ` + "`target`" + ` equals ` + "`source`" + `, the string is replaced by the
parsed fields. Parsing is expensive (hundreds of regular expressions), so
results are kept in an LRU cache of ` + "`lru_cache_size`" + ` user agents per filter.

Differences from Logstash: with ECS compatibility ` + "`[user_agent][original]`" + ` is set
to the source string when absent (Logstash leaves it to grok); the cache
belongs to each filter rather than being shared; regular expressions run on
Go's RE2 engine (uap-go), which may differ from Java's on rare user agents;
ua-parser's regexes are those of the uap-go version built in.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the useragent filter.
type Filter struct {
	Source       event.Ref
	Target       string
	Regexes      string
	LRUCacheSize int
	Prefix       string

	parser *fastParser
	cache  *lru.Cache
	logger *slog.Logger
	ecs    bool
	remove bool // target equals source: remove the string first

	// Where each piece goes: below the target (or at the top level), and,
	// with ECS, below [@metadata][filter][user_agent].
	main, meta group
	original   event.Ref // ECS: [target][original]
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source",
		"Field holding the user-agent string (for an array, its first element).").Required().
		Example(`"[user_agent][original]"`)
	s.String(&f.Target, "target",
		"Field to put the parsed data into. Default: the top level of the event without ECS compatibility, `user_agent` with it.").
		Example(`"useragent"`)
	s.Path(&f.Regexes, "regexes",
		"A ua-parser `regexes.yaml` file to use instead of the built-in one.").Example(`"/etc/sluice/regexes.yaml"`)
	s.Int(&f.LRUCacheSize, "lru_cache_size",
		"How many parsed user agents to keep (parsing is expensive; logs repeat user agents); at least 1.").Default(100000)
	s.String(&f.Prefix, "prefix",
		"Text put before every field name (without ECS compatibility only).").Default("")
}

// defaultParser compiles the built-in regexes once for every filter.
var defaultParser = sync.OnceValues(func() (*fastParser, error) {
	// The filter caches whole results itself; uap-go's caches are not used.
	p, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		return nil, err
	}
	return newFastParser(p), nil
})

// maxRegexesFile bounds the regexes file read into memory.
const maxRegexesFile = 16 << 20

// Init loads the regexes and works out the field names.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	f.ecs = ctx.ECS()
	if f.LRUCacheSize < 1 {
		return fmt.Errorf("lru_cache_size must be at least 1, got %d", f.LRUCacheSize)
	}
	var err error
	if f.Regexes == "" {
		f.parser, err = defaultParser()
	} else {
		f.parser, err = loadRegexes(f.Regexes)
	}
	if err != nil {
		return err
	}
	if f.cache, err = lru.New(f.LRUCacheSize); err != nil {
		return fmt.Errorf("lru_cache_size: %w", err)
	}
	target := f.Target
	if target == "" && f.ecs {
		target = "user_agent"
	}
	var tref event.Ref
	if target != "" {
		if tref, err = event.ParseRef(target); err != nil {
			return fmt.Errorf("target: %w", err)
		}
		f.remove = tref.String() == f.Source.String() || samePath(tref, f.Source)
	}
	f.main.base = tref
	metaBase := event.MustRef("[@metadata][filter][user_agent]")
	if f.ecs {
		if f.Prefix != "" {
			f.logger.Warn("prefix is not supported with ECS compatibility and is ignored", "prefix", f.Prefix)
		}
		f.main.add(partName, "name")
		f.main.add(partVersion, "version")
		f.main.add(partDevice, "device", "name")
		f.main.add(partOSName, "os", "name")
		f.main.add(partOSVersion, "os", "version")
		f.main.add(partOSFull, "os", "full")
		f.meta.base = metaBase
		f.meta.add(partMajor, "version", "major")
		f.meta.add(partMinor, "version", "minor")
		f.meta.add(partPatch, "version", "patch")
		f.meta.add(partOSMajor, "os", "version", "major")
		f.meta.add(partOSMinor, "os", "version", "minor")
		f.meta.add(partOSPatch, "os", "version", "patch")
		f.original, err = joinRef(tref, "[original]")
	} else {
		for _, x := range []struct {
			p    part
			name string
		}{
			{partName, "name"}, {partVersion, "version"}, {partMajor, "major"}, {partMinor, "minor"},
			{partPatch, "patch"}, {partOSName, "os_name"}, {partOSName, "os"}, {partOSVersion, "os_version"},
			{partOSFull, "os_full"}, {partOSMajor, "os_major"}, {partOSMinor, "os_minor"},
			{partOSPatch, "os_patch"}, {partDevice, "device"},
		} {
			f.main.add(x.p, f.Prefix+x.name)
		}
	}
	if err == nil {
		err = f.main.refs()
	}
	if err == nil {
		err = f.meta.refs()
	}
	if err != nil {
		return fmt.Errorf("target or prefix: %w", err)
	}
	return nil
}

func loadRegexes(path string) (*fastParser, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("regexes: %w", err)
	}
	if st.Size() > maxRegexesFile {
		return nil, fmt.Errorf("regexes %s: larger than %d bytes", path, maxRegexesFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("regexes: %w", err)
	}
	p, err := parseRegexes(data)
	if err != nil {
		return nil, fmt.Errorf("regexes %s: %w", path, err)
	}
	return newFastParser(p), nil
}

// parseRegexes builds a parser from a regexes.yaml document. uap-go
// panics on a regular expression it cannot compile; that becomes an error.
func parseRegexes(data []byte) (p *uaparser.Parser, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("invalid regular expression: %v", r)
		}
	}()
	p, err = uaparser.NewFromBytes(data)
	if err != nil {
		return nil, err
	}
	if len(p.RegexDefinitions.UA) == 0 && len(p.RegexDefinitions.OS) == 0 && len(p.RegexDefinitions.Device) == 0 {
		return nil, fmt.Errorf("no user_agent_parsers, os_parsers or device_parsers")
	}
	return p, nil
}

func samePath(a, b event.Ref) bool {
	if a.Metadata() != b.Metadata() || len(a.Path()) != len(b.Path()) {
		return false
	}
	for i, p := range a.Path() {
		if b.Path()[i] != p {
			return false
		}
	}
	return true
}

// joinRef makes the reference to sub (in bracket form) below target, or
// sub alone when target is the zero Ref.
func joinRef(target event.Ref, sub string) (event.Ref, error) {
	var b strings.Builder
	if target.Metadata() {
		b.WriteString("[@metadata]")
	}
	for _, p := range target.Path() {
		b.WriteString("[" + p + "]")
	}
	b.WriteString(sub)
	return event.ParseRef(b.String())
}

// part is one piece of a parsed user agent.
type part int

const (
	partName part = iota
	partVersion
	partMajor
	partMinor
	partPatch
	partOSName
	partOSVersion
	partOSFull
	partOSMajor
	partOSMinor
	partOSPatch
	partDevice
	numParts
)

// result is a parsed user agent; it is cached and shared, so it holds only
// strings. Empty strings are absent values.
type result [numParts]string

// maxUserAgent bounds the length of a string handed to the regexes.
const maxUserAgent = 4096

// parse parses one user-agent string, through the cache.
func (f *Filter) parse(ua string) *result {
	if v, ok := f.cache.Get(ua); ok {
		return v.(*result)
	}
	in := ua
	if len(in) > maxUserAgent {
		in = in[:maxUserAgent]
	}
	u, o, d := f.parser.parse(in)
	r := &result{partName: u.Family, partMajor: u.Major, partMinor: u.Minor, partPatch: u.Patch, partDevice: d.Family}
	if u.Major != "" {
		v := u.Major
		if u.Minor != "" {
			v += "." + u.Minor
			if u.Patch != "" {
				v += "." + u.Patch
				v = completeVersion(in, v)
			}
		}
		r[partVersion] = v
	}
	r[partOSName], r[partOSMajor], r[partOSMinor], r[partOSPatch] = o.Family, o.Major, o.Minor, o.Patch
	if o.Major != "" {
		v, sep := o.Major, "."
		if _, err := strconv.Atoi(o.Major); err != nil {
			sep = " " // "Vista", "XP"
		}
		if o.Minor != "" {
			v += sep + o.Minor
			if o.Patch != "" {
				v += "." + o.Patch
				if o.PatchMinor != "" {
					v += "." + o.PatchMinor
				}
			}
		}
		r[partOSVersion] = v
	}
	if r[partOSName] != "" {
		r[partOSFull] = r[partOSName]
		if r[partOSVersion] != "" {
			r[partOSFull] += " " + r[partOSVersion]
		}
	}
	f.cache.Add(ua, r)
	return r
}

// completeVersion adds a fourth version part that the regexes do not
// capture (Chrome's build number, "32.0.1700.107") when the user agent has
// it right after the three parts, followed by a space, as Logstash does.
func completeVersion(ua, v string) string {
	i := strings.Index(ua, v)
	if i < 0 {
		return v
	}
	i += len(v)
	if i >= len(ua) || ua[i] != '.' {
		return v
	}
	end := strings.IndexByte(ua[i+1:], ' ')
	if end < 0 {
		return v
	}
	part := ua[i+1 : i+1+end]
	if n, err := strconv.Atoi(part); err != nil || strconv.Itoa(n) != part {
		return v
	}
	return v + "." + part
}

// Filter parses the user agent and sets the fields.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.Source)
	if !ok {
		return false
	}
	if arr, isArr := v.([]any); isArr {
		if len(arr) == 0 {
			return false
		}
		v = arr[0]
	}
	ua, isStr := v.(string)
	if !isStr || ua == "" {
		return false
	}
	r := f.parse(ua)
	if f.remove {
		e.Remove(f.Source)
	}
	f.main.apply(e, r, f.logger)
	f.meta.apply(e, r, f.logger)
	if !f.original.IsZero() && !f.remove {
		if _, has := e.Get(f.original); !has {
			if err := e.Set(f.original, ua); err != nil {
				f.logger.Debug("cannot set user agent field", "field", f.original.String(), "error", err)
			}
		}
	}
	return true
}

// group is the fields put below one base field (the zero Ref: the top
// level of the event), as a tree built in one piece for every event.
type group struct {
	base   event.Ref
	leaves []leaf
	shape  fieldtree.Tree[part]
}

type leaf struct {
	p    part
	path []string
	ref  event.Ref
}

// add puts part p at path below the base.
func (g *group) add(p part, path ...string) {
	g.leaves = append(g.leaves, leaf{p: p, path: path})
	g.shape.Add(path, p)
}

// refs works out the full references, used when the base is not an object.
func (g *group) refs() error {
	for i, l := range g.leaves {
		var sub strings.Builder
		for _, k := range l.path {
			sub.WriteString("[" + k + "]")
		}
		ref, err := joinRef(g.base, sub.String())
		if err != nil {
			return err
		}
		g.leaves[i].ref = ref
	}
	return nil
}

// apply adds the parts of r to e.
func (g *group) apply(e *event.Event, r *result, logger *slog.Logger) {
	tree := g.shape.Build(func(p part) any {
		if s := r[p]; s != "" {
			return s
		}
		return nil
	})
	if tree == nil {
		return
	}
	if g.base.IsZero() {
		fieldtree.Merge(e.Fields(), tree)
		return
	}
	v, ok := e.Get(g.base)
	if m, isMap := v.(map[string]any); isMap {
		fieldtree.Merge(m, tree)
		return
	}
	if !ok || v == nil {
		if err := e.Set(g.base, tree); err == nil {
			return
		}
	}
	// The base holds something else: field by field, logging what
	// cannot be set.
	for _, l := range g.leaves {
		if s := r[l.p]; s != "" {
			if err := e.Set(l.ref, s); err != nil {
				logger.Debug("cannot set user agent field", "field", l.ref.String(), "error", err)
			}
		}
	}
}
