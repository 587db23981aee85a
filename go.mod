module github.com/sluicelog/sluice

go 1.26.0

require (
	github.com/elastic/go-lumber v0.1.0
	github.com/fsnotify/fsnotify v1.10.1
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/text v0.43.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	golang.org/x/sys v0.13.0 // indirect
)
