package csv

import (
	"fmt"
	"strings"
)

// cell is one parsed column: its text, and whether it was present at all
// (an empty unquoted cell is absent: nil, as Ruby's CSV gives it).
type cell struct {
	value string
	null  bool
}

// parseLine splits one CSV row strictly, as Ruby's CSV.parse_line does:
// a quoted cell may hold separators, newlines and doubled quotes; a quote
// inside an unquoted cell, text after a closing quote, or an unclosed
// quote is an error. A trailing line break is ignored.
func parseLine(dst []cell, s, sep string, quote byte) ([]cell, error) {
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	pos := 0
	for {
		if len(dst) >= maxColumns {
			return dst, fmt.Errorf("more than %d columns", maxColumns)
		}
		if pos < len(s) && s[pos] == quote {
			val, end, err := quoted(s, pos, quote)
			if err != nil {
				return dst, err
			}
			dst = append(dst, cell{value: val})
			pos = end
			if pos == len(s) {
				return dst, nil
			}
			if !strings.HasPrefix(s[pos:], sep) {
				return dst, fmt.Errorf("unexpected text after the closing quote at offset %d", pos)
			}
			pos += len(sep)
			if pos == len(s) {
				return append(dst, cell{null: true}), nil
			}
			continue
		}
		end := strings.Index(s[pos:], sep)
		last := end < 0
		if last {
			end = len(s)
		} else {
			end += pos
		}
		val := s[pos:end]
		if i := strings.IndexByte(val, quote); i >= 0 {
			return dst, fmt.Errorf("illegal quote in an unquoted cell at offset %d", pos+i)
		}
		dst = append(dst, cell{value: val, null: val == ""})
		if last {
			return dst, nil
		}
		pos = end + len(sep)
		if pos == len(s) {
			return append(dst, cell{null: true}), nil
		}
	}
}

// quoted reads the quoted cell starting at s[pos] (the opening quote).
func quoted(s string, pos int, quote byte) (string, int, error) {
	i := pos + 1
	var b *strings.Builder
	start := i
	for {
		j := strings.IndexByte(s[i:], quote)
		if j < 0 {
			return "", 0, fmt.Errorf("unclosed quoted cell starting at offset %d", pos)
		}
		j += i
		if j+1 < len(s) && s[j+1] == quote { // doubled quote
			if b == nil {
				b = &strings.Builder{}
			}
			b.WriteString(s[start : j+1])
			i = j + 2
			start = i
			continue
		}
		if b == nil {
			return s[start:j], j + 1, nil
		}
		b.WriteString(s[start:j])
		return b.String(), j + 1, nil
	}
}
