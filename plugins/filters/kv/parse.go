package kv

import (
	"fmt"
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
	// A backslash escapes the next character, as in Logstash.
	for {
		i := strings.IndexAny(s[from:], sp.chars)
		if i < 0 {
			return -1, -1
		}
		if b := strings.IndexByte(s[from:from+i], '\\'); b >= 0 {
			from += b + 2
			if from >= len(s) {
				return -1, -1
			}
			continue
		}
		_, n := utf8.DecodeRuneInString(s[from+i:])
		return from + i, from + i + n
	}
}

// closing returns the index of the first c in s at or after from that is
// not escaped by a backslash, or -1.
func closing(s string, from int, c byte) int {
	for i := from; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case c:
			return i
		}
	}
	return -1
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
		// Skip field separators before a key.
		for pos < len(s) {
			e := f.fieldSplit.at(s, pos)
			if e <= pos {
				break
			}
			pos = e
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
			keyEnd, valStart = vs, ve
			if fs >= 0 && fs < vs {
				// Leniently, spaces that are field separators may stand
				// before the value separator ("key = value").
				if f.strict || !allBlank(s[fs:vs]) {
					// A token without a value: skip it.
					pos = fe
					continue
				}
				keyEnd = fs
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
			if j := closing(s, pos+1, close); j >= 0 {
				end := j + 1
				if end == len(s) || f.fieldSplit.at(s, end) > end {
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

// isBlank: lenient mode allows spaces (only) around the value separator.
func isBlank(c byte) bool { return c == ' ' }

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

// charSet reads field_split or value_split: the characters it lists, with
// backslash escapes (`\t` a tab, `\s` any blank, `\[` a bracket).
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

// charClass is a trim_* or remove_char_* setting: the body of a regular
// expression character class, as Logstash reads it (`<>\[\],`, `a-z`).
type charClass struct {
	trim, remove *regexp.Regexp
}

func newCharClass(name, body string) (charClass, error) {
	if body == "" {
		return charClass{}, nil
	}
	cls := "[" + body + "]"
	rm, err := regexp.Compile(cls)
	if err != nil {
		return charClass{}, fmt.Errorf("%s %q is not a valid character class: %w", name, body, err)
	}
	trim := regexp.MustCompile("^" + cls + "+|" + cls + "+$")
	return charClass{trim: trim, remove: rm}, nil
}

func (c charClass) trimString(s string) string {
	if c.trim == nil || s == "" {
		return s
	}
	return c.trim.ReplaceAllString(s, "")
}

func (c charClass) removeString(s string) string {
	if c.remove == nil || s == "" {
		return s
	}
	return c.remove.ReplaceAllString(s, "")
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
