//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

// TestShipFileToServe: a log file → sluice ship (Filebeat YAML, TLS with a
// client certificate) → sluice serve (beats) → file. Every line arrives
// once with Filebeat's event layout. It needs the file input; on a branch
// without it the test is skipped.
func TestShipFileToServe(t *testing.T) {
	t.Parallel()
	certs := netutiltest.New(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	var want []string
	var b strings.Builder
	for i := range 2000 {
		line := fmt.Sprintf("2026-11-24 07:40:%02d,%03d INFO shop.checkout: order %d paid", i%60, i%1000, i)
		want = append(want, line)
		b.WriteString(line + "\n")
	}
	if err := os.WriteFile(logFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t, "tcp")
	out := filepath.Join(dir, "received.json")
	shipper := writeFile(t, filepath.Join(dir, "shipper.yml"), fmt.Sprintf(`
filebeat.inputs:
  - type: filestream
    id: app
    paths: [%q]
    fields: {service: shop}
output.logstash:
  hosts: ["127.0.0.1:%d"]
  ssl.certificate_authorities: [%q]
  ssl.certificate: %q
  ssl.key: %q
path.data: %q
`, logFile, port, certs.CA, certs.ClientCert, certs.ClientKey, filepath.Join(dir, "ship-data")))

	code, _, stderr := runSluice(t, procOpts{args: []string{"ship", "-c", shipper, "-t"}})
	if strings.Contains(stderr, `unknown input plugin "file"`) {
		t.Skip("the file input is not on this branch")
	}
	if code != 0 {
		t.Fatalf("sluice ship -t: exit %d\n%s", code, stderr)
	}

	recv := startSluice(t, procOpts{args: []string{"serve", "-e", receiverConf(t, certs, port, out)}})
	recv.waitReady()
	ship := startSluice(t, procOpts{args: []string{"ship", "-c", shipper}})
	waitUntil(t, 30*time.Second, "every line in the receiver's file", func() bool { return countLines(t, out) >= len(want) })
	ship.stop()
	recv.stop()
	checkMessages(t, out, want, false)
	ev := readJSONLines(t, out)[0]
	for path, wantV := range map[string]string{
		"agent.type": "filebeat", "input.type": "filestream", "fields.service": "shop", "log.file.path": logFile,
	} {
		if got := str(ev, strings.Split(path, ".")...); got != wantV {
			t.Errorf("%s = %q, want %q (event %v)", path, got, wantV, ev)
		}
	}
	if _, ok := field(ev, "log", "offset"); !ok {
		t.Errorf("no log.offset in %v", ev)
	}
}
