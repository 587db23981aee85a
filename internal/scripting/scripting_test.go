package scripting

import (
	"errors"
	"math"
	"reflect"
	"regexp"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	startime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"

	"github.com/sluicelog/sluice/event"
)

func TestValueRoundTrip(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	tests := []struct {
		name string
		in   any
		typ  string
	}{
		{"null", nil, "NoneType"},
		{"bool", true, "bool"},
		{"int", int64(-42), "int"},
		{"max int", int64(math.MaxInt64), "int"},
		{"float", 1.5, "float"},
		{"string", "héllo", "string"},
		{"timestamp", ts, "time.time"},
		{"array", []any{int64(1), "a", nil, []any{false}}, "list"},
		{"map", map[string]any{"b": int64(1), "a": map[string]any{"c": []any{ts}}}, "dict"},
		{"empty map", map[string]any{}, "dict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ToValue(tt.in)
			if v.Type() != tt.typ {
				t.Errorf("type %s, want %s", v.Type(), tt.typ)
			}
			back, err := FromValue(v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.in) {
				t.Errorf("round trip: got %#v, want %#v", back, tt.in)
			}
		})
	}
}

func TestToValueSortsKeys(t *testing.T) {
	d := ToValue(map[string]any{"c": 1.0, "a": 2.0, "b": 3.0}).(*starlark.Dict)
	var keys []string
	for _, k := range d.Keys() {
		keys = append(keys, string(k.(starlark.String)))
	}
	if strings.Join(keys, ",") != "a,b,c" {
		t.Errorf("keys %v", keys)
	}
}

func TestFromValue(t *testing.T) {
	self := starlark.NewList(nil)
	_ = self.Append(self)
	big := new(starlark.Int)
	*big = starlark.MakeInt64(math.MaxInt64).Add(starlark.MakeInt(1))
	nonStr := starlark.NewDict(1)
	_ = nonStr.SetKey(starlark.MakeInt(1), starlark.String("x"))
	tests := []struct {
		name    string
		in      starlark.Value
		want    any
		wantErr string
		lenient any
	}{
		{name: "tuple", in: starlark.Tuple{starlark.MakeInt(1), starlark.String("x")}, want: []any{int64(1), "x"}},
		{name: "bytes", in: starlark.Bytes("ab"), want: "ab"},
		{name: "time is UTC", in: startime.Time(time.Date(2024, 1, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))),
			want: time.Date(2024, 1, 1, 11, 0, 0, 0, time.UTC)},
		{name: "big int", in: *big, wantErr: "does not fit in 64 bits", lenient: 9.223372036854776e18},
		{name: "nan", in: starlark.Float(math.NaN()), wantErr: "cannot be stored", lenient: nil},
		{name: "self-containing list", in: self, wantErr: "nested more than"},
		{name: "non-string key", in: nonStr, wantErr: "must be strings", lenient: map[string]any{"1": "x"}},
		{name: "function", in: starlark.NewBuiltin("f", nil), wantErr: "builtin_function_or_method cannot be stored", lenient: "<built-in function f>"},
		{name: "set", in: starlark.NewSet(1), wantErr: "a set cannot be stored", lenient: "set([])"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromValue(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if tt.lenient != nil {
					if l := FromValueLenient(tt.in); !reflect.DeepEqual(l, tt.lenient) {
						t.Errorf("lenient %#v, want %#v", l, tt.lenient)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDedent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a = 1", "a = 1"},
		{"\n    a = 1\n    if a:\n        b = 2\n  ", "\na = 1\nif a:\n    b = 2\n  "},
		{"a = 1\n      b = 2\n      c = 3", "a = 1\nb = 2\nc = 3"},
		{"if x:\n    y()", "if x:\n    y()"},
		{"\ta = 1\n\tb = '\t'", "a = 1\nb = '\t'"},
	}
	for _, tt := range tests {
		if got := dedent(tt.in); got != tt.want {
			t.Errorf("dedent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func run(t *testing.T, body string, opts Options, e *event.Event) (starlark.Value, error) {
	t.Helper()
	opts.Params = []string{"event"}
	p, err := CompileBody(body, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	r, err := p.NewRuntime()
	if err != nil {
		t.Fatalf("runtime: %v", err)
	}
	defer r.Release()
	return r.Call(r.Wrap(e))
}

func TestEventAPI(t *testing.T) {
	e := event.FromMap(map[string]any{
		"message": "hello", "n": int64(2),
		"http":       map[string]any{"status": int64(404)},
		"@timestamp": time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	})
	_, err := run(t, `
if event.get("[http][status]") != 404: fail("get nested")
if event.get("missing") != None: fail("missing is None")
if not event.include("message") or event.include("[http][nope]"): fail("include")
event.set("[a][b]", [1, "x", {"y": None}])
event.set("n", event.get("n") * 10)
event.tag("t1")
event.tag("t1")
if event.remove("message") != "hello": fail("remove returns the value")
d = event.to_dict()
d["n"] = 0  # a copy: the event keeps its value
if event.timestamp.year != 2024: fail("timestamp")
event.timestamp = event.timestamp + time.parse_duration("1h")
event.set("copy", event.sprintf("%{n}-%{[a][b][1]}"))
event.set("[@metadata][m]", True)
h = event.get("http")
h["status"] = 500  # a copy too
`, Options{}, e)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": int64(20), "http": map[string]any{"status": int64(404)},
		"a":          map[string]any{"b": []any{int64(1), "x", map[string]any{"y": nil}}},
		"tags":       []any{"t1"},
		"copy":       "20-x",
		"@timestamp": time.Date(2024, 5, 6, 8, 8, 9, 0, time.UTC),
		"@version":   "1",
	}
	if !reflect.DeepEqual(e.Fields(), want) {
		t.Errorf("fields\n got %#v\nwant %#v", e.Fields(), want)
	}
	if e.Metadata()["m"] != true {
		t.Error("metadata not set")
	}
}

func TestCancelUncancel(t *testing.T) {
	e := event.NewMessage("x")
	if _, err := run(t, "event.cancel()\nif not event.cancelled(): fail('x')\nevent.uncancel()", Options{}, e); err != nil {
		t.Fatal(err)
	}
	if e.Cancelled() {
		t.Error("uncancel did not take")
	}
	e = event.NewMessage("x")
	if _, err := run(t, "event.cancel()", Options{}, e); err != nil {
		t.Fatal(err)
	}
	if !e.Cancelled() {
		t.Error("cancel did not take")
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, body, init, want string
	}{
		{"syntax", "a = 1\nb = = 2", "", "code line 2:"},
		{"undefined", "x = 1\ny = nope", "", "code line 2: undefined: nope"},
		{"runtime", "\n  a = 1\n  b = a + 'x'", "", "code line 3: unknown binary op: int + string"},
		{"bad ref", `event.get("[a")`, "", "missing ']'"},
		{"bad set", `event.set("x", {1: 2})`, "", "set x: dict key 1 is a int"},
		{"timestamp type", `event.set("@timestamp", "now")`, "", "must be a time"},
		{"init error", "x = 1", "a = 1\nb = a / 0", "init line 2: floating-point division by zero"},
		{"load disabled", `load("x.star", "y")`, "", "load"},
		{"recursion", "def f(n):\n    return f(n)\nf(1)", "", "called recursively"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Params: []string{"event"}, Init: tt.init}
			p, err := CompileBody(tt.body, opts)
			if err == nil {
				var r *Runtime
				r, err = p.NewRuntime()
				if err == nil {
					_, err = r.Call(r.Wrap(event.NewMessage("m")))
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	p, err := CompileBody("while True:\n    pass", Options{Params: []string{"event"}, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = r.Call(r.Wrap(event.NewMessage("x")))
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "code line 1: timed out after 50ms") {
		t.Fatalf("error %v, want a timeout at line 1", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	// The runtime is usable again afterwards: a quick script is not
	// cancelled by the earlier deadline.
	p2, _ := CompileBody("event.set('ok', True)", Options{Params: []string{"event"}, Timeout: 50 * time.Millisecond})
	r2, err := p2.NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		e := event.NewMessage("x")
		if _, err := r2.Call(r2.Wrap(e)); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		r2.Release()
	}
}

func TestStaleEvent(t *testing.T) {
	p, err := CompileBody("KEPT.append(event)\nif len(KEPT) > 1:\n    KEPT[0].set('x', 1)",
		Options{Params: []string{"event"}, Init: "KEPT = []"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	first := event.NewMessage("1")
	if _, err := r.Call(r.Wrap(first)); err != nil {
		t.Fatal(err)
	}
	r.Release()
	_, err = r.Call(r.Wrap(event.NewMessage("2")))
	if err == nil || !strings.Contains(err.Error(), "earlier call") {
		t.Fatalf("error %v", err)
	}
	if _, ok := first.GetField("x"); ok {
		t.Error("a stale wrapper changed an event")
	}
}

func TestReModule(t *testing.T) {
	_, err := run(t, `
m = re.search(r"(\d+)-(\w+)?", "id 42- end")
if m != ["42-", "42", None]: fail("search %r" % m)
if re.match(r"\d", "a1") != None: fail("match is anchored")
if re.groups(r"(?P<user>\w+)@(?P<host>\S+)", "mail bob@example.org") != {"user": "bob", "host": "example.org"}: fail("groups")
if re.findall(r"\d+", "a1b22c333") != ["1", "22", "333"]: fail("findall")
if re.findall(r"(\w)=(\d)", "a=1 b=2") != [("a", "1"), ("b", "2")]: fail("findall groups")
if re.sub(r"(\w+)@(\w+)", r"\2 at \1 $", "me@home x@y") != "home at me $ y at x $": fail("sub %r" % re.sub(r"(\w+)@(\w+)", r"\2 at \1 $", "me@home x@y"))
if re.sub(r"a", "b", "aaa", count=2) != "bba": fail("sub count")
if re.split(r"\s*,\s*", "a , b,c") != ["a", "b", "c"]: fail("split")
if re.split(",", "a,b,c", maxsplit=1) != ["a", "b,c"]: fail("maxsplit")
`, Options{}, event.NewMessage("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, `re.search("(", "x")`, Options{}, event.NewMessage("x")); err == nil || !strings.Contains(err.Error(), "missing closing )") {
		t.Errorf("bad pattern error: %v", err)
	}
}

func TestNewEventBuiltin(t *testing.T) {
	p, err := CompileBody(`return [Event({"message": "new", "@timestamp": "2024-01-02T03:04:05Z"}), Event(), event.clone()]`,
		Options{Params: []string{"event"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(r.Wrap(event.NewMessage("orig")))
	if err != nil {
		t.Fatal(err)
	}
	l := res.(*starlark.List)
	e0, _ := Unwrap(l.Index(0))
	if e0.Message() != "new" || !e0.Timestamp().Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("Event(dict): %#v", e0.Fields())
	}
	e2, _ := Unwrap(l.Index(2))
	if e2.Message() != "orig" {
		t.Errorf("clone: %#v", e2.Fields())
	}
	r.Release()
	if _, ok := Unwrap(l.Index(0)); ok {
		t.Error("wrapper still valid after Release")
	}
}

func FuzzFromValue(f *testing.F) {
	// Scripts written by users build arbitrary values; whatever they build
	// must convert or fail cleanly, never panic.
	for _, s := range []string{`{"a": [1, 2.5, None, True]}`, `[(1, "x"), {"k": {"k": b"b"}}]`, `{1: 2}`, `[set([1])]`,
		`int("999" + "999" + "999" + "999" + "999" + "999" + "999")`, `999 * -999`, `float("nan")`, `{"t": time.now()}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 2000 || !fuzzSized(expr) {
			return
		}
		thread := &starlark.Thread{}
		thread.SetMaxExecutionSteps(10000)
		defer watchFuzzRun(thread, fuzzRunTime, fuzzRunHeap)()
		v, err := starlark.EvalOptions(fileOptions, thread, "fuzz", expr, builtins)
		if err != nil {
			return
		}
		got, err := FromValue(v)
		if err != nil {
			return
		}
		// A converted value converts back to an equal event value.
		again, err := FromValue(ToValue(got))
		if err != nil {
			t.Fatalf("%q: reconversion failed: %v", expr, err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("%q: %#v != %#v", expr, got, again)
		}
	})
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"event.set('a', 1)", "if x:\n  y", "def f(:", "while True:\n pass", "return [event]", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 4096 || !fuzzSized(body) {
			return
		}
		p, err := CompileBody(body, Options{Params: []string{"event"}, Timeout: 20 * time.Millisecond})
		if err != nil {
			return
		}
		r, err := p.NewRuntime()
		if err != nil {
			return
		}
		stop := watchFuzzRun(r.thread, fuzzRunTime, fuzzRunHeap)
		_, _ = r.Call(r.Wrap(event.NewMessage("fuzz")))
		stop()
		r.Release()
	})
}

// Memory is not bounded by the sandbox (see docs/scripting.md), and the
// timeout is only looked at every checkSteps steps, so a fuzzed script
// could exhaust the machine ([1]*1000*1000*1000 is 16 GB in one step) or
// run for seconds (a value doubled in a loop, a string growing
// quadratically within checkSteps steps) and fail the fuzz run as a crash
// or a hung worker. The fuzz targets bound their inputs on two levels:
//
//   - fuzzSized keeps the fuzzer away from what makes one step huge:
//     numbers of four digits or more, shifts, powers, hex/octal/binary and
//     exponent literals, more than one * (at most 999*999 elements, 16 MB,
//     in one step), and a * in code that can run it again on its own
//     result (for, while, def, lambda);
//   - watchFuzzRun cancels the run between steps once it has taken
//     fuzzRunTime or grown the heap by fuzzRunHeap, which bounds loops
//     that grow a value step by step.
//
// This is a bound for the fuzzer, not a sandbox: a script written on
// purpose (str.replace with an empty old string, say) still grows faster.
var (
	fuzzHuge  = regexp.MustCompile(`[0-9]{4,}|<<|\*\*|0x|0o|0b|e[0-9]`)
	fuzzLoops = regexp.MustCompile(`\b(for|while|def|lambda)\b`)
)

const (
	fuzzRunTime = 200 * time.Millisecond
	fuzzRunHeap = 256 << 20
)

// fuzzSized reports whether a fuzzed script or expression is small enough
// to run: see fuzzHuge.
func fuzzSized(src string) bool {
	switch stars := strings.Count(src, "*"); {
	case fuzzHuge.MatchString(src) || stars > 1:
		return false
	case stars == 1:
		return !fuzzLoops.MatchString(src)
	}
	return true
}

// watchFuzzRun cancels thread once it has run for maxTime or the heap has
// grown by maxHeap bytes since the call; the returned func stops the
// watch. Cancel is safe from another goroutine and the interpreter looks
// at it before every step.
func watchFuzzRun(thread *starlark.Thread, maxTime time.Duration, maxHeap uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := heap()
	deadline := time.Now().Add(maxTime)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				if now.After(deadline) {
					thread.Cancel("fuzz run took too long")
				} else if heap() > base+maxHeap {
					thread.Cancel("fuzz run grew the heap too much")
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// TestFuzzBounds: the fuzz targets neither exhaust memory nor hang their
// worker on a script that grows a value (see fuzzSized, watchFuzzRun).
func TestFuzzBounds(t *testing.T) {
	sized := []struct {
		name, src string
		want      bool
	}{
		{"one repeat", `[1] * 999`, true},
		{"list repeated three times (16 GB at 1000)", `[1] * 100 * 100 * 100`, false},
		{"list repeated twice", `[1] * 999 * 999`, false},
		{"four-digit repeat", `[1] * 9999`, false},
		{"repeat inside a loop", "x = [0]\nfor i in range(9):\n    x += x * 99", false},
		{"repeat of a repeat by a function", "def f(a):\n  return a * 99\nf(f(f([0])))", false},
		{"repeat in a comprehension", "[[1] * 999 for x in range(999)]", false},
		{"power", `[1] + 2 ** 40`, false},
		{"loop without repeat", "for i in range(9):\n    x += x", true},
	}
	for _, tt := range sized {
		t.Run(tt.name, func(t *testing.T) {
			if got := fuzzSized(tt.src); got != tt.want {
				t.Fatalf("fuzzSized(%q) = %v, want %v", tt.src, got, tt.want)
			}
		})
	}
	watched := []struct {
		name, body string
		maxTime    time.Duration
		maxHeap    uint64
	}{
		// 2^23 elements: 128 MB, in 23 steps that the step-based
		// timeout never looks at.
		{"doubling list", "a = [0]\nfor i in range(23):\n    a += a\nevent.set('n', len(a))", time.Minute, 32 << 20},
		// 1.6 GB of copying in fewer than checkSteps steps.
		{"quadratic string", "t = 'yyyyyyyy'\nt = t + t + t + t + t + t + t + t\nt = t + t + t + t + t + t + t + t\ns = ''\n" +
			"for i in range(50):\n    for j in range(50):\n        s += t\nevent.set('n', len(s))", 50 * time.Millisecond, 1 << 30},
	}
	for _, tt := range watched {
		t.Run(tt.name, func(t *testing.T) {
			if !fuzzSized(tt.body) {
				t.Fatalf("%q is not fuzzSized: the watch is what must stop it", tt.body)
			}
			p, err := CompileBody(tt.body, Options{Params: []string{"event"}, Timeout: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			r, err := p.NewRuntime()
			if err != nil {
				t.Fatal(err)
			}
			e := event.NewMessage("fuzz")
			stop := watchFuzzRun(r.thread, tt.maxTime, tt.maxHeap)
			_, err = r.Call(r.Wrap(e))
			stop()
			r.Release()
			if err == nil || !strings.Contains(err.Error(), "cancelled: fuzz run") {
				n, _ := e.GetField("n")
				t.Fatalf("call not cancelled by the watch: err=%v, n=%v", err, n)
			}
		})
	}
}

func benchCall(b *testing.B, timeout time.Duration) {
	p, err := CompileBody("event.set('n', 1)", Options{Params: []string{"event"}, Timeout: timeout})
	if err != nil {
		b.Fatal(err)
	}
	r, err := p.NewRuntime()
	if err != nil {
		b.Fatal(err)
	}
	e := event.NewMessage("x")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := r.Call(r.Wrap(e)); err != nil {
			b.Fatal(err)
		}
		r.Release()
	}
}

// The cost of a minimal call, and the part the timeout adds.
func BenchmarkCall(b *testing.B)          { benchCall(b, time.Second) }
func BenchmarkCallNoTimeout(b *testing.B) { benchCall(b, 0) }

func TestRubyCodeGetsAHint(t *testing.T) {
	tests := []struct{ code, want string }{
		{"map['sql_duration'] ||= 0", "`x ||= v` is"},
		{"event.tag('x') if event.include?('y')", "`include?(f)` is `include(f)`"},
		{"event.get('tags').each do |t|\n  puts t\nend", "for x in arr:"},
		{"event.tag('x') unless event.get('y').nil?", "`unless c` is `if not c:`"},
	}
	for _, tt := range tests {
		_, err := CompileBody(tt.code, Options{Params: []string{"event", "map"}})
		if err == nil || !strings.Contains(err.Error(), "this looks like Ruby") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want a hint with %q", tt.code, err, tt.want)
		}
	}
	// Ruby interpolation compiles (as literal text): a warning says so.
	p, err := CompileBody(`event.set('m', "user #{name}")`, Options{Params: []string{"event"}})
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Warnings(); len(w) != 1 || !strings.Contains(w[0], "string interpolation") {
		t.Errorf("warnings %q", w)
	}
	// Starlark that fails to compile gets no Ruby hint.
	if _, err := CompileBody("x = (", Options{Params: []string{"event"}}); err == nil || strings.Contains(err.Error(), "Ruby") {
		t.Errorf("error %v", err)
	}
}

func TestShortScriptsAreNotCutOnABusyMachine(t *testing.T) {
	// The deadline is long gone (as when the machine is too busy to run
	// the script in time), but a short script finishes: the clock is only
	// looked at after checkSteps steps of real work.
	p, err := CompileBody("event.set('a', 1)", Options{Params: []string{"event"}, Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Call(r.Wrap(event.NewMessage("x"))); err != nil {
		t.Fatal(err)
	}
	// A long one is cut.
	p, _ = CompileBody("for i in range(1000000): pass", Options{Params: []string{"event"}, Timeout: time.Nanosecond})
	r, err = p.NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Call(r.Wrap(event.NewMessage("x"))); !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v", err)
	}
}
