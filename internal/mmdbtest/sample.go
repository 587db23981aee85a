package mmdbtest

// SampleCity is the made-up City database of the repository's sample
// pipelines (testdata/pipelines/*/data/geoip/GeoLite2-City.mmdb), covering
// some client networks of the Apache access log the cases read. The places,
// countries (ISO 3166 user-assigned codes XA-XZ) and coordinates are
// invented. Regenerate the files with
//
//	go run ./internal/mmdbtest/cmd/sample-geoip testdata/pipelines/*/data/geoip
var SampleCity = []City{
	{
		Network: "83.149.9.0/24", City: "Ashford Vale", Country: "Freedonia", CountryISO: "XF",
		ContinentCode: "EU", ContinentName: "Europe", RegionName: "Upper March", RegionISO: "UM",
		PostalCode: "10115", TimeZone: "Europe/Berlin", HasLocation: true, Latitude: 52.5, Longitude: 13.25,
	},
	{
		Network: "66.249.64.0/19", City: "Mountain Ridge", Country: "Sylvania", CountryISO: "XS",
		ContinentCode: "NA", ContinentName: "North America", RegionName: "Bay County", RegionISO: "BC",
		PostalCode: "94000", TimeZone: "America/Los_Angeles", MetroCode: 807,
		HasLocation: true, Latitude: 37.25, Longitude: -122.125,
	},
	{
		Network: "200.49.190.0/24", City: "Puerto Nuevo", Country: "Costa Verde", CountryISO: "XC",
		ContinentCode: "SA", ContinentName: "South America", TimeZone: "America/Argentina/Buenos_Aires",
		HasLocation: true, Latitude: -34.5, Longitude: -58.5,
	},
	{
		Network: "81.220.0.0/16", City: "Bellerive", Country: "Gallia Nova", CountryISO: "XG",
		ContinentCode: "EU", ContinentName: "Europe", RegionName: "Seine Vale", RegionISO: "SV",
		PostalCode: "75001", TimeZone: "Europe/Paris", HasLocation: true, Latitude: 48.75, Longitude: 2.25,
	},
	{
		Network: "36.38.0.0/16", City: "Hanbit", Country: "Eastmarch", CountryISO: "XE",
		ContinentCode: "AS", ContinentName: "Asia", RegionName: "Central Province", RegionISO: "CP",
		TimeZone: "Asia/Seoul", HasLocation: true, Latitude: 37.5, Longitude: 127,
	},
	{
		Network: "212.197.160.0/20", City: "Nordby", Country: "Borealia", CountryISO: "XB",
		ContinentCode: "EU", ContinentName: "Europe", PostalCode: "0150", TimeZone: "Europe/Oslo",
		HasLocation: true, Latitude: 59.75, Longitude: 10.75,
	},
	{
		Network: "50.150.204.0/22", City: "Lakeside", Country: "Sylvania", CountryISO: "XS",
		ContinentCode: "NA", ContinentName: "North America", RegionName: "Prairie State", RegionISO: "PS",
		PostalCode: "60601", TimeZone: "America/Chicago", MetroCode: 602,
		HasLocation: true, Latitude: 41.875, Longitude: -87.625,
	},
	{
		Network: "105.235.128.0/20", City: "Sahel Point", Country: "Zamunda", CountryISO: "XZ",
		ContinentCode: "AF", ContinentName: "Africa", TimeZone: "Africa/Lagos",
		HasLocation: true, Latitude: 6.5, Longitude: 3.375,
	},
	// Only 172.56.29.0/24 of 172.56.0.0/16: 172.56.28.38 is unknown.
	{
		Network: "172.56.29.0/24", City: "Harbor City", Country: "Sylvania", CountryISO: "XS",
		ContinentCode: "NA", ContinentName: "North America", RegionName: "Bay County", RegionISO: "BC",
		TimeZone: "America/Los_Angeles", HasLocation: true, Latitude: 33.75, Longitude: -118.25,
	},
	// Known only by country: no location, which Logstash's geoip counts as a
	// failed lookup.
	{Network: "192.30.32.0/20", Country: "Sylvania", CountryISO: "XS", ContinentCode: "NA", ContinentName: "North America"},
	// Documentation networks, for hand-written examples.
	{
		Network: "203.0.113.0/24", City: "Testville", Country: "Freedonia", CountryISO: "XF",
		ContinentCode: "EU", ContinentName: "Europe", TimeZone: "Europe/Berlin",
		HasLocation: true, Latitude: 50.125, Longitude: 8.5,
	},
	{
		Network: "2001:db8::/32", City: "Sixton", Country: "Freedonia", CountryISO: "XF",
		ContinentCode: "EU", ContinentName: "Europe", TimeZone: "Europe/Berlin",
		HasLocation: true, Latitude: 50.25, Longitude: 8.75,
	},
}
