package scripting

import (
	"regexp"
	"strings"
)

// Configurations copied from Logstash carry Ruby code. When such code does
// not compile, say so and show the Starlark spelling of what was found.
var rubyHints = []struct {
	re   *regexp.Regexp
	hint string
}{
	{regexp.MustCompile(`\|\|=`), "`x ||= v` is `x = x if x != None else v`, or for a dict entry `d['k'] = d.get('k', v)`"},
	{regexp.MustCompile(`\w+\?\s*\(|\.nil\?|include\?`), "Ruby's `?` methods: `include?(f)` is `include(f)`, `x.nil?` is `x == None`"},
	{regexp.MustCompile(`\bunless\b`), "`unless c` is `if not c:`"},
	{regexp.MustCompile(`#\{`), "`\"#{a} #{b}\"` is `'%s %s' % (a, b)`"},
	{regexp.MustCompile(`=~`), "`s =~ /re/` is `re.search(r're', s)`"},
	{regexp.MustCompile(`\bdo\s*\|`), "blocks: `arr.each do |x| ... end` is `for x in arr:` with an indented body"},
	{regexp.MustCompile(`\{\s*\|\w+`), "blocks: `arr.map { |x| f(x) }` is `[f(x) for x in arr]`"},
	{regexp.MustCompile(`\]\s*<<`), "`list << x` is `list.append(x)`"},
	{regexp.MustCompile(`(?m)^\s*end\s*$`), "there is no `end`: blocks are indented, as in Python"},
	{regexp.MustCompile(`\bnil\b`), "`nil` is `None`"},
	{regexp.MustCompile(`\.(to_i|to_f|to_s|downcase|upcase|length)\b`), "`x.to_i`/`to_f`/`to_s` are `int(x)`/`float(x)`/`str(x)`; `s.downcase`/`upcase` are `s.lower()`/`s.upper()`; `x.length` is `len(x)`"},
	{regexp.MustCompile(`\bevent\.(cancel|to_hash)\b[^(]`), "methods need parentheses: `event.cancel()`, `event.to_dict()`"},
}

// rubyHint returns advice when src looks like Ruby, or "".
func rubyHint(src string) string {
	var found []string
	for _, h := range rubyHints {
		if h.re.MatchString(src) {
			found = append(found, h.hint)
		}
	}
	if len(found) == 0 {
		return ""
	}
	if len(found) > 3 {
		found = found[:3]
	}
	return " (this looks like Ruby: Sluice scripts are Starlark, a Python dialect; " +
		strings.Join(found, "; ") + "; see docs/scripting.md)"
}
