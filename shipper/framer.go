package shipper

import "bytes"

// Line is one line read from a file.
type Line struct {
	// Data is the line without its delimiter. It is valid only until the
	// callback that received it returns.
	Data []byte
	// Offset is the byte offset of the line's first byte in the file.
	Offset int64
	// End is the offset just after the line's delimiter (after its last
	// byte for a last line without one): where reading resumes once the
	// line is acknowledged.
	End int64
	// Truncated is set when the line was longer than max_bytes: Data holds
	// its first max_bytes bytes and the rest was skipped.
	Truncated bool
	// Partial is set for a last line without a delimiter, sent at EOF (read
	// mode) or once the file was inactive for close_older (tail mode).
	Partial bool
}

// framer splits a file's bytes into lines with bounded memory: at most
// max bytes of an unfinished line are kept.
type framer struct {
	delim []byte
	max   int

	carry      []byte // the unfinished line's first bytes (≤ max)
	carryStart int64  // offset of the unfinished line
	rawLen     int64  // bytes of the unfinished line seen so far
	tail       []byte // its last len(delim)-1 bytes (a split delimiter)
	open       bool   // a line is unfinished (carry may be empty)
	join       []byte
}

func newFramer(delim []byte, max int) *framer {
	return &framer{delim: delim, max: max}
}

// reset forgets the unfinished line.
func (f *framer) reset() {
	f.carry, f.tail = f.carry[:0], f.tail[:0]
	f.open, f.rawLen = false, 0
}

// pendingStart is the offset where the unfinished line starts, or end
// when there is none.
func (f *framer) pendingStart(end int64) int64 {
	if f.open {
		return f.carryStart
	}
	return end
}

// feed splits p, read at offset base, and appends the lines it completes
// to dst. Their Data points into p, or into the framer for a line begun in
// an earlier read: it is valid until the next call and while p is.
func (f *framer) feed(dst []Line, p []byte, base int64) []Line {
	f.join = f.join[:0]
	pos := 0
	if f.open {
		// Finish the unfinished line, minding a delimiter split across reads.
		dataEnd, end, k := f.findEnd(p)
		if end < 0 {
			f.more(p)
			return dst
		}
		content := f.rawLen + int64(dataEnd) - int64(k)
		f.join = append(f.join, f.carry...)
		f.join = append(f.join, p[:min(dataEnd, max(0, f.max-len(f.join)))]...)
		data := f.join[:min(int64(len(f.join)), content, int64(f.max))]
		dst = append(dst, Line{Data: data, Offset: f.carryStart, End: base + int64(end), Truncated: content > int64(f.max)})
		f.reset()
		pos = end
	}
	for pos < len(p) {
		i := f.index(p[pos:])
		if i < 0 {
			f.stash(p[pos:], base+int64(pos))
			break
		}
		data := p[pos : pos+i]
		trunc := false
		if len(data) > f.max {
			data, trunc = data[:f.max], true
		}
		end := pos + i + len(f.delim)
		dst = append(dst, Line{Data: data, Offset: base + int64(pos), End: base + int64(end), Truncated: trunc})
		pos = end
	}
	return dst
}

func (f *framer) index(p []byte) int {
	if len(f.delim) == 1 {
		return bytes.IndexByte(p, f.delim[0])
	}
	return bytes.Index(p, f.delim)
}

// findEnd finds the delimiter that ends the unfinished line in p; it may
// begin in the carried bytes. It returns where the line's data ends in p,
// where the delimiter ends (-1 when p has none) and how many delimiter
// bytes were carried.
func (f *framer) findEnd(p []byte) (dataEnd, end, k int) {
	for k := min(len(f.delim)-1, len(f.tail)); k > 0; k-- {
		if bytes.HasSuffix(f.tail, f.delim[:k]) && bytes.HasPrefix(p, f.delim[k:]) {
			return 0, len(f.delim) - k, k
		}
	}
	i := f.index(p)
	if i < 0 {
		return 0, -1, 0
	}
	return i, i + len(f.delim), 0
}

// stash starts an unfinished line at base with p.
func (f *framer) stash(p []byte, base int64) {
	f.open = true
	f.carryStart = base
	f.carry, f.tail, f.rawLen = f.carry[:0], f.tail[:0], 0
	f.more(p)
}

// more adds p to the unfinished line: its first max bytes are kept, and
// its last len(delim)-1 bytes.
func (f *framer) more(p []byte) {
	if room := f.max - len(f.carry); room > 0 {
		f.carry = append(f.carry, p[:min(room, len(p))]...)
	}
	f.rawLen += int64(len(p))
	if n := len(f.delim) - 1; n > 0 {
		f.tail = append(f.tail, p[max(0, len(p)-n):]...)
		if len(f.tail) > n {
			f.tail = append(f.tail[:0], f.tail[len(f.tail)-n:]...)
		}
	}
}

// flush returns the unfinished line as a partial line ending at end.
func (f *framer) flush(end int64) (Line, bool) {
	if !f.open {
		return Line{}, false
	}
	f.join = append(f.join[:0], f.carry...)
	l := Line{Data: f.join, Offset: f.carryStart, End: end, Truncated: f.rawLen > int64(f.max), Partial: true}
	f.reset()
	return l, true
}
