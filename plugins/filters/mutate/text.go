package mutate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicelog/sluice/event"
)

// rubySpace is what Ruby's String#strip removes: ASCII whitespace and NUL.
const rubySpace = " \t\n\v\f\r\x00"

func strip(s string) string { return strings.Trim(s, rubySpace) }

// capitalize is Ruby's String#capitalize: the first character in title
// case, the rest in lower case.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	rest := strings.ToLower(s[n:])
	t := unicode.ToTitle(r)
	if t == r && rest == s[n:] {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteRune(t)
	b.WriteString(rest)
	return b.String()
}

// split is Ruby's String#split(separator) without a limit: a single space
// splits on runs of whitespace and ignores leading whitespace; an empty
// separator splits into characters; trailing empty strings are removed.
func split(s, sep string) []any {
	var parts []string
	switch sep {
	case " ":
		parts = strings.FieldsFunc(s, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
		})
	case "":
		parts = strings.Split(s, "")
	default:
		parts = strings.Split(s, sep)
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// appendJoined appends the elements of arr separated by sep; nested arrays
// are flattened (as Ruby's Array#join does) and nil is empty.
func appendJoined(dst []byte, arr []any, sep string, first *bool) []byte {
	for _, v := range arr {
		if sub, ok := v.([]any); ok {
			dst = appendJoined(dst, sub, sep, first)
			continue
		}
		if !*first {
			dst = append(dst, sep...)
		}
		*first = false
		dst = event.FormatValue(dst, v)
	}
	return dst
}
