module github.com/sluicelog/sluice

go 1.26.0

require (
	github.com/antchfx/xpath v1.3.5
	github.com/elastic/go-lumber v0.1.0
	github.com/hashicorp/golang-lru v1.0.2
	github.com/maxmind/mmdbwriter v1.2.0
	github.com/oschwald/maxminddb-golang/v2 v2.9.0
	github.com/ua-parser/uap-go v0.0.0-20260529044130-17c35e68e58c
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/text v0.43.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	go4.org/netipx v0.0.0-20231129151722-fdeea329fbba // indirect
	golang.org/x/sys v0.49.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
