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
