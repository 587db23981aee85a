// Package shipper finds, tails and reads log files for the file input:
// discovery with globs (`**` included), one harvester per open file,
// reading with bounded buffers, rotation and truncation handling, and the
// registry of acknowledged offsets (see REGISTRY.md).
//
// The shipper knows nothing about events: it hands lines to a Stream made
// per file by its user, who turns them into events and acknowledges them
// through Source.Commit. Offsets reach the registry only from those
// acknowledgements (at-least-once).
package shipper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Shipper.
type Config struct {
	// Paths are the glob patterns of files to read.
	Paths []string
	// Exclude are globs matched against a file's base name.
	Exclude []string
	// ExcludeFiles are regular expressions matched against the full path.
	ExcludeFiles []*regexp.Regexp
	// StartAtEnd starts the files found at the very first start (no
	// registry yet) at their end instead of their beginning. Files found
	// later, or after a restart, are read from their beginning: they
	// appeared while the input was running or stopped.
	StartAtEnd bool
	// ReadMode reads each file once to its end (Logstash's read mode);
	// OnComplete is then called once every line of it was acknowledged.
	ReadMode   bool
	OnComplete func(path string)
	// RegistryPath is the registry file.
	RegistryPath string
	// Identity is IdentityFingerprint (default) or IdentityNative.
	Identity string
	// FingerprintLength is how many leading bytes make the fingerprint.
	FingerprintLength int
	// StatInterval is how often an open file is checked without a
	// notification; DiscoverInterval how often the globs are expanded.
	StatInterval, DiscoverInterval time.Duration
	// IgnoreOlder skips files not modified for this long (0: off).
	IgnoreOlder time.Duration
	// CloseOlder closes a file after this long without new bytes.
	CloseOlder time.Duration
	// MaxOpenFiles bounds the files open at once (0: 4095).
	MaxOpenFiles int
	// CleanRemoved forgets the state of files removed from disk.
	CleanRemoved bool
	// CleanAfter forgets the state of files that no scan saw for this
	// long (0: never): neither found by the globs nor present under the
	// name the registry knows. Logstash's sincedb_clean_after.
	CleanAfter time.Duration
	// MaxBytes bounds one line; longer lines are truncated.
	MaxBytes int
	// Delimiter ends lines ("\n" when empty).
	Delimiter string
	// RegistryFlushInterval is how often acknowledged offsets are written.
	RegistryFlushInterval time.Duration
	// IdleInterval, when > 0, calls Stream.Idle once a file had no new
	// bytes for that long.
	IdleInterval time.Duration
	// NewStream makes the consumer of one file's lines.
	NewStream func(src *Source) Stream
	// DisableNotify turns inotify off (polling only).
	DisableNotify bool
	Logger        *slog.Logger
}

// Stream consumes the lines of one open file. Its methods are called from
// the file's harvester goroutine only. An error means ctx ended.
type Stream interface {
	// Lines gets lines in file order.
	Lines(ctx context.Context, lines []Line) error
	// Idle is called once the file had no new bytes for IdleInterval.
	Idle(ctx context.Context) error
	// Close is called when the file is closed; held data must be sent.
	Close(ctx context.Context) error
}

// Source is the file a Stream reads, as its consumer sees it.
type Source struct {
	s *Shipper
	h *harvester
}

// Path returns the file's current name.
func (src *Source) Path() string {
	src.h.mu.Lock()
	defer src.h.mu.Unlock()
	return src.h.path
}

// Commit reserves the acknowledgement of the bytes up to end (the End of a
// line that was pushed) and returns the function to call once those lines
// were delivered. Offsets are saved in the order Commit was called, each
// only once every earlier one was acknowledged.
func (src *Source) Commit(end int64) func() {
	src.h.mu.Lock()
	id := src.h.stateID
	src.h.mu.Unlock()
	if src.h.gz {
		// Offsets in a decompressed stream are not file offsets: the
		// file's offset is set once all of it is acknowledged.
		end = 0
	}
	return src.s.reserve(id, end)
}

// Shipper discovers and reads files.
type Shipper struct {
	cfg Config
	log *slog.Logger
	reg *Registry

	scanWake chan struct{}
	slots    chan struct{}
	// delivering bounds the harvesters that read and hold decoded lines
	// at once (reading into a pooled buffer, handing the lines to the
	// stream, maybe waiting for the queue). Without it every open file
	// holds a read's worth of events while the queue is full: 100 files
	// being read took 330 MiB instead of 40; bounding only the delivery
	// still left a 64 KiB read buffer held by every file being read.
	delivering chan struct{}

	mu        sync.Mutex
	open      map[fileID]*harvester // by native identity of the open fd
	owned     map[string]*harvester // by state id
	byPath    map[string]*harvester
	readOff   map[string]int64 // state id → offset read so far in this process
	trackers  map[string]*tracker
	seen      map[string]seenFile    // path → last scan's facts
	badPaths  map[string]string      // path → last error logged
	corrupt   map[string]corruptMark // read mode: gzip files that failed, by path
	lastSeen  map[string]time.Time   // state id → when a scan last saw its file
	starved   bool
	firstScan bool
	// recovered counts copytruncate recoveries (for tests and logs).
	recovered atomic.Int64
	// scanMu serialises scans and eager looks at created files.
	scanMu sync.Mutex
	wg     sync.WaitGroup
}

type seenFile struct {
	id      fileID
	size    int64
	stateID string
}

// tracker orders the acknowledgements of one state.
type tracker struct {
	pending []*pend
	// complete runs once the committed offset reaches completeAt.
	completeAt int64
	complete   func()
}

type pend struct {
	end  int64
	done bool
}

// New opens the registry and prepares a shipper. A corrupt registry is a
// *CorruptRegistryError.
func New(cfg Config) (*Shipper, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Identity == "" {
		cfg.Identity = IdentityFingerprint
	}
	if cfg.FingerprintLength <= 0 {
		cfg.FingerprintLength = DefaultFingerprintLength
	}
	if cfg.FingerprintLength > maxFingerprintLength {
		return nil, fmt.Errorf("fingerprint length %d is more than %d", cfg.FingerprintLength, maxFingerprintLength)
	}
	if cfg.StatInterval <= 0 {
		cfg.StatInterval = time.Second
	}
	if cfg.DiscoverInterval <= 0 {
		cfg.DiscoverInterval = 15 * time.Second
	}
	if cfg.CloseOlder <= 0 {
		cfg.CloseOlder = time.Hour
	}
	if cfg.MaxOpenFiles <= 0 {
		cfg.MaxOpenFiles = 4095
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 10 << 20
	}
	if cfg.Delimiter == "" {
		cfg.Delimiter = "\n"
	}
	if cfg.RegistryFlushInterval <= 0 {
		cfg.RegistryFlushInterval = time.Second
	}
	if cfg.NewStream == nil {
		return nil, errors.New("BUG: shipper.Config.NewStream is nil")
	}
	for _, p := range append(append([]string(nil), cfg.Paths...), cfg.Exclude...) {
		if err := ValidateGlob(p); err != nil {
			return nil, fmt.Errorf("bad glob %q: %w", p, err)
		}
	}
	reg, err := OpenRegistry(cfg.RegistryPath, cfg.Identity, cfg.FingerprintLength)
	if err != nil {
		return nil, err
	}
	return &Shipper{
		cfg: cfg, log: cfg.Logger, reg: reg,
		scanWake:   make(chan struct{}, 1),
		slots:      make(chan struct{}, cfg.MaxOpenFiles),
		delivering: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		open:       map[fileID]*harvester{},
		owned:      map[string]*harvester{},
		byPath:     map[string]*harvester{},
		readOff:    map[string]int64{},
		trackers:   map[string]*tracker{},
		seen:       map[string]seenFile{},
		badPaths:   map[string]string{},
		corrupt:    map[string]corruptMark{},
		lastSeen:   map[string]time.Time{},
		firstScan:  true,
	}, nil
}

// Registry returns the shipper's registry.
func (s *Shipper) Registry() *Registry { return s.reg }

// OpenFiles returns how many files are open.
func (s *Shipper) OpenFiles() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// reserve registers a pending acknowledgement for state id.
func (s *Shipper) reserve(id string, end int64) func() {
	p := &pend{end: end}
	s.mu.Lock()
	t := s.trackers[id]
	if t == nil {
		t = &tracker{completeAt: -1}
		s.trackers[id] = t
	}
	t.pending = append(t.pending, p)
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { s.ack(id, p) }) }
}

func (s *Shipper) ack(id string, p *pend) {
	s.mu.Lock()
	p.done = true
	t := s.trackers[id]
	if t == nil {
		s.mu.Unlock()
		return
	}
	var off int64 = -1
	n := 0
	for n < len(t.pending) && t.pending[n].done {
		off = t.pending[n].end
		n++
	}
	t.pending = t.pending[n:]
	var complete func()
	if off >= 0 && t.complete != nil && off >= t.completeAt && len(t.pending) == 0 {
		complete, t.complete = t.complete, nil
	}
	s.mu.Unlock()
	if off >= 0 {
		s.reg.update(id, func(st *State) {
			if off > st.Offset {
				st.Offset = off
			}
		})
	}
	if complete != nil {
		complete()
	}
}

// whenAcked runs fn once state id's offset reached end and nothing is
// pending (at once if that is already so).
func (s *Shipper) whenAcked(id string, end int64, fn func()) {
	s.mu.Lock()
	t := s.trackers[id]
	if t == nil || len(t.pending) == 0 {
		s.mu.Unlock()
		if st, ok := s.reg.get(id); ok && st.Offset >= end || !ok {
			fn()
			return
		}
		// Nothing pending but not yet at end: the remaining bytes had no
		// lines to send (e.g. filtered); complete now.
		s.reg.update(id, func(st *State) { st.Offset = max(st.Offset, end) })
		fn()
		return
	}
	t.completeAt, t.complete = end, fn
	s.mu.Unlock()
}

// Run discovers and reads files until ctx ends, then closes every file
// and writes the registry. Acknowledgements that arrive later are saved
// by Flush (call it when the pipeline has drained).
func (s *Shipper) Run(ctx context.Context) error {
	var watch *watcher
	if !s.cfg.DisableNotify {
		w, err := newWatcher(s)
		if err != nil {
			s.log.Warn("file notifications unavailable; polling only", "error", err)
		} else {
			watch = w
			s.wg.Add(1)
			go func() { defer s.wg.Done(); w.run(ctx) }()
		}
	}
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.flushLoop(ctx) }()

	discover := time.NewTicker(s.cfg.DiscoverInterval)
	defer discover.Stop()
	minGap := min(s.cfg.DiscoverInterval, 100*time.Millisecond)
	for {
		dirs := s.scan(ctx)
		if watch != nil {
			watch.watchDirs(dirs)
		}
		gap := time.NewTimer(minGap)
		select {
		case <-ctx.Done():
		case <-gap.C:
		}
		gap.Stop()
		select {
		case <-ctx.Done():
			s.wg.Wait()
			if err := s.reg.Flush(); err != nil {
				s.log.Error("write registry", "error", err)
			}
			return nil
		case <-discover.C:
		case <-s.scanWake:
		}
	}
}

// Flush writes acknowledged offsets to the registry file now.
func (s *Shipper) Flush() error { return s.reg.Flush() }

func (s *Shipper) flushLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.RegistryFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.reg.Flush(); err != nil {
				s.log.Error("write registry", "error", err)
			}
		}
	}
}

// acquireDelivery takes a delivery slot (waiting for one) unless ctx ends.
func (s *Shipper) acquireDelivery(ctx context.Context) error {
	select {
	case s.delivering <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Shipper) releaseDelivery() { <-s.delivering }

// wakeScan asks for a scan soon.
func (s *Shipper) wakeScan() {
	select {
	case s.scanWake <- struct{}{}:
	default:
	}
}

// wakePath wakes the harvester reading path, or asks for a scan.
func (s *Shipper) wakePath(path string) {
	s.mu.Lock()
	h := s.byPath[path]
	s.mu.Unlock()
	if h != nil {
		h.wake()
		return
	}
	s.wakeScan()
}

// notified handles a notification about path.
func (s *Shipper) notified(ctx context.Context, path string, created bool) {
	s.mu.Lock()
	h := s.byPath[path]
	s.mu.Unlock()
	if h != nil {
		h.wake()
		if !created {
			return
		}
	}
	if created || h == nil {
		s.considerNow(ctx, path)
	}
	if created {
		s.wakeScan()
	}
}

// excluded reports whether path is excluded by exclude/exclude_files.
func (s *Shipper) excluded(path string) bool {
	base := filepath.Base(path)
	for _, g := range s.cfg.Exclude {
		if ok, _ := filepath.Match(g, base); ok {
			return true
		}
	}
	for _, re := range s.cfg.ExcludeFiles {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// logBad logs a problem with path once until it changes or goes away.
func (s *Shipper) logBad(path string, err error) {
	msg := err.Error()
	s.mu.Lock()
	same := s.badPaths[path] == msg
	s.badPaths[path] = msg
	s.mu.Unlock()
	if !same {
		s.log.Warn("cannot read file; skipped, will retry", "path", path, "error", err)
	}
}

func (s *Shipper) clearBad(path string) {
	s.mu.Lock()
	delete(s.badPaths, path)
	s.mu.Unlock()
}

// scan expands the globs, starts harvesters for files with unread bytes
// and returns the directories to watch.
func (s *Shipper) scan(ctx context.Context) []string {
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	dirSet := map[string]bool{}
	matched := map[string]bool{}
	var paths []string
	for _, pat := range s.cfg.Paths {
		dirSet[staticPrefix(pat)] = true
		for _, p := range Glob(pat) {
			if matched[p] || s.excluded(p) {
				continue
			}
			matched[p] = true
			paths = append(paths, p)
			dirSet[filepath.Dir(p)] = true
		}
	}
	s.mu.Lock()
	s.starved = false
	first := s.firstScan
	s.firstScan = false
	s.mu.Unlock()
	claimed := map[string]bool{}
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		s.consider(ctx, p, first, claimed, false)
	}
	s.mu.Lock()
	for p := range s.seen {
		if !matched[p] {
			delete(s.seen, p)
		}
	}
	for p := range s.corrupt {
		if !matched[p] {
			delete(s.corrupt, p)
		}
	}
	s.mu.Unlock()
	if s.cfg.CleanRemoved {
		s.cleanRemoved(claimed)
	}
	if s.cfg.CleanAfter > 0 && ctx.Err() == nil { // not after a scan cut short
		s.cleanUnseen(claimed, matched, time.Now())
	}
	dirs := make([]string, 0, len(dirSet))
	for d := range dirSet {
		dirs = append(dirs, d)
	}
	return dirs
}

// consider looks at one matched path.
func (s *Shipper) consider(ctx context.Context, path string, first bool, claimed map[string]bool, eager bool) {
	fi, err := os.Stat(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.logBad(path, err)
		}
		return
	}
	if !isRegular(fi) {
		return
	}
	id := nativeID(fi)
	s.mu.Lock()
	if h := s.open[id]; h != nil {
		s.mu.Unlock()
		h.seenAt(path)
		if fi.Size() != h.knownSize() {
			h.wake()
		}
		return
	}
	prev, wasSeen := s.seen[path]
	bad, isBad := s.corrupt[path]
	s.mu.Unlock()
	if isBad {
		if bad.id == id && bad.size == fi.Size() {
			claimed[bad.stateID] = true
			return // a corrupt gzip file, unchanged: not read again
		}
		s.mu.Lock()
		delete(s.corrupt, path)
		s.mu.Unlock()
	}
	if wasSeen && prev.id == id && prev.size == fi.Size() && prev.stateID != "" {
		claimed[prev.stateID] = true
		return // unchanged since the last look, nothing to read
	}
	if fi.Size() == 0 && !eager {
		return
	}
	if s.cfg.IgnoreOlder > 0 && time.Since(fi.ModTime()) > s.cfg.IgnoreOlder {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.logBad(path, err)
		return
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		s.logBad(path, err)
		return
	}
	s.clearBad(path)
	id = nativeID(fi)
	size := fi.Size()
	s.mu.Lock()
	h := s.open[id]
	s.mu.Unlock()
	if h != nil { // replaced by a file being read, between Stat and Open
		f.Close()
		h.wake()
		return
	}
	stateID, fpLen, fp, err := s.match(f, id, size)
	if err != nil {
		f.Close()
		s.logBad(path, err)
		return
	}
	var start int64
	known := stateID != ""
	s.mu.Lock()
	if known {
		if claimed[stateID] || s.owned[stateID] != nil {
			// Another name of the same file (or a copy with the same
			// fingerprint, e.g. during copytruncate): one reader is enough.
			s.mu.Unlock()
			f.Close()
			return
		}
		st, _ := s.reg.get(stateID)
		start = st.Offset
		if off, ok := s.readOff[stateID]; ok && off > start {
			start = off
		}
		if start > size {
			s.log.Info("file is shorter than its saved offset: truncated while not watched; reading from the start",
				"path", path, "offset", start, "size", size)
			start = 0
		}
	}
	s.mu.Unlock()
	if !known {
		if first && s.cfg.StartAtEnd && !s.reg.Existed() {
			start = size
		}
		stateID = s.reg.add(State{Path: path, Offset: start, Device: id.dev, Inode: id.ino, FPLen: fpLen, FP: fp})
	} else {
		s.reg.update(stateID, func(st *State) {
			st.Path, st.Device, st.Inode = path, id.dev, id.ino
			if s.cfg.Identity == IdentityFingerprint && fpLen > st.FPLen {
				st.FPLen, st.FP = fpLen, fp
			}
		})
	}
	claimed[stateID] = true
	s.mu.Lock()
	s.seen[path] = seenFile{id: id, size: size, stateID: stateID}
	s.mu.Unlock()
	if start >= size && !(eager && size == 0 && !known) {
		f.Close()
		return // nothing new; looked at again when it grows
	}
	select {
	case s.slots <- struct{}{}:
	default:
		s.mu.Lock()
		s.starved = true
		delete(s.seen, path) // look again next time
		s.mu.Unlock()
		f.Close()
		return
	}
	s.start(ctx, f, path, id, stateID, start, fpLen, fp)
}

// considerNow looks at path at once (a notification said it was created
// or written): a file that is created, filled and renamed away between two
// scans (fast size-based rotation) is then still read, through its open
// descriptor.
func (s *Shipper) considerNow(ctx context.Context, path string) {
	if !s.matches(path) {
		return
	}
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	s.consider(ctx, path, false, map[string]bool{}, true)
}

// followRename handles a file renamed from a matched name to one the
// globs do not match (a rotation: app.log → app.log.1). A reader that has
// it open just learns its new name; a file nobody opened yet (created,
// filled and rotated away between two looks) is opened under its new name
// so that its lines are not lost.
func (s *Shipper) followRename(ctx context.Context, from, to string) {
	if s.matches(to) || !s.matches(from) {
		return
	}
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	s.consider(ctx, to, false, map[string]bool{}, false)
}

// matches reports whether path matches a glob and no exclusion.
func (s *Shipper) matches(path string) bool {
	segs := strings.Split(filepath.ToSlash(path), "/")
	for _, pat := range s.cfg.Paths {
		if matchSegs(strings.Split(filepath.ToSlash(pat), "/"), segs) {
			return !s.excluded(path)
		}
	}
	return false
}

// match finds the registry state of the open file f.
func (s *Shipper) match(f *os.File, id fileID, size int64) (stateID string, fpLen int, fp string, err error) {
	if s.cfg.Identity == IdentityNative {
		s.reg.each(func(st *State) {
			if st.Device == id.dev && st.Inode == id.ino {
				stateID = st.ID
			}
		})
		return stateID, 0, "", nil
	}
	prefix, err := readPrefix(f, nil, int(min(size, int64(s.cfg.FingerprintLength))))
	if err != nil {
		return "", 0, "", err
	}
	fpLen, fp = len(prefix), hashHex(prefix)
	hashes := map[int]string{fpLen: fp}
	best := -1
	s.reg.each(func(st *State) {
		if st.FPLen == 0 || st.FPLen > fpLen || st.FPLen <= best {
			return
		}
		h, ok := hashes[st.FPLen]
		if !ok {
			h = hashHex(prefix[:st.FPLen])
			hashes[st.FPLen] = h
		}
		if h == st.FP {
			stateID, best = st.ID, st.FPLen
		}
	})
	return stateID, fpLen, fp, nil
}

// cleanRemoved forgets states whose file is gone from its last path (the
// path no longer exists, or now holds another file) and that no reader
// owns and no acknowledgement waits for.
func (s *Shipper) cleanRemoved(claimed map[string]bool) {
	type cand struct {
		id, path string
		file     fileID
	}
	var gone []cand
	s.reg.each(func(st *State) {
		if !claimed[st.ID] {
			gone = append(gone, cand{st.ID, st.Path, fileID{st.Device, st.Inode}})
		}
	})
	for _, g := range gone {
		s.mu.Lock()
		busy := s.owned[g.id] != nil || (s.trackers[g.id] != nil && len(s.trackers[g.id].pending) > 0)
		s.mu.Unlock()
		if busy {
			continue
		}
		fi, err := os.Stat(g.path)
		if errors.Is(err, os.ErrNotExist) || (err == nil && nativeID(fi) != g.file) {
			s.forget(g.id)
		}
	}
}

// forget drops state id from the registry and the shipper's maps.
func (s *Shipper) forget(id string) {
	s.reg.remove(id)
	s.mu.Lock()
	delete(s.readOff, id)
	delete(s.trackers, id)
	delete(s.lastSeen, id)
	s.mu.Unlock()
}

// cleanUnseen forgets states whose file no scan saw for CleanAfter: not
// claimed by a scan (found by the globs), not present under the path the
// state knows, not owned by a reader and with no acknowledgement pending.
// A state loaded from the registry counts as seen when it was last
// updated.
func (s *Shipper) cleanUnseen(claimed, matched map[string]bool, now time.Time) {
	type cand struct {
		id      string
		updated time.Time
	}
	var cands []cand
	s.reg.each(func(st *State) {
		if claimed[st.ID] || matched[st.Path] {
			cands = append(cands, cand{id: st.ID}) // seen now: zero time marks it
			return
		}
		cands = append(cands, cand{st.ID, st.Updated})
	})
	for _, c := range cands {
		s.mu.Lock()
		if c.updated.IsZero() {
			s.lastSeen[c.id] = now
			s.mu.Unlock()
			continue
		}
		last, ok := s.lastSeen[c.id]
		if !ok {
			last = c.updated
		}
		busy := s.owned[c.id] != nil || (s.trackers[c.id] != nil && len(s.trackers[c.id].pending) > 0)
		s.mu.Unlock()
		if !busy && now.Sub(last) > s.cfg.CleanAfter {
			s.log.Debug("forgetting a file not seen for sincedb_clean_after", "id", c.id, "last_seen", last)
			s.forget(c.id)
		}
	}
}
