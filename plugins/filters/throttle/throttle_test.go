package throttle

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func build(t testing.TB, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func ev(host string, at time.Duration) *event.Event {
	e := event.NewMessage("x")
	_ = e.Set(event.MustRef("host"), host)
	e.SetTimestamp(t0.Add(at))
	return e
}

// step is one event: its key, its time after t0, and whether it should be
// throttled.
type step struct {
	host      string
	at        time.Duration
	throttled bool
}

func TestThrottle(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name, conf string
		steps      []step
	}{
		{"Logstash's example: before 3, after 5", `throttle { key => "%{host}" before_count => 3 after_count => 5 period => 600 max_age => 1200 }`,
			[]step{
				{"a", 0, true}, {"a", 1 * s, true}, {"a", 2 * s, false}, {"a", 3 * s, false}, {"a", 4 * s, false},
				{"a", 5 * s, true}, {"a", 6 * s, true}, {"a", 599 * s, true},
				// The next window starts with the first event after the first.
				{"a", 600 * s, true}, {"a", 601 * s, true}, {"a", 602 * s, false},
			}},
		{"after_count only", `throttle { key => "%{host}" after_count => 1 period => 60 }`,
			[]step{{"a", 0, false}, {"b", 0, false}, {"a", 10 * s, true}, {"b", 59 * s, true}, {"a", 61 * s, false}, {"b", 61 * s, false}, {"b", 62 * s, true}}},
		{"before_count only", `throttle { key => "%{host}" before_count => 2 period => 60 }`,
			[]step{{"a", 0, true}, {"a", s, false}, {"a", 2 * s, false}, {"a", 70 * s, true}}},
		{"no bounds never throttles", `throttle { key => "%{host}" }`,
			[]step{{"a", 0, false}, {"a", 0, false}}},
		{"after_count 0 throttles everything", `throttle { key => "%{host}" after_count => 0 }`,
			[]step{{"a", 0, true}, {"b", 0, true}}},
		{"out of order events count in their window", `throttle { key => "%{host}" after_count => 2 period => 60 max_age => 600 }`,
			[]step{{"a", 100 * s, false}, {"a", 130 * s, false}, {"a", 50 * s, false}, {"a", 159 * s, true}, {"a", 60 * s, false}, {"a", 70 * s, true}}},
		{"a missing field is part of the key text", `throttle { key => "%{nothere}" after_count => 1 }`,
			[]step{{"a", 0, false}, {"b", 0, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, tt.conf)
			for i, st := range tt.steps {
				if got := f.Filter(ev(st.host, st.at), nil); got != st.throttled {
					t.Errorf("event %d (%s at %v): throttled = %v, want %v", i+1, st.host, st.at, got, st.throttled)
				}
			}
		})
	}
}

func TestMaxAgeForgetsWindows(t *testing.T) {
	f := build(t, `throttle { key => "%{host}" after_count => 1 period => 10 max_age => 20 }`)
	f.Filter(ev("old", 0), nil)
	f.Filter(ev("new", 0), nil)
	if f.Keys() != 2 {
		t.Fatalf("keys %d", f.Keys())
	}
	f.Filter(ev("new", 25*time.Second), nil)
	f.Flush(nil)
	if f.Keys() != 1 {
		t.Errorf("after max_age: %d keys, want 1", f.Keys())
	}
	// An event of a forgotten key counts from 1 again.
	if f.Filter(ev("old", 26*time.Second), nil) {
		t.Error("first event of a forgotten key throttled")
	}
}

func TestMaxCounters(t *testing.T) {
	f := build(t, `throttle { key => "%{host}" after_count => 1 max_counters => 100 }`)
	for i := range 1000 {
		f.Filter(ev(fmt.Sprint("h", i), time.Duration(i)*time.Millisecond), nil)
		if n := f.Keys(); n > 100 {
			t.Fatalf("%d keys tracked, max_counters is 100", n)
		}
	}
	// The most recent keys are kept.
	if !f.Filter(ev("h999", time.Second), nil) {
		t.Error("the most recent key was forgotten")
	}
}

func TestConcurrent(t *testing.T) {
	f := build(t, `throttle { key => "%{host}" after_count => 100 period => 3600 }`)
	var wg sync.WaitGroup
	var mu sync.Mutex
	throttled := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if f.Filter(ev("a", 0), nil) {
					mu.Lock()
					throttled++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if throttled != 300 {
		t.Errorf("%d throttled, want 300", throttled)
	}
}

func TestConfigErrors(t *testing.T) {
	for conf, want := range map[string]string{
		`throttle { }`: "key",
		`throttle { key => "x" before_count => 5 after_count => 2 }`: "after_count",
		`throttle { key => "x" period => 0 }`:                        "period",
		`throttle { key => "x" period => 100 max_age => 50 }`:        "max_age",
		`throttle { key => "x" max_counters => 0 }`:                  "max_counters",
		`throttle { key => "x" after_count => -2 }`:                  "after_count",
	} {
		_, err := plugintest.BuildErr(plugin.KindFilter, conf)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", conf, err, want)
		}
	}
}

func BenchmarkThrottle(b *testing.B) {
	f := build(b, `throttle { key => "%{host}" after_count => 10 }`)
	evs := make([]*event.Event, 64)
	for i := range evs {
		evs[i] = ev(fmt.Sprint("host", i), time.Duration(i)*time.Second)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Filter(evs[i%len(evs)], nil)
		i++
	}
}
