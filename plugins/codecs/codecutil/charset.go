package codecutil

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// Charset converts input text in one character set to UTF-8. The zero
// value and NewCharset("UTF-8") pass valid UTF-8 through and replace each
// invalid byte with U+FFFD. A Charset is safe for concurrent use.
type Charset struct {
	name string
	enc  encoding.Encoding // nil for UTF-8 and US-ASCII
	// ascii: bytes above 0x7F are not characters (U+FFFD).
	ascii bool
}

// NewCharset looks up a character set by name, as Logstash's `charset`
// setting accepts them: UTF-8, ISO-8859-1 (Latin-1), Windows-1252 (CP1252),
// US-ASCII, the ISO-8859 family, other Windows code pages, Shift_JIS,
// EUC-JP, GBK, Big5, UTF-16LE/BE... Names are matched without regard to
// case, dashes and underscores.
func NewCharset(name string) (*Charset, error) {
	key := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(name))
	switch key {
	case "", "utf8":
		return &Charset{name: "UTF-8"}, nil
	case "binary", "ascii8bit":
		// Ruby's name for "bytes": treat as Latin-1 so every byte survives.
		return &Charset{name: name, enc: charmap.ISO8859_1}, nil
	case "iso88591", "latin1", "l1", "isolatin1":
		return &Charset{name: name, enc: charmap.ISO8859_1}, nil
	case "windows1252", "cp1252", "win1252":
		return &Charset{name: name, enc: charmap.Windows1252}, nil
	case "usascii", "ascii":
		return &Charset{name: name, ascii: true}, nil
	}
	if strings.HasPrefix(key, "cp") {
		if e, err := ianaindex.IANA.Encoding("windows-" + key[2:]); err == nil && e != nil {
			return &Charset{name: name, enc: e}, nil
		}
	}
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		return &Charset{name: name, enc: e}, nil
	}
	if e, err := htmlindex.Get(name); err == nil && e != nil {
		return &Charset{name: name, enc: e}, nil
	}
	return nil, fmt.Errorf("unsupported charset %q (use a name such as UTF-8, ISO-8859-1, Windows-1252, Shift_JIS, UTF-16LE)", name)
}

// Name returns the charset's name as configured.
func (c *Charset) Name() string {
	if c == nil || c.name == "" {
		return "UTF-8"
	}
	return c.name
}

// IsUTF8 reports whether the input is taken as UTF-8 (no conversion).
func (c *Charset) IsUTF8() bool { return c == nil || (c.enc == nil && !c.ascii) }

// String converts p to a valid UTF-8 string. p is not kept.
func (c *Charset) String(p []byte) string {
	if c.IsUTF8() {
		return ValidUTF8(p)
	}
	if c.ascii {
		return string(appendASCII(nil, p))
	}
	out, err := c.enc.NewDecoder().Bytes(p)
	if err != nil {
		// Decoders replace what they cannot map; an error here means a
		// broken multi-byte sequence at the end: keep what we can.
		return ValidUTF8(p)
	}
	return ValidUTF8(out)
}

// Bytes converts p to UTF-8; when p already is valid UTF-8 in a UTF-8
// charset it is returned as it is (not copied).
func (c *Charset) Bytes(p []byte) []byte {
	if c.IsUTF8() {
		if utf8.Valid(p) {
			return p
		}
		return AppendValidUTF8(nil, p)
	}
	if c.ascii {
		return appendASCII(nil, p)
	}
	out, err := c.enc.NewDecoder().Bytes(p)
	if err != nil {
		return AppendValidUTF8(nil, p)
	}
	return out
}

func appendASCII(dst, p []byte) []byte {
	for _, b := range p {
		if b < utf8.RuneSelf {
			dst = append(dst, b)
		} else {
			dst = append(dst, "\ufffd"...)
		}
	}
	return dst
}

// ValidUTF8 returns p as a string with each byte that is not part of a
// valid UTF-8 sequence replaced by U+FFFD.
func ValidUTF8(p []byte) string {
	if utf8.Valid(p) {
		return string(p)
	}
	return string(AppendValidUTF8(make([]byte, 0, len(p)+8), p))
}

// AppendValidUTF8 appends p to dst, replacing each invalid byte by U+FFFD.
func AppendValidUTF8(dst, p []byte) []byte {
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\ufffd"...)
		} else {
			dst = append(dst, p[:size]...)
		}
		p = p[size:]
	}
	return dst
}
