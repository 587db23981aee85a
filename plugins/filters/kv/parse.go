package kv

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitter finds a separator: one of a set of characters, or a regular
// expression (field_split_pattern, value_split_pattern).
type splitter struct {
	chars string
	re    *regexp.Regexp
}

// next returns the first separator in s at or after from, or -1.
func (sp *splitter) next(s string, from int) (start, end int) {
	if sp.re != nil {
		loc := sp.re.FindStringIndex(s[from:])
		if loc == nil || loc[1] == loc[0] {
			return -1, -1
		}
		return from + loc[0], from + loc[1]
	}
	i := strings.IndexAny(s[from:], sp.chars)
	if i < 0 {
		return -1, -1
	}
	_, n := utf8.DecodeRuneInString(s[from+i:])
	return from + i, from + i + n
}

// at returns the end of a separator starting exactly at pos, or -1.
func (sp *splitter) at(s string, pos int) int {
	if pos >= len(s) {
		return -1
	}
	if sp.re != nil {
		loc := sp.re.FindStringIndex(s[pos:])
		if loc == nil || loc[0] != 0 || loc[1] == 0 {
			return -1
		}
		return pos + loc[1]
	}
	r, n := utf8.DecodeRuneInString(s[pos:])
	if strings.ContainsRune(sp.chars, r) {
		return pos + n
	}
	return -1
}

// pair is one key and raw value found in the text.
type pair struct{ key, value string }

var closers = map[byte]byte{'"': '"', '\'': '\'', '(': ')', '[': ']', '<': '>'}

// scan finds the key/value pairs of s in order. It calls yield for each
// and stops early when yield returns false.
func (f *Filter) scan(s string, yield func(key, value string) bool) {
	pos := 0
	for pos < len(s) {
		// Skip field separators (and, leniently, blanks) before a key.
		for pos < len(s) {
			if e := f.fieldSplit.at(s, pos); e > pos {
				pos = e
				continue
			}
			if !f.strict && isBlank(s[pos]) {
				pos++
				continue
			}
			break
		}
		if pos >= len(s) {
			return
		}
		keyStart := pos
		keyEnd, valStart := -1, -1
		// A quoted key may contain separators.
		if q := s[pos]; q == '"' || q == '\'' {
			if j := strings.IndexByte(s[pos+1:], q); j >= 0 {
				after := pos + 1 + j + 1
				vp := after
				if !f.strict {
					vp = skipBlanks(s, vp)
				}
				if e := f.valueSplit.at(s, vp); e > vp {
					keyStart, keyEnd, valStart = pos+1, pos+1+j, e
				}
			}
		}
		if keyEnd < 0 {
			vs, ve := f.valueSplit.next(s, pos)
			if vs < 0 {
				return // no more pairs
			}
			fs, fe := f.fieldSplit.next(s, pos)
			if fs >= 0 && fs < vs && (f.strict || !allBlank(s[fs:vs])) {
				// A token without a value: skip it.
				pos = fe
				continue
			}
			keyEnd, valStart = vs, ve
			if !f.strict {
				keyEnd = trimBlanksRight(s, keyStart, keyEnd)
			}
		}
		key := s[keyStart:keyEnd]
		if !f.strict {
			valStart = skipBlanks(s, valStart)
		}
		value, next := f.value(s, valStart)
		pos = next
		if key == "" {
			continue
		}
		if !yield(key, value) {
			return
		}
	}
}

// value reads the value starting at pos: quoted or bracketed (when
// followed by a field separator or the end), else up to the next field
// separator. It returns the value and where scanning continues.
func (f *Filter) value(s string, pos int) (string, int) {
	if pos < len(s) {
		open := s[pos]
		if close, ok := closers[open]; ok && (open == '"' || open == '\'' || f.IncludeBrackets) {
			if j := strings.IndexByte(s[pos+1:], close); j >= 0 {
				end := pos + 1 + j + 1
				if end == len(s) || f.fieldSplit.at(s, end) > end || (!f.strict && isBlank(s[end])) {
					return s[pos+1 : end-1], end
				}
			}
		}
	}
	fs, fe := f.fieldSplit.next(s, pos)
	if fs < 0 {
		return s[pos:], len(s)
	}
	return s[pos:fs], fe
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func allBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBlank(s[i]) {
			return false
		}
	}
	return true
}

func skipBlanks(s string, i int) int {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return i
}

func trimBlanksRight(s string, start, end int) int {
	for end > start && isBlank(s[end-1]) {
		end--
	}
	return end
}

// charSet reads a trim_* or remove_char_* setting: the characters it lists,
// with backslash escapes (`\[` is '[', `\t` a tab).
func charSet(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 's':
				b.WriteString(" \t\r\n\f\v")
				continue
			default:
				c = s[i]
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// transform applies lowercase, uppercase or capitalize.
func transform(s, how string) string {
	switch how {
	case "lowercase":
		return strings.ToLower(s)
	case "uppercase":
		return strings.ToUpper(s)
	case "capitalize":
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s
		}
		return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
	}
	return s
}

func removeChars(s, set string) string {
	if set == "" || !strings.ContainsAny(s, set) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(set, r) {
			return -1
		}
		return r
	}, s)
}
