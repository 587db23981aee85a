package useragent

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func build(t testing.TB, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

func run(f *Filter, fields map[string]any) (*event.Event, bool) {
	e := event.FromMap(fields)
	ok := f.Filter(e, func(*event.Event) {})
	return e, ok
}

const (
	chromeMac       = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"
	firefoxWin      = "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:27.0) Gecko/20100101 Firefox/27.0"
	googlebotIPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 6_0 like Mac OS X) AppleWebKit/536.26 (KHTML, like Gecko) Version/6.0 Mobile/10A5376e Safari/8536.25 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	ie9Vista        = "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.0; Trident/5.0)"
)

func TestLegacyTopLevel(t *testing.T) {
	f := build(t, `useragent { source => "agent" ecs_compatibility => disabled }`)
	for _, tc := range []struct {
		ua   string
		want map[string]any
	}{
		{chromeMac, map[string]any{
			"name": "Chrome", "version": "32.0.1700.77", "major": "32", "minor": "0", "patch": "1700",
			"os": "Mac OS X", "os_name": "Mac OS X", "os_version": "10.9.1", "os_full": "Mac OS X 10.9.1",
			"os_major": "10", "os_minor": "9", "os_patch": "1", "device": "Mac",
		}},
		{firefoxWin, map[string]any{
			"name": "Firefox", "version": "27.0", "major": "27", "minor": "0",
			"os": "Windows", "os_name": "Windows", "os_version": "7", "os_full": "Windows 7",
			"os_major": "7", "device": "Other",
		}},
		{ie9Vista, map[string]any{
			"name": "IE", "version": "9.0", "major": "9", "minor": "0",
			"os": "Windows", "os_name": "Windows", "os_version": "Vista", "os_full": "Windows Vista",
			"os_major": "Vista", "device": "Other",
		}},
		{"Some Unknown Thing", map[string]any{
			"name": "Other", "os": "Other", "os_name": "Other", "os_full": "Other", "device": "Other",
		}},
	} {
		e, ok := run(f, map[string]any{"agent": tc.ua})
		if !ok {
			t.Errorf("%s: no match", tc.ua)
			continue
		}
		got := e.Fields()
		delete(got, "@timestamp")
		delete(got, "@version")
		delete(got, "agent")
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.ua, got, tc.want)
		}
	}
}

func TestLegacyTargetAndPrefix(t *testing.T) {
	f := build(t, `useragent { source => "agent" target => "ua" prefix => "ua_" ecs_compatibility => disabled }`)
	e, _ := run(f, map[string]any{"agent": googlebotIPhone})
	ua, _ := e.GetField("ua")
	want := map[string]any{
		"ua_name": "Googlebot", "ua_version": "2.1", "ua_major": "2", "ua_minor": "1",
		"ua_os": "iOS", "ua_os_name": "iOS", "ua_os_version": "6.0", "ua_os_full": "iOS 6.0",
		"ua_os_major": "6", "ua_os_minor": "0", "ua_device": "Spider",
	}
	if !reflect.DeepEqual(ua, want) {
		t.Errorf("got %v\nwant %v", ua, want)
	}
	if v, _ := e.GetField("agent"); v != googlebotIPhone {
		t.Errorf("source changed: %v", v)
	}
}

func TestECS(t *testing.T) {
	f := build(t, `useragent { source => "[user_agent][original]" }`)
	e, ok := run(f, map[string]any{"user_agent": map[string]any{"original": chromeMac}})
	if !ok {
		t.Fatal("no match")
	}
	want := map[string]any{
		"original": chromeMac, "name": "Chrome", "version": "32.0.1700.77",
		"os":     map[string]any{"name": "Mac OS X", "version": "10.9.1", "full": "Mac OS X 10.9.1"},
		"device": map[string]any{"name": "Mac"},
	}
	if got, _ := e.GetField("user_agent"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	meta := e.Metadata()["filter"]
	wantMeta := map[string]any{"user_agent": map[string]any{
		"version": map[string]any{"major": "32", "minor": "0", "patch": "1700"},
		"os":      map[string]any{"version": map[string]any{"major": "10", "minor": "9", "patch": "1"}},
	}}
	if !reflect.DeepEqual(meta, wantMeta) {
		t.Errorf("metadata %v", meta)
	}

	// Another source: the original string is kept in [user_agent][original].
	f = build(t, `useragent { source => "agent" }`)
	e, _ = run(f, map[string]any{"agent": firefoxWin})
	if got, _ := e.GetField("[user_agent][original]"); got != firefoxWin {
		t.Errorf("original = %v", got)
	}
	if got, _ := e.GetField("[user_agent][name]"); got != "Firefox" {
		t.Errorf("name = %v", got)
	}
}

func TestTargetReplacesSource(t *testing.T) {
	f := build(t, `useragent { source => "agent" target => "agent" ecs_compatibility => disabled }`)
	e, _ := run(f, map[string]any{"agent": []any{firefoxWin, "second"}})
	got, _ := e.GetField("[agent][name]")
	if got != "Firefox" {
		t.Errorf("agent = %v", e.Fields()["agent"])
	}
}

func TestMissingOrEmptySource(t *testing.T) {
	f := build(t, `useragent { source => "agent" }`)
	for _, fields := range []map[string]any{{}, {"agent": ""}, {"agent": []any{}}, {"agent": int64(3)}} {
		e, ok := run(f, fields)
		if ok {
			t.Errorf("%v: matched", fields)
		}
		if _, has := e.GetField("user_agent"); has {
			t.Errorf("%v: user_agent set", fields)
		}
	}
}

func TestCustomRegexes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "regexes.yaml")
	yaml := `user_agent_parsers:
  - regex: '(SluiceBot)/(\d+)\.(\d+)'
    family_replacement: 'Sluice Bot'
os_parsers:
  - regex: '(PlanNine) (\d+)'
device_parsers:
  - regex: 'SluiceBot'
    device_replacement: 'Spider'
`
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	f := build(t, `useragent { source => "a" regexes => "`+p+`" }`)
	e, _ := run(f, map[string]any{"a": "SluiceBot/3.14 (PlanNine 4)"})
	want := map[string]any{"original": "SluiceBot/3.14 (PlanNine 4)", "name": "Sluice Bot", "version": "3.14",
		"os": map[string]any{"name": "PlanNine", "version": "4", "full": "PlanNine 4"}, "device": map[string]any{"name": "Spider"}}
	if got, _ := e.GetField("user_agent"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	// Chrome is unknown to these regexes.
	e, _ = run(f, map[string]any{"a": chromeMac})
	if got, _ := e.GetField("[user_agent][name]"); got != "Other" {
		t.Errorf("name = %v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("user_agent_parsers:\n  - regex: '(unclosed'\n"), 0o644)
	empty := filepath.Join(dir, "empty.yaml")
	_ = os.WriteFile(empty, []byte("something: else\n"), 0o644)
	notYAML := filepath.Join(dir, "x.yaml")
	_ = os.WriteFile(notYAML, []byte("user_agent_parsers: [\n"), 0o644)
	for _, tc := range []struct{ conf, want string }{
		{`useragent { }`, "source"},
		{`useragent { source => "a" regexes => "/nonexistent.yaml" }`, "nonexistent"},
		{`useragent { source => "a" regexes => "` + bad + `" }`, "invalid regular expression"},
		{`useragent { source => "a" regexes => "` + empty + `" }`, "no user_agent_parsers"},
		{`useragent { source => "a" regexes => "` + notYAML + `" }`, "regexes"},
		{`useragent { source => "a" lru_cache_size => 0 }`, "lru_cache_size"},
	} {
		in, err := plugintest.BuildErr(plugin.KindFilter, tc.conf)
		if err == nil {
			in.Close()
			t.Errorf("%s: no error", tc.conf)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.conf, err, tc.want)
		}
	}
}

func TestCompleteVersion(t *testing.T) {
	for _, tc := range []struct{ ua, v, want string }{
		{"Chrome/32.0.1700.107 Safari", "32.0.1700", "32.0.1700.107"},
		{"Chrome/32.0.1700.107", "32.0.1700", "32.0.1700"}, // no space after: left alone, as Logstash
		{"Chrome/32.0.1700.x7 Safari", "32.0.1700", "32.0.1700"},
		{"Chrome/32.0.1700 Safari", "32.0.1700", "32.0.1700"},
		{"nothing", "1.2.3", "1.2.3"},
	} {
		if got := completeVersion(tc.ua, tc.v); got != tc.want {
			t.Errorf("completeVersion(%q, %q) = %q, want %q", tc.ua, tc.v, got, tc.want)
		}
	}
}

func TestCacheAndConcurrency(t *testing.T) {
	f := build(t, `useragent { source => "a" lru_cache_size => 2 ecs_compatibility => disabled }`)
	uas := []string{chromeMac, firefoxWin, googlebotIPhone, ie9Vista}
	names := []string{"Chrome", "Firefox", "Googlebot", "IE"}
	done := make(chan bool)
	for w := range 2 {
		go func() {
			ok := true
			for i := range 200 {
				k := (i + w) % len(uas)
				e, _ := run(f, map[string]any{"a": uas[k]})
				if v, _ := e.GetField("name"); v != names[k] {
					ok = false
				}
			}
			done <- ok
		}()
	}
	for range 2 {
		if !<-done {
			t.Error("wrong result under concurrency")
		}
	}
	if n := f.cache.Len(); n > 2 {
		t.Errorf("cache holds %d entries", n)
	}
}

func FuzzUserAgent(f *testing.F) {
	for _, s := range []string{chromeMac, firefoxWin, googlebotIPhone, ie9Vista, "", "-", "Mozilla/5.0 (", strings.Repeat("a/1.2.3.4 ", 50)} {
		f.Add(s)
	}
	filter := build(f, `useragent { source => "a" lru_cache_size => 10 }`)
	f.Fuzz(func(t *testing.T, ua string) {
		e, _ := run(filter, map[string]any{"a": ua})
		if ua != "" {
			if _, ok := e.GetField("[user_agent][name]"); !ok {
				t.Fatalf("no name for %q", ua)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name     string
		cache    int
		distinct int
	}{{"cached", 100000, 0}, {"uncached", 1, 1000}} {
		b.Run(bc.name, func(b *testing.B) {
			f := build(b, `useragent { source => "a" ecs_compatibility => disabled lru_cache_size => `+strconv.Itoa(bc.cache)+` }`)
			// Uncached: distinct strings, so that every parse runs the regexes.
			uas := []string{chromeMac, firefoxWin, googlebotIPhone, ie9Vista}
			for i := range bc.distinct {
				for _, ua := range []string{chromeMac, firefoxWin, googlebotIPhone, ie9Vista} {
					uas = append(uas, ua+" build/"+strconv.Itoa(i))
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				f.parse(uas[i%len(uas)])
				i++
			}
		})
	}
}

func TestTargetNotAnObject(t *testing.T) {
	f := build(t, `useragent { source => "agent" target => "ua" ecs_compatibility => disabled }`)
	e, _ := run(f, map[string]any{"agent": firefoxWin, "ua": "taken"})
	if v, _ := e.GetField("ua"); v != "taken" {
		t.Errorf("ua = %v", v)
	}
	// Top level, merged with what is there.
	f = build(t, `useragent { source => "agent" ecs_compatibility => disabled }`)
	e, _ = run(f, map[string]any{"agent": firefoxWin, "os": map[string]any{"type": "x"}, "name": "old"})
	if v, _ := e.GetField("name"); v != "Firefox" {
		t.Errorf("name = %v", v)
	}
	if v, _ := e.GetField("os"); v != "Windows" {
		t.Errorf("os = %v", v)
	}
}

func BenchmarkFilter(b *testing.B) {
	for _, ecs := range []string{"v8", "disabled"} {
		b.Run(ecs, func(b *testing.B) {
			f := build(b, `useragent { source => "a" ecs_compatibility => `+ecs+` target => "user_agent" }`)
			b.ReportAllocs()
			for b.Loop() {
				e := event.FromMap(map[string]any{"a": chromeMac})
				f.Filter(e, nil)
			}
		})
	}
}
