//go:build linux

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDeadLetterQueue: with dead_letter_queue.enable in sluice.yml, the
// http output's 400s land in <path.data>/dead_letter_queue/main; a second
// sluice replays them with the dead_letter_queue input, reason included.
func TestDeadLetterQueue(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"message":"bad`) {
			http.Error(w, "mapper_parsing_exception: failed to parse field [n]", http.StatusBadRequest)
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(dir, "sluice.yml"), fmt.Sprintf(
		"path.data: %s\napi.enabled: false\ndead_letter_queue:\n  enable: true\n  max_bytes: 5mb\n  flush_interval: 100\n", data))
	conf := fmt.Sprintf(`input { generator { lines => ["good 1", "bad 1", "good 2", "bad 2"] count => 1 } }
output { http { url => %q http_method => "post" } }`, srv.URL)
	code, _, errOut := runSluice(t, procOpts{args: []string{"serve", "--path.settings", dir, "-e", conf}})
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	if !regexp.MustCompile(`dead letter queue closed.* written=2 dropped=0`).MatchString(errOut) {
		t.Errorf("no 'dead letter queue closed ... written=2' log line:\n%s", errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "dead_letter_queue", "main", "1.log")); err != nil {
		t.Fatalf("no segment file: %v", err)
	}

	replay := fmt.Sprintf(`input { dead_letter_queue { path => %q commit_offsets => false } }
output { stdout { codec => rubydebug { metadata => true } } }`, filepath.Join(data, "dead_letter_queue"))
	p := startSluice(t, procOpts{args: []string{"serve", "--api.enabled=false", "-e", replay}})
	reason := regexp.MustCompile(`"reason"\s*=>\s*".*mapper_parsing_exception`)
	p.waitStdoutCount(reason, 2, 20*time.Second)
	p.stop()
	out := p.stdout.String()
	for _, want := range []string{`"message" => "bad 1"`, `"message" => "bad 2"`, `"plugin_type" => "http"`} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"good`) {
		t.Errorf("delivered events were replayed:\n%s", out)
	}
}
