package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/sluicelog/sluice/internal/mmdbtest"
)

// geoipDirEnv is the geoip filter's database directory variable; sluice
// inherits the harness's environment.
const geoipDirEnv = "SLUICE_GEOIP_DATABASE_DIR"

// prepareGeoIP writes a made-up City database into the case's
// <path.data>/geoip unless a real one is given through geoipDirEnv. It has
// one record per client /24 (/48 for IPv6) of the payload, so that every
// lookup finds a record, as with a complete database.
func prepareGeoIP(dir string, p *payload) error {
	if os.Getenv(geoipDirEnv) != "" {
		return nil
	}
	seen := map[netip.Prefix]bool{}
	var recs []mmdbtest.City
	start := 0
	for _, end := range p.ends {
		line := p.block[start:end]
		start = end
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		a, err := netip.ParseAddr(string(line[:sp]))
		if err != nil {
			continue
		}
		bits := 24
		if a.Is6() {
			bits = 48
		}
		pfx, _ := a.Prefix(bits)
		if seen[pfx] {
			continue
		}
		seen[pfx] = true
		n := len(recs)
		recs = append(recs, mmdbtest.City{
			Network: pfx.String(), City: fmt.Sprintf("City %d", n), Country: "Freedonia", CountryISO: "XF",
			ContinentCode: "EU", ContinentName: "Europe", RegionName: fmt.Sprintf("Region %d", n%50),
			RegionISO: fmt.Sprintf("R%d", n%50), PostalCode: fmt.Sprintf("%05d", n), TimeZone: "Europe/Berlin",
			HasLocation: true, Latitude: float64(n%180) - 89.5, Longitude: float64(n%360) - 179.5,
		})
	}
	db, err := mmdbtest.CityBytes("GeoLite2-City", recs)
	if err != nil {
		return fmt.Errorf("geoip database: %w", err)
	}
	geo := filepath.Join(dir, "data", "geoip")
	if err := os.MkdirAll(geo, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(geo, "GeoLite2-City.mmdb"), db, 0o644)
}
