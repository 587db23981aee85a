// Command sluice is a Logstash-compatible log pipeline server and
// Filebeat-compatible shipper in one binary.
//
//	sluice serve   run a pipeline (Logstash's `bin/logstash`)
//	sluice ship    ship log files with a Filebeat-style configuration
//	sluice check   validate a pipeline configuration
//	sluice version print the version
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	_ "github.com/sluicelog/sluice/plugins/all"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" && len(os.Args) > 1 {
		goal, err := heapGoal(os.Args[1])
		if err != nil {
			fmt.Fprintf(os.Stderr, "sluice: %v\n", err)
			os.Exit(2)
		}
		startGCTuner(goal)
	}
	stop := startCPUProfile(os.Getenv("SLUICE_CPUPROFILE"))
	stopMem := startMemProfile(os.Getenv("SLUICE_MEMPROFILE"))
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopMem()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile to path (for benchmarks:
// SLUICE_CPUPROFILE=cpu.pprof) until the returned function is called.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sluice: SLUICE_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

const usage = `Usage: sluice <command> [flags]

Commands:
  serve    run a pipeline: sluice serve -f pipeline.conf | -e 'input { ... } output { ... }'
           (with neither, the built-in default pipeline: tcp and udp on port 5000 → stdout)
  ship     ship log files, configured like Filebeat: sluice ship -c filebeat.yml [--print-pipeline]
  check    validate a pipeline: sluice check -f pipeline.conf
  test     run pipeline test cases: sluice test DIR (pipeline.conf, input, expected.ndjson)
  docs     write the plugin reference pages: sluice docs DIR
  version  print the version

Run 'sluice <command> -h' for a command's flags.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr, false)
	case "ship":
		return ship(args[1:], stdout, stderr)
	case "check":
		return serve(args[1:], stdout, stderr, true)
	case "test":
		return test(args[1:], stdout, stderr)
	case "docs":
		return docs(args[1:], stdout, stderr)
	case "version", "--version", "-V":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "sluice: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func versionString() string {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("sluice %s%s (%s %s/%s)", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
