module github.com/sluicelog/sluice

go 1.26.0

require (
	github.com/antchfx/xpath v1.3.5
	github.com/elastic/go-lumber v0.1.0
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/text v0.43.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	golang.org/x/sys v0.42.0 // indirect
)
