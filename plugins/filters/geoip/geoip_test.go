package geoip

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/mmdbtest"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// Made-up places on documentation networks.
var testCities = []mmdbtest.City{
	{
		Network: "203.0.113.0/24", City: "Testville", Country: "Freedonia", CountryISO: "XF",
		ContinentCode: "EU", ContinentName: "Europe", RegionName: "North Shire", RegionISO: "NS",
		PostalCode: "12345", TimeZone: "Europe/Berlin", MetroCode: 501,
		HasLocation: true, Latitude: 48.5, Longitude: 9.25,
	},
	{
		Network: "2001:db8:1::/48", City: "Sixton", Country: "Freedonia", CountryISO: "XF",
		ContinentCode: "EU", ContinentName: "Europe", TimeZone: "Europe/Berlin",
		HasLocation: true, Latitude: -33.5, Longitude: 151.25,
	},
	// A network the database knows only the country of: no location, which
	// Logstash counts as a failed lookup.
	{Network: "198.51.100.0/24", Country: "Freedonia", CountryISO: "XF"},
}

var testASNs = []mmdbtest.ASN{
	{Network: "203.0.113.0/24", Number: 64500, Organization: "Example Transit"},
	{Network: "2001:db8:1::/48", Number: 64501},
}

func writeDB(t *testing.T, dir, name string, data []byte, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func cityDB(t *testing.T) string {
	t.Helper()
	b, err := mmdbtest.CityBytes("GeoLite2-City", testCities)
	return writeDB(t, t.TempDir(), "GeoLite2-City.mmdb", b, err)
}

func asnDB(t *testing.T) string {
	t.Helper()
	b, err := mmdbtest.ASNBytes(testASNs)
	return writeDB(t, t.TempDir(), "GeoLite2-ASN.mmdb", b, err)
}

func build(t *testing.T, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

func run(f *Filter, fields map[string]any) (*event.Event, bool) {
	e := event.FromMap(fields)
	ok := f.Filter(e, func(*event.Event) {})
	return e, ok
}

func get(t *testing.T, e *event.Event, ref string) any {
	t.Helper()
	v, _ := e.GetField(ref)
	return v
}

func TestCityLegacy(t *testing.T) {
	f := build(t, `geoip { source => "clientip" database => "`+cityDB(t)+`" ecs_compatibility => disabled }`)
	e, ok := run(f, map[string]any{"clientip": "203.0.113.9"})
	if !ok {
		t.Fatalf("no match: %v", e.Fields())
	}
	want := map[string]any{
		"ip": "203.0.113.9", "city_name": "Testville", "country_name": "Freedonia",
		"country_code2": "XF", "country_code3": "XF", "continent_code": "EU",
		"region_name": "North Shire", "region_code": "NS", "postal_code": "12345",
		"timezone": "Europe/Berlin", "dma_code": int64(501),
		"location": map[string]any{"lat": 48.5, "lon": 9.25}, "latitude": 48.5, "longitude": 9.25,
	}
	if got := get(t, e, "geoip"); !reflect.DeepEqual(got, want) {
		t.Errorf("geoip:\n got %#v\nwant %#v", got, want)
	}
	if len(e.Tags()) != 0 {
		t.Errorf("tags %v", e.Tags())
	}
}

func TestCityECSAutoTarget(t *testing.T) {
	f := build(t, `geoip { source => "[client][ip]" database => "`+cityDB(t)+`" }`)
	e, ok := run(f, map[string]any{"client": map[string]any{"ip": "203.0.113.9"}})
	if !ok {
		t.Fatalf("no match: %v", e.Fields())
	}
	want := map[string]any{
		"ip": "203.0.113.9",
		"geo": map[string]any{
			"city_name": "Testville", "country_name": "Freedonia", "country_iso_code": "XF",
			"continent_code": "EU", "region_name": "North Shire", "region_iso_code": "XF-NS",
			"postal_code": "12345", "timezone": "Europe/Berlin",
			"location": map[string]any{"lat": 48.5, "lon": 9.25},
		},
		"mmdb": map[string]any{"dma_code": int64(501)},
	}
	if got := get(t, e, "client"); !reflect.DeepEqual(got, want) {
		t.Errorf("client:\n got %#v\nwant %#v", got, want)
	}
}

func TestIPv6AndArrays(t *testing.T) {
	f := build(t, `geoip { source => "[source][ip]" database => "`+cityDB(t)+`" fields => ["city_name", "ip", "location"] }`)
	e, ok := run(f, map[string]any{"source": map[string]any{"ip": []any{"2001:DB8:1:0::7", "203.0.113.1"}}})
	if !ok {
		t.Fatalf("no match: %v", e.Fields())
	}
	if got := get(t, e, "[source][geo]"); !reflect.DeepEqual(got, map[string]any{
		"city_name": "Sixton", "location": map[string]any{"lat": -33.5, "lon": 151.25}}) {
		t.Errorf("[source][geo] = %#v", got)
	}
	// The IP written is the address looked up, in its short form.
	if got := get(t, e, "[source][ip]"); got != "2001:db8:1::7" {
		t.Errorf("[source][ip] = %#v", got)
	}
}

func TestFailures(t *testing.T) {
	f := build(t, `geoip { source => "addr" database => "`+cityDB(t)+`" ecs_compatibility => disabled tag_on_failure => ["nogeo", "x"] }`)
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"private", "10.1.2.3"},
		{"unknown v6", "2001:db8:2::1"},
		{"no location", "198.51.100.20"},
		{"not an ip", "www.example.com"},
		{"not a string", int64(42)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := run(f, map[string]any{"addr": tc.v})
			if ok {
				t.Fatalf("matched: %v", e.Fields())
			}
			if got := e.Tags(); !reflect.DeepEqual(got, []string{"nogeo", "x"}) {
				t.Errorf("tags %v", got)
			}
			if got := get(t, e, "geoip"); !reflect.DeepEqual(got, map[string]any{}) {
				t.Errorf("geoip = %#v, want an empty object as Logstash leaves", got)
			}
		})
	}
}

func TestExistingTarget(t *testing.T) {
	f := build(t, `geoip { source => "[source][address]" target => "source" database => "`+cityDB(t)+`" fields => ["city_name", "ip"] }`)
	e, ok := run(f, map[string]any{"source": map[string]any{"address": "203.0.113.9", "geo": map[string]any{"name": "edge-1"}}})
	if !ok {
		t.Fatal("no match")
	}
	want := map[string]any{"address": "203.0.113.9", "ip": "203.0.113.9", "geo": map[string]any{"name": "edge-1", "city_name": "Testville"}}
	if got := get(t, e, "source"); !reflect.DeepEqual(got, want) {
		t.Errorf("source = %#v", got)
	}
	// A target that is not an object cannot take the fields: a failure.
	f = build(t, `geoip { source => "ip" target => "geo" database => "`+cityDB(t)+`" }`)
	e, ok = run(f, map[string]any{"ip": "203.0.113.9", "geo": "somewhere"})
	if ok || !e.HasTag("_geoip_lookup_failure") || get(t, e, "geo") != "somewhere" {
		t.Errorf("ok=%v %v", ok, e.Fields())
	}
}

func TestMissingSourceIsNoop(t *testing.T) {
	f := build(t, `geoip { source => "addr" database => "`+cityDB(t)+`" ecs_compatibility => disabled }`)
	for _, fields := range []map[string]any{{}, {"addr": ""}, {"addr": "  "}, {"addr": []any{}}, {"addr": nil}} {
		e, ok := run(f, fields)
		if ok || len(e.Tags()) != 0 {
			t.Errorf("%v: ok=%v tags=%v", fields, ok, e.Tags())
		}
		if _, has := e.GetField("geoip"); has {
			t.Errorf("%v: geoip set", fields)
		}
	}
}

func TestASN(t *testing.T) {
	db := asnDB(t)
	legacy := build(t, `geoip { source => "ip" database => "`+db+`" ecs_compatibility => disabled }`)
	e, ok := run(legacy, map[string]any{"ip": "203.0.113.200"})
	if !ok {
		t.Fatal("no match")
	}
	if got, want := get(t, e, "geoip"), map[string]any{"ip": "203.0.113.200", "asn": int64(64500), "as_org": "Example Transit"}; !reflect.DeepEqual(got, want) {
		t.Errorf("legacy: %#v", got)
	}
	ecs := build(t, `geoip { source => "[destination][ip]" database => "`+db+`" }`)
	e, ok = run(ecs, map[string]any{"destination": map[string]any{"ip": "2001:db8:1:ff::1"}})
	if !ok {
		t.Fatal("no match")
	}
	if got, want := get(t, e, "destination"), map[string]any{"ip": "2001:db8:1:ff::1", "as": map[string]any{"number": int64(64501)}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ecs: %#v", got)
	}
	e, ok = run(ecs, map[string]any{"destination": map[string]any{"ip": "192.168.1.1"}})
	if ok || !e.HasTag("_geoip_lookup_failure") {
		t.Errorf("private address: ok=%v tags=%v", ok, e.Tags())
	}
}

func TestConfigErrors(t *testing.T) {
	t.Setenv(DatabaseDirEnv, "")
	city := cityDB(t)
	for _, tc := range []struct {
		name, conf, want string
	}{
		{"no database", `geoip { source => "[client][ip]" }`, "no City database found"},
		{"no asn database", `geoip { source => "[client][ip]" default_database_type => "ASN" }`, "GeoLite2-ASN.mmdb"},
		{"missing file", `geoip { source => "[client][ip]" database => "/nonexistent/x.mmdb" }`, "nonexistent"},
		{"ecs needs target", `geoip { source => "clientip" database => "` + city + `" }`, "target is required"},
		{"bad field", `geoip { source => "[client][ip]" database => "` + city + `" fields => ["city", "ip"] }`, `unknown field "city"`},
		{"bad cache", `geoip { source => "[client][ip]" database => "` + city + `" cache_size => 0 }`, "cache_size"},
		{"not a database", `geoip { source => "[client][ip]" database => "` + filepath.Join(filepath.Dir(city)) + `/../" }`, "database"},
		{"bad type", `geoip { source => "x" default_database_type => "Country" }`, "default_database_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := plugintest.BuildErr(plugin.KindFilter, tc.conf)
			if err == nil {
				in.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestDatabaseSearch(t *testing.T) {
	dir := t.TempDir()
	b, err := mmdbtest.CityBytes("GeoLite2-City", testCities)
	writeDB(t, dir, "GeoLite2-City.mmdb", b, err)
	t.Setenv(DatabaseDirEnv, dir)
	f := build(t, `geoip { source => "[client][ip]" }`)
	if e, ok := run(f, map[string]any{"client": map[string]any{"ip": "203.0.113.9"}}); !ok {
		t.Errorf("no match with the database from $%s: %v", DatabaseDirEnv, e.Fields())
	}
	if _, err := plugintest.BuildErr(plugin.KindFilter, `geoip { source => "[client][ip]" default_database_type => "ASN" }`); err == nil ||
		!strings.Contains(err.Error(), dir) {
		t.Errorf("ASN error %v does not say where it looked", err)
	}

	// <path.data>/geoip, and a pair of IPv4 and IPv6 files.
	t.Setenv(DatabaseDirEnv, "")
	data := t.TempDir()
	geo := filepath.Join(data, "geoip")
	if err := os.Mkdir(geo, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFlat(t, filepath.Join(geo, "dbip-city-ipv4.mmdb"), 4, "city ipv4", "203.0.113.0/24", "Fourville")
	writeFlat(t, filepath.Join(geo, "dbip-city-ipv6.mmdb"), 6, "city ipv6", "2001:db8:1::/48", "Sixburg")
	paths, err := (&Filter{DefaultDatabaseType: "City"}).databasePaths(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("paths %v", paths)
	}
	f = &Filter{Source: event.MustRef("ip"), DefaultDatabaseType: "City", CacheSize: 10, TagOnFailure: []string{"f"}}
	ctx := &plugin.Context{Logger: slog.New(slog.DiscardHandler), DataDir: data, ECSCompatibility: "disabled"}
	if err := f.Init(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ip, city := range map[string]string{"203.0.113.1": "Fourville", "2001:db8:1::1": "Sixburg", "::ffff:203.0.113.1": "Fourville"} {
		e, ok := run(f, map[string]any{"ip": ip})
		if !ok || get(t, e, "[geoip][city_name]") != city {
			t.Errorf("%s: ok=%v %v", ip, ok, e.Fields())
		}
	}
}

// writeFlat writes a database in the flat layout of the ip-location-db
// packages.
func writeFlat(t *testing.T, path string, version int, dbType, network, city string) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IPVersion: version, RecordSize: 24, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR(network)
	if err := tree.Insert(n, mmdbtype.Map{
		"city": mmdbtype.String(city), "country_code": mmdbtype.String("XF"), "state1": mmdbtype.String("North Shire"),
		"latitude": mmdbtype.Float32(10.1), "longitude": mmdbtype.Float32(-20.25), "postcode": mmdbtype.String("999"),
	}); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := tree.WriteTo(fh); err != nil {
		t.Fatal(err)
	}
}

func TestFlatLayoutFields(t *testing.T) {
	p := filepath.Join(t.TempDir(), "flat.mmdb")
	writeFlat(t, p, 6, "city ipv6", "2001:db8:1::/48", "Sixburg")
	f := build(t, `geoip { source => "[source][ip]" database => "`+p+`" }`)
	e, ok := run(f, map[string]any{"source": map[string]any{"ip": "2001:db8:1::5"}})
	if !ok {
		t.Fatal("no match")
	}
	want := map[string]any{"city_name": "Sixburg", "country_iso_code": "XF", "region_name": "North Shire",
		"postal_code": "999", "location": map[string]any{"lat": 10.1, "lon": -20.25}}
	if got := get(t, e, "[source][geo]"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
}

func TestCache(t *testing.T) {
	f := build(t, `geoip { source => "ip" database => "`+cityDB(t)+`" cache_size => 1 ecs_compatibility => disabled }`)
	// Two addresses of one network share a cached record.
	for _, ip := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.1"} {
		e, _ := run(f, map[string]any{"ip": ip})
		if get(t, e, "[geoip][ip]") != ip || get(t, e, "[geoip][city_name]") != "Testville" {
			t.Fatalf("%s: %v", ip, e.Fields())
		}
	}
	if len(f.cache) != 1 {
		t.Errorf("cache holds %d records", len(f.cache))
	}
	// A full cache evicts, and results stay right.
	for range 3 {
		for ip, city := range map[string]string{"203.0.113.1": "Testville", "2001:db8:1::1": "Sixton"} {
			e, _ := run(f, map[string]any{"ip": ip})
			if got := get(t, e, "[geoip][city_name]"); got != city {
				t.Fatalf("%s: %v", ip, got)
			}
		}
	}
	if len(f.cache) > 1 {
		t.Errorf("cache holds %d records, more than cache_size", len(f.cache))
	}
	// Events never share the location object of a cached record.
	e1, _ := run(f, map[string]any{"ip": "203.0.113.1"})
	e2, _ := run(f, map[string]any{"ip": "203.0.113.1"})
	_ = e1.SetField("[geoip][location][lat]", 0.0)
	if get(t, e2, "[geoip][location][lat]") != 48.5 {
		t.Error("location shared between events")
	}
}

func BenchmarkFilterCity(b *testing.B) {
	data, err := mmdbtest.CityBytes("GeoLite2-City", testCities)
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "c.mmdb")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	f := plugintest.Build(b, plugin.KindFilter, `geoip { source => "[source][address]" target => "source" database => "`+p+`" }`).Plugin.(*Filter)
	b.ReportAllocs()
	for b.Loop() {
		e := event.FromMap(map[string]any{"source": map[string]any{"address": "203.0.113.9"}})
		f.Filter(e, nil)
	}
}

// FuzzLookup feeds arbitrary source values: the filter must never panic,
// and an event is either enriched or tagged.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "2001:db8:1::1", "10.0.0.1", "::ffff:203.0.113.9", "fe80::1%eth0", "", " ", "x", "1.2.3.4.5", "999.1.1.1"} {
		f.Add(s)
	}
	data, err := mmdbtest.CityBytes("GeoLite2-City", testCities)
	if err != nil {
		f.Fatal(err)
	}
	p := filepath.Join(f.TempDir(), "c.mmdb")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		f.Fatal(err)
	}
	filter := plugintest.Build(f, plugin.KindFilter, `geoip { source => "ip" database => "`+p+`" cache_size => 2 ecs_compatibility => disabled }`).Plugin.(*Filter)
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := run(filter, map[string]any{"ip": s})
		if strings.TrimSpace(s) == "" {
			if ok || len(e.Tags()) != 0 {
				t.Fatalf("empty source: ok=%v tags=%v", ok, e.Tags())
			}
			return
		}
		if ok == e.HasTag("_geoip_lookup_failure") {
			t.Fatalf("%q: ok=%v tags=%v", s, ok, e.Tags())
		}
	})
}
