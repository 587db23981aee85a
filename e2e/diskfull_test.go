//go:build linux

package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicelog/sluice/queue"
)

// TestQueueDiskFull is the fault-suite scenario "disk full for the queue
// path": the persisted queue lives on a small tmpfs that the test mounts
// (`mount -t tmpfs -o size=2m`; it needs root or CAP_SYS_ADMIN, which CI
// has). A go-lumber client streams events to the beats input; the file
// output is fast, so the queue stays small until the test fills the file
// system with a ballast file — as another program filling a shared disk
// would. Then:
//
//   - the queue's writes fail with ENOSPC, sluice logs it once, and the
//     client's window waits (no ACK) for as long as the disk stays full;
//   - frozen (SIGSTOP) in that state, every page file on the tmpfs is
//     valid record by record (magic, lengths, CRC-32C; FORMAT.md), and
//     every event the client got an ACK for is either in the output file
//     or in a valid record on disk: nothing was acknowledged that a crash
//     could lose;
//   - once the ballast is removed, the writes succeed again and every event
//     arrives: "sent N, received N, lost 0, duplicated D".
//
// Outside CI (CI unset) the test is skipped when tmpfs cannot be mounted
// (not root, or a container without the capability); under CI=true it
// fails instead.
func TestQueueDiskFull(t *testing.T) {
	dir := t.TempDir()
	qdir := filepath.Join(dir, "queue")
	mountTmpfs(t, qdir, "2m")
	out := filepath.Join(dir, "out.jsonl")
	port := freePort(t, "tcp")
	// queue.max_bytes is far above the file system's size: the disk, not
	// the queue's limit, is what runs out.
	writeFile(t, filepath.Join(dir, "sluice.yml"), "queue.type: persisted\npath.queue: "+qdir+
		"\nqueue.page_capacity: 64kb\nqueue.max_bytes: 256mb\npipeline.workers: 2\n")
	conf := fmt.Sprintf(`input { beats { host => "127.0.0.1" port => %d } }
output { file { path => %s codec => json_lines } }`, port, confString(t, out))
	p := startSluice(t, procOpts{args: []string{"serve", "--path.settings", dir, "-e", conf}, dir: dir})
	p.waitReady()

	const n = 30000
	s := &beatsSender{addr: "127.0.0.1:" + strconv.Itoa(port), n: n, batch: 200}
	stop := make(chan struct{})
	sent := make(chan error, 1)
	go func() { sent <- s.run(stop) }()
	defer close(stop)
	waitUntil(t, 60*time.Second, "5000 events acknowledged", func() bool { return s.ackedCount() >= 5000 })

	// Fill the file system, and keep it full: the queue frees a page
	// whenever the output acknowledged all of it, and the ballast takes
	// that space too, until only the queue's head page is left.
	ballast := filepath.Join(qdir, "ballast")
	bf, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	fillDisk(t, bf)
	p.waitStderr(regexp.MustCompile(`queue write failed; inputs are held back|cannot start a new queue page`), 30*time.Second)
	topUp, toppedUp := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(toppedUp)
		for {
			select {
			case <-topUp:
				return
			case <-time.After(10 * time.Millisecond):
				fillDisk(t, bf)
			}
		}
	}()
	var stopOnce sync.Once
	stopTopUp := func() { stopOnce.Do(func() { close(topUp); <-toppedUp }) }
	defer stopTopUp() // before bf.Close, when the test fails early
	// The acknowledged count settles once nothing more can be freed.
	held, since := s.ackedCount(), time.Now()
	waitUntil(t, 30*time.Second, "the sender to be held back", func() bool {
		if a := s.ackedCount(); a != held {
			held, since = a, time.Now()
		}
		return time.Since(since) > 1500*time.Millisecond
	})
	// Hold the disk full over three of the queue's write retries: the
	// window must go on waiting.
	holdUntil := time.Now().Add(3500 * time.Millisecond)
	for time.Now().Before(holdUntil) {
		if a := s.ackedCount(); a != held {
			t.Fatalf("%d events acknowledged while the queue's disk was full (had %d)", a, held)
		}
		select {
		case err := <-sent:
			t.Fatalf("the sender stopped while the disk was full: %v", err)
		case <-time.After(50 * time.Millisecond): // polling the sender's counter
		}
	}
	if held >= n {
		t.Fatalf("every event was acknowledged before the disk filled; nothing tested")
	}

	// Freeze sluice and check the disk: valid pages, and every
	// acknowledged event safe. A failed write is cut back right after it
	// failed: a freeze in between sees its partial record at the end of
	// the head page, so a cut-short tail is checked again after letting
	// sluice run a moment.
	var onDisk, inFile map[int64]int
	var pages int
	for try := 1; ; try++ {
		p.signal(syscall.SIGSTOP)
		var err error
		onDisk, pages, err = checkQueuePages(t, filepath.Join(qdir, "main"))
		inFile = readSeqs(t, out)
		p.signal(syscall.SIGCONT)
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatal(err)
		}
		t.Logf("try %d: %v", try, err)
		time.Sleep(300 * time.Millisecond) // let the queue cut its write back
	}
	unsafe := 0
	for i := 0; i < held; i++ {
		if onDisk[int64(i)] == 0 && inFile[int64(i)] == 0 {
			unsafe++
		}
	}
	if unsafe > 0 {
		t.Fatalf("%d of %d acknowledged events are neither in the output nor in the queue on disk", unsafe, held)
	}
	t.Logf("disk full: %d events acknowledged and held; %d pages, %d events in the queue on disk, %d in the output",
		held, pages, len(onDisk), len(inFile))

	// Free the space: the writes succeed again, the rest flows.
	stopTopUp()
	// (An open file's blocks are freed only once it is closed.)
	if err := errors.Join(bf.Close(), os.Remove(ballast)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("sender stuck at %d of %d acknowledged after the disk was freed", s.ackedCount(), n)
	}
	waitUntil(t, 60*time.Second, fmt.Sprintf("%d events in the output", n), func() bool { return len(readSeqs(t, out)) >= n })
	p.stop()
	if strings.Contains(p.stderr.String(), "corrupt") {
		t.Errorf("sluice reported a corrupt queue record:\n%s", tail(p.stderr.String(), 4<<10))
	}
	checkDelivery(t, "disk full for the queue path (tmpfs, ballast file)", readJSONLines(t, out), n)
}

// mountTmpfs mounts a tmpfs of the given size (mount(8) syntax: "2m") at
// dir for the test. Without the privilege it skips the test, unless CI is
// set: there the scenario must run.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		msg := fmt.Sprintf("cannot mount a tmpfs for the disk-full scenario (needs root or CAP_SYS_ADMIN): %v", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

// fillDisk appends to f until its file system is full (ENOSPC). It may
// run in a goroutine: it reports other errors with t.Errorf.
func fillDisk(t *testing.T, f *os.File) {
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("fill %s: %v", f.Name(), err)
			}
			return
		}
	}
}

// checkQueuePages reads every page file of a persisted queue (the process
// stopped) and checks it against FORMAT.md: the header, then records whose
// lengths fit and whose CRC-32C match, up to the end of the file. It
// returns the seq field of every event on disk and the number of pages;
// a record cut short at the end of the newest page is returned as an
// error (a write in progress), any other fault fails the test.
func checkQueuePages(t *testing.T, dir string) (map[int64]int, int, error) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "page.*"))
	if err != nil {
		t.Fatal(err)
	}
	crc := crc32.MakeTable(crc32.Castagnoli)
	seqs := map[int64]int{}
	sort.Slice(names, func(i, j int) bool { return pageNum(names[i]) < pageNum(names[j]) })
	for i, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		head := i == len(names)-1
		if head && len(b) < 16 {
			// A page being created (its header write failed on the full
			// disk and the file is about to be removed; after a crash here
			// the queue removes it at start: it holds no events).
			return nil, 0, fmt.Errorf("%s: page being created (%d bytes)", name, len(b))
		}
		if len(b) < 16 || string(b[:4]) != "SLQP" || b[4] != 1 {
			t.Fatalf("%s: bad page header %q", name, b[:min(len(b), 16)])
		}
		for off := 16; off < len(b); {
			if len(b)-off < 8 {
				if head {
					return nil, 0, fmt.Errorf("%s: record header cut short at offset %d of %d", name, off, len(b))
				}
				t.Fatalf("%s: record header cut short at offset %d of %d", name, off, len(b))
			}
			l := int(binary.LittleEndian.Uint32(b[off:]))
			if l > len(b)-off-8 {
				if head {
					return nil, 0, fmt.Errorf("%s: record at offset %d of %d has length %d: cut short", name, off, len(b), l)
				}
				t.Fatalf("%s: record at offset %d of %d has length %d: cut short", name, off, len(b), l)
			}
			payload := b[off+8 : off+8+l]
			if crc32.Checksum(payload, crc) != binary.LittleEndian.Uint32(b[off+4:]) {
				t.Fatalf("%s: record at offset %d fails its checksum", name, off)
			}
			e, err := queue.DecodeEvent(payload)
			if err != nil {
				t.Fatalf("%s: record at offset %d: %v", name, off, err)
			}
			switch v := e.Fields()["seq"].(type) {
			case int64:
				seqs[v]++
			case float64:
				seqs[int64(v)]++
			default:
				t.Fatalf("%s: record at offset %d has seq %T %v", name, off, v, v)
			}
			off += 8 + l
		}
	}
	return seqs, len(names), nil
}

// pageNum is N of a page.N file name.
func pageNum(path string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimPrefix(filepath.Base(path), "page."), 10, 64)
	return n
}
