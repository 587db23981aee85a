//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobody is the unprivileged user the permission tests run sluice as when
// the tests run as root (root reads a file whatever its mode).
const nobody = 65534

// unprivileged returns the credential to run sluice with so that file
// modes are enforced (nil when the tests already run as an ordinary
// user), and a fresh directory that user can read and write. As root, the
// directory of the binary under test is opened to others too.
func unprivileged(t *testing.T) (*syscall.Credential, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "sluice-e2e-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() != 0 {
		return nil, dir
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SLUICE_BIN") == "" {
		// The binaries sit in a 0700 directory of this test process.
		if err := os.Chmod(filepath.Dir(sluiceBin), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &syscall.Credential{Uid: nobody, Gid: nobody}, dir
}

// TestShipUnreadableFile: a file the shipper may not read is logged once
// and skipped while the other files are shipped; once it becomes readable
// it is shipped completely. As root the shipper runs as nobody so that
// chmod 000 really denies.
func TestShipUnreadableFile(t *testing.T) {
	t.Parallel()
	cred, dir := unprivileged(t)
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 500
	var secret, other strings.Builder
	for i := range n {
		fmt.Fprintf(&secret, "secret line %d\n", i)
		fmt.Fprintf(&other, "other line %d\n", i)
	}
	secretPath := filepath.Join(logs, "secret.log")
	if err := os.WriteFile(secretPath, []byte(secret.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(secretPath, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logs, "other.log"), []byte(other.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(data, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	cfg := writeFile(t, filepath.Join(dir, "shipper.yml"), fmt.Sprintf(`
filebeat.inputs:
  - type: filestream
    id: logs
    paths: [%q]
    prospector.scanner.check_interval: 200ms
output.console:
  codec.format.string: '%%{[message]}'
path.data: %q
`, filepath.Join(logs, "*.log"), data))

	ship := startSluice(t, procOpts{args: []string{"ship", "-c", cfg}, dir: dir, cred: cred})
	warnRE := regexp.MustCompile(`cannot read file.*secret\.log`)
	ship.waitStderr(warnRE, 30*time.Second)
	ship.waitStdoutCount(regexp.MustCompile(`(?m)^other line \d+$`), n, 30*time.Second)
	// Several scans pass while the file stays unreadable: it is neither
	// shipped nor logged again.
	// (Not a synchronisation: an absence can only be observed over time;
	// 1.5 s are seven rescans.)
	time.Sleep(1500 * time.Millisecond)
	if strings.Contains(ship.stdout.String(), "secret line") {
		t.Fatal("a line of the unreadable file was shipped")
	}
	if c := len(warnRE.FindAllStringIndex(ship.stderr.String(), -1)); c != 1 {
		t.Fatalf("the unreadable file was logged %d times, want once:\n%s", c, ship.stderr.String())
	}

	if err := os.Chmod(secretPath, 0o644); err != nil {
		t.Fatal(err)
	}
	ship.waitStdoutCount(regexp.MustCompile(`(?m)^secret line \d+$`), n, 30*time.Second)
	ship.stop()
	got := map[string]int{}
	for _, line := range strings.Split(ship.stdout.String(), "\n") {
		if line != "" {
			got[line]++
		}
	}
	for i := range n {
		for _, l := range []string{fmt.Sprintf("secret line %d", i), fmt.Sprintf("other line %d", i)} {
			if got[l] != 1 {
				t.Errorf("%q shipped %d times, want once", l, got[l])
			}
		}
	}
	if len(got) != 2*n {
		t.Errorf("%d distinct lines shipped, want %d", len(got), 2*n)
	}
}

// procStatusKB returns a "kB" field of /proc/PID/status (VmRSS, VmHWM).
func procStatusKB(t testing.TB, pid int, key string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read process status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb
			}
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}
