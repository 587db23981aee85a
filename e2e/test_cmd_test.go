package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSluiceTest runs `sluice test` on a passing and a failing case: exit
// codes, the PASS/FAIL lines, the field diff and the closing count.
func TestSluiceTest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "cases", "good")
	bad := filepath.Join(dir, "cases", "bad")
	writeFile(t, filepath.Join(good, "pipeline.conf"), `filter { mutate { uppercase => ["message"] } }`)
	writeFile(t, filepath.Join(good, "input"), "hello\n")
	writeFile(t, filepath.Join(good, "expected.ndjson"), `{"message":"HELLO"}`+"\n")

	code, out, errOut := runSluice(t, procOpts{args: []string{"test", good}})
	if code != 0 || !strings.Contains(out, "PASS "+good) || !strings.Contains(out, "1 passed, 0 failed") {
		t.Fatalf("good case: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	writeFile(t, filepath.Join(bad, "pipeline.conf"), `filter { mutate { lowercase => ["message"] } }`)
	writeFile(t, filepath.Join(bad, "input"), "Hello\n")
	writeFile(t, filepath.Join(bad, "expected.ndjson"), `{"message":"HELLO"}`+"\n")
	code, out, _ = runSluice(t, procOpts{args: []string{"test", filepath.Join(dir, "cases")}})
	if code != 1 || !strings.Contains(out, "FAIL "+bad) || !strings.Contains(out, `[message]: want "HELLO", got "hello"`) ||
		!strings.Contains(out, "1 passed, 1 failed") {
		t.Fatalf("failing case: exit %d\nstdout:\n%s", code, out)
	}

	if code, _, _ := runSluice(t, procOpts{args: []string{"test", filepath.Join(dir, "nothing")}}); code != 2 {
		t.Fatalf("missing directory: exit %d, want 2", code)
	}
	_ = os.RemoveAll(dir)
}
