// Package script is the script filter: small sandboxed Starlark (Python
// dialect) scripts over events, Sluice's replacement for Logstash's ruby
// filter.
package script

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.starlark.net/starlark"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/scripting"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "script",
		Summary: "Runs a small sandboxed script (Starlark, a Python dialect) on each event: Sluice's ruby filter.",
		Description: `Runs a script on each event, for the transforms no other filter does: what Logstash
configurations do with the ` + "`ruby`" + ` filter. Scripts are written in
[Starlark](https://github.com/google/starlark-go/blob/master/doc/spec.md), a small dialect of
Python: ` + "`if`/`for`/`while`" + `, functions, lists, dicts, comprehensions, string methods, ` + "`%`" + ` formatting.
The event API mirrors Logstash's Ruby one, so ruby snippets translate line by line:
` + "`event.get(\"[a][b]\")`, `event.set(ref, value)`, `event.remove(ref)`, `event.include(ref)`" + `
(Ruby's ` + "`include?`" + `), ` + "`event.tag(t)`, `event.cancel()`, `event.clone()`, `event.to_dict()`" + `,
` + "`event.sprintf(fmt)`, `event.timestamp`" + `, and ` + "`Event({...})`" + ` for
` + "`LogStash::Event.new`" + `. Modules ` + "`json`, `math`, `time` and `re`" + ` are predeclared. See
[the scripting guide](../../scripting.md) for the whole API and a ruby → script translation table.

Give the script inline with ` + "`code`" + ` (it runs as the body of a function of ` + "`event`" + `; ` + "`init`" + `
runs once before, and its globals are visible to the code) or as a file with ` + "`path`" + `: the
file defines ` + "`def filter(event):`" + ` and optionally ` + "`def register(params):`" + `, called once with
` + "`script_params`" + `. As in Logstash, ` + "`filter`" + ` may return a list of events: the events in it go on,
and the original is dropped unless it is in the list (` + "`return [event, Event({...})]`" + ` adds
an event; ` + "`return []`" + ` drops it). Returning nothing keeps the event. Inline code may return
a list too.

Scripts are sandboxed: no files, network, processes or ` + "`load()`" + `; recursion is not allowed;
a run that keeps computing past ` + "`timeout`" + ` is cancelled, so a loop that never ends costs
one event, not a worker. A script that fails (an exception, a timeout, a value that cannot be stored in an
event) leaves the event as the script had changed it so far, tags it with
` + "`tag_on_exception`" + ` and logs the error with the script's line; the common options
(` + "`add_field`" + `, ` + "`add_tag`" + `, ...) then do not run.

Scripts are compiled once. Each pipeline worker gets its own interpreter with its own copy of
the script's globals (` + "`init`" + ` and ` + "`register`" + ` run once per worker), so a global counter
counts per worker; keep state that must be shared out of scripts (see the ` + "`aggregate`" + `
filter).

Differences from Logstash: the language is Starlark, not Ruby; ` + "`tag_on_exception`" + `
defaults to ` + "`_scriptexception`" + ` (Logstash: ` + "`_rubyexception`" + `); ruby's inline
` + "`new_event_block`" + ` is replaced by returning a list; test blocks in script files are not
supported (use ` + "`sluice test`" + `).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the script filter.
type Filter struct {
	Code                    string
	InitCode                string
	Path                    string
	ScriptParams            plugin.Hash
	TagOnException          string
	TagWithExceptionMessage bool
	Timeout                 time.Duration

	pool   *scripting.Pool
	logger *slog.Logger
	errLog scripting.ErrorLog
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
	_ plugin.Closer      = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.String(&f.Code, "code",
		"The script, inline: the body of a function of `event` (Starlark). Either `code` or `path` is required.").
		Example(`"event.set('size', len(event.get('message') or ''))"`)
	s.String(&f.InitCode, "init",
		"Code run once per worker before `code` is first used: define helpers and constants here; its globals are visible to `code`. Only with `code`.").
		Example(`"LEVELS = {'W': 'warning', 'E': 'error'}"`)
	s.Path(&f.Path, "path",
		"A script file defining `def filter(event):` (returning nothing, or a list of events) and optionally `def register(params):`.").
		Example(`"/etc/sluice/scripts/enrich.star"`)
	s.Hash(&f.ScriptParams, "script_params",
		"Passed as a (read-only) dict to the file's `register(params)`. Only with `path`.").
		Example(`{ "threshold" => 100 }`)
	s.String(&f.TagOnException, "tag_on_exception",
		"Tag added when the script fails or times out.").Default("_scriptexception")
	s.Bool(&f.TagWithExceptionMessage, "tag_with_exception_message",
		"Also add the error message (with the script's line) as a tag.").Default(false)
	s.Seconds(&f.Timeout, "timeout",
		"Longest time a script may compute on one event, in seconds; the run is then cancelled and the event tagged. The clock is checked every 20,000 interpreter steps, so short scripts are never cut on a busy machine. 0 means no limit.").
		Default(time.Second)
}

// Init compiles the script and makes the first interpreter.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	opts := scripting.Options{Timeout: f.Timeout, Logger: ctx.Logger}
	var prog *scripting.Program
	var err error
	switch {
	case f.Code != "" && f.Path != "":
		return errors.New("set either code or path, not both")
	case f.Code != "":
		if len(f.ScriptParams) > 0 {
			return errors.New("script_params is passed to a script file's register(params): it needs path (with code, put constants in init)")
		}
		opts.Name, opts.Init, opts.Params = "code", f.InitCode, []string{"event"}
		prog, err = scripting.CompileBody(f.Code, opts)
	case f.Path != "":
		if f.InitCode != "" {
			return errors.New("init is for inline code: with path, put start-up code at the top of the file or in register(params)")
		}
		src, rerr := os.ReadFile(f.Path)
		if rerr != nil {
			return fmt.Errorf("read script: %w", rerr)
		}
		opts.RegisterParams = hashToMap(f.ScriptParams)
		prog, err = scripting.CompileFile(f.Path, src, opts)
	default:
		return errors.New("set code (an inline script) or path (a script file)")
	}
	if err != nil {
		return err
	}
	for _, w := range prog.Warnings() {
		ctx.Logger.Warn(w)
	}
	f.pool, err = scripting.NewPool(prog)
	return err
}

// hashToMap converts a settings hash to event values.
func hashToMap(h plugin.Hash) map[string]any {
	if h == nil {
		return nil
	}
	m := make(map[string]any, len(h))
	for _, e := range h {
		m[e.Key] = hashValue(e.Value)
	}
	return m
}

func hashValue(v any) any {
	switch x := v.(type) {
	case plugin.Hash:
		return hashToMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = hashValue(e)
		}
		return out
	}
	return v
}

// Filter runs the script on e.
func (f *Filter) Filter(e *event.Event, emit func(*event.Event)) bool {
	rt, err := f.pool.Get()
	if err != nil {
		f.fail(e, err)
		return false
	}
	defer f.pool.Put(rt)
	res, err := rt.Call(rt.Wrap(e))
	var out []*event.Event
	keep := true
	if err == nil {
		out, keep, err = results(res, e)
	}
	rt.Release()
	if err != nil {
		f.fail(e, err)
		return false
	}
	if !keep {
		e.Cancel()
	}
	for _, n := range out {
		if !n.Cancelled() {
			emit(n)
		}
	}
	return true
}

// results reads the script's return value: nothing, or a list of events in
// which the original may appear (then it is kept).
func results(res starlark.Value, orig *event.Event) (out []*event.Event, keep bool, err error) {
	var seq starlark.Indexable
	switch r := res.(type) {
	case starlark.NoneType:
		return nil, true, nil
	case *starlark.List:
		seq = r
	case starlark.Tuple:
		seq = r
	default:
		return nil, true, fmt.Errorf("the script returned a %s: return nothing, or a list of events", res.Type())
	}
	seen := make(map[*event.Event]bool, seq.Len())
	for i := 0; i < seq.Len(); i++ {
		ev, ok := scripting.Unwrap(seq.Index(i))
		if !ok {
			return nil, true, fmt.Errorf("the script returned a list holding a %s at index %d: only events may be returned", seq.Index(i).Type(), i)
		}
		if ev == orig {
			keep = true
			continue
		}
		if !seen[ev] {
			seen[ev] = true
			out = append(out, ev)
		}
	}
	return out, keep, nil
}

func (f *Filter) fail(e *event.Event, err error) {
	if f.TagOnException != "" {
		e.AddTag(f.TagOnException)
	}
	if f.TagWithExceptionMessage {
		e.AddTag(err.Error())
	}
	f.errLog.Log(f.logger, "script failed; event tagged", err)
}

// Close drops the interpreters.
func (f *Filter) Close() error {
	if f.pool != nil {
		f.pool.Close()
	}
	return nil
}
