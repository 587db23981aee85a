// Package file is the file output: it appends encoded events to files
// whose paths may depend on the event (fields, date).
package file

import (
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindOutput,
		Name:        "file",
		Summary:     "Writes events to files; the path may use event fields and the event's date.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Output{} },
	})
}

const description = `Writes events to files on disk, one JSON document per line by default
(` + "`codec => json_lines`" + `; use ` + "`codec => line { format => \"...\" }`" + ` for another line format).

The path may use event fields and the event's timestamp, for example
` + "`/var/log/sluice/%{[host][name]}/app-%{+yyyy.MM.dd}.log`" + `: directories are created
as needed and files are kept open between writes.

### Path safety

The first directory of the path may not be dynamic (` + "`/%{dir}/x.log`" + ` is refused).
When the path is dynamic, the part before the first ` + "`%{...}`" + ` is the *file root*: an
event whose path leaves it (a field holding ` + "`../`" + `) or cannot be a file name is written to
` + "`filename_failure`" + ` inside the file root instead, with a warning. A relative path is
taken from the working directory at start; a leading ` + "`~/`" + ` is the home directory.

### Delivery and durability

A batch is acknowledged (its events count as delivered) once it has been handed to the
operating system: plain files are written with one system call per file and batch, so
events survive a crash of Sluice as soon as they are acknowledged, but not a crash of the
machine unless ` + "`fsync => true`" + ` (each batch is then synced to disk before it is
acknowledged, at a large cost in throughput). With ` + "`gzip => true`" + `, compressed data stays in
memory until the next flush (every ` + "`flush_interval`" + ` seconds, or every batch when it is 0), so
a crash of Sluice can lose up to ` + "`flush_interval`" + ` seconds of acknowledged events.
If a file cannot be written (disk full, permissions), the batch's events for it are retried.

### Open files

Files not written during one ` + "`stale_cleanup_interval`" + ` are closed, and at most
` + "`max_open_files`" + ` files are open at once (the least recently written is closed first), so
a path with many distinct values cannot exhaust file descriptors. A file that was deleted
or renamed (rotated) while open is re-created at its path on the next write.

### Differences from Logstash

- ` + "`file_mode`" + ` and ` + "`dir_mode`" + ` are read as octal, as written (` + "`0640`" + `); Logstash reads
  them as decimal numbers, so configurations that worked around that (` + "`file_mode => 416`" + `)
  must be written in octal. Explicit modes are applied exactly (not reduced by the umask)
  to the files and directories this output creates.
- ` + "`fsync`" + ` and ` + "`max_open_files`" + ` are Sluice additions.
- Plain files are written at every batch (` + "`flush_interval`" + ` only matters for gzip), and
  stale files are closed on a timer rather than only when events arrive.
- A file replaced at its path (rotation by rename) is followed, not only a deleted one.
- The failure file is always appended to, even with ` + "`write_behavior => overwrite`" + `.
`

// Output is the file output.
type Output struct {
	Path                 string
	Codec                plugin.Codec
	CreateIfDeleted      bool
	DirMode              string
	FileMode             string
	FilenameFailure      string
	FlushInterval        time.Duration
	Gzip                 bool
	StaleCleanupInterval time.Duration
	WriteBehavior        string
	Fsync                bool
	MaxOpenFiles         int

	logger      *slog.Logger
	tpl         *event.Template
	staticPath  string // the path when it has no references
	root        string // file root: events may not leave it
	failurePath string
	dirMode     os.FileMode
	dirModeSet  bool
	fileMode    os.FileMode
	fileModeSet bool
	overwrite   bool

	batches sync.Pool // *batch

	mu     sync.Mutex // guards everything below and every openFile
	files  map[string]*openFile
	lru    openFile // sentinel of the list of open files, most recent first
	closed bool

	stop chan struct{}
	done chan struct{}
}

var (
	_ plugin.Output      = (*Output)(nil)
	_ plugin.Initializer = (*Output)(nil)
	_ plugin.Closer      = (*Output)(nil)
)

// Settings declares the options.
func (o *Output) Settings(s *plugin.Settings) {
	s.String(&o.Path, "path", "The file to write. May use event fields (`%{[host][name]}`) and the event's date "+
		"(`%{+yyyy.MM.dd}`); the first directory may not be dynamic.").
		Required().Example(`"/var/log/sluice/%{[service][name]}-%{+yyyy.MM.dd}.log"`)
	s.Codec(&o.Codec, "codec", "How events are written.").Default("json_lines").Example(`line { format => "%{message}" }`)
	s.Bool(&o.CreateIfDeleted, "create_if_deleted", "Re-create a file that was deleted while open. When false, "+
		"events whose file does not exist (deleted, or never created) are written to the failure file instead.").Default(true)
	s.String(&o.DirMode, "dir_mode", "Permissions of the directories this output creates, in octal (`0750`); "+
		"-1 uses the system default (0777 less the umask).").Default("-1").Example("0750")
	s.String(&o.FileMode, "file_mode", "Permissions of the files this output creates, in octal (`0640`); "+
		"-1 uses the system default (0666 less the umask).").Default("-1").Example("0640")
	s.String(&o.FilenameFailure, "filename_failure", "Name of the file, inside the file root, that receives "+
		"events whose path is invalid or leaves the file root.").Default("_filepath_failures")
	s.Seconds(&o.FlushInterval, "flush_interval", "With gzip, how often (in seconds) compressed data is flushed "+
		"to the file; 0 flushes at every batch. Plain files are written at every batch.").Default(2 * time.Second)
	s.Bool(&o.Gzip, "gzip", "Compress the files with gzip. Each time a file is opened a new gzip member is "+
		"appended; the result is a valid (multi-member) gzip file.").Default(false)
	s.Seconds(&o.StaleCleanupInterval, "stale_cleanup_interval", "How often (in seconds) files that were not "+
		"written since the previous cleanup are closed; 0 disables the cleanup.").Default(10 * time.Second)
	s.String(&o.WriteBehavior, "write_behavior", "`append` adds events at the end of the file; `overwrite` "+
		"truncates the file at each batch so that it holds only the last event written to it.").
		Enum("append", "overwrite").Default("append")
	s.Bool(&o.Fsync, "fsync", "Sync each file to disk before a batch is acknowledged, so that acknowledged "+
		"events survive a machine crash (slow). Sluice addition.").Default(false)
	s.Int(&o.MaxOpenFiles, "max_open_files", "The most files kept open at once; beyond it the least recently "+
		"written is closed. Sluice addition.").Default(1000)
}

// fieldRef matches a sprintf reference, as Logstash does for the path
// checks.
var fieldRef = regexp.MustCompile(`%\{[^}]+\}`)

// Init checks the path and starts the flush and cleanup timer.
func (o *Output) Init(ctx *plugin.Context) error {
	o.logger = ctx.Logger
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.Codec == nil {
		return errors.New("no codec")
	}
	var err error
	if o.dirMode, o.dirModeSet, err = parseMode(o.DirMode); err != nil {
		return fmt.Errorf("dir_mode: %w", err)
	}
	if o.fileMode, o.fileModeSet, err = parseMode(o.FileMode); err != nil {
		return fmt.Errorf("file_mode: %w", err)
	}
	if o.MaxOpenFiles < 1 {
		return fmt.Errorf("max_open_files must be at least 1, got %d", o.MaxOpenFiles)
	}
	if o.FilenameFailure == "" || strings.ContainsRune(o.FilenameFailure, 0) || fieldRef.MatchString(o.FilenameFailure) {
		return fmt.Errorf("filename_failure must be a plain file name, got %q", o.FilenameFailure)
	}
	o.overwrite = o.WriteBehavior == "overwrite"

	path, err := expandPath(o.Path)
	if err != nil {
		return err
	}
	parts := strings.Split(path, string(filepath.Separator))
	var first string
	for _, p := range parts {
		if p != "" {
			first = p
			break
		}
	}
	if first == "" {
		return fmt.Errorf("path %q names no file", o.Path)
	}
	if fieldRef.MatchString(first) {
		return fmt.Errorf("path %q: the first directory may not be dynamic (it would let events write anywhere)", path)
	}
	if o.tpl, err = event.ParseTemplate(path); err != nil {
		return fmt.Errorf("path: %w", err)
	}
	if o.tpl.IsStatic() {
		o.staticPath = o.tpl.Render(event.New())
		o.root = filepath.Dir(o.staticPath)
	} else {
		var fixed []string
		for _, p := range parts {
			if fieldRef.MatchString(p) {
				break
			}
			fixed = append(fixed, p)
		}
		o.root = strings.Join(fixed, string(filepath.Separator))
	}
	o.failurePath = filepath.Join(o.root, o.FilenameFailure)

	o.files = map[string]*openFile{}
	o.lru.next, o.lru.prev = &o.lru, &o.lru
	o.stop = make(chan struct{})
	o.done = make(chan struct{})
	go o.timers()
	return nil
}

// expandPath makes p absolute as Ruby's File.expand_path does: a leading
// ~ is the home directory, a relative path is taken from the working
// directory, and . and .. are resolved.
func expandPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("path %q: %w", p, err)
		}
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("path %q: %w", p, err)
		}
		p = filepath.Join(wd, p)
	}
	return filepath.Clean(p), nil
}

// parseMode reads a permission in octal ("0640", "640", "0o640"); "-1"
// means the system default.
func parseMode(s string) (os.FileMode, bool, error) {
	s = strings.TrimSpace(s)
	if s == "-1" || s == "" {
		return 0, false, nil
	}
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O")
	n, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || n > 0o7777 {
		return 0, false, fmt.Errorf("%q is not an octal permission such as 0640 (or -1 for the default)", s)
	}
	mode := os.FileMode(n & 0o777)
	if n&0o4000 != 0 {
		mode |= os.ModeSetuid
	}
	if n&0o2000 != 0 {
		mode |= os.ModeSetgid
	}
	if n&0o1000 != 0 {
		mode |= os.ModeSticky
	}
	return mode, true, nil
}

// batch groups one Write call's encoded events by file. Batches are
// pooled with their buffers.
type batch struct {
	groups  []group
	index   map[string]int
	scratch []byte
}

type group struct {
	path      string
	buf       []byte
	lastStart int   // where the last event starts (write_behavior overwrite)
	idx       []int // indexes of the events, for retries
}

// maxPooled keeps huge batches from pinning their buffers.
const maxPooled = 4 << 20

func (o *Output) getBatch() *batch {
	if b, _ := o.batches.Get().(*batch); b != nil {
		return b
	}
	return &batch{index: map[string]int{}}
}

func (o *Output) putBatch(b *batch) {
	size := cap(b.scratch)
	for i := range b.groups {
		g := &b.groups[i]
		size += cap(g.buf)
		g.buf, g.idx, g.path = g.buf[:0], g.idx[:0], ""
	}
	if size > maxPooled || len(b.groups) > 64 {
		return
	}
	b.groups = b.groups[:0]
	clear(b.index)
	b.scratch = b.scratch[:0]
	o.batches.Put(b)
}

// group returns the group for the event's path, creating it (and checking
// the path) on first use.
func (o *Output) group(b *batch, e *event.Event) *group {
	var key string
	if o.staticPath != "" {
		key = o.staticPath
	} else {
		b.scratch = o.tpl.AppendTo(b.scratch[:0], e)
		if i, ok := b.index[string(b.scratch)]; ok {
			return &b.groups[i]
		}
		key = string(b.scratch)
	}
	if i, ok := b.index[key]; ok {
		return &b.groups[i]
	}
	path := key
	if o.staticPath == "" {
		path = o.checkPath(key)
	}
	// Several rendered paths may lead to one file.
	for i := range b.groups {
		if b.groups[i].path == path {
			b.index[key] = i
			return &b.groups[i]
		}
	}
	if len(b.groups) < cap(b.groups) {
		b.groups = b.groups[:len(b.groups)+1]
	} else {
		b.groups = append(b.groups, group{})
	}
	g := &b.groups[len(b.groups)-1]
	g.path = path
	b.index[key] = len(b.groups) - 1
	return g
}

// checkPath returns the cleaned path, or the failure path when the path
// leaves the file root or cannot name a file.
func (o *Output) checkPath(p string) string {
	clean := filepath.Clean(p)
	if strings.IndexByte(clean, 0) >= 0 || !strings.HasPrefix(clean, o.root+string(filepath.Separator)) {
		o.logger.Warn("file: event path is outside the file root; writing to the failure file",
			"path", p, "root", o.root, "failure_file", o.failurePath)
		return o.failurePath
	}
	return clean
}

// Write encodes the events (outside any lock), then writes each file's
// share with one write.
func (o *Output) Write(_ context.Context, events []*event.Event) error {
	b := o.getBatch()
	defer o.putBatch(b)
	for i, e := range events {
		g := o.group(b, e)
		start := len(g.buf)
		var err error
		g.buf, err = o.Codec.Encode(g.buf, e)
		if err != nil {
			g.buf = g.buf[:start]
			o.logger.Error("file: cannot encode event; skipped", "error", err)
			continue
		}
		g.lastStart = start
		g.idx = append(g.idx, i)
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return errors.New("file: output is closed")
	}
	var failed []int
	var firstErr error
	for i := range b.groups {
		g := &b.groups[i]
		if len(g.idx) == 0 {
			continue
		}
		if err := o.writeGroup(g); err != nil {
			o.logger.Error("file: write failed; the events will be retried", "path", g.path, "error", err)
			failed = append(failed, g.idx...)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if failed != nil {
		return &plugin.BatchError{Failed: failed, Err: fmt.Errorf("file: %w", firstErr)}
	}
	return nil
}

// writeGroup writes one file's data. o.mu is held.
func (o *Output) writeGroup(g *group) error {
	path := g.path
	of, err := o.acquire(path)
	if err != nil && path != o.failurePath && isBadPath(err) {
		o.logger.Warn("file: cannot use the event path; writing to the failure file",
			"path", path, "error", err, "failure_file", o.failurePath)
		path = o.failurePath
		of, err = o.acquire(path)
	}
	if err != nil {
		return err
	}
	data := g.buf
	overwrite := o.overwrite && path != o.failurePath
	if overwrite {
		data = g.buf[g.lastStart:]
	}
	if err := of.write(data, overwrite); err != nil {
		o.closeFile(of) // a broken handle is reopened next time
		return fmt.Errorf("write %s: %w", of.path, err)
	}
	if of.gz != nil && (o.FlushInterval == 0 || o.Fsync) {
		if err := of.flush(); err != nil {
			o.closeFile(of)
			return fmt.Errorf("flush %s: %w", of.path, err)
		}
	}
	if o.Fsync {
		if err := of.f.Sync(); err != nil {
			o.closeFile(of)
			return fmt.Errorf("fsync %s: %w", of.path, err)
		}
	}
	return nil
}

// isBadPath reports errors that come from the path itself (retrying will
// not help): such events go to the failure file.
func isBadPath(err error) bool {
	for _, e := range []error{syscall.ENAMETOOLONG, syscall.EISDIR, syscall.ENOTDIR, syscall.EINVAL, syscall.ELOOP} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// openFile is an open output file, in the LRU list. All fields are
// guarded by Output.mu.
type openFile struct {
	path       string
	f          *os.File
	info       os.FileInfo // identity at open, to notice deletion and rotation
	gz         *gzip.Writer
	gzOpen     bool // a gzip member is in progress (needs a trailer)
	dirty      bool // gzip data not flushed yet
	active     bool // written since the last stale cleanup
	prev, next *openFile
}

func (f *openFile) write(p []byte, overwrite bool) error {
	f.active = true
	if overwrite {
		if err := f.f.Truncate(0); err != nil {
			return err
		}
		if f.gz == nil {
			_, err := f.f.Write(p)
			return err
		}
		// A complete gzip member: the file is valid after every batch.
		f.gz.Reset(f.f)
		if _, err := f.gz.Write(p); err != nil {
			return err
		}
		f.gzOpen = false
		return f.gz.Close()
	}
	if f.gz == nil {
		_, err := f.f.Write(p)
		return err
	}
	if !f.gzOpen {
		f.gz.Reset(f.f)
		f.gzOpen = true
	}
	f.dirty = true
	_, err := f.gz.Write(p)
	return err
}

func (f *openFile) flush() error {
	if !f.dirty {
		return nil
	}
	f.dirty = false
	return f.gz.Flush()
}

// acquire returns the open file for path, opening it if needed. A cached
// handle whose file was deleted or replaced is closed and the path
// reopened (or, without create_if_deleted, the failure file is used).
// o.mu is held.
func (o *Output) acquire(path string) (*openFile, error) {
	fi, statErr := os.Stat(path)
	exists := statErr == nil
	if of := o.files[path]; of != nil {
		if exists && os.SameFile(fi, of.info) {
			o.touch(of)
			return of, nil
		}
		o.logger.Info("file: file deleted or replaced while open; reopening", "path", path)
		o.closeFile(of)
	}
	if !exists && !o.CreateIfDeleted && path != o.failurePath {
		o.logger.Warn("file: file does not exist and create_if_deleted is false; writing to the failure file",
			"path", path, "failure_file", o.failurePath)
		return o.acquire(o.failurePath)
	}
	return o.open(path, !exists)
}

// open opens path for appending, creating its directories. o.mu is held.
func (o *Output) open(path string, create bool) (*openFile, error) {
	for len(o.files) >= o.MaxOpenFiles {
		o.closeFile(o.lru.prev)
	}
	perm := os.FileMode(0o666)
	if o.fileModeSet {
		perm = o.fileMode
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, perm)
	if errors.Is(err, fs.ErrNotExist) {
		if err := o.mkdirAll(filepath.Dir(path)); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, perm)
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && create && o.fileModeSet {
		err = f.Chmod(o.fileMode) // exactly the mode asked for, whatever the umask
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	o.logger.Debug("file: opened", "path", path)
	of := &openFile{path: path, f: f, info: info}
	if o.Gzip {
		of.gz = gzip.NewWriter(f)
		of.gzOpen = true
	}
	o.files[path] = of
	o.pushFront(of)
	return of, nil
}

// mkdirAll creates dir and its missing parents with dir_mode.
func (o *Output) mkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if fi.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := o.mkdirAll(parent); err != nil {
			return err
		}
	}
	perm := os.FileMode(0o777)
	if o.dirModeSet {
		perm = o.dirMode
	}
	if err := os.Mkdir(dir, perm); err != nil {
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return nil // created meanwhile by someone else
		}
		return err
	}
	if o.dirModeSet {
		if err := os.Chmod(dir, o.dirMode); err != nil {
			return err
		}
	}
	o.logger.Info("file: created directory", "path", dir)
	return nil
}

// closeFile flushes and closes of and forgets it. o.mu is held.
func (o *Output) closeFile(of *openFile) {
	var err error
	if of.gz != nil && of.gzOpen {
		err = of.gz.Close()
	}
	if cerr := of.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		o.logger.Error("file: error closing file", "path", of.path, "error", err)
	}
	delete(o.files, of.path)
	of.prev.next, of.next.prev = of.next, of.prev
	of.prev, of.next = nil, nil
}

func (o *Output) pushFront(of *openFile) {
	of.prev, of.next = &o.lru, o.lru.next
	o.lru.next.prev = of
	o.lru.next = of
}

func (o *Output) touch(of *openFile) {
	if o.lru.next == of {
		return
	}
	of.prev.next, of.next.prev = of.next, of.prev
	o.pushFront(of)
}

// timers flushes gzip data every flush_interval and closes stale files
// every stale_cleanup_interval, until Close.
func (o *Output) timers() {
	defer close(o.done)
	var flushC, staleC <-chan time.Time
	if o.Gzip && o.FlushInterval > 0 {
		t := time.NewTicker(o.FlushInterval)
		defer t.Stop()
		flushC = t.C
	}
	if o.StaleCleanupInterval > 0 {
		t := time.NewTicker(o.StaleCleanupInterval)
		defer t.Stop()
		staleC = t.C
	}
	for {
		select {
		case <-o.stop:
			return
		case <-flushC:
			o.flushAll()
		case <-staleC:
			o.closeStale()
		}
	}
}

func (o *Output) flushAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for of := o.lru.next; of != &o.lru; {
		next := of.next
		if err := of.flush(); err != nil {
			o.logger.Error("file: flush failed", "path", of.path, "error", err)
			o.closeFile(of)
		}
		of = next
	}
}

func (o *Output) closeStale() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for of := o.lru.next; of != &o.lru; {
		next := of.next
		if !of.active {
			o.logger.Debug("file: closing stale file", "path", of.path)
			o.closeFile(of)
		} else {
			of.active = false
		}
		of = next
	}
}

// Close flushes and closes every file.
func (o *Output) Close() error {
	if o.stop == nil {
		return nil // Init did not get that far
	}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	close(o.stop)
	o.mu.Unlock()
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.lru.next != &o.lru {
		o.closeFile(o.lru.next)
	}
	return nil
}

// openFiles returns how many files are open (for tests).
func (o *Output) openFiles() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.files)
}
