package script

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

type m = map[string]any

func build(t testing.TB, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

// fields returns the event's fields without @timestamp and @version.
func fields(e *event.Event) m {
	f := e.Clone().Fields()
	delete(f, "@timestamp")
	delete(f, "@version")
	return f
}

// Ruby snippets from real configurations and their line-by-line
// translations.
func TestRubyTranslations(t *testing.T) {
	tests := []struct {
		name, ruby, code string
		in, want         m
	}{
		{
			name: "copy and rename",
			ruby: `event.set('[user][name]', event.get('username')); event.remove('username')`,
			code: `event.set('[user][name]', event.get('username')); event.remove('username')`,
			in:   m{"username": "bob"},
			want: m{"user": m{"name": "bob"}},
		},
		{
			name: "conditional tag",
			ruby: `event.tag('slow') if event.get('duration').to_f > 1.5`,
			code: `if float(event.get('duration')) > 1.5: event.tag('slow')`,
			in:   m{"duration": "2.25"},
			want: m{"duration": "2.25", "tags": []any{"slow"}},
		},
		{
			name: "split a string into an array",
			ruby: `event.set('parts', event.get('message').split(','))`,
			code: `event.set('parts', event.get('message').split(','))`,
			in:   m{"message": "a,b,c"},
			want: m{"message": "a,b,c", "parts": []any{"a", "b", "c"}},
		},
		{
			name: "hash iteration",
			ruby: `event.get('headers').each { |k, v| event.set("[h][#{k.downcase}]", v) }`,
			code: `for k, v in event.get('headers').items(): event.set('[h][%s]' % k.lower(), v)`,
			in:   m{"headers": m{"Host": "x", "Accept": "y"}},
			want: m{"headers": m{"Host": "x", "Accept": "y"}, "h": m{"host": "x", "accept": "y"}},
		},
		{
			name: "default value (||=)",
			ruby: `event.set('env', 'prod') unless event.include?('env')`,
			code: `if not event.include('env'): event.set('env', 'prod')`,
			in:   m{},
			want: m{"env": "prod"},
		},
		{
			name: "regex capture",
			ruby: `if event.get('message') =~ /user=(\w+)/ then event.set('user', $1) end`,
			code: "m = re.search(r'user=(\\w+)', event.get('message'))\nif m: event.set('user', m[1])",
			in:   m{"message": "login user=alice ok"},
			want: m{"message": "login user=alice ok", "user": "alice"},
		},
		{
			name: "gsub",
			ruby: `event.set('message', event.get('message').gsub(/\d/, '#'))`,
			code: `event.set('message', re.sub(r'\d', '#', event.get('message')))`,
			in:   m{"message": "pin 1234"},
			want: m{"message": "pin ####"},
		},
		{
			name: "json parse",
			ruby: `event.set('payload', JSON.parse(event.get('raw')))`,
			code: `event.set('payload', json.decode(event.get('raw')))`,
			in:   m{"raw": `{"a": [1, 2.5, null, true]}`},
			want: m{"raw": `{"a": [1, 2.5, null, true]}`, "payload": m{"a": []any{int64(1), 2.5, nil, true}}},
		},
		{
			name: "sum an array",
			ruby: `event.set('total', event.get('items').map { |i| i['price'] }.sum)`,
			code: `total = 0
for i in event.get('items'): total += i['price']
event.set('total', total)`,
			in:   m{"items": []any{m{"price": int64(3)}, m{"price": int64(4)}}},
			want: m{"items": []any{m{"price": int64(3)}, m{"price": int64(4)}}, "total": int64(7)},
		},
		{
			name: "epoch to timestamp",
			ruby: `event.set('@timestamp', LogStash::Timestamp.at(event.get('epoch')))`,
			code: `event.timestamp = time.from_timestamp(event.get('epoch'))`,
			in:   m{"epoch": int64(1700000000)},
			want: m{"epoch": int64(1700000000)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.code, `"`) {
				t.Fatal("BUG: the test puts code in a double-quoted string")
			}
			f := build(t, "script { code => \""+tt.code+"\" }")
			e := event.FromMap(tt.in)
			var emitted []*event.Event
			if !f.Filter(e, func(n *event.Event) { emitted = append(emitted, n) }) {
				t.Fatalf("Filter returned false; tags %v", e.Tags())
			}
			if got := fields(e); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ruby: %s\n got %#v\nwant %#v", tt.ruby, got, tt.want)
			}
			if len(emitted) != 0 || e.Cancelled() {
				t.Errorf("emitted %d, cancelled %v", len(emitted), e.Cancelled())
			}
			if tt.name == "epoch to timestamp" && !e.Timestamp().Equal(time.Unix(1700000000, 0)) {
				t.Errorf("timestamp %v", e.Timestamp())
			}
		})
	}
}

func writeScript(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.star")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileReturnsEvents(t *testing.T) {
	path := writeScript(t, `
THRESHOLD = 0

def register(params):
    # Globals cannot be rebound from a function: keep settings in a dict.
    CONF["threshold"] = params["threshold"]
    CONF["field"] = params["names"]["field"]

CONF = {}

def filter(event):
    n = event.get(CONF["field"])
    if n == None:
        return [event]
    if n < CONF["threshold"]:
        return []           # drop the event
    out = [event]
    for i in range(n - CONF["threshold"]):
        out.append(Event({"message": "extra %d" % i}))
    return out
`)
	f := build(t, fmt.Sprintf(`script { path => %q script_params => { "threshold" => 2 "names" => { "field" => "n" } } }`, path))
	tests := []struct {
		in      m
		cancel  bool
		emitted []string
	}{
		{in: m{"message": "no n"}},
		{in: m{"n": int64(1)}, cancel: true},
		{in: m{"n": int64(2)}},
		{in: m{"n": int64(4)}, emitted: []string{"extra 0", "extra 1"}},
	}
	for _, tt := range tests {
		e := event.FromMap(tt.in)
		var got []string
		if !f.Filter(e, func(n *event.Event) { got = append(got, n.Message()) }) {
			t.Fatalf("%v: Filter returned false: %v", tt.in, e.Tags())
		}
		if e.Cancelled() != tt.cancel {
			t.Errorf("%v: cancelled %v", tt.in, e.Cancelled())
		}
		if !reflect.DeepEqual(got, tt.emitted) {
			t.Errorf("%v: emitted %v, want %v", tt.in, got, tt.emitted)
		}
	}
}

func TestReturnWithoutOriginal(t *testing.T) {
	// As in Logstash: the original is dropped unless returned.
	f := build(t, `script { code => "c = event.clone()
c.set('copy', True)
return [c]" }`)
	e := event.NewMessage("x")
	var got []*event.Event
	f.Filter(e, func(n *event.Event) { got = append(got, n) })
	if !e.Cancelled() || len(got) != 1 || got[0].Message() != "x" {
		t.Fatalf("cancelled %v, emitted %d", e.Cancelled(), len(got))
	}
	if v, _ := got[0].GetField("copy"); v != true {
		t.Errorf("copy: %#v", got[0].Fields())
	}
}

func TestExceptions(t *testing.T) {
	tests := []struct {
		name, conf, wantTag string
	}{
		{"runtime error", `script { code => "event.set('a', 1)
x = 1 / 0" }`, "_scriptexception"},
		{"custom tag and message", `script { code => "fail('bad input')" tag_on_exception => "_broken" tag_with_exception_message => true }`, "_broken"},
		{"bad return", `script { code => "return 'x'" }`, "_scriptexception"},
		{"bad list item", `script { code => "return [event, 1]" }`, "_scriptexception"},
		{"unstorable value", `script { code => "event.set('f', len)" }`, "_scriptexception"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, tt.conf)
			e := event.NewMessage("x")
			if f.Filter(e, func(*event.Event) { t.Error("emitted") }) {
				t.Error("Filter returned true")
			}
			if !e.HasTag(tt.wantTag) {
				t.Errorf("tags %v", e.Tags())
			}
			if e.Cancelled() {
				t.Error("cancelled")
			}
			if tt.name == "custom tag and message" && !e.HasTag("code line 1: fail: bad input") {
				t.Errorf("tags %v", e.Tags())
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	noFilter := filepath.Join(dir, "nofilter.star")
	_ = os.WriteFile(noFilter, []byte("def other(e): pass\n"), 0o600)
	twoParams := filepath.Join(dir, "two.star")
	_ = os.WriteFile(twoParams, []byte("def filter(e, x): pass\n"), 0o600)
	badRegister := filepath.Join(dir, "reg.star")
	_ = os.WriteFile(badRegister, []byte("def register(p):\n    p['x'] = 1\ndef filter(e): pass\n"), 0o600)
	tests := []struct{ conf, want string }{
		{`script { }`, "set code"},
		{`script { code => "x" path => "/y" }`, "not both"},
		{`script { code => "x = )" }`, "code line 1"},
		{`script { code => "x" script_params => { "a" => 1 } }`, "needs path"},
		{`script { path => "/nonexistent.star" }`, "read script"},
		{fmt.Sprintf(`script { path => %q }`, noFilter), "must define a function filter(event)"},
		{fmt.Sprintf(`script { path => %q }`, twoParams), "filter must take one parameter"},
		{fmt.Sprintf(`script { path => %q init => "x = 1" }`, twoParams), "init is for inline code"},
		{fmt.Sprintf(`script { path => %q script_params => { "a" => 1 } }`, badRegister), "frozen"},
		{`script { code => "pass" init => "while True: pass" timeout => 0.01 }`, "timed out"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindFilter, tt.conf)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.conf, err, tt.want)
		}
	}
}

func TestTimeoutDoesNotHangAWorker(t *testing.T) {
	f := build(t, `script { code => "if event.get('message') == 'loop':
    while True:
        pass
event.set('ok', True)" timeout => 0.05 }`)
	done := make(chan struct{})
	e := event.NewMessage("loop")
	go func() {
		defer close(done)
		f.Filter(e, func(*event.Event) {})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a looping script hung the worker")
	}
	if !e.HasTag("_scriptexception") {
		t.Errorf("tags %v", e.Tags())
	}
	// The next event on the same interpreter runs normally.
	e2 := event.NewMessage("fine")
	if !f.Filter(e2, func(*event.Event) {}) {
		t.Fatalf("second event failed: %v", e2.Tags())
	}
	if v, _ := e2.GetField("ok"); v != true {
		t.Errorf("second event: %#v", e2.Fields())
	}
}

func TestConcurrentWorkers(t *testing.T) {
	f := build(t, `script { init => "SEEN = {'n': 0}" code => "SEEN['n'] += 1
event.set('len', len(event.get('message')))" }`)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				e := event.NewMessage(strings.Repeat("x", i))
				if !f.Filter(e, func(*event.Event) {}) {
					t.Errorf("failed: %v", e.Tags())
					return
				}
				if v, _ := e.GetField("len"); v != int64(i) {
					t.Errorf("len %v, want %d", v, i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestExampleConfRuns(t *testing.T) {
	// The example's filter block: from "script {" to its closing "  }".
	start := strings.Index(example, "script {")
	end := strings.Index(example[start:], "\n  }\n")
	f := build(t, example[start:start+end+4])
	e := event.FromMap(m{"url": m{"path": "/x"}, "http": m{"response": m{"body": m{"bytes": int64(2048000)}}}})
	if !f.Filter(e, func(*event.Event) {}) {
		t.Fatalf("failed: %v", e.Tags())
	}
	if v, _ := e.GetField("[http][response][body][kilobytes]"); v != 2000.0 || !e.HasTag("large_response") {
		t.Errorf("%#v", e.Fields())
	}
	h := event.FromMap(m{"url": m{"path": "/healthz"}})
	f.Filter(h, func(*event.Event) {})
	if !h.Cancelled() {
		t.Error("health check not dropped")
	}
}

func BenchmarkScript(b *testing.B) {
	f := build(b, `script { code => "
      size = event.get('[http][bytes]') or 0
      event.set('[http][kb]', size / 1024.0)
      if size > 1000:
          event.tag('big')
    " }`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := event.FromMap(m{"message": "GET /", "http": m{"bytes": int64(2048), "verb": "GET"}})
			f.Filter(e, func(*event.Event) {})
		}
	})
}

// BenchmarkScriptOneCore is BenchmarkScript on one goroutine: the cost
// per event per core.
func BenchmarkScriptOneCore(b *testing.B) {
	f := build(b, `script { code => "
      size = event.get('[http][bytes]') or 0
      event.set('[http][kb]', size / 1024.0)
      if size > 1000:
          event.tag('big')
    " }`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := event.FromMap(m{"message": "GET /", "http": m{"bytes": int64(2048), "verb": "GET"}})
		f.Filter(e, func(*event.Event) {})
	}
}

func BenchmarkBaselineNoScript(b *testing.B) {
	// The cost of making the event alone, to subtract from BenchmarkScript.
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := event.FromMap(m{"message": "GET /", "http": m{"bytes": int64(2048), "verb": "GET"}})
		_ = e
	}
}

// The examples of docs/scripting.md, run.
func TestGuideExamples(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "scripting.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The threshold.star file, as the guide shows it.
	start := strings.Index(string(guide), "# /etc/sluice/scripts/threshold.star")
	end := strings.Index(string(guide)[start:], "```")
	path := writeScript(t, string(guide)[start:start+end])
	f := build(t, fmt.Sprintf(`script { path => %q script_params => { "field" => "load" "limit" => 4 } }`, path))
	for _, tt := range []struct {
		load    any
		cancel  bool
		emitted int
	}{{nil, false, 0}, {int64(2), true, 0}, {int64(9), false, 1}} {
		e := event.FromMap(m{"load": tt.load})
		var got []*event.Event
		f.Filter(e, func(n *event.Event) { got = append(got, n) })
		if e.Cancelled() != tt.cancel || len(got) != tt.emitted {
			t.Errorf("load %v: cancelled %v, emitted %d", tt.load, e.Cancelled(), len(got))
		}
	}

	// Rows of the translation table.
	in := m{"a": "42", "s": "Hello, World", "arr": []any{int64(1), int64(2), int64(3)}, "h": m{"k": int64(1)}}
	code := `
if str(event.get('a')) != '42' or int(event.get('a')) != 42 or float(event.get('a')) != 42.0: fail('conv')
if not event.include('a') or event.get('nope') != None: fail('nil')
s = event.get('s')
if s.lower() != 'hello, world' or s.split(',') != ['Hello', ' World'] or not s.startswith('He') or 'World' not in s: fail('str')
m = re.search(r'W(or)', s)
if (m[1] if m else None) != 'or': fail('re')
if re.sub(r'\s+', ' ', 'a   b') != 'a b' or re.findall(r'\d+', 'a1b22') != ['1', '22']: fail('re2')
if '%s-%s' % (1, 'x') != '1-x' or '{}-{}'.format(1, 'x') != '1-x': fail('fmt')
arr = event.get('arr')
if [x * 2 for x in arr] != [2, 4, 6] or [x for x in arr if x > 1] != [2, 3] or 2 not in arr or len(arr) != 3: fail('arr')
h = event.get('h')
h['k'] = h.get('k', 0) + 1
h.setdefault('list', []).append('x')
if h != {'k': 2, 'list': ['x']}: fail('hash %r' % h)
if json.decode(json.encode({'a': [1]})) != {'a': [1]}: fail('json')
if time.now().unix < 1700000000: fail('now')
event.timestamp = time.from_timestamp(1700000000)
if math.floor(2.5) != 2 or math.round(2.5) != 3: fail('math')
if 1 / 2 != 0.5 or 7 // 2 != 3: fail('div')
`
	g := build(t, "script { code => \""+code+"\" }")
	e := event.FromMap(in)
	if !g.Filter(e, func(*event.Event) {}) {
		t.Fatalf("translation table: %v", e.Tags())
	}
	if e.Timestamp().Unix() != 1700000000 {
		t.Errorf("timestamp %v", e.Timestamp())
	}
}

func TestGuideInitExample(t *testing.T) {
	f := build(t, `script {
  init => "
    LEVELS = {'W': 'warning', 'E': 'error', 'I': 'info'}
    def level(code):
        return LEVELS.get(code, 'unknown')
  "
  code => "event.set('[log][level]', level(event.get('lvl')))"
}`)
	for lvl, want := range map[string]string{"W": "warning", "X": "unknown"} {
		e := event.FromMap(m{"lvl": lvl})
		f.Filter(e, func(*event.Event) {})
		if v, _ := e.GetField("[log][level]"); v != want {
			t.Errorf("%s: %v", lvl, v)
		}
	}
}
