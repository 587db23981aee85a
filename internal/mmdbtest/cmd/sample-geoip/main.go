// Command sample-geoip writes the repository's made-up sample City database
// (mmdbtest.SampleCity) as GeoLite2-City.mmdb into each directory given.
//
//	go run ./internal/mmdbtest/cmd/sample-geoip testdata/pipelines/*/data/geoip
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicelog/sluice/internal/mmdbtest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sample-geoip DIR...")
		os.Exit(2)
	}
	db, err := mmdbtest.CityBytes("GeoLite2-City", mmdbtest.SampleCity)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sample-geoip:", err)
		os.Exit(1)
	}
	for _, dir := range os.Args[1:] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "sample-geoip:", err)
			os.Exit(1)
		}
		p := filepath.Join(dir, "GeoLite2-City.mmdb")
		if err := os.WriteFile(p, db, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "sample-geoip:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", p)
	}
}
