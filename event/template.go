package event

import (
	"fmt"
	"strings"
)

// Template is a compiled sprintf string: "%{[a][b]}", "%{host}",
// "%{+yyyy.MM.dd}". Compile once with ParseTemplate; Render is safe for
// concurrent use.
//
// TODO(event): placeholder supporting %{field} only; the full version
// (dates, value formatting) replaces it.
type Template struct {
	raw   string
	parts []tplPart
}

type tplPart struct {
	lit string
	ref *Ref
}

// ParseTemplate compiles s. Text without %{ is returned as a static template.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{raw: s}
	rest := s
	for {
		i := strings.Index(rest, "%{")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: rest[:i]})
		}
		r, err := ParseRef(rest[i+2 : i+j])
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", s, err)
		}
		t.parts = append(t.parts, tplPart{ref: &r})
		rest = rest[i+j+1:]
	}
	if rest != "" {
		t.parts = append(t.parts, tplPart{lit: rest})
	}
	return t, nil
}

// IsStatic reports whether the template has no references.
func (t *Template) IsStatic() bool {
	for _, p := range t.parts {
		if p.ref != nil {
			return false
		}
	}
	return true
}

// String returns the template as written.
func (t *Template) String() string { return t.raw }

// Render expands the template against e. A missing field is left as the
// literal %{...} text, as in Logstash.
func (t *Template) Render(e *Event) string { return string(t.AppendTo(nil, e)) }

// AppendTo appends the expansion to dst.
func (t *Template) AppendTo(dst []byte, e *Event) []byte {
	for _, p := range t.parts {
		if p.ref == nil {
			dst = append(dst, p.lit...)
			continue
		}
		v, ok := e.Get(*p.ref)
		if !ok {
			dst = append(dst, "%{"+p.ref.String()+"}"...)
			continue
		}
		dst = fmt.Append(dst, v)
	}
	return dst
}

// FormatValue appends v formatted as sprintf shows it.
//
// TODO(event): placeholder.
func FormatValue(dst []byte, v any) []byte { return fmt.Append(dst, v) }
