package event

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicelog/sluice/internal/joda"
)

// Template is a compiled sprintf string, Logstash's `%{...}` syntax:
//
//	%{field} %{[a][b]} %{[@metadata][x]}  the value of a field (FormatValue)
//	%{+yyyy.MM.dd}                         @timestamp in UTC, Joda-Time pattern
//	%{+%s}                                 @timestamp as UNIX seconds
//	%{{yyyy-MM-dd}}                        @timestamp in UTC, Java DateTimeFormatter pattern
//	%{{TIME_NOW}}                          the current time (ISO-8601)
//
// A missing or null field is left as the literal %{...} text, as in
// Logstash; date parts print nothing when @timestamp is not a timestamp.
// A reference ends at the first '}' after "%{". Compile once with
// ParseTemplate; a Template is immutable and safe for concurrent use.
type Template struct {
	raw   string
	parts []tplPart
}

type partKind uint8

const (
	partLiteral partKind = iota
	partField
	partDate  // joda or java pattern over @timestamp
	partEpoch // %{+%s}
	partNow   // %{{TIME_NOW}}
)

type tplPart struct {
	kind partKind
	// text is the literal text, or for a field the whole "%{...}" written
	// back when the field is missing.
	text string
	ref  Ref
	date *joda.Format
}

// ParseTemplate compiles s. Invalid field references and date patterns are
// errors here, not when rendering.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{raw: s}
	pos := 0
	for {
		open := strings.Index(s[pos:], "%{")
		if open < 0 {
			break
		}
		open += pos
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			break
		}
		end += open
		t.addLiteral(s[pos:open])
		inner := s[open+2 : end]
		switch {
		case inner == "+%s":
			t.parts = append(t.parts, tplPart{kind: partEpoch})
		case strings.HasPrefix(inner, "{") && end+1 < len(s) && s[end+1] == '}':
			end++ // the second closing brace
			pattern := inner[1:]
			if pattern == "TIME_NOW" {
				t.parts = append(t.parts, tplPart{kind: partNow})
				break
			}
			f, err := joda.CompileJava(pattern)
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", s, err)
			}
			t.parts = append(t.parts, tplPart{kind: partDate, date: f})
		case strings.HasPrefix(inner, "+"):
			f, err := joda.Compile(inner[1:])
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", s, err)
			}
			t.parts = append(t.parts, tplPart{kind: partDate, date: f})
		default:
			r, err := ParseRef(inner)
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", s, err)
			}
			t.parts = append(t.parts, tplPart{kind: partField, ref: r, text: s[open : end+1]})
		}
		pos = end + 1
	}
	t.addLiteral(s[pos:])
	return t, nil
}

// MustTemplate is ParseTemplate for templates known to be valid; it panics
// otherwise.
func MustTemplate(s string) *Template {
	t, err := ParseTemplate(s)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return t
}

func (t *Template) addLiteral(s string) {
	if s == "" {
		return
	}
	t.parts = append(t.parts, tplPart{kind: partLiteral, text: s})
}

// IsStatic reports whether the template renders the same text for every
// event (it has no %{...} parts).
func (t *Template) IsStatic() bool {
	return len(t.parts) == 0 || len(t.parts) == 1 && t.parts[0].kind == partLiteral
}

// String returns the template as written.
func (t *Template) String() string { return t.raw }

// Render expands the template against e. A static template, or one that
// is a single reference to a string field, is returned without copying.
func (t *Template) Render(e *Event) string {
	switch len(t.parts) {
	case 0:
		return ""
	case 1:
		p := &t.parts[0]
		switch p.kind {
		case partLiteral:
			return p.text
		case partField:
			if v, ok := e.Get(p.ref); ok {
				if s, ok := v.(string); ok {
					return s
				}
			}
		}
	}
	return string(t.AppendTo(nil, e))
}

// AppendTo appends the expansion to dst. With a reused dst it does not
// allocate for literal text, fields holding scalars and dates.
func (t *Template) AppendTo(dst []byte, e *Event) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partLiteral:
			dst = append(dst, p.text...)
		case partField:
			v, ok := e.Get(p.ref)
			if !ok || v == nil {
				dst = append(dst, p.text...)
				continue
			}
			dst = FormatValue(dst, v)
		case partDate:
			e.touch(false, TimestampField)
			if ts, ok := e.fields[TimestampField].(time.Time); ok {
				dst = p.date.Append(dst, ts.UTC())
			}
		case partEpoch:
			e.touch(false, TimestampField)
			if ts, ok := e.fields[TimestampField].(time.Time); ok {
				dst = strconv.AppendInt(dst, ts.Unix(), 10)
			}
		case partNow:
			dst = FormatTimestamp(dst, time.Now())
		}
	}
	return dst
}
