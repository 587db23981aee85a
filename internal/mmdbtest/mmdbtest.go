// Package mmdbtest writes small MaxMind DB (.mmdb) files from made-up
// records, in the layouts of GeoIP2/GeoLite2 City and GeoLite2 ASN
// databases, so that tests and the repository's sample pipelines never need
// a real (licensed, large) database. The records are fiction: invented
// places at invented coordinates.
package mmdbtest

import (
	"bytes"
	"fmt"
	"io"
	"net"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// City is one network of a City database.
type City struct {
	Network       string // "203.0.113.0/24", "2001:db8::/32"
	City          string
	Country       string
	CountryISO    string
	ContinentCode string
	ContinentName string
	RegionName    string
	RegionISO     string // the subdivision's code without the country ("NY")
	PostalCode    string
	TimeZone      string
	MetroCode     int
	// HasLocation says whether Latitude and Longitude are set; City records
	// without a location are what a lookup "fails" on in Logstash.
	HasLocation         bool
	Latitude, Longitude float64
}

// ASN is one network of an ASN database.
type ASN struct {
	Network      string
	Number       uint32
	Organization string
}

// BuildEpoch is the fixed build time written into generated databases, so
// that the same records always make the same bytes.
const BuildEpoch = 1767225600 // 2026-01-01T00:00:00Z

func newTree(dbType string) (*mmdbwriter.Tree, error) {
	return mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		Description:             map[string]string{"en": "Sluice test database (made-up data)"},
		Languages:               []string{"en"},
		IncludeReservedNetworks: true,
		BuildEpoch:              BuildEpoch,
		RecordSize:              24,
	})
}

func names(s string) mmdbtype.Map {
	return mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(s)}}
}

func insert(t *mmdbwriter.Tree, network string, rec mmdbtype.Map) error {
	_, n, err := net.ParseCIDR(network)
	if err != nil {
		return fmt.Errorf("mmdbtest: network %q: %w", network, err)
	}
	if err := t.Insert(n, rec); err != nil {
		return fmt.Errorf("mmdbtest: insert %s: %w", network, err)
	}
	return nil
}

// WriteCity writes a City database of type dbType (e.g. "GeoLite2-City").
func WriteCity(w io.Writer, dbType string, recs []City) error {
	t, err := newTree(dbType)
	if err != nil {
		return err
	}
	for _, r := range recs {
		m := mmdbtype.Map{}
		if r.City != "" {
			m["city"] = names(r.City)
		}
		if r.Country != "" || r.CountryISO != "" {
			c := names(r.Country)
			c["iso_code"] = mmdbtype.String(r.CountryISO)
			m["country"] = c
		}
		if r.ContinentCode != "" {
			c := names(r.ContinentName)
			c["code"] = mmdbtype.String(r.ContinentCode)
			m["continent"] = c
		}
		if r.RegionName != "" || r.RegionISO != "" {
			s := names(r.RegionName)
			s["iso_code"] = mmdbtype.String(r.RegionISO)
			m["subdivisions"] = mmdbtype.Slice{s}
		}
		if r.PostalCode != "" {
			m["postal"] = mmdbtype.Map{"code": mmdbtype.String(r.PostalCode)}
		}
		loc := mmdbtype.Map{}
		if r.HasLocation {
			loc["latitude"] = mmdbtype.Float64(r.Latitude)
			loc["longitude"] = mmdbtype.Float64(r.Longitude)
		}
		if r.TimeZone != "" {
			loc["time_zone"] = mmdbtype.String(r.TimeZone)
		}
		if r.MetroCode != 0 {
			loc["metro_code"] = mmdbtype.Uint16(r.MetroCode)
		}
		if len(loc) > 0 {
			m["location"] = loc
		}
		if err := insert(t, r.Network, m); err != nil {
			return err
		}
	}
	_, err = t.WriteTo(w)
	return err
}

// WriteASN writes an ASN database of type "GeoLite2-ASN".
func WriteASN(w io.Writer, recs []ASN) error {
	t, err := newTree("GeoLite2-ASN")
	if err != nil {
		return err
	}
	for _, r := range recs {
		m := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(r.Number)}
		if r.Organization != "" {
			m["autonomous_system_organization"] = mmdbtype.String(r.Organization)
		}
		if err := insert(t, r.Network, m); err != nil {
			return err
		}
	}
	_, err = t.WriteTo(w)
	return err
}

// CityBytes is WriteCity into memory.
func CityBytes(dbType string, recs []City) ([]byte, error) {
	var b bytes.Buffer
	err := WriteCity(&b, dbType, recs)
	return b.Bytes(), err
}

// ASNBytes is WriteASN into memory.
func ASNBytes(recs []ASN) ([]byte, error) {
	var b bytes.Buffer
	err := WriteASN(&b, recs)
	return b.Bytes(), err
}
