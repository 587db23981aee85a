package shipper

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// readSize is the size of one read from a file.
const readSize = 64 << 10

// maxPooledLines is the capacity above which a readBuf's line slice is
// not kept (a read of very short lines).
const maxPooledLines = 8 << 10

// readBuf is what one read needs: the bytes read and the lines framed
// from them.
type readBuf struct {
	data  []byte
	lines []Line
}

// readBufs holds read buffers. A reader takes one only for one read and
// the delivery of its lines, while it holds a delivery slot (see
// Shipper.delivering): however many files are open or being read, at
// most that many buffers are in use.
var readBufs = sync.Pool{New: func() any { return &readBuf{data: make([]byte, readSize)} }}

func putReadBuf(rb *readBuf) {
	clear(rb.lines) // no references into the buffer or a framer
	if cap(rb.lines) > maxPooledLines {
		rb.lines = nil
	}
	rb.lines = rb.lines[:0]
	readBufs.Put(rb)
}

// harvester reads one open file.
type harvester struct {
	s   *Shipper
	f   *os.File
	id  fileID
	src *Source

	mu      sync.Mutex
	path    string
	stateID string
	size    int64

	wakeC chan struct{}
	off   int64 // next byte to read
	fr    *framer
	fpLen int
	fp    string
	mtime time.Time // at the last truncation check
	// lastCopy is the newest copytruncate copy read by the last
	// truncation handling (nil when none): while the file has no
	// fingerprint yet (empty when reset), copies made after it are the
	// only trace of generations that came and went between two looks.
	lastCopy os.FileInfo
	// stream consumes the lines; a new one after a truncation.
	stream Stream
	// gz: read mode, a gzip file (decompressed in one pass, see gzip.go).
	gz bool
}

func (s *Shipper) start(ctx context.Context, f *os.File, path string, id fileID, stateID string, off int64, fpLen int, fp string) {
	h := s.newHarvester(f, path, id, stateID, off, fpLen, fp)
	s.log.Debug("reading file", "path", path, "offset", off)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		h.run(ctx)
	}()
}

// newHarvester makes the reader of f and registers it as the owner of
// stateID (run starts it).
func (s *Shipper) newHarvester(f *os.File, path string, id fileID, stateID string, off int64, fpLen int, fp string) *harvester {
	h := &harvester{
		s: s, f: f, id: id, path: path, stateID: stateID, off: off,
		wakeC: make(chan struct{}, 1),
		fr:    newFramer([]byte(s.cfg.Delimiter), s.cfg.MaxBytes),
		fpLen: fpLen, fp: fp,
	}
	h.src = &Source{s: s, h: h}
	h.gz = s.cfg.ReadMode && isGzip(f, path)
	if h.gz {
		h.off = 0 // never resumed mid-stream
	}
	s.mu.Lock()
	s.open[id] = h
	s.owned[stateID] = h
	s.byPath[path] = h
	s.readOff[stateID] = h.off
	s.mu.Unlock()
	return h
}

func (h *harvester) wake() {
	select {
	case h.wakeC <- struct{}{}:
	default:
	}
}

func (h *harvester) knownSize() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.size
}

// seenAt records that the scan found the file under path (a rename).
func (h *harvester) seenAt(path string) {
	h.mu.Lock()
	old := h.path
	h.path = path
	id := h.stateID
	h.mu.Unlock()
	if old == path {
		return
	}
	h.s.mu.Lock()
	if h.s.byPath[old] == h {
		delete(h.s.byPath, old)
	}
	h.s.byPath[path] = h
	h.s.mu.Unlock()
	h.s.reg.update(id, func(st *State) { st.Path = path })
	h.s.log.Debug("file renamed", "from", old, "to", path)
}

func (h *harvester) currentPath() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.path
}

// release closes the file and frees its slot.
func (h *harvester) release() {
	h.f.Close()
	s := h.s
	s.mu.Lock()
	if s.open[h.id] == h {
		delete(s.open, h.id)
	}
	h.mu.Lock()
	id, path := h.stateID, h.path
	h.mu.Unlock()
	if s.owned[id] == h {
		delete(s.owned, id)
	}
	if s.byPath[path] == h {
		delete(s.byPath, path)
	}
	delete(s.seen, path)
	s.mu.Unlock()
	<-s.slots
	s.wakeScan()
}

func (h *harvester) run(ctx context.Context) {
	defer h.release()
	h.stream = h.s.cfg.NewStream(h.src)
	if h.gz {
		h.readGzip(ctx)
		return
	}
	lastData := time.Now()
	idled := false
	timer := time.NewTimer(h.s.cfg.StatInterval)
	defer timer.Stop()
	for {
		stream := h.stream
		n, err := h.readToEOF(ctx, stream)
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, io.EOF) {
			h.s.log.Warn("read error; closing the file, will retry", "path", h.currentPath(), "error", err)
			return
		}
		now := time.Now()
		if n > 0 {
			lastData, idled = now, false
		}
		if h.s.cfg.ReadMode {
			h.finish(ctx, stream)
			h.complete()
			return
		}
		if !idled && h.s.cfg.IdleInterval > 0 && now.Sub(lastData) >= h.s.cfg.IdleInterval {
			idled = true
			if stream.Idle(ctx) != nil {
				return
			}
		}
		fi, serr := h.f.Stat()
		if serr == nil && nlink(fi) == 0 && fi.Size() <= h.off {
			h.s.log.Debug("file deleted and read to its end; closing", "path", h.currentPath())
			h.finish(ctx, stream)
			return
		}
		if now.Sub(lastData) >= h.s.cfg.CloseOlder {
			h.s.log.Debug("file inactive; closing", "path", h.currentPath(), "close_older", h.s.cfg.CloseOlder)
			h.finish(ctx, stream)
			return
		}
		h.s.mu.Lock()
		starved := h.s.starved
		h.s.mu.Unlock()
		if starved && !h.fr.open {
			// Others wait for a slot: make room (read again when it grows).
			_ = stream.Close(ctx)
			return
		}
		wait := h.s.cfg.StatInterval
		if h.s.cfg.IdleInterval > 0 && !idled {
			wait = min(wait, max(h.s.cfg.IdleInterval-now.Sub(lastData), time.Millisecond))
		}
		wait = min(wait, max(h.s.cfg.CloseOlder-now.Sub(lastData), time.Millisecond))
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-h.wakeC:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		handled, err := h.poll(ctx)
		if err != nil {
			return
		}
		if handled {
			lastData = time.Now()
		}
	}
}

// poll looks for rotations the file went through since the last look,
// before it is read again: a truncation (handled), or, while nothing of
// the current generation was read yet, copies made since the last
// recovery. It reports whether it handled one; an error means ctx ended.
func (h *harvester) poll(ctx context.Context) (bool, error) {
	if h.checkTruncated() {
		return true, h.handleTruncation(ctx, h.stream)
	}
	return h.readMissedCopies(ctx)
}

// readMissedCopies handles the blind spot of checkTruncated: after a
// recovery the file is read again from offset 0 with no fingerprint, and
// when it was empty then, nothing tells that it was filled, copied and
// truncated again (any number of times) before the next look: the file is
// simply "longer than 0". Those generations exist only in their copies,
// made after the last copy handled; they are read (each as a file of its
// own) before the file itself.
func (h *harvester) readMissedCopies(ctx context.Context) (bool, error) {
	if h.lastCopy == nil || h.off != 0 || h.fpLen != 0 || h.s.cfg.Identity != IdentityFingerprint {
		return false, nil
	}
	fi, err := h.f.Stat()
	if err != nil || fi.Size() == 0 {
		return false, nil // still empty: no generation went by unseen
	}
	path := h.currentPath()
	liveID, stream := h.stateID, h.stream
	last, n, err := h.readLaterCopies(ctx, path, h.lastCopy)
	if n == 0 && err == nil {
		return false, nil
	}
	h.lastCopy = last
	// Back to the file itself, still at offset 0 of its state (its stream
	// got no line yet).
	h.switchState(liveID)
	h.off, h.fpLen, h.fp = 0, 0, ""
	h.fr.reset()
	h.stream = stream
	return true, err
}

// finish sends a last line without a delimiter and closes the stream.
func (h *harvester) finish(ctx context.Context, stream Stream) {
	if l, ok := h.fr.flush(h.off); ok {
		_ = h.deliver(ctx, stream, []Line{l})
	}
	_ = stream.Close(ctx)
}

// complete runs the read-mode completion once every line is acknowledged.
func (h *harvester) complete() {
	if h.s.cfg.OnComplete == nil {
		return
	}
	path, id, end := h.currentPath(), h.stateID, h.off
	h.s.whenAcked(id, end, func() { h.s.cfg.OnComplete(path) })
}

// deliver hands lines to the stream and records how far was read.
func (h *harvester) deliver(ctx context.Context, stream Stream, lines []Line) error {
	if len(lines) == 0 {
		return nil
	}
	if err := h.s.acquireDelivery(ctx); err != nil {
		return err
	}
	defer h.s.releaseDelivery()
	return h.deliverHeld(ctx, stream, lines)
}

// deliverHeld is deliver for a caller that holds a delivery slot.
func (h *harvester) deliverHeld(ctx context.Context, stream Stream, lines []Line) error {
	if len(lines) == 0 {
		return nil
	}
	err := stream.Lines(ctx, lines)
	h.s.mu.Lock()
	h.s.readOff[h.stateID] = h.fr.pendingStart(h.off)
	h.s.mu.Unlock()
	return err
}

// readToEOF reads and delivers everything up to the current end of file.
// Each read and the delivery of its lines happen under a delivery slot.
func (h *harvester) readToEOF(ctx context.Context, stream Stream) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		n, err := h.readOnce(ctx, stream)
		total += int64(n)
		if err != nil {
			h.mu.Lock()
			h.size = h.off
			h.mu.Unlock()
			return total, err
		}
	}
	return total, ctx.Err()
}

// readOnce reads the next bytes of the file (up to readSize) and delivers
// the lines they complete. At the end of the file it returns io.EOF.
func (h *harvester) readOnce(ctx context.Context, stream Stream) (int, error) {
	if err := h.s.acquireDelivery(ctx); err != nil {
		return 0, err
	}
	defer h.s.releaseDelivery()
	rb := readBufs.Get().(*readBuf)
	defer putReadBuf(rb)
	n, err := h.f.ReadAt(rb.data, h.off)
	if n > 0 {
		base := h.off
		h.off += int64(n)
		h.updateFingerprint()
		rb.lines = h.fr.feed(rb.lines[:0], rb.data[:n], base)
		if derr := h.deliverHeld(ctx, stream, rb.lines); derr != nil {
			return n, derr
		}
	}
	return n, err
}

// updateFingerprint extends a short fingerprint as the file grows.
func (h *harvester) updateFingerprint() {
	want := h.s.cfg.FingerprintLength
	if h.s.cfg.Identity != IdentityFingerprint || h.fpLen >= want || h.off <= int64(h.fpLen) {
		return
	}
	prefix, err := readPrefix(h.f, nil, int(min(h.off, int64(want))))
	if err != nil || len(prefix) <= h.fpLen {
		return
	}
	h.fpLen, h.fp = len(prefix), hashHex(prefix)
	fpLen, fp := h.fpLen, h.fp
	h.s.reg.update(h.stateID, func(st *State) {
		if fpLen > st.FPLen {
			st.FPLen, st.FP = fpLen, fp
		}
	})
}

// checkTruncated reports whether the file was truncated (it is shorter
// than what was read, or its first bytes changed).
func (h *harvester) checkTruncated() bool {
	fi, err := h.f.Stat()
	if err != nil {
		return false
	}
	if fi.Size() < h.off {
		return true
	}
	// Unchanged since the last look (same size, same modification time):
	// no need to read the first bytes again (keeps idle files cheap).
	if fi.Size() == h.off && fi.ModTime().Equal(h.mtime) {
		return false
	}
	h.mtime = fi.ModTime()
	if h.fpLen == 0 {
		return false
	}
	prefix, err := readPrefix(h.f, nil, h.fpLen)
	if err != nil {
		return false
	}
	return len(prefix) < h.fpLen || hashHex(prefix) != h.fp
}

// handleTruncation recovers the lines a copytruncate rotation copied
// before the file was truncated, then restarts the file from offset 0 as
// a new file.
func (h *harvester) handleTruncation(ctx context.Context, stream Stream) error {
	path := h.currentPath()
	copyPath, copyInfo, n := h.recoverFromCopy(ctx, stream, path)
	if copyPath != "" {
		h.s.recovered.Add(1)
		h.s.log.Info("file truncated (copytruncate): read the rest of its lines from the copy",
			"path", path, "copy", copyPath, "bytes", n)
	} else {
		h.s.log.Info("file truncated: reading it again from the start", "path", path, "read_offset", h.off)
	}
	h.finish(ctx, stream)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The old entry now describes the copy (or nothing, then clean_removed
	// drops it once its acknowledgements are in).
	var copyID fileID
	if copyInfo != nil {
		copyID = nativeID(copyInfo)
	}
	h.s.reg.update(h.stateID, func(st *State) {
		st.Path, st.Device, st.Inode = copyPath, copyID.dev, copyID.ino
	})
	h.lastCopy = nil
	if copyInfo != nil {
		last, _, err := h.readLaterCopies(ctx, path, copyInfo)
		if err != nil {
			return err
		}
		h.lastCopy = last
	}
	newID := h.s.reg.add(State{Path: path, Offset: 0, Device: h.id.dev, Inode: h.id.ino})
	h.switchState(newID)
	h.mu.Lock()
	h.size = 0
	h.mu.Unlock()
	h.off, h.fpLen, h.fp = 0, 0, ""
	h.fr.reset()
	h.stream = h.s.cfg.NewStream(h.src)
	h.s.mu.Lock()
	h.s.readOff[newID] = 0
	h.s.mu.Unlock()
	return nil
}

// recoverFromCopy looks beside path for a copy of the file as it was
// before truncation (same leading bytes, at least as long as what was
// read) and reads the lines after the read offset from it.
func (h *harvester) recoverFromCopy(ctx context.Context, stream Stream, path string) (string, os.FileInfo, int64) {
	if h.fpLen == 0 {
		return "", nil, 0
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, 0
	}
	for _, e := range entries {
		name := e.Name()
		if name == base || !e.Type().IsRegular() || !strings.HasPrefix(name, stem) {
			continue
		}
		cp := filepath.Join(dir, name)
		f, err := os.Open(cp)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil || fi.Size() < h.off || nativeID(fi) == h.id {
			f.Close()
			continue
		}
		prefix, err := readPrefix(f, nil, h.fpLen)
		if err != nil || len(prefix) < h.fpLen || !bytes.Equal([]byte(hashHex(prefix)), []byte(h.fp)) {
			f.Close()
			continue
		}
		start := h.off
		orig := h.f
		h.f = f
		_, _ = h.readToEOF(ctx, stream)
		h.f = orig
		f.Close()
		return cp, fi, h.off - start
	}
	return "", nil, 0
}

// readLaterCopies reads the copies that copytruncate made after `after`
// (the copy just recovered from) and that no reader ever saw: when the
// file was copied and truncated more than once between two looks at it
// (a reader that fell behind), the middle generations exist only in
// their copies. Each is read in full as a file of its own. A copy that
// begins like the file does now is a copy of the current generation
// (being made, the file not yet truncated): its lines are read from the
// file, not from it. readLaterCopies returns the newest copy read (after
// when none) and how many were read; it leaves the harvester on the last
// copy's state: the caller switches back.
func (h *harvester) readLaterCopies(ctx context.Context, path string, after os.FileInfo) (os.FileInfo, int, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return after, 0, nil
	}
	type copyFile struct {
		path string
		fi   os.FileInfo
	}
	var later []copyFile
	for _, e := range entries {
		name := e.Name()
		cp := filepath.Join(dir, name)
		if name == base || !e.Type().IsRegular() || !strings.HasPrefix(name, stem) || h.s.excluded(cp) {
			continue
		}
		fi, err := os.Stat(cp)
		if err != nil || fi.Size() == 0 || os.SameFile(fi, after) || fi.ModTime().Before(after.ModTime()) {
			continue
		}
		h.s.mu.Lock()
		busy := h.s.open[nativeID(fi)] != nil
		h.s.mu.Unlock()
		if !busy {
			later = append(later, copyFile{cp, fi})
		}
	}
	sort.Slice(later, func(i, j int) bool { return later[i].fi.ModTime().Before(later[j].fi.ModTime()) })
	live, _ := readPrefix(h.f, nil, h.s.cfg.FingerprintLength)
	last, read := after, 0
	for _, c := range later {
		f, err := os.Open(c.path)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			continue
		}
		known, fpLen, fp, err := h.s.match(f, nativeID(fi), fi.Size())
		magic, _ := readPrefix(f, nil, 2)
		if err != nil || known != "" || bytes.Equal(magic, []byte{0x1f, 0x8b}) {
			f.Close() // already known, or compressed
			continue
		}
		head, _ := readPrefix(f, nil, len(live))
		if n := min(len(head), len(live)); n > 0 && bytes.Equal(head[:n], live[:n]) {
			f.Close() // the current generation: read from the file itself
			continue
		}
		id := nativeID(fi)
		stateID := h.s.reg.add(State{Path: c.path, Device: id.dev, Inode: id.ino, FPLen: fpLen, FP: fp})
		h.s.log.Info("copytruncate: reading a copy made while the reader was behind", "path", path, "copy", c.path, "bytes", fi.Size())
		h.switchState(stateID)
		orig := h.f
		h.f, h.off, h.fpLen, h.fp = f, 0, fpLen, fp
		h.fr.reset()
		h.stream = h.s.cfg.NewStream(h.src)
		_, rerr := h.readToEOF(ctx, h.stream)
		if rerr == nil || errors.Is(rerr, io.EOF) {
			h.finish(ctx, h.stream)
		}
		h.f = orig
		f.Close()
		last, read = fi, read+1
		if ctx.Err() != nil {
			return last, read, ctx.Err()
		}
	}
	return last, read, nil
}

// switchState makes the harvester read for state id from now on.
func (h *harvester) switchState(id string) {
	h.s.mu.Lock()
	if h.s.owned[h.stateID] == h {
		delete(h.s.owned, h.stateID)
	}
	h.s.owned[id] = h
	h.s.mu.Unlock()
	h.mu.Lock()
	h.stateID = id
	h.mu.Unlock()
}
