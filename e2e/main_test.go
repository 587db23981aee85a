//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// raceEnabled is set when the tests run with -race; the binary under test
// is then built with the race detector too, so races in the server fail
// the test that provoked them (the race detector exits with code 66).
var raceEnabled bool

var (
	// repoRoot is the repository's top directory.
	repoRoot string
	// sluiceBin is the binary under test (built with -race when the tests
	// run with -race).
	sluiceBin string
	// sluicePlainBin is the binary built without the race detector, as
	// users run it: for measurements (memory) the race detector distorts.
	sluicePlainBin string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %s is not the repository root: %v\n", root, err)
		return 1
	}
	repoRoot = root

	if bin := os.Getenv("SLUICE_BIN"); bin != "" {
		sluiceBin, err = filepath.Abs(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		sluicePlainBin = sluiceBin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "sluice-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	sluicePlainBin = filepath.Join(dir, "sluice")
	sluiceBin = sluicePlainBin
	builds := []func() error{func() error { return build(root, sluicePlainBin) }}
	if raceEnabled {
		sluiceBin = filepath.Join(dir, "sluice-race")
		builds = append(builds, func() error { return build(root, sluiceBin, "-race") })
	}
	errs := make(chan error, len(builds))
	for _, b := range builds {
		go func() { errs <- b() }()
	}
	for range builds {
		if err := <-errs; err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}
	return m.Run()
}

// build compiles ./cmd/sluice into out.
func build(root, out string, flags ...string) error {
	args := append(append([]string{"build", "-o", out}, flags...), "./cmd/sluice")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// dataFile finds a file of the shared test data (shared/data beside the
// repository, as CI lays it out), or fails the test.
func dataFile(t *testing.T, name string) string {
	t.Helper()
	var dirs []string
	if d := os.Getenv("SLUICE_TEST_DATA"); d != "" {
		dirs = append(dirs, d)
	}
	// The repository's parent directories, nearest first: CI clones the
	// repository with shared/ beside it; a worktree may sit one level deeper.
	for d := repoRoot; ; {
		dirs = append(dirs, filepath.Join(d, "shared", "data"))
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	t.Fatalf("test data %s not found in any of %v (set SLUICE_TEST_DATA to its directory)", name, dirs)
	return ""
}
