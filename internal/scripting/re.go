package scripting

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// reModule is a small regular-expression module for what Ruby snippets do
// with =~, match, scan, gsub and split. Patterns use Go's RE2 syntax (as
// Sluice's conditionals do): linear time, no backreferences.
//
//	re.search(pattern, s)  -> None, or a list: [whole match, group 1, ...]
//	re.match(pattern, s)   -> as search, anchored at the start of s
//	re.groups(pattern, s)  -> None, or a dict of the named groups
//	re.findall(pattern, s) -> list of matches (of group 1 when there is one
//	                          group, of tuples of groups when more)
//	re.sub(pattern, repl, s, count=0) -> s with matches replaced; repl may
//	                          use \1 or \g<name> as Python's does
//	re.split(pattern, s, maxsplit=0) -> list of strings
var reModule = &starlarkstruct.Module{
	Name: "re",
	Members: starlark.StringDict{
		"search":  starlark.NewBuiltin("re.search", reSearch),
		"match":   starlark.NewBuiltin("re.match", reSearch),
		"groups":  starlark.NewBuiltin("re.groups", reGroups),
		"findall": starlark.NewBuiltin("re.findall", reFindall),
		"sub":     starlark.NewBuiltin("re.sub", reSub),
		"split":   starlark.NewBuiltin("re.split", reSplit),
	},
}

// maxPatternLen bounds a pattern's size; RE2 keeps matching linear.
const maxPatternLen = 4096

var reCache struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

func compileRE(pattern string, anchored bool) (*regexp.Regexp, error) {
	if len(pattern) > maxPatternLen {
		return nil, fmt.Errorf("pattern longer than %d bytes", maxPatternLen)
	}
	key := pattern
	if anchored {
		key = "\x00" + pattern
	}
	reCache.Lock()
	re, ok := reCache.m[key]
	reCache.Unlock()
	if ok {
		return re, nil
	}
	src := pattern
	if anchored {
		src = `\A(?:` + pattern + `)`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	reCache.Lock()
	if reCache.m == nil || len(reCache.m) >= 1024 {
		reCache.m = map[string]*regexp.Regexp{}
	}
	reCache.m[key] = re
	reCache.Unlock()
	return re, nil
}

func groupValue(s string, loc []int, i int) starlark.Value {
	if loc[2*i] < 0 {
		return starlark.None
	}
	return starlark.String(s[loc[2*i]:loc[2*i+1]])
}

func reSearch(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &pattern, &s); err != nil {
		return nil, err
	}
	re, err := compileRE(pattern, b.Name() == "re.match")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		return starlark.None, nil
	}
	out := make([]starlark.Value, len(loc)/2)
	for i := range out {
		out[i] = groupValue(s, loc, i)
	}
	return starlark.NewList(out), nil
}

func reGroups(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &pattern, &s); err != nil {
		return nil, err
	}
	re, err := compileRE(pattern, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		return starlark.None, nil
	}
	d := starlark.NewDict(len(loc) / 2)
	for i, name := range re.SubexpNames() {
		if name != "" {
			_ = d.SetKey(starlark.String(name), groupValue(s, loc, i))
		}
	}
	return d, nil
}

func reFindall(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &pattern, &s); err != nil {
		return nil, err
	}
	re, err := compileRE(pattern, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	var out []starlark.Value
	n := re.NumSubexp()
	for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
		switch n {
		case 0:
			out = append(out, groupValue(s, loc, 0))
		case 1:
			out = append(out, groupValue(s, loc, 1))
		default:
			t := make(starlark.Tuple, n)
			for i := range t {
				t[i] = groupValue(s, loc, i+1)
			}
			out = append(out, t)
		}
	}
	return starlark.NewList(out), nil
}

// pyRepl converts Python replacement syntax (\1, \g<1>, \g<name>) to Go's.
func pyRepl(repl string) string {
	if !strings.ContainsAny(repl, `\$`) {
		return repl
	}
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(repl):
			n := repl[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(repl) && repl[j] >= '0' && repl[j] <= '9' && j < i+3 {
					j++
				}
				b.WriteString("${" + repl[i+1:j] + "}")
				i = j - 1
			case n == 'g' && i+2 < len(repl) && repl[i+2] == '<':
				end := strings.IndexByte(repl[i+3:], '>')
				if end < 0 {
					b.WriteByte(c)
					continue
				}
				b.WriteString("${" + repl[i+3:i+3+end] + "}")
				i = i + 3 + end
			case n == 'n':
				b.WriteByte('\n')
				i++
			case n == 't':
				b.WriteByte('\t')
				i++
			case n == '\\':
				b.WriteByte('\\')
				i++
			default:
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func reSub(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, repl, s string
	count := 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pattern", &pattern, "repl", &repl, "string", &s, "count?", &count); err != nil {
		return nil, err
	}
	re, err := compileRE(pattern, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	tmpl := pyRepl(repl)
	var out []byte
	last, n := 0, 0
	for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
		if count > 0 && n >= count {
			break
		}
		out = append(out, s[last:loc[0]]...)
		out = re.ExpandString(out, tmpl, s, loc)
		last = loc[1]
		n++
	}
	out = append(out, s[last:]...)
	return starlark.String(out), nil
}

func reSplit(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, s string
	maxsplit := 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pattern", &pattern, "string", &s, "maxsplit?", &maxsplit); err != nil {
		return nil, err
	}
	re, err := compileRE(pattern, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	n := -1
	if maxsplit > 0 {
		n = maxsplit + 1
	}
	parts := re.Split(s, n)
	out := make([]starlark.Value, len(parts))
	for i, p := range parts {
		out[i] = starlark.String(p)
	}
	return starlark.NewList(out), nil
}
