package dissect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// fieldKind is what a %{...} section does with the text it captures.
type fieldKind uint8

const (
	kNormal    fieldKind = iota // %{name}
	kSkip                       // %{} or %{?name}: captured, not stored
	kAppend                     // %{+name} or %{+name/N}
	kIndirect                   // %{&name}: stored under the value of name
	kNamedSkip                  // %{?name}: kept only for %{&name}
)

// maxPatternLen and maxFields bound what a mapping may describe.
const (
	maxPatternLen = 64 << 10
	maxFields     = 1024
)

// section is one %{...} of a pattern and the delimiter that follows it.
type section struct {
	kind  fieldKind
	name  string
	order int  // append order (/N); pattern position otherwise
	pad   bool // -> : skip repeats of the following delimiter
	delim string
	// joiner is the delimiter before an append section: the text put
	// between appended values.
	joiner string
}

// dissector is a compiled dissect pattern. It is immutable.
type dissector struct {
	pattern  string
	prefix   string
	sections []section
	// appendNames are the names with append sections, in pattern order.
	appendNames []string
	// appendOnto tells, per append name, whether the value is appended to
	// what the event already holds (no plain %{name} section).
	appendOnto map[string]bool
}

// compile parses a dissect pattern such as "%{ts} %{+ts} %{host} %{msg}".
func compile(p string) (*dissector, error) {
	if len(p) > maxPatternLen {
		return nil, fmt.Errorf("dissect pattern is %d bytes, more than the %d allowed", len(p), maxPatternLen)
	}
	d := &dissector{pattern: p}
	start := strings.Index(p, "%{")
	if start < 0 {
		return nil, fmt.Errorf("dissect pattern %q has no %%{field} section", clip(p))
	}
	d.prefix = p[:start]
	rest := p[start:]
	prevDelim := d.prefix
	seenAppend := map[string]bool{}
	for rest != "" {
		// rest starts with "%{".
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, fmt.Errorf("dissect pattern %q: unclosed %%{ at offset %d", clip(p), len(p)-len(rest))
		}
		sec, err := parseSection(rest[2:end])
		if err != nil {
			return nil, fmt.Errorf("dissect pattern %q: section %q: %w", clip(p), rest[:end+1], err)
		}
		rest = rest[end+1:]
		next := strings.Index(rest, "%{")
		if next < 0 {
			sec.delim, rest = rest, ""
		} else {
			sec.delim, rest = rest[:next], rest[next:]
			if sec.delim == "" {
				return nil, fmt.Errorf("dissect pattern %q: %%{%s} is followed directly by another section; sections need a delimiter between them", clip(p), sec.name)
			}
		}
		// Appended values are joined by the delimiter before their
		// section; the first section has none, and a space is used.
		sec.joiner = prevDelim
		if len(d.sections) == 0 {
			sec.joiner = " "
		}
		prevDelim = sec.delim
		if sec.kind != kAppend {
			sec.order = len(d.sections)
		}
		if sec.kind == kAppend && !seenAppend[sec.name] {
			seenAppend[sec.name] = true
			d.appendNames = append(d.appendNames, sec.name)
		}
		d.sections = append(d.sections, sec)
		if len(d.sections) > maxFields {
			return nil, fmt.Errorf("dissect pattern %q has more than %d sections", clip(p), maxFields)
		}
	}
	// A plain %{a} alongside %{+a} starts the appended value (and
	// replaces what the event held).
	d.appendOnto = make(map[string]bool, len(d.appendNames))
	for _, n := range d.appendNames {
		d.appendOnto[n] = true
	}
	for i := range d.sections {
		s := &d.sections[i]
		if s.kind == kNormal && seenAppend[s.name] {
			s.kind, s.order = kAppend, -1
			d.appendOnto[s.name] = false
		}
	}
	return d, nil
}

func parseSection(s string) (section, error) {
	var sec section
	if strings.HasSuffix(s, "->") {
		sec.pad = true
		s = s[:len(s)-2]
	}
	if strings.Contains(s, "%{") {
		return sec, fmt.Errorf("nested %%{")
	}
	switch {
	case s == "" || s == "?":
		sec.kind = kSkip
		return sec, nil
	case s[0] == '?':
		sec.kind, sec.name = kNamedSkip, s[1:]
	case s[0] == '&':
		sec.kind, sec.name = kIndirect, s[1:]
	case s[0] == '+':
		sec.kind, sec.name = kAppend, s[1:]
		if i := strings.LastIndexByte(sec.name, '/'); i >= 0 {
			n, err := strconv.Atoi(sec.name[i+1:])
			if err != nil || n < 0 || n > 1<<20 {
				return sec, fmt.Errorf("append order %q is not a small whole number", sec.name[i+1:])
			}
			sec.order, sec.name = n, sec.name[:i]
		}
	default:
		sec.kind, sec.name = kNormal, s
	}
	if sec.name == "" {
		return sec, fmt.Errorf("missing field name")
	}
	if strings.ContainsAny(sec.name[:1], "?&+") {
		return sec, fmt.Errorf("more than one modifier")
	}
	return sec, nil
}

// capture is one value found by a dissection, to be stored under key.
// When onto is set, the value is appended to the field's current value
// (if any) after joiner.
type capture struct {
	key, value string
	onto       bool
	joiner     string
}

// appendPart is one piece of an appended value.
type appendPart struct {
	order         int
	pos           int
	joiner, value string
}

// dissect splits s. It appends the values to store to dst and returns it,
// or reports that s does not fit the pattern. lookup resolves %{&name}
// keys that are not captured by the pattern itself.
func (d *dissector) dissect(dst []capture, s string, lookup func(string) (string, bool)) ([]capture, bool) {
	if !strings.HasPrefix(s, d.prefix) {
		return dst, false
	}
	pos := len(d.prefix)
	var (
		values [64]string
		vals   = values[:0]
	)
	for i := range d.sections {
		sec := &d.sections[i]
		var v string
		if sec.delim == "" { // the last section takes the rest
			v, pos = s[pos:], len(s)
		} else {
			j := strings.Index(s[pos:], sec.delim)
			if j < 0 {
				return dst, false
			}
			v = s[pos : pos+j]
			pos += j + len(sec.delim)
			if sec.pad {
				for strings.HasPrefix(s[pos:], sec.delim) {
					pos += len(sec.delim)
				}
			}
		}
		vals = append(vals, v)
	}
	for i := range d.sections {
		sec := &d.sections[i]
		switch sec.kind {
		case kNormal:
			dst = append(dst, capture{key: sec.name, value: vals[i]})
		case kIndirect:
			key, ok := d.captured(sec.name, vals)
			if !ok && lookup != nil {
				key, ok = lookup(sec.name)
			}
			if ok && key != "" {
				dst = append(dst, capture{key: key, value: vals[i]})
			}
		}
	}
	for _, name := range d.appendNames {
		var parts []appendPart
		for i := range d.sections {
			sec := &d.sections[i]
			if sec.kind == kAppend && sec.name == name {
				parts = append(parts, appendPart{sec.order, i, sec.joiner, vals[i]})
			}
		}
		sort.SliceStable(parts, func(a, b int) bool { return parts[a].order < parts[b].order })
		var b strings.Builder
		for k, p := range parts {
			if k > 0 {
				b.WriteString(p.joiner)
			}
			b.WriteString(p.value)
		}
		dst = append(dst, capture{key: name, value: b.String(), onto: d.appendOnto[name], joiner: parts[0].joiner})
	}
	return dst, true
}

// captured returns the value a named section of this pattern found.
func (d *dissector) captured(name string, vals []string) (string, bool) {
	for i := range d.sections {
		sec := &d.sections[i]
		if sec.name == name && (sec.kind == kNamedSkip || sec.kind == kNormal) {
			return vals[i], true
		}
	}
	return "", false
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
