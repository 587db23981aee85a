package useragent

import (
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/ua-parser/uap-go/uaparser"
)

// A cache miss runs hundreds of regular expressions in turn until one
// matches; most of them cannot match a given user agent. Each expression
// gets a prefilter: a literal that every match must contain (the longest
// such literal found in the expression's syntax tree). An expression is
// run only when the user agent contains its literal, which skips most of
// them cheaply. The results are the same as uap-go's own loops.

// lit is a literal; fold means ASCII case-insensitive (lit is then in
// lower case).
type lit struct {
	s    string
	fold bool
}

// need is a prefilter: at least one of its literals occurs in every string
// the expression matches. An empty need means "always try".
type need []lit

// ok reports whether s may match. lower is s in lower case, or "" when s
// has non-ASCII bytes: Unicode case folding ('ſ' matches (?i)s) then makes
// a case-insensitive literal no sure test.
func (n need) ok(s, lower string) bool {
	if len(n) == 0 {
		return true
	}
	for _, l := range n {
		switch {
		case l.fold && (lower == "" || strings.Contains(lower, l.s)):
			return true
		case !l.fold && strings.Contains(s, l.s):
			return true
		}
	}
	return false
}

// score is how selective n is: the length of its shortest literal.
func (n need) score() int {
	if len(n) == 0 {
		return 0
	}
	m := len(n[0].s)
	for _, l := range n[1:] {
		m = min(m, len(l.s))
	}
	return m
}

// maxAlternatives bounds the literals of one prefilter.
const maxAlternatives = 512

// filter is a conjunction of needs: every one must be met.
type filter []need

func (f filter) ok(s, lower string) bool {
	for _, n := range f {
		if !n.ok(s, lower) {
			return false
		}
	}
	return true
}

// best is the most selective need of f.
func (f filter) best() need {
	var b need
	for _, n := range f {
		if n.score() > b.score() {
			b = n
		}
	}
	return b
}

// needOf returns the prefilter of re.
func needOf(re *regexp.Regexp) filter {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	return required(t)
}

// required finds needs that every match of t meets.
func required(t *syntax.Regexp) filter {
	switch t.Op {
	case syntax.OpLiteral:
		s := string(t.Rune)
		if t.Flags&syntax.FoldCase != 0 {
			for _, r := range t.Rune {
				if r >= 0x80 {
					return nil // non-ASCII folding: not worth the care
				}
			}
			return filter{{{s: strings.ToLower(s), fold: true}}}
		}
		return filter{{{s: s}}}
	case syntax.OpCapture, syntax.OpPlus:
		return required(t.Sub[0])
	case syntax.OpRepeat:
		if t.Min >= 1 {
			return required(t.Sub[0])
		}
	case syntax.OpConcat:
		var all filter
		for _, s := range t.Sub {
			all = append(all, required(s)...)
		}
		return all
	case syntax.OpAlternate:
		var any need
		for _, s := range t.Sub {
			n := required(s).best()
			if len(n) == 0 || len(any)+len(n) > maxAlternatives {
				return nil
			}
			any = append(any, n...)
		}
		return filter{any}
	}
	return nil
}

// fastParser runs uap-go's expressions with prefilters.
type fastParser struct {
	p                    *uaparser.Parser
	ua, os, device       []filter
	uaAny, osAny, devAny bool // some prefilter is case-insensitive
}

func newFastParser(p *uaparser.Parser) *fastParser {
	f := &fastParser{p: p}
	for _, x := range p.RegexDefinitions.UA {
		f.ua = append(f.ua, needOf(x.Reg))
	}
	for _, x := range p.RegexDefinitions.OS {
		f.os = append(f.os, needOf(x.Reg))
	}
	for _, x := range p.RegexDefinitions.Device {
		f.device = append(f.device, needOf(x.Reg))
	}
	return f
}

// parse returns what uap-go's ParseUserAgent, ParseOs and ParseDevice
// return, without their caches.
func (f *fastParser) parse(line string) (*uaparser.UserAgent, *uaparser.Os, *uaparser.Device) {
	lower := ""
	if isASCII(line) {
		lower = strings.ToLower(line)
	}
	ua := new(uaparser.UserAgent)
	for i, x := range f.p.RegexDefinitions.UA {
		if !f.ua[i].ok(line, lower) {
			continue
		}
		if x.Match(line, ua); ua.Family != "" {
			break
		}
	}
	if ua.Family == "" {
		ua.Family = "Other"
	}
	os := new(uaparser.Os)
	for i, x := range f.p.RegexDefinitions.OS {
		if !f.os[i].ok(line, lower) {
			continue
		}
		if x.Match(line, os); os.Family != "" {
			break
		}
	}
	if os.Family == "" {
		os.Family = "Other"
	}
	dev := new(uaparser.Device)
	for i, x := range f.p.RegexDefinitions.Device {
		if !f.device[i].ok(line, lower) {
			continue
		}
		if x.Match(line, dev); dev.Family != "" {
			break
		}
	}
	if dev.Family == "" {
		dev.Family = "Other"
	}
	return ua, os, dev
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
