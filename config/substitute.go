package config

import (
	"bytes"
	"strings"
)

// Substitute replaces ${VAR} and ${VAR:default} references in the strings of
// p with lookup(VAR), or with the default when lookup reports false. It
// applies, as Logstash does, to:
//
//   - string values of plugin settings, including strings inside arrays and
//     hash values (not hash keys) and the settings of plugin values such as
//     `codec => json { charset => "${CHARSET}" }`;
//   - string literals in conditions.
//
// It does not apply to barewords and numbers (they cannot hold `${`), to
// names and hash keys, to /regex/ literals, or to a string on the right of
// =~ and !~ (Logstash turns that string into a regex before substituting).
//
// A variable name is [A-Za-z_.][A-Za-z0-9_.]* and a default runs to the
// first '}', as in Logstash; text like ${1x} that is not a reference stays as
// written. Logstash substitutes a condition string only when the whole
// string is one reference; sluice substitutes references anywhere in it, as
// it does for settings. lookup is where the caller puts the environment
// and, before it, a secret store.
//
// Every reference to an undefined variable without a default is reported,
// as an ErrorList of *Error positioned at the reference.
func Substitute(p *Pipeline, lookup func(string) (string, bool)) error {
	s := &substituter{p: p, lookup: lookup}
	for _, sec := range p.Sections {
		s.body(sec.Body)
	}
	return s.errs.Err()
}

type substituter struct {
	p      *Pipeline
	lookup func(string) (string, bool)
	errs   ErrorList
}

func (s *substituter) body(body []Statement) {
	for _, st := range body {
		switch st := st.(type) {
		case *Plugin:
			s.value(st)
		case *If:
			for _, b := range st.Branches {
				if b.Cond != nil {
					s.expr(b.Cond)
				}
				s.body(b.Body)
			}
		}
	}
}

func (s *substituter) value(v Value) {
	switch v := v.(type) {
	case *String:
		v.Value = s.replace(v.Pos, v.Value)
	case *Plugin:
		for _, a := range v.Attrs {
			s.value(a.Value)
		}
	case *Array:
		for _, it := range v.Items {
			s.value(it)
		}
	case *Hash:
		for _, e := range v.Entries {
			s.value(e.Value)
		}
	}
}

func (s *substituter) expr(e Expr) {
	switch e := e.(type) {
	case *Binary:
		s.expr(e.Left)
		if e.Op == "=~" || e.Op == "!~" {
			return
		}
		s.expr(e.Right)
	case *Not:
		s.expr(e.X)
	case *StringLit:
		e.Value = s.replace(e.Pos, e.Value)
	case *ListLit:
		for _, it := range e.Items {
			s.expr(it)
		}
	}
}

// maxSubstituteErrors bounds the errors reported by one Substitute call.
const maxSubstituteErrors = 50

// replace substitutes the references in v, a string written at pos.
func (s *substituter) replace(pos Pos, v string) string {
	if !strings.Contains(v, "${") {
		return v
	}
	var b strings.Builder
	locate := s.locator(pos, v)
	rest := v
	done := 0 // bytes of v already consumed
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		name, def, hasDef, n := parseReference(rest[i:])
		if n == 0 {
			b.WriteString("${")
			rest = rest[i+2:]
			done += i + 2
			continue
		}
		if val, ok := s.lookup(name); ok {
			b.WriteString(val)
		} else if hasDef {
			b.WriteString(def)
		} else {
			switch {
			case len(s.errs) < maxSubstituteErrors:
				s.errs = append(s.errs, s.p.Errorf(locate(done+i),
					"variable %q is not defined (in %s) and has no default; set it, or give one as ${%s:default}", name, rest[i:i+n], name))
			case len(s.errs) == maxSubstituteErrors:
				s.errs = append(s.errs, s.p.Errorf(locate(done+i), "too many undefined variables; stopping here"))
			}
			b.WriteString(rest[i : i+n])
		}
		rest = rest[i+n:]
		done += i + n
	}
}

// parseReference reads ${NAME} or ${NAME:default} at the start of s and
// returns its length, or 0 when s does not start with a reference.
func parseReference(s string) (name, def string, hasDef bool, n int) {
	i := 2
	if i >= len(s) || !(isAlpha(s[i]) || s[i] == '_' || s[i] == '.') {
		return "", "", false, 0
	}
	for i < len(s) && (isAlpha(s[i]) || isDigit(s[i]) || s[i] == '_' || s[i] == '.') {
		i++
	}
	name = s[2:i]
	if i < len(s) && s[i] == '}' {
		return name, "", false, i + 1
	}
	if i < len(s) && s[i] == ':' {
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", "", false, 0
		}
		return name, s[i+1 : i+end], true, i + end + 1
	}
	return "", "", false, 0
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// locator returns a function giving the position of byte off of value v,
// a string literal at pos. When the literal's text in the source is the
// value itself (no escapes were processed), positions are exact; otherwise
// they are the literal's. Positions are computed walking forward, so a
// string with many references costs one pass.
func (s *substituter) locator(pos Pos, v string) func(off int) Pos {
	src, ok := s.p.Sources[pos.File]
	start := -1
	if ok {
		if start = lineOffset(src, pos.Line); start >= 0 {
			start += pos.Col // the opening quote is at pos.Col-1
			if start+len(v) > len(src) || string(src[start:start+len(v)]) != v {
				start = -1
			}
		}
	}
	if start < 0 {
		return func(int) Pos { return pos }
	}
	cur, at := pos, 0
	cur.Col++
	return func(off int) Pos {
		for ; at < off && at < len(v); at++ {
			if v[at] == '\n' {
				cur.Line++
				cur.Col = 1
				continue
			}
			cur.Col++
		}
		return cur
	}
}

// lineOffset returns the offset where 1-based line starts, or -1.
func lineOffset(src []byte, line int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off
}
