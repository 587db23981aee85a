//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// TestShipBackpressure: `sluice ship` sends a file to `sluice serve`,
// which then stops. While it is down a large file (200 MB) waits: the
// shipper holds a bounded amount in memory, logs its retries with the
// next delay (1 s doubling with jitter, Filebeat's defaults), and is
// restarted once (the registry must resume after the lines already
// acknowledged). Once the server is back every line arrives exactly once.
func TestShipBackpressure(t *testing.T) {
	const (
		first   = 1000      // lines shipped before the server goes down
		total   = 1_000_000 // 200 MB in all
		lineLen = 200
		// maxRSS bounds the shipper's peak RSS while the server is down:
		// far below the file's size (measured: about 30 MiB).
		maxRSS = 100 << 20
	)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "app.log")
	line := func(b []byte, i int) []byte {
		b = fmt.Appendf(b, "seq=%08d ", i)
		for len(b)%lineLen != lineLen-1 {
			b = append(b, 'x')
		}
		return append(b, '\n')
	}
	appendLines := func(from, to int) {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 1<<20)
		for i := from; i < to; i++ {
			buf = line(buf, i)
			if len(buf) > 1<<20-lineLen {
				if _, err := f.Write(buf); err != nil {
					t.Fatal(err)
				}
				buf = buf[:0]
			}
		}
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	appendLines(0, first)

	port := freePort(t, "tcp")
	outs := []string{filepath.Join(dir, "received-1.txt"), filepath.Join(dir, "received-2.txt")}
	serverConf := func(out string) string {
		return fmt.Sprintf(`input { beats { host => "127.0.0.1" port => %d } }
			output { file { path => %s codec => line { format => "%%{message}" } } }`, port, confString(t, out))
	}
	received := func() int64 {
		var n int64
		for _, out := range outs {
			if st, err := os.Stat(out); err == nil {
				n += st.Size()
			}
		}
		return n
	}
	shipCfg := writeFile(t, filepath.Join(dir, "shipper.yml"), fmt.Sprintf(`
filebeat.inputs:
  - type: filestream
    id: app
    paths: [%q]
    prospector.scanner.check_interval: 200ms
output.logstash:
  hosts: ["127.0.0.1:%d"]
path.data: %q
`, logPath, port, filepath.Join(dir, "ship-data")))
	startShip := func() *proc {
		return startSluice(t, procOpts{args: []string{"ship", "-c", shipCfg}, bin: sluicePlainBin, dir: dir})
	}

	srv := startSluice(t, procOpts{args: []string{"serve", "-e", serverConf(outs[0])}, bin: sluicePlainBin})
	srv.waitReady()
	ship := startShip()
	waitUntil(t, 30*time.Second, "the first lines at the server", func() bool { return received() >= first*lineLen })
	srv.stop()

	// The server is down; the large file waits.
	appendLines(first, total)
	retryRE := regexp.MustCompile(`connection to host failed.*retry_in=`)
	ship.waitFor(ship.stderr, "three retries", 30*time.Second, func(s string) (string, bool) {
		return "", len(retryRE.FindAllStringIndex(s, -1)) >= 3
	})
	// Each round of failures waits between half and all of 1 s·2ⁿ⁻¹ (n:
	// the host's consecutive failures), at most 60 s; a further failure in
	// the same round (another worker) reports the rest of that wait.
	var delays []time.Duration
	last := 0
	for _, l := range strings.Split(ship.stderr.String(), "\n") {
		if !retryRE.MatchString(l) {
			continue
		}
		d, err := time.ParseDuration(logAttr(l, "retry_in"))
		if err != nil {
			t.Fatalf("retry_in in %q: %v", l, err)
		}
		n, err := strconv.Atoi(logAttr(l, "failures"))
		if err != nil {
			t.Fatalf("failures in %q: %v", l, err)
		}
		full := min(time.Second<<min(n-1, 7), 60*time.Second)
		switch {
		case n == last+1:
			delays = append(delays, d)
			if d < full/2 || d > full {
				t.Errorf("failure %d waits %v, want within [%v, %v]", n, d, full/2, full)
			}
		case n == last:
			if d > full {
				t.Errorf("failure %d (same round) waits %v, want at most %v", n, d, full)
			}
		default:
			t.Errorf("failure count went from %d to %d: %q", last, n, l)
		}
		last = n
	}
	hwm := procStatusKB(t, ship.pid(), "VmHWM") << 10
	t.Logf("server down: retries in %v; shipper peak RSS %.1f MiB", delays, float64(hwm)/(1<<20))
	if hwm > maxRSS {
		t.Errorf("shipper peak RSS %d MiB while the server is down, want at most %d MiB", hwm>>20, maxRSS>>20)
	}

	// A restart while the server is down: the registry holds the first
	// lines' offset; the shipper must resume there.
	ship.stop()
	ship = startShip()
	ship.waitFor(ship.stderr, "a retry after the restart", 30*time.Second, func(s string) (string, bool) {
		return "", retryRE.MatchString(s)
	})
	hwm = procStatusKB(t, ship.pid(), "VmHWM") << 10
	if hwm > maxRSS {
		t.Errorf("restarted shipper's peak RSS %d MiB while the server is down, want at most %d MiB", hwm>>20, maxRSS>>20)
	}

	srv = startSluice(t, procOpts{args: []string{"serve", "-e", serverConf(outs[1])}, bin: sluicePlainBin})
	srv.waitReady()
	want := int64(total * lineLen)
	waitUntil(t, 180*time.Second, "every line at the server", func() bool { return received() >= want })
	ship.stop()
	srv.stop()
	if got := received(); got != want {
		t.Errorf("the server received %d bytes, want %d", got, want)
	}
	seen := make([]uint8, total)
	for _, out := range outs {
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			if l == "" {
				continue
			}
			var i int
			if _, err := fmt.Sscanf(l, "seq=%08d ", &i); err != nil || i < 0 || i >= total || len(l) != lineLen-1 {
				t.Fatalf("unexpected line %.40q…", l)
			}
			seen[i]++
		}
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("line %d arrived %d times, want once", i, c)
		}
	}
}
