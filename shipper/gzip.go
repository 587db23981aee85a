package shipper

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Read mode decompresses gzip files (as Logstash's read mode does): their
// lines are read in one pass from the decompressed stream. A compressed
// stream cannot be entered in the middle, so the registry records nothing
// for such a file until every one of its lines was acknowledged; then its
// offset becomes the file's (compressed) size and the file is complete. A
// file whose reading was interrupted (shutdown, crash) is read again from
// its beginning at the next start: at-least-once, with the lines sent
// before the interruption sent twice.

// gzipMagic begins every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// isGzipName reports whether the file's name says it is gzip-compressed.
func isGzipName(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".gzip")
}

// isGzip reports whether f is to be read as gzip: its name ends in .gz or
// .gzip (a file so named that is not gzip is reported as corrupt), or its
// first bytes are gzip's magic number.
func isGzip(f *os.File, path string) bool {
	if isGzipName(path) {
		return true
	}
	head, err := readPrefix(f, nil, len(gzipMagic))
	return err == nil && bytes.Equal(head, gzipMagic)
}

// gzLines decompresses a gzip stream (members concatenated as gzip(1)
// writes them are one stream) and frames its lines. Offsets are positions
// in the decompressed bytes.
type gzLines struct {
	zr  *gzip.Reader
	br  *bufio.Reader
	fr  *framer
	off int64 // decompressed bytes read so far
	err error
}

func newGzLines(r io.Reader, fr *framer) *gzLines {
	return &gzLines{br: bufio.NewReaderSize(r, 32<<10), fr: fr}
}

// next decompresses up to len(buf) bytes into buf and appends the lines
// they complete to dst. At the end of the stream it returns io.EOF (the
// framer may still hold a last line without a delimiter); any other error
// means the data is not valid gzip.
func (g *gzLines) next(buf []byte, dst []Line) ([]Line, error) {
	if g.err != nil {
		return dst, g.err
	}
	if g.zr == nil {
		zr, err := gzip.NewReader(g.br)
		if err != nil {
			g.err = gzError(err)
			return dst, g.err
		}
		g.zr = zr
	}
	n := 0
	var err error
	for n < len(buf) && err == nil {
		var k int
		k, err = g.zr.Read(buf[n:])
		n += k
	}
	if n > 0 {
		dst = g.fr.feed(dst, buf[:n], g.off)
		g.off += int64(n)
	}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		g.err = io.EOF
	default:
		g.err = gzError(err)
	}
	return dst, g.err
}

func gzError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("gzip: the compressed data ends too early (truncated file)")
	}
	return err
}

// CorruptGzipError reports a gzip file that could not be decompressed to
// its end. The lines before the damage were sent; the file is not
// completed (no file_completed_action) and is read again once it changes.
type CorruptGzipError struct {
	Path string
	Err  error
}

func (e *CorruptGzipError) Error() string {
	return fmt.Sprintf("cannot decompress %s: %v", e.Path, e.Err)
}

func (e *CorruptGzipError) Unwrap() error { return e.Err }

// corruptMark remembers a gzip file that failed, so that it is not read
// again (sending its first lines again) until it changes.
type corruptMark struct {
	id      fileID
	size    int64
	stateID string
}

// readGzip reads the whole gzip file (read mode), then, once every line
// was acknowledged, records it as complete.
func (h *harvester) readGzip(ctx context.Context) {
	stream := h.stream
	path := h.currentPath()
	fi, err := h.f.Stat()
	if err != nil {
		h.s.log.Warn("read error; closing the file, will retry", "path", path, "error", err)
		return
	}
	size := fi.Size()
	g := newGzLines(io.NewSectionReader(h.f, 0, size), h.fr)
	for ctx.Err() == nil {
		err = h.readGzipOnce(ctx, stream, g)
		if err != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return // read again from the start at the next run
	}
	if !errors.Is(err, io.EOF) {
		cerr := &CorruptGzipError{Path: path, Err: err}
		h.s.log.Error("gzip file is corrupt: the lines before the damage were sent; the file is not completed and is read again once it changes",
			"path", path, "error", cerr)
		h.finish(ctx, stream)
		h.s.mu.Lock()
		h.s.corrupt[path] = corruptMark{id: h.id, size: size, stateID: h.stateID}
		h.s.mu.Unlock()
		return
	}
	h.finish(ctx, stream)
	id := h.stateID
	h.s.mu.Lock()
	h.s.readOff[id] = size // read: not to be read again by this process
	h.s.mu.Unlock()
	h.s.whenAcked(id, 0, func() {
		h.s.reg.update(id, func(st *State) { st.Offset = max(st.Offset, size) })
		if h.s.cfg.OnComplete != nil {
			h.s.cfg.OnComplete(path)
		}
	})
}

// readGzipOnce decompresses the next bytes and delivers their lines, under
// a delivery slot (as readOnce).
func (h *harvester) readGzipOnce(ctx context.Context, stream Stream, g *gzLines) error {
	if err := h.s.acquireDelivery(ctx); err != nil {
		return err
	}
	defer h.s.releaseDelivery()
	rb := readBufs.Get().(*readBuf)
	defer putReadBuf(rb)
	var err error
	rb.lines, err = g.next(rb.data, rb.lines[:0])
	h.off = g.off // for the partial last line's end
	if len(rb.lines) > 0 {
		if derr := stream.Lines(ctx, rb.lines); derr != nil {
			return derr
		}
	}
	return err
}
