package shipper

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRegistryRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r", "registry.json")
	r, err := OpenRegistry(path, IdentityFingerprint, 1024)
	if err != nil {
		t.Fatal(err)
	}
	id := r.add(State{Path: "/var/log/a.log", Offset: 42, Device: 1, Inode: 2, FPLen: 3, FP: hashHex([]byte("abc"))})
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	r2, err := OpenRegistry(path, IdentityFingerprint, 1024)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := r2.get(id)
	if !ok || st.Offset != 42 || st.Path != "/var/log/a.log" || st.Inode != 2 || st.FPLen != 3 {
		t.Fatalf("got %+v %v", st, ok)
	}
}

func TestCorruptRegistryIsReportedAndKept(t *testing.T) {
	cases := map[string]string{
		"torn":        `{"format":"sluice-file-registry","version":1,"files":[{"id":"a","pa`,
		"empty":       ``,
		"bad format":  `{"format":"other","version":1,"files":[]}`,
		"new version": `{"format":"sluice-file-registry","version":99,"files":[]}`,
		"negative":    `{"format":"sluice-file-registry","version":1,"files":[{"id":"a","path":"/x","offset":-1,"device":0,"inode":0,"fp_len":0,"updated":"2026-01-01T00:00:00Z"}]}`,
		"garbage":     "\x00\x01\x02",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "registry.json")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := OpenRegistry(path, IdentityFingerprint, 1024)
			var ce *CorruptRegistryError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a CorruptRegistryError", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "copy") {
				t.Errorf("unclear error: %v", err)
			}
			for _, p := range []string{path, ce.Backup} {
				b, err := os.ReadFile(p)
				if err != nil || string(b) != content {
					t.Errorf("%s: %q, %v (want the original content kept)", p, b, err)
				}
			}
		})
	}
}

// TestRegistryCrashSafety kills a process that rewrites the registry in a
// loop at random moments: the file left behind must always decode.
func TestRegistryCrashSafety(t *testing.T) {
	if os.Getenv("SLUICE_REGISTRY_WRITER") != "" {
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "registry.json")
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRegistryWriterProcess$")
		cmd.Env = append(os.Environ(), "SLUICE_REGISTRY_WRITER="+path)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1)
		if _, err := stdout.Read(buf); err != nil { // the writer is running
			t.Fatalf("writer did not start: %v", err)
		}
		time.Sleep(time.Duration(rand.IntN(80)) * time.Millisecond) // a random moment to crash at
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		states, err := DecodeRegistry(b)
		if err != nil {
			t.Fatalf("round %d: registry torn by a crash: %v", round, err)
		}
		if len(states) != 50 {
			t.Fatalf("round %d: %d states", round, len(states))
		}
	}
}

// TestRegistryWriterProcess is the process TestRegistryCrashSafety kills.
func TestRegistryWriterProcess(t *testing.T) {
	path := os.Getenv("SLUICE_REGISTRY_WRITER")
	if path == "" {
		t.Skip("helper process")
	}
	r, err := OpenRegistry(path, IdentityNative, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if len(r.states) == 0 {
		for i := range 50 {
			ids = append(ids, r.add(State{Path: "/logs/" + strconv.Itoa(i) + ".log", Offset: int64(i)}))
		}
	} else {
		for id := range r.states {
			ids = append(ids, id)
		}
	}
	// The registry exists before the parent may kill this process (a
	// kill before the first write left no file: a flaky round 0).
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.Write([]byte("."))
	for n := int64(0); ; n++ {
		for _, id := range ids {
			r.update(id, func(s *State) { s.Offset = n; s.Path = strings.Repeat("p", int(n%300)) })
		}
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzDecodeRegistry(f *testing.F) {
	good, _ := EncodeRegistry([]*State{{ID: "a", Path: "/x", Offset: 3, FPLen: 3, FP: hashHex([]byte("abc"))}}, IdentityFingerprint, 1024)
	f.Add(good)
	f.Add([]byte(`{"format":"sluice-file-registry","version":1,"files":[]}`))
	f.Add([]byte(`{"format":"sluice-file-registry","version":1,"files":[null]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		states, err := DecodeRegistry(b)
		if err != nil {
			return
		}
		// What decodes must encode and decode to the same.
		enc, err := EncodeRegistry(states, IdentityFingerprint, 1024)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := DecodeRegistry(enc)
		if err != nil || len(again) != len(states) {
			t.Fatalf("round trip: %v (%d vs %d)", err, len(again), len(states))
		}
	})
}

// CleanAfter forgets the entries of files no scan saw for that long: an
// old entry of a file still there is kept (and counts as seen now), an
// old entry of a file gone is dropped, a recent one is kept.
func TestCleanAfter(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "present.log")
	content := seqLine(1) + "\n"
	appendFile(t, present, content)
	month := time.Now().Add(-30 * 24 * time.Hour).UTC()
	states := []*State{
		{ID: "present", Path: present, Offset: int64(len(content)), FPLen: len(content), FP: hashHex([]byte(content)), Updated: month},
		{ID: "gone-long-ago", Path: filepath.Join(dir, "gone.log.1"), Offset: 10, FPLen: 3, FP: hashHex([]byte("abc")), Updated: month},
		{ID: "gone-recently", Path: filepath.Join(dir, "recent.log.1"), Offset: 10, FPLen: 3, FP: hashHex([]byte("xyz")), Updated: time.Now().Add(-time.Hour).UTC()},
	}
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.CleanRemoved = false // only CleanAfter drops entries here
	cfg.CleanAfter = 24 * time.Hour
	b, err := EncodeRegistry(states, IdentityFingerprint, DefaultFingerprintLength)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.RegistryPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.RegistryPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := startShipper(t, cfg)
	ids := func() map[string]bool {
		out := map[string]bool{}
		for _, st := range r.s.Registry().States() {
			out[st.ID] = true
		}
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for ids()["gone-long-ago"] {
		if time.Now().After(deadline) {
			t.Fatalf("the entry of a file unseen for a month is still there: %v", ids())
		}
		time.Sleep(10 * time.Millisecond) // polling the registry
	}
	if got := ids(); !got["present"] || !got["gone-recently"] {
		t.Fatalf("entries %v: the present file's and the recent one must stay", got)
	}
	if lines := c.snapshot(); len(lines) != 0 {
		t.Fatalf("the present file was read again: %+v", lines)
	}
	r.stop(t)
}

// An entry whose file goes out of sight while the shipper runs is
// forgotten CleanAfter later.
func TestCleanAfterWhileRunning(t *testing.T) {
	dir := t.TempDir()
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.CleanRemoved = false
	cfg.CleanAfter = 300 * time.Millisecond
	cfg.CloseOlder = 100 * time.Millisecond
	r := startShipper(t, cfg)
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, seqLine(0)+"\n")
	c.waitLines(t, 1, 10*time.Second)
	if n := len(r.s.Registry().States()); n != 1 {
		t.Fatalf("%d entries", n)
	}
	// Out of the globs' sight (not deleted: clean_removed would not apply).
	if err := os.Rename(path, filepath.Join(dir, "a.old")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for len(r.s.Registry().States()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("entry not forgotten: %+v", r.s.Registry().States())
		}
		time.Sleep(10 * time.Millisecond) // polling the registry
	}
	// Last seen at most one discover interval before the rename.
	if waited := time.Since(start); waited < cfg.CleanAfter-cfg.DiscoverInterval {
		t.Fatalf("forgotten after %v, before clean_after (%v)", waited, cfg.CleanAfter)
	}
	r.stop(t)
}
