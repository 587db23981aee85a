package mutate

import (
	"fmt"
	"regexp"
	"strings"
)

// compileRegex compiles a gsub pattern written for Ruby. Ruby's ^ and $
// match at every line boundary, so the pattern is compiled in multi-line
// mode. Go's regexp is RE2: lookaround and backreferences in the pattern
// are not supported and are reported here.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("(?m)" + pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q (RE2 syntax: no lookaround, no backreferences): %w", pattern, err)
	}
	return re, nil
}

// replacement is a parsed Ruby gsub replacement string: \0-\9 and \&
// (groups), \k<name> (named group), \` and \' (text before and after the
// match), \+ (last group that matched), \\ (a backslash). Any other
// backslash is kept literally, as Ruby does.
type replacement struct {
	literal string // the whole replacement when it has no references
	parts   []replPart
}

type replKind uint8

const (
	replLit replKind = iota
	replGroup
	replNamed
	replPre
	replPost
	replLast
)

type replPart struct {
	kind  replKind
	lit   string
	group int
}

func parseReplacement(s string) *replacement {
	if strings.IndexByte(s, '\\') < 0 {
		return &replacement{literal: s}
	}
	r := &replacement{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			r.parts = append(r.parts, replPart{kind: replLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			lit.WriteByte(c)
			continue
		}
		n := s[i+1]
		switch {
		case n >= '0' && n <= '9':
			flush()
			r.parts = append(r.parts, replPart{kind: replGroup, group: int(n - '0')})
			i++
		case n == '&':
			flush()
			r.parts = append(r.parts, replPart{kind: replGroup, group: 0})
			i++
		case n == '`':
			flush()
			r.parts = append(r.parts, replPart{kind: replPre})
			i++
		case n == '\'':
			flush()
			r.parts = append(r.parts, replPart{kind: replPost})
			i++
		case n == '+':
			flush()
			r.parts = append(r.parts, replPart{kind: replLast})
			i++
		case n == '\\':
			lit.WriteByte('\\')
			i++
		case n == 'k' && i+2 < len(s) && s[i+2] == '<':
			end := strings.IndexByte(s[i+3:], '>')
			if end < 0 {
				lit.WriteByte(c)
				continue
			}
			flush()
			r.parts = append(r.parts, replPart{kind: replNamed, lit: s[i+3 : i+3+end]})
			i += 3 + end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	if len(r.parts) == 0 {
		return &replacement{literal: ""}
	}
	if len(r.parts) == 1 && r.parts[0].kind == replLit {
		return &replacement{literal: r.parts[0].lit}
	}
	return r
}

// check reports named groups that re does not define (Ruby raises on
// those).
func (r *replacement) check(re *regexp.Regexp) error {
	for _, p := range r.parts {
		if p.kind == replNamed && re.SubexpIndex(p.lit) < 0 {
			return fmt.Errorf("replacement refers to group <%s>, which the regular expression %q does not define", p.lit, strings.TrimPrefix(re.String(), "(?m)"))
		}
	}
	return nil
}

// replaceAll replaces every match of re in s.
func (r *replacement) replaceAll(re *regexp.Regexp, s string) (string, error) {
	if r.parts == nil {
		return re.ReplaceAllLiteralString(s, r.literal), nil
	}
	if err := r.check(re); err != nil {
		return "", err
	}
	matches := re.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		for _, p := range r.parts {
			switch p.kind {
			case replLit:
				b.WriteString(p.lit)
			case replGroup:
				writeGroup(&b, s, m, p.group)
			case replNamed:
				writeGroup(&b, s, m, re.SubexpIndex(p.lit))
			case replPre:
				b.WriteString(s[:m[0]])
			case replPost:
				b.WriteString(s[m[1]:])
			case replLast:
				for g := len(m)/2 - 1; g > 0; g-- {
					if m[2*g] >= 0 {
						writeGroup(&b, s, m, g)
						break
					}
				}
			}
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func writeGroup(b *strings.Builder, s string, m []int, g int) {
	if g < 0 || 2*g+1 >= len(m) || m[2*g] < 0 {
		return
	}
	b.WriteString(s[m[2*g]:m[2*g+1]])
}
