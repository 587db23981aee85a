package aggregate

import (
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

// clock is a manual clock shared by the filters of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func build(t *testing.T, c *clock, conf string) *Filter {
	t.Helper()
	f := plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
	f.now = c.Now
	return f
}

// sink collects emitted events.
type sink struct{ got []*event.Event }

func (s *sink) emit(e *event.Event) { s.got = append(s.got, e) }

func (s *sink) take() []m {
	var out []m
	for _, e := range s.got {
		f := e.Clone().Fields()
		delete(f, "@timestamp")
		delete(f, "@version")
		out = append(out, f)
	}
	s.got = nil
	return out
}

func fields(e *event.Event) m {
	f := e.Clone().Fields()
	delete(f, "@timestamp")
	delete(f, "@version")
	return f
}

// Example #1 of Logstash's documentation: start, update and end filters
// share the task's map.
func TestExample1TaskWithStartAndEnd(t *testing.T) {
	c := newClock()
	start := build(t, c, `aggregate { task_id => "%{taskid}" code => "map['sql_duration'] = 0" map_action => "create" }`)
	sql := build(t, c, `aggregate { task_id => "%{taskid}" code => "map['sql_duration'] += event.get('duration')" map_action => "update" }`)
	end := build(t, c, `aggregate { task_id => "%{taskid}" code => "event.set('sql_duration', map['sql_duration'])" map_action => "update" end_of_task => true timeout => 120 }`)
	var s sink
	steps := []struct {
		f  *Filter
		in m
	}{
		{start, m{"taskid": "12345", "logger": "TASK_START"}},
		{sql, m{"taskid": "12345", "logger": "SQL", "duration": int64(12)}},
		{sql, m{"taskid": "12345", "logger": "SQL", "duration": int64(34)}},
	}
	for _, st := range steps {
		if !st.f.Filter(event.FromMap(st.in), s.emit) {
			t.Fatalf("%v did not match", st.in)
		}
	}
	e := event.FromMap(m{"taskid": "12345", "logger": "TASK_END"})
	if !end.Filter(e, s.emit) {
		t.Fatal("end did not match")
	}
	if v, _ := e.GetField("sql_duration"); v != int64(46) {
		t.Errorf("sql_duration %v", v)
	}
	if len(end.store.maps) != 0 {
		t.Error("end_of_task left the map")
	}
	// The end filter holds the timeout options: it handles timeouts.
	if end.store.owner != end {
		t.Error("timeout owner is not the filter with timeout options")
	}
	// An update for a task that has no map does nothing.
	e = event.FromMap(m{"taskid": "12345", "duration": int64(1)})
	if sql.Filter(e, s.emit) {
		t.Error("update without a map matched")
	}
	if len(s.got) != 0 {
		t.Errorf("emitted %d events", len(s.got))
	}
}

// Example #2: no start event; `map['sql_duration'] ||= 0` becomes get.
func TestExample2NoStartEvent(t *testing.T) {
	c := newClock()
	sql := build(t, c, `aggregate { task_id => "%{taskid}" code => "map['sql_duration'] = map.get('sql_duration', 0) + event.get('duration')" }`)
	end := build(t, c, `aggregate { task_id => "%{taskid}" code => "event.set('sql_duration', map['sql_duration'])" map_action => "update" end_of_task => true timeout => 120 }`)
	var s sink
	for _, d := range []int64{12, 34} {
		sql.Filter(event.FromMap(m{"taskid": "12345", "duration": d}), s.emit)
	}
	e := event.FromMap(m{"taskid": "12345"})
	end.Filter(e, s.emit)
	if v, _ := e.GetField("sql_duration"); v != int64(46) {
		t.Errorf("sql_duration %v", v)
	}
}

// Example #3: no end event; the map is pushed when the task times out.
func TestExample3PushMapOnTimeout(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate {
      task_id => "%{user_id}"
      code => "map['clicks'] = map.get('clicks', 0) + 1"
      push_map_as_event_on_timeout => true
      timeout_task_id_field => "user_id"
      timeout => 600
      timeout_tags => ['_aggregatetimeout']
      timeout_code => "event.set('several_clicks', event.get('clicks') > 1)"
    }`)
	var s sink
	for _, u := range []string{"12345", "12345", "999", "12345"} {
		f.Filter(event.FromMap(m{"user_id": u, "message": "Clicked"}), s.emit)
		c.Advance(time.Second)
	}
	f.Flush(s.emit)
	if len(s.got) != 0 {
		t.Fatalf("pushed before the timeout: %v", s.take())
	}
	c.Advance(600 * time.Second)
	f.Flush(s.emit)
	want := []m{
		{"user_id": "12345", "clicks": int64(3), "several_clicks": true, "tags": []any{"_aggregatetimeout"}},
		{"user_id": "999", "clicks": int64(1), "several_clicks": false, "tags": []any{"_aggregatetimeout"}},
	}
	if got := s.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("pushed\n got %#v\nwant %#v", got, want)
	}
	if len(f.store.maps) != 0 {
		t.Error("maps left after timeout")
	}
}

// Example #4: tasks one after the other (jdbc rows ordered by country):
// each new country pushes the previous one's map.
func TestExample4PushPreviousMap(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate {
      task_id => "%{country_name}"
      code => "
        map['country_name'] = event.get('country_name')
        map.setdefault('towns', []).append({'town_name': event.get('town_name')})
        event.cancel()
      "
      push_previous_map_as_event => true
      timeout => 3
    }`)
	var s sink
	rows := [][2]string{{"France", "Paris"}, {"France", "Marseille"}, {"France", "Lyon"}, {"Spain", "Madrid"}, {"Spain", "Barcelona"}}
	for _, r := range rows {
		e := event.FromMap(m{"country_name": r[0], "town_name": r[1]})
		f.Filter(e, s.emit)
		if !e.Cancelled() {
			t.Errorf("%v not cancelled", r)
		}
	}
	want := []m{{"country_name": "France", "towns": []any{m{"town_name": "Paris"}, m{"town_name": "Marseille"}, m{"town_name": "Lyon"}}}}
	if got := s.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("pushed\n got %#v\nwant %#v", got, want)
	}
	c.Advance(4 * time.Second)
	f.Flush(s.emit)
	want = []m{{"country_name": "Spain", "towns": []any{m{"town_name": "Madrid"}, m{"town_name": "Barcelona"}}}}
	if got := s.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("pushed on timeout\n got %#v\nwant %#v", got, want)
	}
}

func TestFlushFinalPushesLastMap(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate { task_id => "%{k}" code => "map['n'] = map.get('n', 0) + 1" push_previous_map_as_event => true timeout => 3 }`)
	var s sink
	f.Filter(event.FromMap(m{"k": "a"}), s.emit)
	f.Filter(event.FromMap(m{"k": "a"}), s.emit)
	f.FlushFinal(s.emit)
	if got := s.take(); !reflect.DeepEqual(got, []m{{"n": int64(2), "tags": []any{"_aggregatefinalflush"}}}) {
		t.Errorf("final flush: %#v", got)
	}
}

// Example #5: inactivity_timeout ends a task soon after its last event;
// timeout still bounds a task whose events keep coming.
func TestExample5InactivityTimeout(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate {
      task_id => "%{user_id}"
      code => "map['clicks'] = map.get('clicks', 0) + 1"
      push_map_as_event_on_timeout => true
      timeout_task_id_field => "user_id"
      timeout => 3600
      inactivity_timeout => 300
      timeout_tags => ['_aggregatetimeout']
    }`)
	var s sink
	// User a clicks three times, 100 s apart, then stops; user b clicks
	// every 200 s for more than an hour.
	f.Filter(event.FromMap(m{"user_id": "a"}), s.emit)
	f.Filter(event.FromMap(m{"user_id": "b"}), s.emit)
	for i := 0; i < 2; i++ {
		c.Advance(100 * time.Second)
		f.Filter(event.FromMap(m{"user_id": "a"}), s.emit)
	}
	f.Flush(s.emit)
	if len(s.got) != 0 {
		t.Fatalf("pushed too early: %v", s.take())
	}
	var pushed []m
	t0 := c.Now().Add(-200 * time.Second)
	for c.Now().Sub(t0) < 3800*time.Second {
		c.Advance(200 * time.Second)
		f.Filter(event.FromMap(m{"user_id": "b"}), s.emit)
		f.Flush(s.emit)
		for _, p := range s.take() {
			p["at"] = int64(c.Now().Sub(t0) / time.Second)
			pushed = append(pushed, p)
		}
	}
	want := []m{
		// a: last click at 200 s, expired at the flush after 500 s.
		{"user_id": "a", "clicks": int64(3), "tags": []any{"_aggregatetimeout"}, "at": int64(600)},
		// b: first click at 0, expired by timeout after 3600 s.
		{"user_id": "b", "clicks": int64(19), "tags": []any{"_aggregatetimeout"}, "at": int64(3800)},
	}
	if len(pushed) > 2 {
		pushed = pushed[:2] // b starts a new task after its timeout
	}
	if !reflect.DeepEqual(pushed, want) {
		t.Errorf("pushed\n got %#v\nwant %#v", pushed, want)
	}
}

func TestTimeoutTimestampField(t *testing.T) {
	// Replaying old logs: timeouts follow the events' times.
	c := newClock()
	f := build(t, c, `aggregate {
      task_id => "%{id}"
      code => "map['n'] = map.get('n', 0) + 1"
      push_map_as_event_on_timeout => true
      timeout_timestamp_field => "@timestamp"
      timeout => 60
      timeout_task_id_field => "id"
    }`)
	var s sink
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(sec int) *event.Event {
		e := event.FromMap(m{"id": "x"})
		e.SetTimestamp(base.Add(time.Duration(sec) * time.Second))
		return e
	}
	f.Filter(at(0), s.emit)
	f.Filter(at(30), s.emit)
	if len(s.got) != 0 {
		t.Fatal("pushed early")
	}
	f.Filter(at(61), s.emit) // the task of 0..30 expired by event time
	if got := s.take(); !reflect.DeepEqual(got, []m{{"id": "x", "n": int64(2)}}) {
		t.Errorf("pushed %#v", got)
	}
	if el := f.store.maps["x"]; el == nil || !el.createdRef.Equal(base.Add(61*time.Second)) {
		t.Errorf("new task not started at the event's time")
	}
}

func TestMapActionsAndSkips(t *testing.T) {
	c := newClock()
	create := build(t, c, `aggregate { task_id => "%{id}" code => "map['created'] = True" map_action => "create" }`)
	var s sink
	if !create.Filter(event.FromMap(m{"id": "1"}), s.emit) {
		t.Error("create did not match")
	}
	if create.Filter(event.FromMap(m{"id": "1"}), s.emit) {
		t.Error("create matched an existing map")
	}
	if create.Filter(event.FromMap(m{"other": "1"}), s.emit) {
		t.Error("an event without the task id field matched")
	}
}

func TestCodeErrors(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate { task_id => "%{id}" code => "map['n'] += 1" }`)
	e := event.FromMap(m{"id": "1"})
	if f.Filter(e, func(*event.Event) {}) {
		t.Error("a failing code matched")
	}
	if !e.HasTag("_aggregateexception") {
		t.Errorf("tags %v", e.Tags())
	}
	loop := build(t, c, `aggregate { task_id => "%{id}" code => "while True: pass" script_timeout => 0.05 }`)
	e = event.FromMap(m{"id": "2"})
	loop.Filter(e, func(*event.Event) {})
	if !e.HasTag("_aggregateexception") {
		t.Errorf("timeout: tags %v", e.Tags())
	}
}

func TestNewEventsFromCode(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate { task_id => "%{id}" code => "return [Event({'message': 'derived ' + event.get('id')})]" }`)
	var s sink
	f.Filter(event.FromMap(m{"id": "7"}), s.emit)
	if got := s.take(); len(got) != 1 || got[0]["message"] != "derived 7" {
		t.Errorf("emitted %#v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`aggregate { code => "pass" }`, `missing required setting "task_id"`},
		{`aggregate { task_id => "%{id}" code => "x = (" }`, "code line"},
		{`aggregate { task_id => "%{id}" code => "pass" timeout => 10 inactivity_timeout => 20 }`, "must be lower than timeout"},
		{`aggregate { task_id => "%{id}" code => "pass" timeout_code => "nope)" }`, "timeout_code line 1"},
		{`aggregate { task_id => "%{id}" code => "pass" map_action => "upsert" }`, "not one of"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindFilter, tt.conf)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.conf, err, tt.want)
		}
	}
	// Timeout options in two filters of one pattern.
	plugintest.Build(t, plugin.KindFilter, `aggregate { task_id => "%{dup}" code => "pass" timeout => 10 }`)
	_, err := plugintest.BuildErr(plugin.KindFilter, `aggregate { task_id => "%{dup}" code => "pass" push_map_as_event_on_timeout => true }`)
	if err == nil || !strings.Contains(err.Error(), "timeout options are already set") {
		t.Errorf("duplicate timeout options: %v", err)
	}
}

func TestPeriodicFlushDefaultsToTrue(t *testing.T) {
	in := plugintest.Build(t, plugin.KindFilter, `aggregate { task_id => "%{id}" code => "pass" }`)
	if !in.Common.PeriodicFlush {
		t.Error("periodic_flush is not on by default")
	}
	in = plugintest.Build(t, plugin.KindFilter, `aggregate { task_id => "%{id2}" code => "pass" periodic_flush => false }`)
	if in.Common.PeriodicFlush {
		t.Error("periodic_flush => false ignored")
	}
}

func TestMapsPersistAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "maps.json")
	conf := `aggregate { task_id => "%{id}" code => "map['n'] = map.get('n', 0) + event.get('v'); map['tags'] = ['a']" aggregate_maps_path => "` + path + `" }`
	c := newClock()
	in, err := plugintest.BuildErr(plugin.KindFilter, conf)
	if err != nil {
		t.Fatal(err)
	}
	f := in.Plugin.(*Filter)
	f.now = c.Now
	f.Filter(event.FromMap(m{"id": "a", "v": int64(2)}), func(*event.Event) {})
	f.Filter(event.FromMap(m{"id": "b", "v": int64(5)}), func(*event.Event) {})
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("maps not saved: %v", err)
	}
	// Restart: the maps come back and the file is removed.
	plugintest.Build(t, plugin.KindFilter, conf)
	end := plugintest.Build(t, plugin.KindFilter, `aggregate { task_id => "%{id}" code => "event.set('n', map['n']); event.set('t', map['tags'])" map_action => "update" end_of_task => true }`).Plugin.(*Filter)
	e := event.FromMap(m{"id": "b"})
	if !end.Filter(e, func(*event.Event) {}) {
		t.Fatal("saved map not found")
	}
	if got := fields(e); !reflect.DeepEqual(got, m{"id": "b", "n": int64(5), "t": []any{"a"}}) {
		t.Errorf("restored %#v", got)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file not removed after loading: %v", err)
	}
}

func TestBadMapsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maps.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := plugintest.BuildErr(plugin.KindFilter, `aggregate { task_id => "%{id}" code => "pass" aggregate_maps_path => "`+path+`" }`)
	if err == nil || !strings.Contains(err.Error(), "not a file of saved aggregate maps") {
		t.Errorf("error %v", err)
	}
}

func BenchmarkAggregate(b *testing.B) {
	in, err := plugintest.BuildErr(plugin.KindFilter, `aggregate { task_id => "%{id}" code => "map['n'] = map.get('n', 0) + event.get('v')" }`)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	f := in.Plugin.(*Filter)
	ids := []string{"a", "b", "c", "d"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Filter(event.FromMap(m{"id": ids[i%4], "v": int64(i)}), func(*event.Event) {})
	}
}

func TestWarnsAboutSeveralWorkers(t *testing.T) {
	c := newClock()
	f := build(t, c, `aggregate { task_id => "%{id}" code => "map['n'] = 1" }`)
	f.Filter(event.FromMap(m{"id": "1"}), func(*event.Event) {})
	if f.warnedOrder.Load() {
		t.Fatal("warned with one worker")
	}
	// Two workers inside Filter at once (held at the shared lock).
	f.ps.mu.Lock()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Filter(event.FromMap(m{"id": "1"}), func(*event.Event) {})
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.inFilter.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	f.ps.mu.Unlock()
	wg.Wait()
	if !f.warnedOrder.Load() {
		t.Error("no warning about several workers")
	}
}

func TestDefaultTimeoutIsThePipelinesSmallest(t *testing.T) {
	// A pattern with no timeout set uses the smallest timeout of the
	// pipeline's other aggregate filters, as in Logstash.
	c := newClock()
	build(t, c, `aggregate { task_id => "%{other}" code => "pass" timeout => 30 }`)
	f := build(t, c, `aggregate { task_id => "%{id}" code => "map['n'] = 1" }`)
	f.Filter(event.FromMap(m{"id": "1"}), func(*event.Event) {})
	c.Advance(31 * time.Second)
	f.Flush(func(*event.Event) {})
	if len(f.store.maps) != 0 {
		t.Error("map kept past the pipeline's smallest timeout")
	}
	g := build(t, c, `aggregate { task_id => "%{id3}" code => "map['n'] = 1" timeout => 1000 }`)
	g.Filter(event.FromMap(m{"id3": "1"}), func(*event.Event) {})
	c.Advance(31 * time.Second)
	g.Flush(func(*event.Event) {})
	if len(g.store.maps) != 1 {
		t.Error("an explicit timeout was overridden")
	}
}
