package geoip

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicelog/sluice/event"
)

// field is one piece of information the filter can add.
type field int

const (
	fieldIP field = iota
	fieldCityName
	fieldCountryName
	fieldContinentCode
	fieldContinentName
	fieldCountryCode2
	fieldCountryCode3
	fieldPostalCode
	fieldDMACode
	fieldRegionName
	fieldRegionCode
	fieldRegionISOCode
	fieldTimezone
	fieldLocation
	fieldLatitude
	fieldLongitude
	fieldASN
	fieldASOrg
	fieldISP
	fieldOrganization
	fieldDomain
	fieldConnectionType
	numFields
)

// fieldInfo names a field in the `fields` setting and says where it goes
// below the target, without (legacy) and with ECS compatibility. An empty
// ECS path means the field has no ECS counterpart and is skipped.
var fieldInfo = [numFields]struct {
	name   string
	legacy string
	ecs    string
}{
	fieldIP:             {"ip", "ip", "ip"},
	fieldCityName:       {"city_name", "city_name", "geo.city_name"},
	fieldCountryName:    {"country_name", "country_name", "geo.country_name"},
	fieldContinentCode:  {"continent_code", "continent_code", "geo.continent_code"},
	fieldContinentName:  {"continent_name", "continent_name", "geo.continent_name"},
	fieldCountryCode2:   {"country_code2", "country_code2", "geo.country_iso_code"},
	fieldCountryCode3:   {"country_code3", "country_code3", ""},
	fieldPostalCode:     {"postal_code", "postal_code", "geo.postal_code"},
	fieldDMACode:        {"dma_code", "dma_code", "mmdb.dma_code"},
	fieldRegionName:     {"region_name", "region_name", "geo.region_name"},
	fieldRegionCode:     {"region_code", "region_code", "geo.region_code"},
	fieldRegionISOCode:  {"region_iso_code", "region_iso_code", "geo.region_iso_code"},
	fieldTimezone:       {"timezone", "timezone", "geo.timezone"},
	fieldLocation:       {"location", "location", "geo.location"},
	fieldLatitude:       {"latitude", "latitude", "geo.location.lat"},
	fieldLongitude:      {"longitude", "longitude", "geo.location.lon"},
	fieldASN:            {"autonomous_system_number", "asn", "as.number"},
	fieldASOrg:          {"autonomous_system_organization", "as_org", "as.organization.name"},
	fieldISP:            {"isp", "isp", "mmdb.isp"},
	fieldOrganization:   {"organization", "organization", "mmdb.organization"},
	fieldDomain:         {"domain", "domain", "domain"},
	fieldConnectionType: {"connection_type", "connection_type", "mmdb.connection_type"},
}

func parseField(name string) (field, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for f := range numFields {
		if fieldInfo[f].name == n {
			return f, nil
		}
	}
	names := make([]string, 0, numFields)
	for f := range numFields {
		names = append(names, fieldInfo[f].name)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("unknown field %q in fields; valid fields are %s", name, strings.Join(names, ", "))
}

// dbKind is the kind of database, from its metadata's database_type.
type dbKind int

const (
	dbUnknown dbKind = iota
	dbCity
	dbCountry
	dbASN
	dbISP
	dbDomain
)

func (k dbKind) String() string {
	return [...]string{"unknown", "City", "Country", "ASN", "ISP", "Domain"}[k]
}

// kindOf classifies a database_type as Logstash does (by substring), and
// also recognises the lower-case names of the ip-location-db databases
// ("city ipv4", "asn ipv6").
func kindOf(dbType string) dbKind {
	switch {
	case strings.Contains(dbType, "City"), strings.Contains(dbType, "Enterprise"):
		return dbCity
	case strings.Contains(dbType, "Country"):
		return dbCountry
	case strings.Contains(dbType, "GeoIP2-Domain"):
		return dbDomain
	case strings.Contains(dbType, "ASN"):
		return dbASN
	case strings.Contains(dbType, "GeoIP2-ISP"):
		return dbISP
	}
	l := strings.ToLower(dbType)
	switch {
	case strings.Contains(l, "city"):
		return dbCity
	case strings.Contains(l, "country"):
		return dbCountry
	case strings.Contains(l, "asn"):
		return dbASN
	}
	return dbUnknown
}

// defaultFields are the fields added when `fields` is not set, per kind of
// database, as in Logstash. With ECS the region is region_iso_code
// ("US-NY"); without, region_code ("NY").
func defaultFields(k dbKind, ecs bool) []field {
	switch k {
	case dbCity:
		region := fieldRegionCode
		if ecs {
			region = fieldRegionISOCode
		}
		return []field{fieldIP, fieldCityName, fieldContinentCode, fieldCountryName, fieldCountryCode2,
			fieldCountryCode3, fieldPostalCode, fieldDMACode, fieldRegionName, region, fieldTimezone,
			fieldLocation, fieldLatitude, fieldLongitude}
	case dbCountry:
		return []field{fieldIP, fieldCountryCode2, fieldCountryName, fieldContinentName}
	case dbASN:
		return []field{fieldIP, fieldASN, fieldASOrg}
	case dbISP:
		return []field{fieldIP, fieldASN, fieldASOrg, fieldISP, fieldOrganization}
	case dbDomain:
		return []field{fieldDomain}
	}
	return nil
}

// record is what a database holds for one network, reduced to the
// filter's fields. Records are cached and shared between events: they hold
// only immutable values.
type record struct {
	values [numFields]any // string, int64 or float64; nil when absent
	hasLoc bool
}

// extract reads the fields out of a decoded database record. It knows the
// MaxMind layouts (nested maps with localised names) and the flat layout of
// the ip-location-db databases (country_code, state1, city, latitude, ...).
func extract(m map[string]any) *record {
	r := &record{}
	set := func(f field, v any) {
		switch x := v.(type) {
		case string:
			if x != "" {
				r.values[f] = x
			}
		case nil:
		default:
			r.values[f] = v
		}
	}
	// City and country.
	switch c := m["city"].(type) {
	case map[string]any:
		set(fieldCityName, enName(c))
	case string:
		set(fieldCityName, c)
	}
	country, _ := m["country"].(map[string]any)
	countryISO := str(country["iso_code"])
	if countryISO == "" {
		countryISO = str(m["country_code"])
	}
	set(fieldCountryName, enName(country))
	set(fieldCountryCode2, countryISO)
	set(fieldCountryCode3, countryISO) // Logstash puts the 2-letter code here too
	if cont, ok := m["continent"].(map[string]any); ok {
		set(fieldContinentCode, str(cont["code"]))
		set(fieldContinentName, enName(cont))
	}
	// Most specific subdivision.
	if subs, ok := m["subdivisions"].([]any); ok && len(subs) > 0 {
		if s, ok := subs[len(subs)-1].(map[string]any); ok {
			set(fieldRegionName, enName(s))
			code := str(s["iso_code"])
			set(fieldRegionCode, code)
			if code != "" && countryISO != "" {
				set(fieldRegionISOCode, countryISO+"-"+code)
			}
		}
	} else if s := str(m["state2"]); s != "" {
		set(fieldRegionName, s)
	} else {
		set(fieldRegionName, str(m["state1"]))
	}
	if p, ok := m["postal"].(map[string]any); ok {
		set(fieldPostalCode, str(p["code"]))
	} else {
		set(fieldPostalCode, str(m["postcode"]))
	}
	// Location.
	var lat, lon any
	if loc, ok := m["location"].(map[string]any); ok {
		lat, lon = num(loc["latitude"]), num(loc["longitude"])
		set(fieldTimezone, str(loc["time_zone"]))
		if mc := integer(loc["metro_code"]); mc != nil {
			set(fieldDMACode, mc)
		}
	} else {
		lat, lon = num(m["latitude"]), num(m["longitude"])
		set(fieldTimezone, str(m["timezone"]))
	}
	set(fieldLatitude, lat)
	set(fieldLongitude, lon)
	r.hasLoc = lat != nil || lon != nil
	// ASN, ISP, domain.
	if n := integer(m["autonomous_system_number"]); n != nil {
		set(fieldASN, n)
	}
	set(fieldASOrg, str(m["autonomous_system_organization"]))
	set(fieldISP, str(m["isp"]))
	set(fieldOrganization, str(m["organization"]))
	set(fieldDomain, str(m["domain"]))
	set(fieldConnectionType, str(m["connection_type"]))
	return r
}

func enName(m map[string]any) string {
	names, _ := m["names"].(map[string]any)
	return str(names["en"])
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// num returns v as a float64, or nil.
func num(v any) any {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		// The shortest decimal that reads back as x: 55.7569, not
		// 55.756900787353516.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f
	}
	if i := integer(v); i != nil {
		return float64(i.(int64))
	}
	return nil
}

// integer returns v as an int64, or nil.
func integer(v any) any {
	switch x := v.(type) {
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case int64:
		return x
	}
	return nil
}

// joinRef makes the reference to sub (dot-separated) below target.
func joinRef(target event.Ref, sub string) (event.Ref, error) {
	var b strings.Builder
	if target.Metadata() {
		b.WriteString("[@metadata]")
	}
	for _, p := range target.Path() {
		b.WriteString("[" + p + "]")
	}
	for _, p := range strings.Split(sub, ".") {
		b.WriteString("[" + p + "]")
	}
	return event.ParseRef(b.String())
}
