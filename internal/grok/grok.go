// Package grok is Sluice's grok engine: it expands grok expressions
// (%{SYNTAX:SEMANTIC:type}, inline (?<name>...) groups) into one Go
// regular expression (RE2, linear time) whose groups map to field names,
// and matches it quickly.
//
// Oniguruma constructs RE2 lacks are translated: atomic groups (?>...)
// become plain groups and possessive quantifiers (*+, ++, ?+, {n,m}+)
// become greedy ones — for the catalog's patterns, which never rely on
// backtracking into them, the result is the same. A lookbehind or
// lookahead, (?<!x), (?<={ ), (?= } ntoreturn:), becomes an empty marker
// group and is checked after the match at the marker's position (one
// character against a class, a literal by comparison, anything else with
// its own anchored regexp; lookbehinds must have a bounded length, as in
// Oniguruma); when RE2's preferred match breaks one, a backtracking
// matcher over the same program (exact.go) finds the match Oniguruma
// finds. A positive lookahead may hold captures (SYSLOGPAMSESSION's
// (?=%{GREEDYDATA:message})): they are filled from its own match.
// Back-references, captures in other lookarounds and nested lookarounds
// are rejected with an error naming the construct. Ruby's (?m) becomes
// RE2's (?s), and ^ and $ match at line breaks as in Ruby.
//
// Speed: a match is first tried anchored at position 0 (most log patterns
// match from the line start, and an anchored attempt fails fast), then
// unanchored; both give the same leftmost-first captures. Before that, a
// line no match is possible in is rejected cheaply: by literal strings
// every match must contain (prefilter.go) and by a lazily built DFA over
// the expression with its assertions relaxed (dfa.go), so a line that
// matches none of a filter's patterns costs one pass per pattern.
package grok

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type is the conversion applied to a captured value.
type Type uint8

// Conversions.
const (
	String Type = iota
	Int
	Float
)

// Capture describes one group of a compiled pattern.
type Capture struct {
	// Name is the SEMANTIC (field name or [field][reference]), or the
	// SYNTAX name for %{SYNTAX} captures when named captures only is off.
	Name string
	// Type is the conversion (%{NUMBER:n:int}).
	Type Type
	// Named is false for %{SYNTAX} without a SEMANTIC.
	Named bool
	group int
}

// lookaround is a lookbehind or lookahead, checked after the match at the
// position its empty marker group recorded. A one-character body is
// checked with class, a literal one with lit, any other with re (anchored
// at the position). A lookahead may hold captures (SYSLOGPAMSESSION's
// (?=%{GREEDYDATA:message})): their groups follow the marker as empty
// placeholders in the expression, and fill copies re's groups into them.
type lookaround struct {
	group  int
	class  *regexp.Regexp
	lit    string
	re     *regexp.Regexp
	negate bool
	ahead  bool
	fill   int // number of capture groups in the body
	width  int // most bytes a lookbehind's re can match
}

// Pattern is a compiled grok expression. It is safe for concurrent use.
type Pattern struct {
	source    string
	expanded  string
	re        *regexp.Regexp
	anchored  *regexp.Regexp // nil when re is anchored at the start already
	pre       *prefilter     // a condition every match meets, or nil
	dfa       *dfa           // rejects texts with no match, or nil
	preCheap  bool           // pre rejects with at most two substring searches
	captures  []Capture
	behinds   []lookaround
	numGroups int
	// lite is the pattern with the catalog's IPV6 removed and HOSTNAME's
	// labels unbounded; see liteExact for when it may be used.
	exact              *exact   // nil without lookarounds
	multiline          *Pattern // for texts with a newline, when the pattern has ^ or $
	lite, liteAnchored *regexp.Regexp
	liteIPv6           bool // lite drops the IPv6 branch
	liteHostname       bool // lite has unbounded hostname labels
	liteEmail          bool // lite has unbounded e-mail local part atoms
	fills              bool // a lookahead holds captures
}

// Definitions looks pattern names up.
type Definitions func(name string) (string, bool)

// MaxDepth bounds the nesting of %{} references.
const MaxDepth = 64

// maxExpanded bounds the size of an expanded expression.
const maxExpanded = 4 << 20

// Compile expands expr with defs and compiles it. With namedOnly, only
// %{SYNTAX:SEMANTIC} and (?<name>) groups are captures; otherwise %{SYNTAX}
// is captured under its SYNTAX name too.
func Compile(expr string, defs Definitions, namedOnly bool) (*Pattern, error) {
	p, err := compile(expr, defs, namedOnly, "")
	if err != nil {
		return nil, err
	}
	// Ruby's ^ and $ match at line breaks. Texts without a line break do
	// not need that (and RE2 runs a pattern anchored with ^ at the text
	// start much faster), so the multi-line variant is only for texts
	// holding a newline, and only when the pattern has ^ or $.
	if parsed, err := syntax.Parse(p.expanded, syntax.Perl); err == nil && hasLineAnchors(parsed) {
		if p.multiline, err = compile(expr, defs, namedOnly, "(?m)"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func hasLineAnchors(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine:
		return true
	}
	for _, sub := range re.Sub {
		if hasLineAnchors(sub) {
			return true
		}
	}
	return false
}

func compile(expr string, defs Definitions, namedOnly bool, flags string) (*Pattern, error) {
	c := &compiler{defs: defs, namedOnly: namedOnly}
	var b strings.Builder
	b.WriteString(flags)
	if err := c.expand(&b, expr, nil); err != nil {
		return nil, err
	}
	expanded := b.String()
	re, err := regexp.Compile(expanded)
	if err != nil {
		return nil, fmt.Errorf("grok pattern %q: %w", expr, cleanRegexpError(err))
	}
	if re.NumSubexp() != c.groups {
		// Every group in the expansion is one of ours; a mismatch would
		// map captures to the wrong groups (or past the match).
		return nil, fmt.Errorf("grok pattern %q: expands to %d groups where %d were written (please report this)", expr, re.NumSubexp(), c.groups)
	}
	p := &Pattern{source: expr, expanded: expanded, re: re, captures: c.captures, behinds: c.behinds, numGroups: re.NumSubexp()}
	sort.Slice(p.captures, func(i, j int) bool { return p.captures[i].group < p.captures[j].group })
	if len(p.behinds) > 0 {
		p.exact = newExact(expanded, p.numGroups, p.behinds)
	}
	for _, la := range p.behinds {
		p.fills = p.fills || la.fill > 0
	}
	if parsed, err := syntax.Parse(expanded, syntax.Perl); err == nil {
		parsed = parsed.Simplify()
		if !startsAnchored(parsed) {
			p.anchored, _ = regexp.Compile(`^(?:` + expanded + `)`)
		}
		p.pre = buildPrefilter(parsed)
	}
	p.dfa = newDFA(expanded)
	p.preCheap = p.pre != nil && (p.pre.missCost() <= 2 || p.dfa == nil)
	if c.usedIPv6 || c.usedHostname || c.usedEmail {
		// A variant without the IPv6 branch and with unbounded hostname
		// labels: far smaller, so Go runs it with its backtracker instead
		// of the NFA. It is exact on text where no IPv6 address can occur
		// and no run of label characters is longer than a label may be.
		lc := &compiler{defs: func(name string) (string, bool) {
			def, ok := defs(name)
			switch {
			case name == "IPV6" && def == builtinIPv6:
				return `[^\x00-\x{10FFFF}]`, true
			case name == "HOSTNAME" && def == builtinHostname:
				return unboundedHostname, true
			case name == "EMAILLOCALPART" && def == builtinEmailLocal:
				return unboundedEmailLocal, true
			}
			return def, ok
		}, namedOnly: namedOnly}
		var lb strings.Builder
		lb.WriteString(flags)
		if lc.expand(&lb, expr, nil) == nil {
			if lre, err := regexp.Compile(lb.String()); err == nil && lre.NumSubexp() == re.NumSubexp() {
				p.lite, p.liteIPv6, p.liteHostname, p.liteEmail = lre, c.usedIPv6, c.usedHostname, c.usedEmail
				if p.anchored != nil {
					p.liteAnchored, _ = regexp.Compile(`^(?:` + lb.String() + `)`)
				}
			}
		}
	}
	return p, nil
}

// liteExact reports whether the lite variant gives the same result as
// the full expression on s: no IPv6 address (as the catalog's IPV6
// defines it) can occur in s — every such address holds "::" or six
// colons — and no run of hostname label characters is longer than the
// 63 bytes a label may have, so the label bound never applies; and, for
// the ECS EMAILLOCALPART, either no '@' can end a local part or no run of
// its atom characters is longer than the 62 bytes its atoms may have.
func (p *Pattern) liteExact(s string) bool {
	colons, run, atomRun := 0, 0, 0
	prevColon := false
	// Without an '@' no e-mail local part can match, bounded or not.
	emailBound := p.liteEmail && strings.IndexByte(s, '@') >= 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if emailBound {
			if emailAtom[ch] {
				atomRun++
				if atomRun > 62 {
					return false
				}
			} else {
				atomRun = 0
			}
		}
		if ch == ':' {
			if prevColon && p.liteIPv6 {
				return false
			}
			colons++
			prevColon = true
		} else {
			prevColon = false
		}
		if ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '-' {
			run++
			if run > 63 && p.liteHostname {
				return false
			}
		} else {
			run = 0
		}
	}
	return !p.liteIPv6 || colons < 6
}

func cleanRegexpError(err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		arg := se.Expr
		if len(arg) > 60 {
			arg = arg[:60] + "…"
		}
		return fmt.Errorf("%s: %q", se.Code, arg)
	}
	return err
}

// String returns the grok expression.
func (p *Pattern) String() string { return p.source }

// Expanded returns the Go regular expression the pattern compiled to.
func (p *Pattern) Expanded() string { return p.expanded }

// Captures lists the capture groups, in group order.
func (p *Pattern) Captures() []Capture { return p.captures }

// Value returns capture i's text in s given Match's result, and whether
// the group took part in the match.
func (p *Pattern) Value(s string, m []int, i int) (string, bool) {
	g := p.captures[i].group
	if m[2*g] < 0 {
		return "", false
	}
	return s[m[2*g]:m[2*g+1]], true
}

// Match matches s and returns the submatch index pairs (as
// regexp.FindStringSubmatchIndex does), or nil.
func (p *Pattern) Match(s string) []int {
	if p.multiline != nil && strings.IndexByte(s, '\n') >= 0 {
		return p.multiline.Match(s)
	}
	m := p.match(s)
	if m != nil && p.fills {
		p.fillLookaheads(s, m)
	}
	return m
}

func (p *Pattern) match(s string) []int {
	// A prefilter that rejects with one or two substring searches is the
	// cheapest check; a longer one (an OR of many) costs more than the
	// DFA's single pass, and the DFA (exact on the expression without its
	// assertions) implies it, so it only runs once the DFA gave up.
	if p.pre != nil && p.preCheap && !p.pre.ok(s) {
		return nil
	}
	if !p.dfa.possible(s) {
		return nil
	}
	if p.pre != nil && !p.preCheap && !p.dfa.alive() && !p.pre.ok(s) {
		return nil
	}
	re, anchored := p.re, p.anchored
	if p.lite != nil && p.liteExact(s) {
		re, anchored = p.lite, p.liteAnchored
	}
	if anchored != nil {
		if m := anchored.FindStringSubmatchIndex(s); m != nil {
			if p.behindOK(s, m) {
				return m
			}
			if m, ok := p.exact.match(p, s); ok {
				return m
			}
		}
	}
	off := 0
	for off <= len(s) {
		m := re.FindStringSubmatchIndex(s[off:])
		if m == nil {
			return nil
		}
		if off > 0 {
			for i := range m {
				if m[i] >= 0 {
					m[i] += off
				}
			}
		}
		if p.behindOK(s, m) {
			return m
		}
		// RE2's preferred match breaks a lookaround: find Oniguruma's.
		if m, ok := p.exact.match(p, s); ok {
			return m
		}
		// Too long to match exactly: resume one character after this
		// match's start.
		_, size := utf8.DecodeRuneInString(s[m[0]:])
		if size == 0 {
			size = 1
		}
		off = m[0] + size
	}
	return nil
}

func (p *Pattern) behindOK(s string, m []int) bool {
	for i := range p.behinds {
		if pos := m[2*p.behinds[i].group]; pos >= 0 && !p.behinds[i].holds(s, pos) {
			return false
		}
	}
	return true
}

// holds reports whether the lookaround is true at pos in s.
func (la *lookaround) holds(s string, pos int) bool {
	var ok bool
	switch {
	case la.class == nil && la.re == nil:
		if la.ahead {
			ok = strings.HasPrefix(s[pos:], la.lit)
		} else {
			ok = strings.HasSuffix(s[:pos], la.lit)
		}
	case la.re != nil:
		if la.ahead {
			ok = la.re.MatchString(s[pos:])
		} else {
			from := max(pos-la.width, 0)
			for from > 0 && !utf8.RuneStart(s[from]) {
				from--
			}
			ok = la.re.MatchString(s[from:pos])
		}
	case la.ahead:
		if pos < len(s) {
			_, size := utf8.DecodeRuneInString(s[pos:])
			ok = la.class.MatchString(s[pos : pos+size])
		}
	case pos > 0:
		_, size := utf8.DecodeLastRuneInString(s[:pos])
		ok = la.class.MatchString(s[pos-size : pos])
	}
	return ok != la.negate
}

// fillLookaheads sets the groups of capturing lookaheads in m: the
// lookahead's own expression, matched at its position, gives them.
func (p *Pattern) fillLookaheads(s string, m []int) {
	for i := range p.behinds {
		la := &p.behinds[i]
		if la.fill == 0 {
			continue
		}
		pos := m[2*la.group]
		var sub []int
		if pos >= 0 {
			sub = la.re.FindStringSubmatchIndex(s[pos:])
		}
		for k := 1; k <= la.fill; k++ {
			g := la.group + k
			m[2*g], m[2*g+1] = -1, -1
			if sub != nil && sub[2*k] >= 0 {
				m[2*g], m[2*g+1] = sub[2*k]+pos, sub[2*k+1]+pos
			}
		}
	}
}

// UnknownPatternError is returned for a %{NAME} that no definition has.
type UnknownPatternError struct {
	Name   string
	UsedBy string // the pattern whose definition refers to Name, if any
}

func (e *UnknownPatternError) Error() string {
	if e.UsedBy == "" {
		return "unknown pattern " + e.Name
	}
	return fmt.Sprintf("unknown pattern %s (used by %s)", e.Name, e.UsedBy)
}

type compiler struct {
	defs         Definitions
	namedOnly    bool
	captures     []Capture
	behinds      []lookaround
	groups       int // capture groups emitted so far
	usedIPv6     bool
	usedHostname bool
	usedEmail    bool
}

var errTooBig = errors.New("expanded expression is larger than 4 MiB")

// expand writes expr translated to RE2 syntax into b. stack holds the
// pattern names being expanded (for cycle detection and error messages).
func (c *compiler) expand(b *strings.Builder, expr string, stack []string) error {
	where := func() string {
		if len(stack) == 0 {
			return fmt.Sprintf("in %q", expr)
		}
		return "in pattern " + stack[len(stack)-1]
	}
	inClass := false
	classStart := 0
	for i := 0; i < len(expr); {
		if b.Len() > maxExpanded {
			return errTooBig
		}
		ch := expr[i]
		switch {
		case ch == '\\':
			if i+1 >= len(expr) {
				return fmt.Errorf("trailing backslash %s", where())
			}
			next := expr[i+1]
			if next == 'Q' || next == 'E' {
				// Oniguruma has no \Q...\E quoting: an unknown escape is
				// the letter itself. Passed on, RE2 would quote what
				// follows, groups this compiler has counted included.
				b.WriteByte(next)
				i += 2
				continue
			}
			if !inClass {
				switch {
				case next >= '1' && next <= '9', next == 'k' && i+2 < len(expr) && expr[i+2] == '<':
					return fmt.Errorf("back-reference \\%c %s is not supported (RE2 has no back-references)", next, where())
				case next == 'Z':
					b.WriteString(`(?:\n?\z)`)
					i += 2
					continue
				case next == 'h':
					b.WriteString(`[0-9a-fA-F]`)
					i += 2
					continue
				}
			} else if next == 'h' {
				b.WriteString(`0-9a-fA-F`)
				i += 2
				continue
			}
			b.WriteString(expr[i : i+2])
			i += 2
		case inClass:
			if ch == '[' && i+1 < len(expr) && expr[i+1] == ':' {
				if end := strings.Index(expr[i+2:], ":]"); end >= 0 {
					b.WriteString(expr[i : i+2+end+2])
					i += 2 + end + 2
					continue
				}
			}
			if ch == ']' && i > classStart {
				inClass = false
			}
			b.WriteByte(ch)
			i++
		case ch == '[':
			inClass = true
			b.WriteByte(ch)
			i++
			classStart = i
			if i < len(expr) && expr[i] == '^' {
				b.WriteByte('^')
				i++
				classStart = i
			}
			if i < len(expr) && expr[i] == ']' {
				b.WriteByte(']')
				i++
			}
		case ch == '%' && i+1 < len(expr) && expr[i+1] == '{':
			end := strings.IndexByte(expr[i:], '}')
			if end < 0 {
				return fmt.Errorf("unclosed %%{ %s", where())
			}
			if err := c.reference(b, expr[i+2:i+end], stack); err != nil {
				return err
			}
			i += end + 1
		case ch == '(':
			n, err := c.group(b, expr[i:], stack, where)
			if err != nil {
				return err
			}
			i += n
		case ch == '+' && i > 0 && isQuantifierEnd(expr, i-1):
			// Possessive quantifier (x*+): RE2 has none; greedy is the same
			// for the catalog's patterns.
			i++
		default:
			b.WriteByte(ch)
			i++
		}
	}
	if inClass {
		return fmt.Errorf("unclosed character class %s", where())
	}
	return nil
}

// isQuantifierEnd reports whether expr[i] ends a quantifier (so a '+'
// after it makes it possessive).
func isQuantifierEnd(expr string, i int) bool {
	switch expr[i] {
	case '*', '?', '}':
	case '+':
	default:
		return false
	}
	if i > 0 && expr[i-1] == '\\' && (i < 2 || expr[i-2] != '\\') {
		return false
	}
	if expr[i] == '}' {
		return strings.LastIndexByte(expr[:i], '{') >= 0
	}
	if expr[i] == '+' && i > 0 && isQuantifierEnd(expr, i-1) {
		return false // x++ + : the second '+' was already possessive
	}
	if i == 0 || expr[i-1] == '(' || expr[i-1] == '|' {
		return false
	}
	return true
}

var patternNameRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_@.\[\]\-]+$`)

// reference expands %{SYNTAX[:SEMANTIC[:TYPE]]}.
func (c *compiler) reference(b *strings.Builder, ref string, stack []string) error {
	parts := strings.SplitN(ref, ":", 3)
	name := parts[0]
	if name == "" {
		return fmt.Errorf("empty pattern name in %%{%s}", ref)
	}
	for _, s := range stack {
		if s == name {
			return fmt.Errorf("pattern %s refers to itself: %s -> %s", name, strings.Join(stack, " -> "), name)
		}
	}
	if len(stack) >= MaxDepth {
		return fmt.Errorf("patterns nested deeper than %d: %s", MaxDepth, strings.Join(stack, " -> "))
	}
	def, ok := c.defs(name)
	if ok && name == "IPV6" && def == builtinIPv6 {
		c.usedIPv6 = true
	}
	if ok && name == "HOSTNAME" && def == builtinHostname {
		c.usedHostname = true
	}
	if ok && name == "EMAILLOCALPART" && def == builtinEmailLocal {
		c.usedEmail = true
	}
	if !ok {
		if len(stack) == 0 {
			return &UnknownPatternError{Name: name}
		}
		return &UnknownPatternError{Name: name, UsedBy: stack[len(stack)-1]}
	}
	capture := Capture{Name: name}
	if len(parts) > 1 {
		if parts[1] == "" {
			return fmt.Errorf("empty field name in %%{%s}", ref)
		}
		capture.Name, capture.Named = parts[1], true
	}
	if len(parts) > 2 {
		switch parts[2] {
		case "int":
			capture.Type = Int
		case "float":
			capture.Type = Float
		case "string":
		default:
			return fmt.Errorf("unknown conversion %q in %%{%s}: use int or float", parts[2], ref)
		}
	}
	if strings.HasPrefix(def, "?") {
		// Written after "(", it would make a flags or special group
		// instead of the capture (and shift every group number after it).
		return fmt.Errorf("pattern %s in %%{%s}: missing argument to repetition operator: \"?\"", name, ref)
	}
	if capture.Named || !c.namedOnly {
		c.groups++
		capture.group = c.groups
		c.captures = append(c.captures, capture)
		b.WriteString("(")
	} else {
		b.WriteString("(?:")
	}
	if err := c.expand(b, def, append(stack, name)); err != nil {
		return err
	}
	b.WriteString(")")
	return nil
}

// group handles a '(' at the start of expr; it returns how many bytes it
// consumed.
func (c *compiler) group(b *strings.Builder, expr string, stack []string, where func() string) (int, error) {
	switch {
	case strings.HasPrefix(expr, "(?<!"), strings.HasPrefix(expr, "(?<="),
		strings.HasPrefix(expr, "(?!"), strings.HasPrefix(expr, "(?="):
		ahead := expr[2] != '<'
		kind, bodyStart := "lookbehind", 4
		if ahead {
			kind, bodyStart = "lookahead", 3
		}
		end := closingParen(expr)
		if end < 0 {
			return 0, fmt.Errorf("unclosed %s %s", kind, where())
		}
		body := expr[bodyStart:end]
		la := lookaround{negate: expr[bodyStart-1] == '!', ahead: ahead}
		c.groups++
		la.group = c.groups
		// The body is expanded by this compiler, so its captures get the
		// group numbers that follow the marker.
		var sub strings.Builder
		nb := len(c.behinds)
		if err := c.expand(&sub, body, stack); err != nil {
			return 0, err
		}
		la.fill = c.groups - la.group
		if len(c.behinds) > nb {
			return 0, fmt.Errorf("%s %s %s is not supported: a lookaround inside a lookaround", kind, expr[:end+1], where())
		}
		if la.fill > 0 && (!ahead || la.negate) {
			return 0, fmt.Errorf("%s %s %s is not supported: only a positive lookahead may hold captures", kind, expr[:end+1], where())
		}
		expanded := sub.String()
		parsed, err := syntax.Parse(expanded, syntax.Perl)
		if err != nil {
			return 0, fmt.Errorf("%s %s %s: %w", kind, expr[:end+1], where(), cleanRegexpError(err))
		}
		parsed = parsed.Simplify()
		switch {
		case la.fill == 0 && singleChar(expanded):
			la.class, err = regexp.Compile(`^(?:` + expanded + `)$`)
		case la.fill == 0 && parsed.Op == syntax.OpLiteral && parsed.Flags&syntax.FoldCase == 0:
			la.lit = string(parsed.Rune)
		case ahead:
			la.re, err = regexp.Compile(`^(?:` + expanded + `)`)
		default:
			// As in Oniguruma, a lookbehind has a bounded length; it is
			// checked on that many bytes before the position.
			w, bounded := maxWidth(parsed)
			if !bounded {
				return 0, fmt.Errorf("%s %s %s is not supported: a lookbehind must have a bounded length (as in Logstash)", kind, expr[:end+1], where())
			}
			la.width = w
			la.re, err = regexp.Compile(`(?:` + expanded + `)\z`)
		}
		if err != nil {
			return 0, fmt.Errorf("%s %s %s: %w", kind, expr[:end+1], where(), cleanRegexpError(err))
		}
		c.behinds = append(c.behinds, la)
		b.WriteString(strings.Repeat("()", 1+la.fill))
		return end + 1, nil
	case strings.HasPrefix(expr, "(?>"):
		b.WriteString("(?:")
		return 3, nil
	case strings.HasPrefix(expr, "(?<"), strings.HasPrefix(expr, "(?P<"), strings.HasPrefix(expr, "(?'"):
		start := 3
		close := byte('>')
		if expr[2] == 'P' {
			start = 4
		} else if expr[2] == '\'' {
			close = '\''
		}
		end := strings.IndexByte(expr[start:], close)
		if end < 0 {
			return 0, fmt.Errorf("unclosed group name %s", where())
		}
		name := expr[start : start+end]
		capture := Capture{Name: name, Named: true}
		if i := strings.IndexByte(name, ':'); i >= 0 {
			switch name[i+1:] {
			case "int":
				capture.Type = Int
			case "float":
				capture.Type = Float
			default:
				return 0, fmt.Errorf("unknown conversion in group name %q %s: use int or float", name, where())
			}
			capture.Name = name[:i]
		}
		if !nameRE.MatchString(capture.Name) {
			return 0, fmt.Errorf("invalid group name %q %s", name, where())
		}
		if rest := expr[start+end+1:]; strings.HasPrefix(rest, "?") {
			// "(" then "?" would make a flags or special group instead of
			// the capture, and shift every group number after it.
			return 0, fmt.Errorf("group %s %s: missing argument to repetition operator: \"?\"", expr[:start+end+1], where())
		}
		c.groups++
		capture.group = c.groups
		c.captures = append(c.captures, capture)
		b.WriteString("(")
		return start + end + 1, nil
	case strings.HasPrefix(expr, "(?"):
		// (?:, (?i), (?i-m:...): flags. Ruby's m (dot matches newline) is
		// RE2's s; Ruby's ^ and $ always match at line breaks, which the
		// whole expression gets from a leading (?m).
		n := 2
		for n < len(expr) && strings.IndexByte("imx-", expr[n]) >= 0 {
			n++
		}
		if n < len(expr) && (expr[n] == ':' || expr[n] == ')') {
			flags := expr[2:n]
			if strings.IndexByte(flags, 'x') >= 0 {
				return 0, fmt.Errorf("flag x (extended syntax) %s is not supported", where())
			}
			b.WriteString("(?" + strings.ReplaceAll(flags, "m", "s"))
			return n, nil
		}
		b.WriteString("(?")
		return 2, nil
	default:
		// A plain group: not a capture in grok (Logstash names captures);
		// keep it non-capturing so group numbers stay ours.
		b.WriteString("(?:")
		return 1, nil
	}
}

// maxWidth returns the most bytes re can match, and false when that is
// unbounded.
func maxWidth(re *syntax.Regexp) (int, bool) {
	const big = 1 << 20
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, true
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		if re.Flags&syntax.FoldCase != 0 {
			n = utf8.UTFMax * len(re.Rune)
		}
		return n, true
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxWidth(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return 0, false
		}
		w, ok := maxWidth(re.Sub[0])
		return w * re.Max, ok && w*re.Max < big
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			w, ok := maxWidth(sub)
			if !ok {
				return 0, false
			}
			if re.Op == syntax.OpConcat {
				total += w
			} else {
				total = max(total, w)
			}
		}
		return total, total < big
	}
	return 0, false // star, plus
}

// closingParen returns the index of the ')' closing the group opened at
// expr[0], or -1.
func closingParen(expr string) int {
	depth := 0
	inClass := false
	for i := 0; i < len(expr); i++ {
		switch ch := expr[i]; {
		case ch == '\\':
			i++
		case inClass:
			if ch == ']' {
				inClass = false
			}
		case ch == '[':
			inClass = true
			if i+1 < len(expr) && expr[i+1] == '^' {
				i++
			}
			if i+1 < len(expr) && expr[i+1] == ']' {
				i++
			}
		case ch == '(':
			depth++
		case ch == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// singleChar reports whether body matches exactly one character: a
// literal, an escape or a character class.
func singleChar(body string) bool {
	re, err := syntax.Parse(body, syntax.Perl)
	if err != nil {
		return false
	}
	re = re.Simplify()
	switch re.Op {
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	case syntax.OpLiteral:
		return len(re.Rune) == 1
	}
	return false
}

func startsAnchored(re *syntax.Regexp) bool {
	for {
		switch re.Op {
		case syntax.OpBeginText:
			return true
		case syntax.OpConcat:
			if len(re.Sub) == 0 {
				return false
			}
			re = re.Sub[0]
		case syntax.OpCapture:
			re = re.Sub[0]
		default:
			return false
		}
	}
}

// Convert applies t to a captured string the way Logstash (Ruby's to_i and
// to_f) does: the longest numeric prefix, 0 when there is none.
func Convert(s string, t Type) any {
	switch t {
	case Int:
		s = strings.TrimSpace(s)
		end := 0
		if end < len(s) && (s[end] == '+' || s[end] == '-') {
			end++
		}
		for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '_' && end > 0) {
			end++
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s[:end], "_", ""), 10, 64)
		if err != nil {
			if f, ferr := strconv.ParseFloat(strings.ReplaceAll(s[:end], "_", ""), 64); ferr == nil {
				return int64(f) // out of range: saturate like a float cast
			}
			return int64(0)
		}
		return n
	case Float:
		s = strings.TrimSpace(s)
		end := floatPrefix(s)
		f, err := strconv.ParseFloat(s[:end], 64)
		if err != nil {
			return float64(0)
		}
		return f
	}
	return s
}

func floatPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i+1 {
			digits += j - i - 1
			i = j
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i
}

// emailAtomChars is the class of the ECS EMAILLOCALPART's atoms.
const emailAtomChars = "a-zA-Z0-9!#$%&'*+\\-/=?^_`{|}~"

// emailAtom holds the bytes of emailAtomChars.
var emailAtom = func() (t [256]bool) {
	re := regexp.MustCompile("^[" + emailAtomChars + "]$")
	for ch := 0; ch < utf8.RuneSelf; ch++ {
		t[ch] = re.MatchString(string(rune(ch)))
	}
	return t
}()

// unboundedEmailLocal is the ECS EMAILLOCALPART without its length bounds.
const unboundedEmailLocal = "[" + emailAtomChars + "]+(?:\\.[" + emailAtomChars + "]+)*"

const unboundedHostname = `\b(?:[0-9A-Za-z][0-9A-Za-z-]*)(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]*))*(\.?|\b)`
