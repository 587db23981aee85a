package config

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a configuration error at a position. Its text names the file,
// line and column, quotes the line and points at the column with a caret.
type Error struct {
	Pos  Pos
	Msg  string
	Line string // the source line, when known
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Pos, e.Msg)
	if e.Line != "" && e.Pos.Col > 0 {
		line, caret := excerpt(e.Line, e.Pos.Col)
		b.WriteString("\n  ")
		b.WriteString(line)
		b.WriteString("\n  ")
		b.WriteString(strings.Repeat(" ", caret))
		b.WriteString("^")
	}
	return b.String()
}

// maxExcerpt is how many characters of a long line are quoted on each side
// of the error column.
const maxExcerpt = 60

// excerpt prepares line for quoting: tabs become spaces and a long line is
// cut to a window around col (1-based, in bytes). It returns the text and
// the caret's offset in characters, so that the caret lines up under
// non-ASCII text.
func excerpt(line string, col int) (string, int) {
	line = strings.ReplaceAll(line, "\t", " ")
	cut := min(col-1, len(line))
	before := []rune(line[:cut])
	after := []rune(line[cut:])
	prefix, suffix := "", ""
	if len(before) > maxExcerpt {
		before = before[len(before)-maxExcerpt:]
		prefix = "…"
	}
	if len(after) > maxExcerpt {
		after = after[:maxExcerpt]
		suffix = "…"
	}
	text := prefix + string(before) + string(after) + suffix
	return text, utf8.RuneCountInString(prefix) + len(before)
}

// ErrorList is several configuration errors, reported together.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Err returns nil for an empty list, else the list.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Errorf builds an Error at pos, quoting the line from sources when it is
// there.
func (p *Pipeline) Errorf(pos Pos, format string, args ...any) *Error {
	e := &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	if p != nil {
		e.Line = sourceLine(p.Sources[pos.File], pos.Line)
	}
	return e
}

func sourceLine(src []byte, line int) string {
	if src == nil || line < 1 {
		return ""
	}
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r")
}
