package event

import (
	"fmt"
	"strings"
)

// Ref is a parsed field reference: `message`, `[a][b]`, `[tags][0]`,
// `[@metadata][x]`. Parse references once (at configuration time) and
// reuse them; a Ref is immutable.
type Ref struct {
	raw  string
	meta bool
	path []string
}

// ParseRef parses a field reference. A bare word (no brackets) names one
// top-level field, whatever it contains; the bracket form names a path.
func ParseRef(s string) (Ref, error) {
	if s == "" {
		return Ref{}, fmt.Errorf("empty field reference")
	}
	if s[0] != '[' {
		if strings.ContainsAny(s, "[]") {
			return Ref{}, fmt.Errorf("invalid field reference %q: brackets must enclose every part, as in [a][b]", s)
		}
		return newRef(s, []string{s}), nil
	}
	var path []string
	rest := s
	for rest != "" {
		if rest[0] != '[' {
			return Ref{}, fmt.Errorf("invalid field reference %q: expected '[' at offset %d", s, len(s)-len(rest))
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Ref{}, fmt.Errorf("invalid field reference %q: missing ']'", s)
		}
		part := rest[1:end]
		if part == "" || strings.IndexByte(part, '[') >= 0 {
			return Ref{}, fmt.Errorf("invalid field reference %q: empty or nested part at offset %d", s, len(s)-len(rest))
		}
		path = append(path, part)
		rest = rest[end+1:]
	}
	return newRef(s, path), nil
}

// MustRef is ParseRef for references known to be valid; it panics otherwise.
func MustRef(s string) Ref {
	r, err := ParseRef(s)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return r
}

func newRef(raw string, path []string) Ref {
	if path[0] == MetadataField {
		return Ref{raw: raw, meta: true, path: path[1:]}
	}
	return Ref{raw: raw, path: path}
}

// String returns the reference as written.
func (r Ref) String() string { return r.raw }

// IsZero reports whether r is the zero Ref (no reference).
func (r Ref) IsZero() bool { return r.raw == "" }

// Metadata reports whether r points into [@metadata].
func (r Ref) Metadata() bool { return r.meta }

// Path returns the parts below the root ([@metadata] excluded). The slice
// must not be modified.
func (r Ref) Path() []string { return r.path }

// TopLevel reports whether r names a single top-level field, and which.
func (r Ref) TopLevel() (string, bool) {
	if r.meta || len(r.path) != 1 {
		return "", false
	}
	return r.path[0], true
}
