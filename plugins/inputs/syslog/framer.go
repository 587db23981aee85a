package syslog

import "bytes"

// framer splits a TCP byte stream into syslog messages as RFC 6587
// describes: octet-counted (`LEN SP MSG`) or non-transparent, ended by LF
// or NUL (a CR before the LF is dropped). The method is chosen per
// message, so a connection may mix them; a message is octet-counted when
// it starts with digits, a space and '<' (a syslog message starts with its
// PRI), so that plain lines starting with a number are not swallowed.
// When the first non-transparent message of a connection ends with NUL,
// only NUL ends messages from then on (see nulOnly). Messages longer than
// max are cut to max and flagged.
type framer struct {
	max   int
	buf   []byte
	off   int // start of unconsumed bytes in buf
	state framerState
	// need counts the bytes still to come of an octet-counted message
	// (stOctet) or still to skip (stSkipOctet).
	need int
	// scanned counts bytes of the current line already searched for a
	// delimiter.
	scanned int
	// nulOnly is set once a message ended with NUL (before any LF): the
	// sender frames with NUL (Python's SysLogHandler over TCP), so later
	// LFs are part of messages (tracebacks) rather than delimiters.
	nulOnly bool
	sawLF   bool
}

type framerState uint8

const (
	stStart framerState = iota
	stLine
	stSkipLine
	stOctet
	stSkipOctet
)

// maxCountDigits bounds the length prefix (up to 999,999,999 bytes).
const maxCountDigits = 9

// feed consumes p and calls emit for every complete message; msg is only
// valid during the call.
func (f *framer) feed(p []byte, emit func(msg []byte, truncated bool)) {
	if f.off > 0 && f.off == len(f.buf) {
		f.buf, f.off = f.buf[:0], 0
	}
	if f.off > 0 && len(f.buf)+len(p) > cap(f.buf) {
		n := copy(f.buf, f.buf[f.off:])
		f.buf, f.off = f.buf[:n], 0
	}
	f.buf = append(f.buf, p...)
	f.run(emit, false)
	if f.off == len(f.buf) {
		f.buf, f.off = f.buf[:0], 0
	}
	// Do not keep a big buffer for an idle connection.
	if len(f.buf) == 0 && cap(f.buf) > 256<<10 {
		f.buf = nil
	}
}

// flush emits what is left at the end of the stream: a last line without
// a delimiter, or the part received of an octet-counted message (flagged
// truncated).
func (f *framer) flush(emit func(msg []byte, truncated bool)) {
	f.run(emit, true)
	f.buf, f.off, f.state, f.need, f.scanned = f.buf[:0], 0, stStart, 0, 0
	f.nulOnly, f.sawLF = false, false
}

func (f *framer) run(emit func([]byte, bool), eof bool) {
	for {
		b := f.buf[f.off:]
		switch f.state {
		case stStart:
			i := 0
			for i < len(b) && (b[i] == '\n' || b[i] == '\r' || b[i] == 0) {
				i++
			}
			f.off += i
			b = b[i:]
			if len(b) == 0 {
				return
			}
			f.state = stLine
			f.scanned = 0
			if isDigit(b[0]) {
				j := 0
				for j < len(b) && j <= maxCountDigits && isDigit(b[j]) {
					j++
				}
				undecided := j == len(b) || b[j] == ' ' && j+1 == len(b)
				if undecided && j <= maxCountDigits && !eof {
					f.state = stStart // wait for the bytes that decide
					return
				}
				if j <= maxCountDigits && j+1 < len(b) && b[j] == ' ' && b[j+1] == '<' {
					f.need = atoi(string(b[:j]))
					f.off += j + 1
					f.state = stOctet
				}
			}
		case stLine:
			j := f.indexDelim(b[f.scanned:])
			if j < 0 {
				if len(b) > f.max {
					emit(b[:f.max], true)
					f.off = len(f.buf)
					f.state = stSkipLine
					return
				}
				if eof && len(b) > 0 {
					emit(bytes.TrimSuffix(b, []byte{'\r'}), false)
					f.off = len(f.buf)
					f.state = stStart
				}
				f.scanned = len(b)
				return
			}
			j += f.scanned
			f.delimiter(b[j])
			line := b[:j]
			if len(line) > f.max {
				emit(line[:f.max], true)
			} else {
				emit(bytes.TrimSuffix(line, []byte{'\r'}), false)
			}
			f.off += j + 1
			f.state = stStart
		case stSkipLine:
			j := f.indexDelim(b)
			if j < 0 {
				f.off = len(f.buf)
				return
			}
			f.delimiter(b[j])
			f.off += j + 1
			f.state = stStart
		case stOctet:
			if f.need == 0 {
				f.state = stStart
				continue
			}
			if f.need > f.max {
				if len(b) < f.max {
					if eof && len(b) > 0 {
						emit(b, true)
						f.off = len(f.buf)
					}
					return
				}
				emit(b[:f.max], true)
				f.off += f.max
				f.need -= f.max
				f.state = stSkipOctet
				continue
			}
			if len(b) < f.need {
				if eof && len(b) > 0 {
					emit(b, true)
					f.off = len(f.buf)
				}
				return
			}
			emit(b[:f.need], false)
			f.off += f.need
			f.need = 0
			f.state = stStart
		case stSkipOctet:
			n := min(f.need, len(b))
			f.off += n
			f.need -= n
			if f.need > 0 {
				return
			}
			f.state = stStart
		}
	}
}

// delimiter notes the delimiter c that ended a message: NUL before any LF
// makes the connection NUL-framed.
func (f *framer) delimiter(c byte) {
	if c == 0 && !f.sawLF {
		f.nulOnly = true
	}
	f.sawLF = f.sawLF || c == '\n'
}

// indexDelim returns the index of the first delimiter in b (LF or NUL,
// or NUL only), or -1.
func (f *framer) indexDelim(b []byte) int {
	if f.nulOnly {
		return bytes.IndexByte(b, 0)
	}
	for i, c := range b {
		if c == '\n' || c == 0 {
			return i
		}
	}
	return -1
}
