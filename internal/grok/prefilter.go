package grok

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// A prefilter is a condition on the text that every match satisfies: an
// AND/OR tree of substrings (the method of RE2's prefilter). Checking it
// costs a few substring searches and rejects most non-matching lines
// without running the expression.
type prefilter struct {
	op   pfOp
	lit  string       // pfLit
	subs []*prefilter // pfAnd, pfOr
}

type pfOp uint8

const (
	pfAll pfOp = iota // always true
	pfLit
	pfAnd
	pfOr
)

// Limits: exact sets stay small, literals short enough to be selective.
const (
	maxExact   = 16
	minLiteral = 2
)

// info describes a sub-expression: either the exact set of strings it can
// match (exact != nil), or a condition (match) every match satisfies.
type info struct {
	exact []string
	match *prefilter
}

var all = &prefilter{op: pfAll}

func (p *prefilter) ok(s string) bool {
	switch p.op {
	case pfLit:
		return strings.Contains(s, p.lit)
	case pfAnd:
		for _, sub := range p.subs {
			if !sub.ok(s) {
				return false
			}
		}
		return true
	case pfOr:
		for _, sub := range p.subs {
			if sub.ok(s) {
				return true
			}
		}
		return false
	}
	return true
}

// missCost estimates how many substring searches rejecting a text takes:
// an AND usually stops at its first part, an OR tries every part.
func (p *prefilter) missCost() int {
	switch p.op {
	case pfLit:
		return 1
	case pfAnd:
		return p.subs[0].missCost()
	}
	n := 0
	for _, sub := range p.subs {
		n += sub.missCost()
	}
	return n
}

// toMatch turns an exact set into a condition: any of the strings; if one
// is shorter than minLiteral, nothing is known.
func (i info) toMatch() *prefilter {
	if i.exact == nil {
		return i.match
	}
	if len(i.exact) == 0 {
		return all // matches nothing; keep it simple
	}
	var subs []*prefilter
	for _, s := range i.exact {
		if len(s) < minLiteral {
			return all
		}
		subs = append(subs, &prefilter{op: pfLit, lit: s})
	}
	if len(subs) == 1 {
		return subs[0]
	}
	return &prefilter{op: pfOr, subs: subs}
}

func and(a, b *prefilter) *prefilter {
	if a.op == pfAll {
		return b
	}
	if b.op == pfAll {
		return a
	}
	var subs []*prefilter
	for _, x := range []*prefilter{a, b} {
		if x.op == pfAnd {
			subs = append(subs, x.subs...)
		} else {
			subs = append(subs, x)
		}
	}
	return &prefilter{op: pfAnd, subs: subs}
}

func or(a, b *prefilter) *prefilter {
	if a.op == pfAll || b.op == pfAll {
		return all
	}
	var subs []*prefilter
	for _, x := range []*prefilter{a, b} {
		if x.op == pfOr {
			subs = append(subs, x.subs...)
		} else {
			subs = append(subs, x)
		}
	}
	return &prefilter{op: pfOr, subs: subs}
}

func cross(a, b []string) []string {
	if len(a)*len(b) > maxExact {
		return nil
	}
	out := make([]string, 0, len(a)*len(b))
	seen := map[string]bool{}
	for _, x := range a {
		for _, y := range b {
			if !seen[x+y] {
				seen[x+y] = true
				out = append(out, x+y)
			}
		}
	}
	return out
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{a, b} {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	if len(out) > maxExact {
		return nil
	}
	return out
}

func buildPrefilter(re *syntax.Regexp) *prefilter {
	p := analyze(re).toMatch()
	if p.op == pfAll {
		return nil
	}
	return p
}

func analyze(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return info{exact: []string{""}}
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return info{match: all}
		}
		for _, r := range re.Rune {
			if r == utf8.RuneError {
				return info{match: all} // also matches invalid UTF-8
			}
		}
		return info{exact: []string{string(re.Rune)}}
	case syntax.OpCharClass:
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(set) >= maxExact || !utf8.ValidRune(r) || r == utf8.RuneError {
					return info{match: all}
				}
				set = append(set, string(r))
			}
		}
		if len(set) == 0 {
			return info{match: all}
		}
		return info{exact: set}
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		return info{match: all}
	case syntax.OpPlus:
		return info{match: analyze(re.Sub[0]).toMatch()}
	case syntax.OpRepeat:
		if re.Min == 0 {
			return info{match: all}
		}
		return info{match: analyze(re.Sub[0]).toMatch()}
	case syntax.OpConcat:
		// The exact strings of consecutive parts are multiplied out (so
		// ":" then " (" gives ": ("), and folded into the condition
		// when a part is not exact or the set grows too big.
		cond, tail, exact := all, []string{""}, true
		for _, sub := range re.Sub {
			si := analyze(sub)
			if si.exact != nil {
				if x := cross(tail, si.exact); x != nil {
					tail = x
					continue
				}
				cond = and(cond, info{exact: tail}.toMatch())
				tail, exact = si.exact, false
				continue
			}
			cond = and(and(cond, info{exact: tail}.toMatch()), si.match)
			tail, exact = []string{""}, false
		}
		if exact {
			return info{exact: tail}
		}
		return info{match: and(cond, info{exact: tail}.toMatch())}
	case syntax.OpAlternate:
		var cur info
		for i, sub := range re.Sub {
			si := analyze(sub)
			if i == 0 {
				cur = si
				continue
			}
			if cur.exact != nil && si.exact != nil {
				if u := union(cur.exact, si.exact); u != nil {
					cur = info{exact: u}
					continue
				}
			}
			cur = info{match: or(cur.toMatch(), si.toMatch())}
		}
		return cur
	}
	return info{match: all}
}
