package all

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicelog/sluice/internal/mmdbtest"
	"github.com/sluicelog/sluice/plugins/filters/geoip"
)

// TestMain gives the geoip filter a (made-up) City database, found through
// $SLUICE_GEOIP_DATABASE_DIR, so that its example runs as it would on a
// machine where a database is installed.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-geoip-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		db, err := mmdbtest.CityBytes("GeoLite2-City", []mmdbtest.City{{Network: "203.0.113.0/24", City: "Testville", HasLocation: true}})
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "GeoLite2-City.mmdb"), db, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Setenv(geoip.DatabaseDirEnv, dir)
		return m.Run()
	}()
	os.Exit(code)
}
