package mmdbtest

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"
)

func TestWriteCityAndASN(t *testing.T) {
	city, err := CityBytes("GeoLite2-City", []City{{
		Network: "203.0.113.0/24", City: "Testville", CountryISO: "XF", RegionISO: "NS",
		HasLocation: true, Latitude: 1.5, Longitude: -2.5, MetroCode: 7,
	}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := maxminddb.OpenBytes(city)
	if err != nil {
		t.Fatal(err)
	}
	if r.Metadata.DatabaseType != "GeoLite2-City" {
		t.Errorf("type %q", r.Metadata.DatabaseType)
	}
	var rec struct {
		City struct {
			Names map[string]string `maxminddb:"names"`
		} `maxminddb:"city"`
		Location struct {
			Latitude  float64 `maxminddb:"latitude"`
			Longitude float64 `maxminddb:"longitude"`
			MetroCode uint    `maxminddb:"metro_code"`
		} `maxminddb:"location"`
		Subdivisions []struct {
			IsoCode string `maxminddb:"iso_code"`
		} `maxminddb:"subdivisions"`
	}
	res := r.Lookup(netip.MustParseAddr("203.0.113.77"))
	if err := res.Decode(&rec); err != nil || !res.Found() {
		t.Fatalf("found %v, err %v", res.Found(), err)
	}
	if rec.City.Names["en"] != "Testville" || rec.Location.Latitude != 1.5 || rec.Location.Longitude != -2.5 ||
		rec.Location.MetroCode != 7 || len(rec.Subdivisions) != 1 || rec.Subdivisions[0].IsoCode != "NS" {
		t.Errorf("record %+v", rec)
	}
	if r.Lookup(netip.MustParseAddr("198.51.100.1")).Found() {
		t.Error("found an address outside the networks")
	}

	asn, err := ASNBytes([]ASN{{Network: "2001:db8::/32", Number: 64500, Organization: "Example"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err = maxminddb.OpenBytes(asn)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Number uint   `maxminddb:"autonomous_system_number"`
		Org    string `maxminddb:"autonomous_system_organization"`
	}
	if err := r.Lookup(netip.MustParseAddr("2001:db8::1")).Decode(&a); err != nil || a.Number != 64500 || a.Org != "Example" {
		t.Errorf("asn %+v, err %v", a, err)
	}
	if _, err := CityBytes("x", []City{{Network: "nonsense"}}); err == nil {
		t.Error("no error for a bad network")
	}
}

// TestSampleDatabasesCurrent checks that the committed sample databases
// are what the generator makes from SampleCity now.
func TestSampleDatabasesCurrent(t *testing.T) {
	want, err := CityBytes("GeoLite2-City", SampleCity)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "pipelines", "*", "data", "geoip", "GeoLite2-City.mmdb"))
	if len(files) == 0 {
		t.Fatal("no sample database found")
	}
	for _, f := range files {
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go run ./internal/mmdbtest/cmd/sample-geoip testdata/pipelines/*/data/geoip", f)
		}
	}
}
