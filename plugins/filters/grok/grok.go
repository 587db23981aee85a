// Package grok is the grok filter: parses unstructured text into fields
// with named regular expressions from Logstash's pattern catalog.
package grok

import (
	_ "embed"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/sluicelog/sluice/event"
	grokengine "github.com/sluicelog/sluice/internal/grok"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "grok",
		Summary: "Parses text into fields with named patterns (%{SYNTAX:SEMANTIC}).",
		Description: `Matches the text of one or more fields against grok expressions and stores
the named captures as fields. A grok expression is a regular expression in
which ` + "`%{SYNTAX}`" + ` stands for a named pattern from the catalog (or from
` + "`pattern_definitions`" + ` / ` + "`patterns_dir`" + `), ` + "`%{SYNTAX:SEMANTIC}`" + ` stores what it
matched in the field SEMANTIC (a name or a field reference such as
` + "`[http][request][method]`" + `), ` + "`%{SYNTAX:SEMANTIC:int}`" + ` and ` + "`:float`" + ` convert the
value, and ` + "`(?<field>regexp)`" + ` captures inline.

The pattern set follows ` + "`ecs_compatibility`" + `: ` + "`disabled`" + ` gives Logstash's
legacy field names (` + "`clientip`" + `, ` + "`verb`" + `, ` + "`response`" + `), ` + "`v1`" + ` and ` + "`v8`" + ` the ECS
ones (` + "`[source][address]`" + `, ` + "`[http][request][method]`" + `,
` + "`[http][response][status_code]`" + `). The catalog holds all of Logstash's
patterns of both sets (about 320 legacy and 360 ECS names): the base patterns
(numbers, hosts, IPs, paths, URIs, dates, log levels), httpd
(` + "`COMMONAPACHELOG`" + `, ` + "`COMBINEDAPACHELOG`" + `, ` + "`HTTPD_*`" + `, also for nginx's default format),
syslog (` + "`SYSLOGLINE`" + `, ` + "`SYSLOG5424LINE`" + `, ` + "`CRONLOG`" + `, ` + "`SYSLOGPAMSESSION`" + `), java, ruby,
haproxy, postgresql, redis, mongodb, rails, maven, mcollective, squid, bind,
exim, bacula, aws (` + "`ELB_ACCESS_LOG`" + `, ` + "`S3_ACCESS_LOG`" + `, ` + "`CLOUDFRONT_ACCESS_LOG`" + `),
bro and zeek (` + "`BRO_HTTP`" + `, ` + "`ZEEK_CONN`" + `, ...), firewalls (` + "`CISCOFW*`" + `,
` + "`IPTABLES`" + `, ` + "`SHOREWALL`" + `, ` + "`SFW2`" + `, ` + "`NETSCREENSESSIONLOG`" + `), junos (` + "`RT_FLOW*`" + `)
and nagios (` + "`NAGIOSLOGLINE`" + `).

When a capture's field already holds a string and is not listed in
` + "`overwrite`" + `, the values are collected in an array, as Logstash does (so
capturing ` + "`message`" + ` from ` + "`message`" + ` needs ` + "`overwrite => [\"message\"]`" + `). An
event that no pattern matches is tagged with ` + "`tag_on_failure`" + ` and the
filter counts as not matched (` + "`add_field`" + ` and the like do not run). A
missing field is a miss.

Differences from Logstash: with ` + "`break_on_match => false`" + `, an event counts as
matched when any expression matched (Logstash goes by the last expression of
a field's list alone, so a non-matching last pattern tags an event that
other patterns parsed). Expressions run on Go's RE2 engine, which is
linear-time, so catastrophic backtracking cannot happen. Oniguruma
constructs are translated: atomic groups and possessive quantifiers
behave as plain ones (the catalog never relies on their difference);
lookbehinds and lookaheads give Oniguruma's results: they are checked after
the match and, when RE2's preferred match breaks one, a backtracking matcher
with memory finds the match Oniguruma would (lookarounds over one character
or a literal keep it linear; others are matched at each position tried). A
positive lookahead may capture, as ` + "`SYSLOGPAMSESSION`" + `'s ` + "`(?=%{GREEDYDATA:message})`" + `
does. Captures in other lookarounds, lookbehinds of unbounded length (Logstash
rejects them too), lookarounds nested in lookarounds and back-references are
rejected at startup with an error naming the construct. Lines that none of a
field's patterns can match are rejected by a small lazily built automaton per
pattern, without running the regular expressions. ` + "`timeout_millis`" + ` is checked between patterns
(a single match cannot be interrupted, but cannot run away either).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the grok filter.
type Filter struct {
	Match              plugin.Hash
	BreakOnMatch       bool
	NamedCapturesOnly  bool
	KeepEmptyCaptures  bool
	Overwrite          []string
	PatternDefinitions plugin.Hash
	PatternsDir        []string
	PatternsFilesGlob  string
	TagOnFailure       []string
	TagOnTimeout       string
	TimeoutMillis      int
	TimeoutScope       string
	Target             string

	fields  []fieldPatterns
	timeout time.Duration
	logger  *slog.Logger
}

type fieldPatterns struct {
	ref      event.Ref
	patterns []*compiled
}

type compiled struct {
	p    *grokengine.Pattern
	refs []captureRef // parallel to p.Captures()
}

type captureRef struct {
	ref       event.Ref
	overwrite bool
	skip      bool // an unnamed %{SYNTAX} with named_captures_only
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Hash(&f.Match, "match",
		"Field => grok expression, or field => array of expressions tried in order.").
		Required().Example(`{ "message" => "%{COMBINEDAPACHELOG}" }`)
	s.Bool(&f.BreakOnMatch, "break_on_match",
		"Stop at the first expression that matches. When false, every expression is tried and all captures are kept.").
		Default(true)
	s.Bool(&f.NamedCapturesOnly, "named_captures_only",
		"Store only captures with a field name (`%{SYNTAX:SEMANTIC}`, `(?<name>...)`); when false, `%{SYNTAX}` is stored under SYNTAX too.").
		Default(true)
	s.Bool(&f.KeepEmptyCaptures, "keep_empty_captures",
		"Store captures that matched empty text (as \"\") or took no part in the match (as null).").Default(false)
	s.Strings(&f.Overwrite, "overwrite",
		"Fields whose existing value a capture replaces (instead of turning it into an array).").
		Default([]string{}).Example(`["message"]`)
	s.Hash(&f.PatternDefinitions, "pattern_definitions",
		"Extra named patterns, name => expression; they take precedence over patterns_dir and the built-in catalog.").
		Example(`{ "REQUEST_ID" => "[a-f0-9]{16}" }`)
	s.Strings(&f.PatternsDir, "patterns_dir",
		"Directories of pattern files (one `NAME expression` per line, # comments). Files override the built-in catalog.").
		Default([]string{})
	s.String(&f.PatternsFilesGlob, "patterns_files_glob", "Which files of patterns_dir to read.").Default("*")
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when no expression matches.").
		Default([]string{"_grokparsefailure"})
	s.String(&f.TagOnTimeout, "tag_on_timeout", "Tag added when matching takes longer than timeout_millis.").
		Default("_groktimeout")
	s.Int(&f.TimeoutMillis, "timeout_millis",
		"Time budget for matching, in milliseconds; 0 disables it. Checked after each expression: RE2 matching is linear in "+
			"the input, so a single match cannot hang, and the next expression is not tried once the budget is spent.").
		Default(30000)
	s.String(&f.TimeoutScope, "timeout_scope",
		"What the budget covers: `pattern` (each expression) or `event` (all expressions for the event).").
		Default("pattern").Enum("pattern", "event")
	s.String(&f.Target, "target", "Field under which captures are stored (default: the root of the event).").
		Example(`"[parsed]"`)
}

// Init compiles every expression.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	f.timeout = time.Duration(f.TimeoutMillis) * time.Millisecond
	set := grokengine.ECSV1
	if ctx.ECSCompatibility == "" || ctx.ECSCompatibility == "disabled" {
		set = grokengine.Legacy
	}
	catalog := grokengine.Catalog(set)
	files, err := f.loadPatternsDirs()
	if err != nil {
		return err
	}
	user := map[string]string{}
	for _, e := range f.PatternDefinitions {
		s, ok := e.Value.(string)
		if !ok {
			return fmt.Errorf("pattern_definitions: %s must be a string, got %T", e.Key, e.Value)
		}
		user[e.Key] = s
	}
	defs := func(name string) (string, bool) {
		if v, ok := user[name]; ok {
			return v, true
		}
		if v, ok := files[name]; ok {
			return v, true
		}
		v, ok := catalog[name]
		return v, ok
	}
	overwrite := map[string]bool{}
	for _, o := range f.Overwrite {
		overwrite[o] = true
	}
	if len(f.Match) == 0 {
		return fmt.Errorf("match: give at least one field => pattern")
	}
	byField := map[string]int{}
	for _, e := range f.Match {
		var exprs []string
		switch v := e.Value.(type) {
		case string:
			exprs = []string{v}
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return fmt.Errorf("match %s: patterns must be strings, got %T", e.Key, x)
				}
				exprs = append(exprs, s)
			}
		default:
			return fmt.Errorf("match %s: expected a pattern or an array of patterns, got %T", e.Key, e.Value)
		}
		i, ok := byField[e.Key]
		if !ok {
			ref, err := event.ParseRef(e.Key)
			if err != nil {
				return fmt.Errorf("match: field %q: %w", e.Key, err)
			}
			i = len(f.fields)
			byField[e.Key] = i
			f.fields = append(f.fields, fieldPatterns{ref: ref})
		}
		for _, expr := range exprs {
			c, err := f.compile(expr, defs, overwrite)
			if err != nil {
				return fmt.Errorf("match %s: %w", e.Key, err)
			}
			f.fields[i].patterns = append(f.fields[i].patterns, c)
		}
	}
	return nil
}

func (f *Filter) compile(expr string, defs grokengine.Definitions, overwrite map[string]bool) (*compiled, error) {
	p, err := grokengine.Compile(expr, defs, f.NamedCapturesOnly)
	if err != nil {
		return nil, err
	}
	c := &compiled{p: p}
	for _, cap := range p.Captures() {
		name := cap.Name
		if f.Target != "" {
			if name != "" && name[0] == '[' {
				name = f.Target + name
			} else {
				name = f.Target + "[" + name + "]"
			}
		}
		ref, err := event.ParseRef(name)
		if err != nil {
			return nil, fmt.Errorf("capture %q in %q: %w", cap.Name, expr, err)
		}
		c.refs = append(c.refs, captureRef{ref: ref, overwrite: overwrite[cap.Name] || overwrite[name]})
	}
	return c, nil
}

func (f *Filter) loadPatternsDirs() (map[string]string, error) {
	return grokengine.LoadPatternsDirs(f.PatternsDir, f.PatternsFilesGlob)
}

// Filter matches the configured fields; it returns false when nothing
// matched (or the time budget ran out).
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	var start time.Time
	if f.timeout > 0 {
		start = time.Now()
	}
	matched := false
	for i := range f.fields {
		fp := &f.fields[i]
		v, ok := e.Get(fp.ref)
		if !ok || v == nil {
			continue
		}
		var hit, timedOut bool
		if arr, isArr := v.([]any); isArr {
			for _, x := range arr {
				h, t := f.matchText(e, fp, text(x), &start)
				hit = hit || h
				if timedOut = t; t {
					break
				}
			}
		} else {
			hit, timedOut = f.matchText(e, fp, text(v), &start)
		}
		if timedOut {
			f.logger.Warn("grok: timeout_millis exceeded", "field", fp.ref.String(), "timeout", f.timeout)
			e.AddTag(f.TagOnTimeout)
			return false
		}
		if hit {
			matched = true
			if f.BreakOnMatch {
				break
			}
		}
	}
	if !matched {
		for _, t := range f.TagOnFailure {
			e.AddTag(t)
		}
	}
	return matched
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return string(event.FormatValue(nil, v))
}

// matchText tries fp's patterns on s. It reports whether one matched and
// whether the time budget ran out.
func (f *Filter) matchText(e *event.Event, fp *fieldPatterns, s string, start *time.Time) (matched, timedOut bool) {
	for _, c := range fp.patterns {
		m := c.p.Match(s)
		if f.timeout > 0 {
			now := time.Now()
			if now.Sub(*start) > f.timeout {
				return matched, true
			}
			if f.TimeoutScope == "pattern" {
				*start = now
			}
		}
		if m == nil {
			continue
		}
		matched = true
		f.capture(e, c, s, m)
		if f.BreakOnMatch {
			break
		}
	}
	return matched, false
}

func (f *Filter) capture(e *event.Event, c *compiled, s string, m []int) {
	caps := c.p.Captures()
	for i := range caps {
		if !caps[i].Named && f.NamedCapturesOnly {
			continue
		}
		str, ok := c.p.Value(s, m, i)
		var value any
		switch {
		case !ok:
			if !f.KeepEmptyCaptures {
				continue
			}
		case str == "":
			if !f.KeepEmptyCaptures {
				continue
			}
			value = ""
		default:
			value = grokengine.Convert(str, caps[i].Type)
		}
		f.store(e, c.refs[i], value)
	}
}

// store sets a capture the way Logstash does: overwrite if asked, set if
// absent, append to an array, turn a string into an array, else leave
// the existing value.
func (f *Filter) store(e *event.Event, cr captureRef, value any) {
	if cr.overwrite {
		f.set(e, cr.ref, value)
		return
	}
	old, ok := e.Get(cr.ref)
	switch x := old.(type) {
	case nil:
		_ = ok
		f.set(e, cr.ref, value)
	case []any:
		arr := make([]any, len(x), len(x)+1)
		copy(arr, x)
		f.set(e, cr.ref, append(arr, value))
	case string:
		f.set(e, cr.ref, []any{x, value})
	}
}

func (f *Filter) set(e *event.Event, ref event.Ref, v any) {
	if err := e.Set(ref, v); err != nil {
		f.logger.Debug("grok: cannot store capture", "field", ref.String(), "error", err)
	}
}
