package file

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// lineCodec writes "<message>\n"; messages starting with "!" fail.
type lineCodec struct{}

func (lineCodec) Settings(*plugin.Settings)                       {}
func (lineCodec) NewDecoder(plugin.DecoderOptions) plugin.Decoder { return nil }
func (lineCodec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	if strings.HasPrefix(e.Message(), "!") {
		return append(dst, "partial"...), errors.New("cannot encode")
	}
	return append(append(dst, e.Message()...), '\n'), nil
}

// defaults returns an output with the declared defaults and a line codec.
func defaults(path string) *Output {
	return &Output{
		Path: path, Codec: lineCodec{}, CreateIfDeleted: true, DirMode: "-1", FileMode: "-1",
		FilenameFailure: "_filepath_failures", FlushInterval: 2 * time.Second,
		StaleCleanupInterval: 10 * time.Second, WriteBehavior: "append", MaxOpenFiles: 1000,
	}
}

func start(t testing.TB, o *Output) *Output {
	t.Helper()
	if err := o.Init(&plugin.Context{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// ev builds an event with a message and extra fields (key, value pairs).
func ev(msg string, kv ...string) *event.Event {
	e := event.NewMessage(msg)
	e.SetTimestamp(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	for i := 0; i < len(kv); i += 2 {
		if err := e.SetField(kv[i], kv[i+1]); err != nil {
			panic(err)
		}
	}
	return e
}

func write(t *testing.T, o *Output, events ...*event.Event) {
	t.Helper()
	if err := o.Write(context.Background(), events); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func readGzip(t *testing.T, path string) (string, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(zr)
	return string(b), err
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestStaticPathWrittenWhenWriteReturns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "out.log")
	o := start(t, defaults(path))
	write(t, o, ev("one"), ev("two"))
	// Plain files reach the OS within Write: no flush needed.
	if got := read(t, path); got != "one\ntwo\n" {
		t.Fatalf("file = %q", got)
	}
	write(t, o, ev("three"))
	if got := read(t, path); got != "one\ntwo\nthree\n" {
		t.Fatalf("file = %q", got)
	}
}

func TestDynamicPathByField(t *testing.T) {
	dir := t.TempDir()
	o := start(t, defaults(filepath.Join(dir, "%{app}", "%{[log][level]}.log")))
	write(t, o,
		ev("a1", "app", "api", "[log][level]", "info"),
		ev("w1", "app", "web", "[log][level]", "info"),
		ev("a2", "app", "api", "[log][level]", "error"),
		ev("a3", "app", "api", "[log][level]", "info"),
		ev("s1", "app", "sub/dir", "[log][level]", "info"),
	)
	for path, want := range map[string]string{
		"api/info.log":     "a1\na3\n",
		"api/error.log":    "a2\n",
		"web/info.log":     "w1\n",
		"sub/dir/info.log": "s1\n",
	} {
		if got := read(t, filepath.Join(dir, path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func TestDatePath(t *testing.T) {
	dir := t.TempDir()
	o := start(t, defaults(filepath.Join(dir, "app-%{+yyyy.MM.dd}.log")))
	e2 := ev("next day")
	e2.SetTimestamp(time.Date(2024, 5, 2, 0, 0, 1, 0, time.UTC))
	write(t, o, ev("first"), e2)
	if got := read(t, filepath.Join(dir, "app-2024.05.01.log")); got != "first\n" {
		t.Errorf("day 1 = %q", got)
	}
	if got := read(t, filepath.Join(dir, "app-2024.05.02.log")); got != "next day\n" {
		t.Errorf("day 2 = %q", got)
	}
}

func TestPathTraversalGoesToFailureFile(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "logs")
	o := start(t, defaults(filepath.Join(root, "%{app}.log")))
	write(t, o,
		ev("escape", "app", "../../escaped"),
		ev("sneaky", "app", "x/../../escaped2"),
		ev("nul", "app", "a\x00b"),
		ev("fine", "app", "ok"),
	)
	if exists(filepath.Join(dir, "escaped.log")) || exists(filepath.Join(dir, "escaped2.log")) {
		t.Fatal("an event escaped the file root")
	}
	if got := read(t, filepath.Join(root, "_filepath_failures")); got != "escape\nsneaky\nnul\n" {
		t.Errorf("failure file = %q", got)
	}
	if got := read(t, filepath.Join(root, "ok.log")); got != "fine\n" {
		t.Errorf("ok.log = %q", got)
	}
}

func TestDotDotInsideRootIsAllowed(t *testing.T) {
	dir := t.TempDir()
	o := start(t, defaults(filepath.Join(dir, "logs", "%{app}", "x.log")))
	write(t, o, ev("m", "app", "a/../b"))
	if got := read(t, filepath.Join(dir, "logs", "b", "x.log")); got != "m\n" {
		t.Errorf("b/x.log = %q", got)
	}
}

func TestBadFileNamesGoToFailureFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "isdir.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plainfile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o := start(t, defaults(filepath.Join(dir, "%{name}")))
	write(t, o,
		ev("too long", "name", strings.Repeat("x", 300)),
		ev("a directory", "name", "isdir.log"),
		ev("under a file", "name", "plainfile/x.log"),
	)
	if got := read(t, filepath.Join(dir, "_filepath_failures")); got != "too long\na directory\nunder a file\n" {
		t.Errorf("failure file = %q", got)
	}
}

func TestDynamicFirstDirectoryRefused(t *testing.T) {
	for _, p := range []string{"/%{dir}/x.log", "/test-%{dir}/x.log", "/%{+yyyy}/x.log"} {
		o := defaults(p)
		err := o.Init(&plugin.Context{})
		if err == nil || !strings.Contains(err.Error(), "first directory may not be dynamic") {
			t.Errorf("%s: Init error = %v", p, err)
		}
		o.Close()
	}
}

func TestRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	o := start(t, defaults("out/%{app}.log"))
	write(t, o, ev("m", "app", "a"), ev("bad", "app", "../../x"))
	if got := read(t, filepath.Join(dir, "out", "a.log")); got != "m\n" {
		t.Errorf("a.log = %q", got)
	}
	if got := read(t, filepath.Join(dir, "out", "_filepath_failures")); got != "bad\n" {
		t.Errorf("failures = %q", got)
	}
}

func TestReopenAfterDeletion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := start(t, defaults(path))
	write(t, o, ev("before"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	write(t, o, ev("after"))
	if got := read(t, path); got != "after\n" {
		t.Errorf("file = %q, want the file re-created", got)
	}
}

func TestFollowsRotationByRename(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := start(t, defaults(path))
	write(t, o, ev("old"))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("new file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, o, ev("next"))
	if got := read(t, path+".1"); got != "old\n" {
		t.Errorf("rotated file = %q", got)
	}
	if got := read(t, path); got != "new file\nnext\n" {
		t.Errorf("file = %q", got)
	}
}

func TestCreateIfDeletedFalse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "%{f}.log")
	if err := os.WriteFile(filepath.Join(dir, "a.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o := defaults(path)
	o.CreateIfDeleted = false
	start(t, o)
	write(t, o, ev("a1", "f", "a"), ev("b1", "f", "b"))
	if err := os.Remove(filepath.Join(dir, "a.log")); err != nil {
		t.Fatal(err)
	}
	write(t, o, ev("a2", "f", "a"))
	if exists(filepath.Join(dir, "a.log")) || exists(filepath.Join(dir, "b.log")) {
		t.Error("a file was created although create_if_deleted is false")
	}
	if got := read(t, filepath.Join(dir, "_filepath_failures")); got != "b1\na2\n" {
		t.Errorf("failure file = %q", got)
	}
}

func TestMaxOpenFiles(t *testing.T) {
	dir := t.TempDir()
	o := defaults(filepath.Join(dir, "%{n}.log"))
	o.MaxOpenFiles = 3
	start(t, o)
	var batch []*event.Event
	for i := range 10 {
		write(t, o, ev(fmt.Sprintf("single-%d", i), "n", fmt.Sprint(i)))
		if n := o.openFiles(); n > 3 {
			t.Fatalf("%d files open, limit 3", n)
		}
		batch = append(batch, ev(fmt.Sprintf("batch-%d", i), "n", fmt.Sprint(i)))
	}
	write(t, o, batch...) // one batch over 10 files
	if n := o.openFiles(); n > 3 {
		t.Fatalf("%d files open, limit 3", n)
	}
	for i := range 10 {
		want := fmt.Sprintf("single-%d\nbatch-%d\n", i, i)
		if got := read(t, filepath.Join(dir, fmt.Sprintf("%d.log", i))); got != want {
			t.Errorf("%d.log = %q, want %q", i, got, want)
		}
	}
}

func TestStaleFilesClosed(t *testing.T) {
	dir := t.TempDir()
	o := defaults(filepath.Join(dir, "%{n}.log"))
	o.StaleCleanupInterval = 20 * time.Millisecond
	start(t, o)
	write(t, o, ev("a", "n", "1"), ev("b", "n", "2"))
	if n := o.openFiles(); n > 2 {
		t.Fatalf("%d files open, want at most 2", n)
	}
	waitFor(t, 5*time.Second, "stale files to be closed", func() bool { return o.openFiles() == 0 })
	write(t, o, ev("c", "n", "1"))
	if got := read(t, filepath.Join(dir, "1.log")); got != "a\nc\n" {
		t.Errorf("1.log = %q", got)
	}
}

func TestGzip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log.gz")
	o := defaults(path)
	o.Gzip = true
	o.StaleCleanupInterval = 20 * time.Millisecond
	start(t, o)
	write(t, o, ev("one"), ev("two"))
	// Closed as stale, then reopened: the file gets a second gzip member.
	waitFor(t, 5*time.Second, "stale close", func() bool { return o.openFiles() == 0 })
	write(t, o, ev("three"))
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := readGzip(t, path)
	if err != nil || got != "one\ntwo\nthree\n" {
		t.Errorf("gunzip = %q, %v", got, err)
	}
}

func TestGzipFlushInterval(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log.gz")
	o := defaults(path)
	o.Gzip = true
	o.FlushInterval = 50 * time.Millisecond
	start(t, o)
	write(t, o, ev("one"), ev("two"))
	// A sync flush makes everything so far readable, although the gzip
	// stream is not finished (hence the unexpected EOF).
	waitFor(t, 5*time.Second, "the flush", func() bool {
		got, _ := readGzip(t, path)
		return got == "one\ntwo\n"
	})
	if _, err := readGzip(t, path); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("stream finished before Close: %v", err)
	}
}

func TestGzipFlushEveryBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log.gz")
	o := defaults(path)
	o.Gzip = true
	o.FlushInterval = 0
	start(t, o)
	write(t, o, ev("one"))
	if got, _ := readGzip(t, path); got != "one\n" {
		t.Errorf("after Write: %q", got)
	}
}

func TestCloseFlushesAndFinishes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log.gz")
	o := defaults(path)
	o.Gzip = true
	o.FlushInterval = time.Hour
	start(t, o)
	write(t, o, ev("one"), ev("two"))
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := readGzip(t, path); err != nil || got != "one\ntwo\n" {
		t.Errorf("after Close: %q, %v", got, err)
	}
	if err := o.Write(context.Background(), []*event.Event{ev("late")}); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := o.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOverwrite(t *testing.T) {
	dir := t.TempDir()
	for _, gz := range []bool{false, true} {
		path := filepath.Join(dir, fmt.Sprintf("state-%v", gz))
		o := defaults(path)
		o.WriteBehavior = "overwrite"
		o.Gzip = gz
		start(t, o)
		content := func() string {
			if gz {
				s, err := readGzip(t, path)
				if err != nil {
					t.Fatalf("gzip: %v", err)
				}
				return s
			}
			return read(t, path)
		}
		write(t, o, ev("a"), ev("b"), ev("c"))
		if got := content(); got != "c\n" {
			t.Errorf("gzip %v: after first batch %q", gz, got)
		}
		write(t, o, ev("d"))
		if got := content(); got != "d\n" {
			t.Errorf("gzip %v: after second batch %q", gz, got)
		}
		o.Close()
		if got := content(); got != "d\n" {
			t.Errorf("gzip %v: after Close %q", gz, got)
		}
	}
}

func TestModes(t *testing.T) {
	old := syscall.Umask(0o077) // the configured modes must win over the umask
	defer syscall.Umask(old)
	dir := t.TempDir()
	o := defaults(filepath.Join(dir, "d1", "d2", "out.log"))
	o.FileMode, o.DirMode = "0644", "0751"
	start(t, o)
	write(t, o, ev("x"))
	for path, want := range map[string]os.FileMode{
		filepath.Join(dir, "d1"):                  0o751,
		filepath.Join(dir, "d1", "d2"):            0o751,
		filepath.Join(dir, "d1", "d2", "out.log"): 0o644,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

func TestParseMode(t *testing.T) {
	cases := []struct {
		in   string
		want os.FileMode
		set  bool
		bad  bool
	}{
		{"-1", 0, false, false},
		{"0640", 0o640, true, false},
		{"640", 0o640, true, false},
		{"0o750", 0o750, true, false},
		{"1777", 0o777 | os.ModeSticky, true, false},
		{"0948", 0, false, true},
		{"416x", 0, false, true},
		{"77777", 0, false, true},
	}
	for _, c := range cases {
		m, set, err := parseMode(c.in)
		if (err != nil) != c.bad || m != c.want || set != c.set {
			t.Errorf("parseMode(%q) = %v, %v, %v", c.in, m, set, err)
		}
	}
}

func TestInitErrors(t *testing.T) {
	for _, c := range []struct {
		mod  func(*Output)
		want string
	}{
		{func(o *Output) { o.FileMode = "0999" }, "file_mode"},
		{func(o *Output) { o.DirMode = "rwx" }, "dir_mode"},
		{func(o *Output) { o.MaxOpenFiles = 0 }, "max_open_files"},
		{func(o *Output) { o.FilenameFailure = "" }, "filename_failure"},
		{func(o *Output) { o.Path = "/" }, "names no file"},
	} {
		o := defaults("/tmp/x/%{a}.log")
		c.mod(o)
		err := o.Init(&plugin.Context{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Init error = %v, want %q", err, c.want)
		}
		o.Close()
	}
}

func TestEncodeErrorSkipsEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := start(t, defaults(path))
	write(t, o, ev("a"), ev("!bad"), ev("c"))
	if got := read(t, path); got != "a\nc\n" {
		t.Errorf("file = %q", got)
	}
}

// TestWriteErrorIsRetried writes to /dev/full, where every write fails with
// ENOSPC: the events must be reported for retry, not acknowledged.
func TestWriteErrorIsRetried(t *testing.T) {
	if !exists("/dev/full") {
		t.Skip("no /dev/full")
	}
	o := start(t, defaults("/dev/full"))
	err := o.Write(context.Background(), []*event.Event{ev("a"), ev("!bad"), ev("c")})
	var be *plugin.BatchError
	if !errors.As(err, &be) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error = %v, want a BatchError wrapping ENOSPC", err)
	}
	if fmt.Sprint(be.Failed) != "[0 2]" {
		t.Errorf("failed = %v, want [0 2] (the event that cannot be encoded is not retried)", be.Failed)
	}
}

func TestFsync(t *testing.T) {
	for _, gz := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "out.log")
		o := defaults(path)
		o.Fsync, o.Gzip = true, gz
		o.FlushInterval = time.Hour
		start(t, o)
		write(t, o, ev("a"))
		got := ""
		if gz {
			got, _ = readGzip(t, path)
		} else {
			got = read(t, path)
		}
		if got != "a\n" {
			t.Errorf("gzip %v: file = %q right after Write", gz, got)
		}
	}
}

// TestConcurrentWriters writes from several goroutines to shared files:
// every line arrives whole, and each writer's lines keep their order.
func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	o := defaults(filepath.Join(dir, "%{f}.log"))
	o.MaxOpenFiles = 2 // also exercise eviction under concurrency
	start(t, o)
	const writers, batches, size, files = 4, 100, 10, 3
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				events := make([]*event.Event, size)
				for i := range events {
					n := b*size + i
					events[i] = ev(fmt.Sprintf("w%d-%06d", w, n), "f", fmt.Sprint(n%files))
				}
				if err := o.Write(context.Background(), events); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for f := range files {
		lines := strings.Split(strings.TrimSuffix(read(t, filepath.Join(dir, fmt.Sprintf("%d.log", f))), "\n"), "\n")
		total += len(lines)
		last := map[int]int{}
		for _, l := range lines {
			var w, n int
			if _, err := fmt.Sscanf(l, "w%d-%06d", &w, &n); err != nil || len(l) != len("w0-000000") {
				t.Fatalf("%d.log: mangled line %q", f, l)
			}
			if n%files != f {
				t.Fatalf("%d.log: line %q belongs elsewhere", f, l)
			}
			if prev, ok := last[w]; ok && n <= prev {
				t.Fatalf("%d.log: writer %d out of order: %d after %d", f, w, n, prev)
			}
			last[w] = n
		}
	}
	if total != writers*batches*size {
		t.Errorf("%d lines, want %d", total, writers*batches*size)
	}
}

func TestHomePath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	o := start(t, defaults("~/logs/out.log"))
	write(t, o, ev("x"))
	if got := read(t, filepath.Join(home, "logs", "out.log")); got != "x\n" {
		t.Errorf("file = %q", got)
	}
}
