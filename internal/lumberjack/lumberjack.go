// Package lumberjack reads and writes the frames of the Lumberjack
// protocol, versions 1 and 2: the protocol Beats (Filebeat's Logstash
// output), logstash-forwarder and python-logstash-async's Beats transport
// speak to a Logstash beats input.
//
// A frame starts with a version byte ('1' or '2') and a type byte; numbers
// are 32-bit unsigned big-endian:
//
//	W  window size:  count                       (writer → reader)
//	J  JSON data:    seq, length, JSON document  (v2)
//	D  data:         seq, pair count, then per pair key length, key,
//	                 value length, value           (v1)
//	C  compressed:   length, zlib stream of whole frames
//	A  acknowledge:  seq                          (reader → writer)
//
// A writer announces a window of N data frames, sends them, and waits for
// an ACK carrying the sequence number of the last one. The Decoder reads
// the writer's frames with limits on every length it is told, so that a
// hostile or broken peer cannot make it allocate without bound.
package lumberjack

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
)

// Frame type bytes.
const (
	TypeWindow     = 'W'
	TypeJSON       = 'J'
	TypeData       = 'D'
	TypeCompressed = 'C'
	TypeACK        = 'A'
)

// Version bytes.
const (
	V1 = '1'
	V2 = '2'
)

// Limits bound what the Decoder accepts. Zero fields take the defaults.
type Limits struct {
	// MaxPayload bounds one data frame: a J frame's JSON document, or the
	// sum of a D frame's keys and values (default 16 MiB).
	MaxPayload int
	// MaxPairs bounds the key/value pairs of one D frame (default 65536).
	MaxPairs int
	// MaxCompressed bounds the inflated size of one C frame (default
	// 256 MiB). The compressed bytes are inflated as they are read, never
	// held whole, so this bounds work, not memory.
	MaxCompressed int64
}

const (
	defaultMaxPayload    = 16 << 20
	defaultMaxPairs      = 1 << 16
	defaultMaxCompressed = 256 << 20
	// Payload buffers grow in steps of at most growStep as bytes arrive,
	// so that a length field alone never makes the decoder allocate.
	growStep = 64 << 10
	// keepBuf is the largest payload buffer kept between frames.
	keepBuf = 1 << 20
)

// Frame is one decoded frame. Its byte slices are valid until the next
// call to Next.
type Frame struct {
	Version byte
	Type    byte
	// Seq is the sequence number of a data frame (J, D).
	Seq uint32
	// Window is the window size of a W frame.
	Window uint32
	// JSON is the document of a J frame.
	JSON []byte
	// Pairs are the key/value pairs of a D frame.
	Pairs []Pair
	// Compressed reports whether the frame came inside a C frame.
	Compressed bool
}

// Pair is one key/value pair of a v1 data frame.
type Pair struct{ Key, Value []byte }

// Error is a protocol violation by the peer. Its message says what was
// wrong, for the log line that closes the connection.
type Error struct{ Msg string }

func (e *Error) Error() string { return "lumberjack: " + e.Msg }

func protoErr(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Decoder reads frames from a stream. C frames are expanded: Next returns
// the frames inside them, with Compressed set. It is not safe for
// concurrent use.
type Decoder struct {
	lim  Limits
	base *bufio.Reader

	// Inside a C frame: the inflating reader and what feeds it.
	in       *bufio.Reader
	zr       io.ReadCloser
	zsrc     limitedReader  // the compressed bytes, from base
	inflated countingReader // what zr produced, bounded

	hdr   [8]byte
	buf   []byte
	pairs []Pair
	frame Frame
}

// NewDecoder returns a decoder reading r (buffer it, or give a
// *bufio.Reader).
func NewDecoder(r io.Reader, lim Limits) *Decoder {
	if lim.MaxPayload <= 0 {
		lim.MaxPayload = defaultMaxPayload
	}
	if lim.MaxPairs <= 0 {
		lim.MaxPairs = defaultMaxPairs
	}
	if lim.MaxCompressed <= 0 {
		lim.MaxCompressed = defaultMaxCompressed
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Decoder{lim: lim, base: br}
}

// InFrame reports whether the decoder stopped inside a compressed frame
// (so an end of stream now cuts a frame).
func (d *Decoder) InFrame() bool { return d.in != nil }

// Next returns the next W, J or D frame. It returns io.EOF when the
// stream ends cleanly between frames, io.ErrUnexpectedEOF when it ends
// inside one, an *Error when the peer broke the protocol, or the
// reader's error.
func (d *Decoder) Next() (*Frame, error) {
	for {
		r := d.base
		compressed := d.in != nil
		if compressed {
			r = d.in
		}
		if _, err := io.ReadFull(r, d.hdr[:2]); err != nil {
			if compressed && err == io.EOF {
				if err := d.endCompressed(); err != nil {
					return nil, err
				}
				continue
			}
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, d.readErr(err, "frame header")
		}
		version, typ := d.hdr[0], d.hdr[1]
		if version != V1 && version != V2 {
			return nil, protoErr("unsupported protocol version byte %s (want '1' or '2'); not a Beats/Lumberjack client?", quoteByte(version))
		}
		f := &d.frame
		*f = Frame{Version: version, Type: typ, Compressed: compressed}
		switch typ {
		case TypeWindow:
			n, err := d.uint32(r, "window size")
			if err != nil {
				return nil, err
			}
			f.Window = n
			return f, nil
		case TypeJSON:
			seq, err := d.uint32(r, "sequence number")
			if err != nil {
				return nil, err
			}
			n, err := d.uint32(r, "JSON length")
			if err != nil {
				return nil, err
			}
			if int64(n) > int64(d.lim.MaxPayload) {
				return nil, protoErr("JSON frame of %d bytes exceeds the limit of %d bytes", n, d.lim.MaxPayload)
			}
			if err := d.readPayload(r, int(n), "JSON document"); err != nil {
				return nil, err
			}
			f.Seq, f.JSON = seq, d.buf
			return f, nil
		case TypeData:
			seq, err := d.uint32(r, "sequence number")
			if err != nil {
				return nil, err
			}
			if err := d.readPairs(r); err != nil {
				return nil, err
			}
			f.Seq, f.Pairs = seq, d.pairs
			return f, nil
		case TypeCompressed:
			if compressed {
				return nil, protoErr("compressed frame inside a compressed frame")
			}
			n, err := d.uint32(r, "compressed length")
			if err != nil {
				return nil, err
			}
			if int64(n) > d.lim.MaxCompressed {
				return nil, protoErr("compressed frame of %d bytes exceeds the limit of %d bytes", n, d.lim.MaxCompressed)
			}
			if err := d.startCompressed(int64(n)); err != nil {
				return nil, err
			}
		case TypeACK:
			return nil, protoErr("unexpected ACK frame from the client")
		default:
			return nil, protoErr("unknown frame type %s", quoteByte(typ))
		}
	}
}

func (d *Decoder) uint32(r *bufio.Reader, what string) (uint32, error) {
	if _, err := io.ReadFull(r, d.hdr[:4]); err != nil {
		return 0, d.readErr(err, what)
	}
	return binary.BigEndian.Uint32(d.hdr[:4]), nil
}

// readErr turns an end of stream inside a frame into io.ErrUnexpectedEOF
// and inflate failures into protocol errors.
func (d *Decoder) readErr(err error, what string) error {
	var ce flate.CorruptInputError
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if d.in != nil {
			return protoErr("compressed frame ends inside a frame (reading %s)", what)
		}
		return io.ErrUnexpectedEOF
	case errors.Is(err, errInflateLimit):
		return protoErr("compressed frame inflates to more than %d bytes", d.lim.MaxCompressed)
	case errors.As(err, &ce), errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrDictionary):
		return protoErr("bad compressed data (reading %s): %v", what, err)
	}
	return fmt.Errorf("lumberjack: read %s: %w", what, err)
}

// readPayload reads n bytes into d.buf, growing it as bytes arrive.
func (d *Decoder) readPayload(r *bufio.Reader, n int, what string) error {
	if cap(d.buf) > keepBuf && n <= keepBuf {
		d.buf = nil
	}
	d.buf = d.buf[:0]
	for len(d.buf) < n {
		if len(d.buf) == cap(d.buf) {
			d.buf = slices.Grow(d.buf, min(n-len(d.buf), max(len(d.buf), growStep)))
		}
		end := min(n, cap(d.buf))
		m, err := io.ReadFull(r, d.buf[len(d.buf):end])
		d.buf = d.buf[:len(d.buf)+m]
		if err != nil {
			return d.readErr(err, what)
		}
	}
	return nil
}

func (d *Decoder) readPairs(r *bufio.Reader) error {
	count, err := d.uint32(r, "pair count")
	if err != nil {
		return err
	}
	if int64(count) > int64(d.lim.MaxPairs) {
		return protoErr("data frame with %d pairs exceeds the limit of %d", count, d.lim.MaxPairs)
	}
	// Read every key and value into d.buf, then slice it: the slices must
	// be made after the buffer stopped moving.
	d.buf = d.buf[:0]
	type span struct{ k0, k1, v1 int }
	spans := make([]span, 0, min(int(count), 64))
	total := 0
	for range count {
		var s span
		for i := range 2 {
			n, err := d.uint32(r, "pair length")
			if err != nil {
				return err
			}
			total += int(n)
			if int64(n) > int64(d.lim.MaxPayload) || total > d.lim.MaxPayload {
				return protoErr("data frame larger than the limit of %d bytes", d.lim.MaxPayload)
			}
			start := len(d.buf)
			if err := d.appendN(r, int(n)); err != nil {
				return err
			}
			if i == 0 {
				s.k0, s.k1 = start, len(d.buf)
			} else {
				s.v1 = len(d.buf)
			}
		}
		spans = append(spans, s)
	}
	d.pairs = d.pairs[:0]
	for _, s := range spans {
		d.pairs = append(d.pairs, Pair{Key: d.buf[s.k0:s.k1:s.k1], Value: d.buf[s.k1:s.v1:s.v1]})
	}
	return nil
}

// appendN appends n bytes from r to d.buf, growing it as bytes arrive.
func (d *Decoder) appendN(r *bufio.Reader, n int) error {
	want := len(d.buf) + n
	for len(d.buf) < want {
		if len(d.buf) == cap(d.buf) {
			d.buf = slices.Grow(d.buf, min(want-len(d.buf), max(len(d.buf), growStep)))
		}
		end := min(want, cap(d.buf))
		m, err := io.ReadFull(r, d.buf[len(d.buf):end])
		d.buf = d.buf[:len(d.buf)+m]
		if err != nil {
			return d.readErr(err, "data frame pair")
		}
	}
	return nil
}

var errInflateLimit = errors.New("inflate limit")

// limitedReader is io.LimitedReader over a bufio.Reader that is also an
// io.ByteReader, so that the inflater reads exactly the compressed bytes
// and needs no buffer of its own.
type limitedReader struct {
	r *bufio.Reader
	N int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.N <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.N {
		p = p[:l.N]
	}
	n, err := l.r.Read(p)
	l.N -= int64(n)
	return n, err
}

func (l *limitedReader) ReadByte() (byte, error) {
	if l.N <= 0 {
		return 0, io.EOF
	}
	b, err := l.r.ReadByte()
	if err == nil {
		l.N--
	}
	return b, err
}

// countingReader fails once more than max bytes were read through it.
type countingReader struct {
	r        io.Reader
	n, limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, errInflateLimit
	}
	return n, err
}

func (d *Decoder) startCompressed(n int64) error {
	d.zsrc = limitedReader{r: d.base, N: n}
	var err error
	if d.zr == nil {
		d.zr, err = zlib.NewReader(&d.zsrc)
	} else {
		err = d.zr.(zlib.Resetter).Reset(&d.zsrc, nil)
	}
	if err != nil {
		return d.readErr(err, "compressed frame header")
	}
	d.inflated = countingReader{r: d.zr, limit: d.lim.MaxCompressed}
	if d.in == nil {
		d.in = bufio.NewReaderSize(&d.inflated, 32<<10)
	} else {
		d.in.Reset(&d.inflated)
	}
	return nil
}

// endCompressed is called when the inflated stream ended between frames:
// the rest of the compressed bytes (zlib trailer padding) is skipped.
func (d *Decoder) endCompressed() error {
	if d.zsrc.N > 0 {
		if _, err := io.Copy(io.Discard, &d.zsrc); err != nil {
			return fmt.Errorf("lumberjack: read compressed frame: %w", err)
		}
		if d.zsrc.N > 0 {
			return io.ErrUnexpectedEOF
		}
	}
	d.in.Reset(nil)
	d.in = nil
	return nil
}

func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return fmt.Sprintf("%q (0x%02x)", rune(b), b)
	}
	return fmt.Sprintf("0x%02x", b)
}

// AppendACK appends an ACK frame for seq in the given protocol version.
func AppendACK(dst []byte, version byte, seq uint32) []byte {
	dst = append(dst, version, TypeACK)
	return binary.BigEndian.AppendUint32(dst, seq)
}

// AppendWindow appends a W frame.
func AppendWindow(dst []byte, version byte, n uint32) []byte {
	dst = append(dst, version, TypeWindow)
	return binary.BigEndian.AppendUint32(dst, n)
}

// AppendJSON appends a J frame.
func AppendJSON(dst []byte, seq uint32, doc []byte) []byte {
	dst = append(dst, V2, TypeJSON)
	dst = binary.BigEndian.AppendUint32(dst, seq)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(doc)))
	return append(dst, doc...)
}

// AppendData appends a v1 D frame with the pairs in the order given
// (keys at even indexes, values at odd ones).
func AppendData(dst []byte, seq uint32, kv ...string) []byte {
	dst = append(dst, V1, TypeData)
	dst = binary.BigEndian.AppendUint32(dst, seq)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(kv)/2))
	for _, s := range kv {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// AppendCompressed appends a C frame holding frames (already encoded),
// compressed at the given zlib level.
func AppendCompressed(dst []byte, version byte, level int, frames []byte) ([]byte, error) {
	dst = append(dst, version, TypeCompressed, 0, 0, 0, 0)
	off := len(dst)
	w := &appendWriter{b: dst}
	zw, err := zlib.NewWriterLevel(w, level)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(frames); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	dst = w.b
	binary.BigEndian.PutUint32(dst[off-4:off], uint32(len(dst)-off))
	return dst, nil
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
