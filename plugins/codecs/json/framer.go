package json

import "github.com/sluicelog/sluice/event"

// framer finds JSON documents in a byte stream, so that the json codec
// works on stream inputs (tcp, stdin) as well as on message inputs:
//
//   - a document starting with '{' or '[' ends at its matching bracket
//     (strings and escapes are respected), wherever newlines are: pretty
//     printed documents, newline-delimited ones and documents written back
//     to back all work;
//   - anything else (a bare scalar, plain text, a document whose brackets
//     do not match) runs to the end of its line, and then fails to decode
//     into a _jsonparsefailure event with the text;
//   - whitespace between documents is skipped;
//   - a document longer than max is emitted cut to max (truncated), and the
//     rest of it, up to the next newline, is dropped.
//
// The documents found do not depend on how the stream was chunked.
type framer struct {
	max        int
	buf        []byte
	start      int // where the current document begins in buf
	scanned    int // how far buf was scanned
	mode       int
	closers    []byte // expected closing brackets, innermost last
	inString   bool
	escaped    bool
	discarding bool
}

const (
	between = iota // skipping whitespace before a document
	bracketed
	lineDoc
	dropping // the rest of an over-long document, up to a newline
)

// feedStep bounds how much input is appended to buf at a time.
const feedStep = 64 << 10

func (f *framer) feed(p []byte, emit func(doc []byte, truncated bool)) {
	for len(p) > 0 {
		n := min(len(p), feedStep)
		f.buf = append(f.buf, p[:n]...)
		p = p[n:]
		f.scan(emit)
	}
}

func (f *framer) scan(emit func([]byte, bool)) {
	buf := f.buf
	i := f.scanned
	for i < len(buf) {
		c := buf[i]
		switch f.mode {
		case between:
			switch c {
			case ' ', '\t', '\n', '\r':
				i++
				f.start = i
				continue
			case '{', '[':
				f.mode = bracketed
				f.closers = append(f.closers[:0], closer(c))
			default:
				f.mode = lineDoc
			}
			f.start = i
			i++
		case bracketed:
			if f.inString {
				// Fast forward to the next quote or backslash.
				j := i
				for j < len(buf) && buf[j] != '"' && buf[j] != '\\' && !f.escaped {
					j++
				}
				if j > i {
					if j-f.start > f.max {
						j = f.start + f.max + 1
					}
					i = j
					break
				}
				if f.escaped {
					f.escaped = false
				} else if c == '\\' {
					f.escaped = true
				} else {
					f.inString = false
				}
				i++
				break
			}
			switch c {
			case '"':
				f.inString = true
			case '{', '[':
				if len(f.closers) >= event.MaxJSONDepth {
					f.mode = lineDoc // too deep: it will fail to decode
				} else {
					f.closers = append(f.closers, closer(c))
				}
			case '}', ']':
				if c != f.closers[len(f.closers)-1] {
					f.mode = lineDoc // mismatched: resynchronise at the newline
					break
				}
				f.closers = f.closers[:len(f.closers)-1]
				if len(f.closers) == 0 {
					emit(buf[f.start:i+1], false)
					f.mode = between
					f.start = i + 1
				}
			}
			i++
		case lineDoc:
			if c == '\n' {
				end := i
				if end > f.start && buf[end-1] == '\r' {
					end--
				}
				emit(buf[f.start:end], false)
				f.mode = between
				f.start = i + 1
			}
			i++
		case dropping:
			if c == '\n' {
				f.mode = between
				f.start = i + 1
			}
			i++
		}
		if (f.mode == bracketed || f.mode == lineDoc) && i-f.start > f.max {
			emit(buf[f.start:f.start+f.max], true)
			f.mode = dropping
			f.inString, f.escaped = false, false
			if i > 0 && buf[i-1] == '\n' {
				f.mode = between
			}
			f.start = i
		}
	}
	f.scanned = i
	if f.mode == between || f.mode == dropping {
		f.start = i
	}
	// Drop what is done with.
	if f.start > 0 {
		n := copy(f.buf, f.buf[f.start:])
		f.buf = f.buf[:n]
		f.scanned -= f.start
		f.start = 0
	}
	if len(f.buf) == 0 && cap(f.buf) > 64<<10 {
		f.buf = nil
	}
}

// flush emits the unfinished document, if any.
func (f *framer) flush(emit func([]byte, bool)) {
	if (f.mode == bracketed || f.mode == lineDoc) && f.start < len(f.buf) {
		emit(f.buf[f.start:], false)
	}
	f.buf = f.buf[:0]
	f.start, f.scanned = 0, 0
	f.mode = between
	f.inString, f.escaped = false, false
	f.closers = f.closers[:0]
}

func closer(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}
