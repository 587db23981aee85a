// Package scripting runs small Starlark scripts against events: the engine
// behind the script and aggregate filters.
//
// Starlark (go.starlark.net) is a Python dialect designed for embedding: a
// script can only compute. It has no access to files, the network, the
// clock (unless given) or the host process; load() is disabled here. Each
// call runs under a wall-clock timeout, checked by the interpreter every
// few thousand steps, so a loop that never ends costs one event, not a
// worker.
//
// A Program is compiled once. A Runtime is one interpreter thread with its
// own copy of the script's globals; it is not safe for concurrent use, so
// filters keep a Pool of them, one per worker goroutine in practice.
package scripting

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"go.starlark.net/lib/json"
	starmath "go.starlark.net/lib/math"
	startime "go.starlark.net/lib/time"
	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// MaxSourceBytes bounds a script's size.
const MaxSourceBytes = 1 << 20

// entryName is the function an inline body is wrapped into.
const entryName = "__sluice_main"

var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	// Recursion stays off: a runaway recursion would grow the Go stack
	// before the timeout fires.
}

// Options describe how a program is compiled and run.
type Options struct {
	// Name names the script in error messages ("code", a file path).
	Name string
	// Init is top-level code run once per runtime before the main code
	// (the ruby filter's init); its globals are visible to the body.
	Init string
	// Params are the parameter names of the wrapped body (CompileBody),
	// e.g. ["event"] or ["event", "map"].
	Params []string
	// Timeout bounds each call; init code and register get ten times as
	// long (at least a second). Zero means no limit.
	Timeout time.Duration
	// RegisterParams is passed to the script's register(params) function
	// (CompileFile), as a frozen dict.
	RegisterParams map[string]any
	// Logger receives the output of print().
	Logger *slog.Logger
}

// startupTimeout bounds init code, a file's top level and register: ten
// times the per-event timeout, and at least a second.
func startupTimeout(t time.Duration) time.Duration {
	if t <= 0 {
		return 0
	}
	return max(10*t, time.Second)
}

// Program is a compiled script, shared by all its runtimes.
type Program struct {
	opts      Options
	initProg  *starlark.Program
	initNames map[string]bool
	mainProg  *starlark.Program
	mainName  string // file name in positions of mainProg
	entry     string
	lineShift int // lines added above the user's code in mainProg
	params    *starlark.Dict
	warnings  []string
}

// Warnings lists things in the source that compile but are probably
// mistakes (Ruby left in a copied configuration); plugins log them.
func (p *Program) Warnings() []string { return p.warnings }

func (p *Program) lint(name, src string) {
	if strings.Contains(src, "#{") {
		p.warnings = append(p.warnings, name+" contains #{...}: Ruby string interpolation does not exist in Starlark "+
			"and the text is kept as it is; write '%s' % value or '{}'.format(value)")
	}
}

// builtins are predeclared in every script.
var builtins = starlark.StringDict{
	"json":  json.Module,
	"math":  starmath.Module,
	"time":  startime.Module,
	"re":    reModule,
	"Event": starlark.NewBuiltin("Event", newEventBuiltin),
}

// Builtins lists the names predeclared for scripts (for documentation).
func Builtins() []string {
	return []string{"Event", "json", "math", "re", "time"}
}

func (p *Program) isPredeclared(name string) bool {
	return builtins.Has(name) || p.initNames[name]
}

// CompileBody compiles inline code: body becomes the body of a function
// taking opts.Params; a `return [events]` inside it is allowed. Common
// leading indentation is removed first, so code may be indented to match
// the configuration around it.
func CompileBody(body string, opts Options) (*Program, error) {
	if opts.Name == "" {
		opts.Name = "code"
	}
	p := &Program{opts: opts, entry: entryName, lineShift: 1, mainName: opts.Name}
	if err := p.compileInit(); err != nil {
		return nil, err
	}
	if len(body) > MaxSourceBytes {
		return nil, fmt.Errorf("%s: script is larger than %d bytes", opts.Name, MaxSourceBytes)
	}
	body = dedent(body)
	var b strings.Builder
	fmt.Fprintf(&b, "def %s(%s):\n", entryName, strings.Join(opts.Params, ", "))
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteString("\n")
		n++
	}
	if n == 0 {
		b.WriteString("    pass\n")
	}
	_, prog, err := starlark.SourceProgramOptions(fileOptions, opts.Name, b.String(), p.isPredeclared)
	if err != nil {
		return nil, withHint(p.describe(err), body)
	}
	p.mainProg = prog
	p.lint(opts.Name, body)
	return p, nil
}

// withHint adds advice to a compile error of code that looks like Ruby.
func withHint(err error, src string) error {
	if h := rubyHint(src); h != "" {
		return fmt.Errorf("%w%s", err, h)
	}
	return err
}

// CompileFile compiles a script file that defines filter(event) and
// optionally register(params); its top-level code runs once per runtime.
func CompileFile(path string, src []byte, opts Options) (*Program, error) {
	if opts.Name == "" {
		opts.Name = path
	}
	if len(src) > MaxSourceBytes {
		return nil, fmt.Errorf("%s: script is larger than %d bytes", path, MaxSourceBytes)
	}
	p := &Program{opts: opts, entry: "filter", mainName: opts.Name}
	if err := p.compileInit(); err != nil {
		return nil, err
	}
	_, prog, err := starlark.SourceProgramOptions(fileOptions, opts.Name, src, p.isPredeclared)
	if err != nil {
		return nil, withHint(p.describe(err), string(src))
	}
	p.mainProg = prog
	p.lint(opts.Name, string(src))
	if opts.RegisterParams != nil {
		d, err := ToDict(opts.RegisterParams)
		if err != nil {
			return nil, fmt.Errorf("script_params: %w", err)
		}
		d.Freeze()
		p.params = d
	}
	return p, nil
}

func (p *Program) compileInit() error {
	if strings.TrimSpace(p.opts.Init) == "" {
		return nil
	}
	if len(p.opts.Init) > MaxSourceBytes {
		return fmt.Errorf("init: script is larger than %d bytes", MaxSourceBytes)
	}
	f, prog, err := starlark.SourceProgramOptions(fileOptions, "init", dedent(p.opts.Init), builtins.Has)
	if err != nil {
		return withHint(describeErr(err, "init", 0), p.opts.Init)
	}
	p.initProg = prog
	p.lint("init", p.opts.Init)
	p.initNames = map[string]bool{}
	for _, st := range f.Stmts {
		collectGlobals(st, p.initNames)
	}
	return nil
}

// collectGlobals records the names a top-level statement binds.
func collectGlobals(st syntax.Stmt, names map[string]bool) {
	switch s := st.(type) {
	case *syntax.DefStmt:
		names[s.Name.Name] = true
	case *syntax.AssignStmt:
		collectTargets(s.LHS, names)
	case *syntax.ForStmt:
		collectTargets(s.Vars, names)
		for _, b := range s.Body {
			collectGlobals(b, names)
		}
	case *syntax.IfStmt:
		for _, b := range s.True {
			collectGlobals(b, names)
		}
		for _, b := range s.False {
			collectGlobals(b, names)
		}
	case *syntax.WhileStmt:
		for _, b := range s.Body {
			collectGlobals(b, names)
		}
	case *syntax.LoadStmt:
		for _, id := range s.To {
			names[id.Name] = true
		}
	}
}

func collectTargets(e syntax.Expr, names map[string]bool) {
	switch x := e.(type) {
	case *syntax.Ident:
		names[x.Name] = true
	case *syntax.TupleExpr:
		for _, y := range x.List {
			collectTargets(y, names)
		}
	case *syntax.ListExpr:
		for _, y := range x.List {
			collectTargets(y, names)
		}
	case *syntax.ParenExpr:
		collectTargets(x.X, names)
	}
}

// describe turns a compile or run error into a message naming the line of
// the user's code.
func (p *Program) describe(err error) error {
	return describeErr(err, p.mainName, p.lineShift)
}

func describeErr(err error, name string, shift int) error {
	pos := func(ps syntax.Position) string {
		line := int(ps.Line) - shift
		if line < 1 {
			line = 1
		}
		return fmt.Sprintf("%s line %d", name, line)
	}
	var se syntax.Error
	var rl resolve.ErrorList
	var ee *starlark.EvalError
	var te *timeoutError
	switch {
	case errors.As(err, &te):
		where := name
		for i := 0; i < len(te.ee.CallStack); i++ {
			if fr := te.ee.CallStack.At(i); fr.Pos.Filename() == name {
				where = pos(fr.Pos)
				break
			}
		}
		return &ScriptError{Msg: fmt.Sprintf("%s: timed out after %v", where, te.after), err: ErrTimeout}
	case errors.As(err, &se):
		return fmt.Errorf("%s: %s", pos(se.Pos), se.Msg)
	case errors.As(err, &rl):
		msgs := make([]string, len(rl))
		for i, e := range rl {
			msgs[i] = pos(e.Pos) + ": " + e.Msg
		}
		return errors.New(strings.Join(msgs, "; "))
	case errors.As(err, &ee):
		// The innermost frame in the user's file gives the line.
		for i := 0; i < len(ee.CallStack); i++ {
			fr := ee.CallStack.At(i)
			if fr.Pos.Filename() == name {
				return &ScriptError{Msg: fmt.Sprintf("%s: %s", pos(fr.Pos), ee.Msg), err: err}
			}
		}
		return &ScriptError{Msg: fmt.Sprintf("%s: %s", name, ee.Msg), err: err}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// ScriptError is an error raised while a script ran.
type ScriptError struct {
	Msg string
	err error
}

func (e *ScriptError) Error() string { return e.Msg }
func (e *ScriptError) Unwrap() error { return e.err }

// ErrTimeout is wrapped by errors of calls cancelled by the timeout.
var ErrTimeout = errors.New("script timed out")

// timeoutError is a cancelled run, with where it was.
type timeoutError struct {
	ee    *starlark.EvalError
	after time.Duration
}

func (e *timeoutError) Error() string { return fmt.Sprintf("timed out after %v", e.after) }
func (e *timeoutError) Unwrap() error { return ErrTimeout }

// dedent removes the indentation common to the non-blank lines. When the
// first line is not indented but all later lines are (a configuration
// string that starts right after its quote), the later lines' common
// indentation is removed instead.
func dedent(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		// Tabs in the indentation count as four spaces (not in the code).
		body := strings.TrimLeft(l, " \t")
		if ind := l[:len(l)-len(body)]; strings.ContainsRune(ind, '\t') {
			lines[i] = strings.ReplaceAll(ind, "\t", "    ") + body
		}
	}
	common := func(ls []string) string {
		prefix, first := "", true
		for _, l := range ls {
			if strings.TrimSpace(l) == "" {
				continue
			}
			ind := l[:len(l)-len(strings.TrimLeft(l, " "))]
			if first {
				prefix, first = ind, false
				continue
			}
			for !strings.HasPrefix(ind, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
		return prefix
	}
	strip := func(ls []string, prefix string) {
		for i, l := range ls {
			ls[i] = strings.TrimPrefix(l, prefix)
		}
	}
	if c := common(lines); c != "" {
		strip(lines, c)
	} else if len(lines) > 1 && strings.TrimSpace(lines[0]) != "" &&
		!strings.HasSuffix(strings.TrimSpace(lines[0]), ":") {
		strip(lines[1:], common(lines[1:]))
	}
	return strings.Join(lines, "\n")
}

// Runtime is one interpreter thread with its own globals. Not safe for
// concurrent use.
type Runtime struct {
	prog   *Program
	thread *starlark.Thread
	fn     starlark.Callable

	// deadline of the current call (zero: none).
	deadline time.Time

	refs     refCache
	wrappers []*Event
	args     starlark.Tuple
	// broken is set when the interpreter panicked: its state is not
	// trusted any more and the pool drops it.
	broken bool
}

// NewRuntime makes a runtime: runs the init code and the program's
// top level, finds the entry function, and calls register(params) for
// script files that define it.
func (p *Program) NewRuntime() (*Runtime, error) {
	r := &Runtime{prog: p, thread: &starlark.Thread{Name: p.opts.Name}}
	r.thread.SetLocal(runtimeKey, r)
	r.thread.Print = func(_ *starlark.Thread, msg string) {
		if p.opts.Logger != nil {
			p.opts.Logger.Info("script print", "message", msg)
		}
	}
	r.thread.OnMaxSteps = r.onMaxSteps
	startup := startupTimeout(p.opts.Timeout)
	predeclared := builtins
	if p.initProg != nil {
		var globals starlark.StringDict
		err := r.guard(startup, func() error {
			var err error
			globals, err = p.initProg.Init(r.thread, builtins)
			return err
		})
		if err != nil {
			return nil, describeErr(err, "init", 0)
		}
		predeclared = make(starlark.StringDict, len(builtins)+len(globals))
		for k, v := range builtins {
			predeclared[k] = v
		}
		for k, v := range globals {
			predeclared[k] = v
		}
	}
	var globals starlark.StringDict
	err := r.guard(startup, func() error {
		var err error
		globals, err = p.mainProg.Init(r.thread, predeclared)
		return err
	})
	if err != nil {
		return nil, p.describe(err)
	}
	fn, ok := globals[p.entry].(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("%s: the script must define a function %s(event)", p.opts.Name, p.entry)
	}
	if f, ok := fn.(*starlark.Function); ok && p.entry == "filter" && f.NumParams() != 1 {
		return nil, fmt.Errorf("%s: filter must take one parameter (the event), it takes %d", p.opts.Name, f.NumParams())
	}
	r.fn = fn
	r.args = make(starlark.Tuple, 0, 2)
	if p.entry == "filter" {
		if reg, ok := globals["register"].(starlark.Callable); ok {
			params := p.params
			if params == nil {
				params = new(starlark.Dict)
				params.Freeze()
			}
			err := r.guard(startup, func() error {
				_, err := starlark.Call(r.thread, reg, starlark.Tuple{params}, nil)
				return err
			})
			if err != nil {
				return nil, p.describe(err)
			}
		}
	}
	r.invalidate()
	return r, nil
}

const runtimeKey = "sluice.runtime"

func runtimeOf(t *starlark.Thread) *Runtime {
	r, _ := t.Local(runtimeKey).(*Runtime)
	return r
}

// checkSteps is how many interpreter steps run between two looks at the
// clock (a few hundred microseconds of work).
const checkSteps = 20000

// onMaxSteps runs in the interpreter's goroutine every checkSteps steps:
// past the deadline it cancels the run, else it lets it go on. A script is
// thus cut only when it both did real work (at least checkSteps steps)
// and overran its time, so a machine too busy to run a short script in
// time does not fail it.
func (r *Runtime) onMaxSteps(t *starlark.Thread) {
	if !r.deadline.IsZero() && !time.Now().Before(r.deadline) {
		t.Cancel("timeout")
		return
	}
	t.SetMaxExecutionSteps(t.Steps + checkSteps)
}

// guard runs f with a deadline of timeout (none when zero) and reports a
// cancellation as ErrTimeout. A panic inside the interpreter (a bug) is
// returned as an error rather than taking the pipeline down.
func (r *Runtime) guard(timeout time.Duration, f func() error) error {
	r.thread.Steps = 0
	r.thread.Uncancel()
	if timeout <= 0 {
		r.deadline = time.Time{}
		r.thread.SetMaxExecutionSteps(math.MaxUint64)
		return r.safely(f)
	}
	r.deadline = time.Now().Add(timeout)
	r.thread.SetMaxExecutionSteps(checkSteps)
	err := r.safely(f)
	if err != nil && !time.Now().Before(r.deadline) {
		var ee *starlark.EvalError
		if errors.As(err, &ee) && strings.Contains(ee.Msg, "timeout") {
			return &timeoutError{ee: ee, after: timeout}
		}
	}
	return err
}

func (r *Runtime) safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.broken = true
			err = fmt.Errorf("BUG: script engine panicked: %v", p)
		}
	}()
	return f()
}

// Call calls the entry function with args (wrapped events, dicts) under
// the timeout. Event wrappers made during the call stay valid until
// Release.
func (r *Runtime) Call(args ...starlark.Value) (starlark.Value, error) {
	r.args = append(r.args[:0], args...)
	var res starlark.Value
	err := r.guard(r.prog.opts.Timeout, func() error {
		var err error
		res, err = starlark.Call(r.thread, r.fn, r.args, nil)
		return err
	})
	clear(r.args)
	if err != nil {
		return nil, r.prog.describe(err)
	}
	return res, nil
}

// Release ends a call: events the script cancelled are cancelled, and
// the event wrappers handed out since the last Release become invalid,
// so that a script that kept one in a global cannot touch an event that
// has moved on.
func (r *Runtime) Release() { r.invalidate() }

func (r *Runtime) invalidate() {
	for i, w := range r.wrappers {
		if w.cancel {
			w.e.Cancel()
		}
		w.e = nil
		r.wrappers[i] = nil
	}
	r.wrappers = r.wrappers[:0]
}

// Pool hands out runtimes of one program, making new ones on demand.
type Pool struct {
	prog *Program
	mu   sync.Mutex
	free []*Runtime
}

// NewPool makes a pool and its first runtime, so that start-up errors
// (init code, a missing filter function) surface at once.
func NewPool(p *Program) (*Pool, error) {
	r, err := p.NewRuntime()
	if err != nil {
		return nil, err
	}
	return &Pool{prog: p, free: []*Runtime{r}}, nil
}

// Get returns an idle runtime or makes one.
func (p *Pool) Get() (*Runtime, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		r := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return r, nil
	}
	p.mu.Unlock()
	return p.prog.NewRuntime()
}

// Put returns a runtime to the pool (after Release).
func (p *Pool) Put(r *Runtime) {
	r.Release()
	if r.broken {
		return
	}
	p.mu.Lock()
	p.free = append(p.free, r)
	p.mu.Unlock()
}

// Close drops the idle runtimes.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = nil
}
