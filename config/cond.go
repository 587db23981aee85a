package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/sluicelog/sluice/event"
)

// parseIf reads `if cond { } else if cond { } else { }`; "if" has been
// read.
func (ps *parser) parseIf(start int, section string) *If {
	n := &If{Pos: ps.pos(start)}
	n.Branches = append(n.Branches, ps.parseBranch(start, "if", section))
	for {
		save := ps.off
		ps.skip()
		// Logstash allows no space in `elseif`, like everywhere else between
		// words and symbols.
		// (A plugin may be named elseif: `elseif {` is one.)
		glued := false
		if bytes.HasPrefix(ps.src[ps.off:], []byte("elseif")) && !isWordChar(ps.peekAt(6)) {
			at := ps.off
			ps.off += 6
			glued = ps.peekAfterSpace() != '{'
			ps.off = at
		}
		if !ps.atWord("else") && !glued {
			ps.off = save
			return n
		}
		elseStart := ps.off
		ps.off += len("else")
		ps.skip()
		if ps.atWord("if") {
			ps.off += len("if")
			n.Branches = append(n.Branches, ps.parseBranch(elseStart, "else if", section))
			continue
		}
		if ps.peek() != '{' {
			ps.fail("expected '{' or 'if' after 'else', found %s", ps.found(ps.off))
		}
		ps.off++
		b := &Branch{Pos: ps.pos(elseStart)}
		b.Body = ps.parseBlock(func() string {
			return fmt.Sprintf("missing '}' to close the 'else' block opened at %s", lineCol(b.Pos))
		}, section)
		n.Branches = append(n.Branches, b)
		return n
	}
}

// parseBranch reads `cond { body }` after "if" or "else if".
func (ps *parser) parseBranch(start int, kw, section string) *Branch {
	b := &Branch{Pos: ps.pos(start)}
	ps.skip()
	if ps.peek() == '{' {
		ps.fail("expected a condition after '%s', found '{'", kw)
	}
	b.Cond = ps.parseCondition()
	ps.skip()
	if ps.peek() != '{' {
		ps.fail("expected '{' after the condition of '%s' at %s, found %s%s", kw, lineCol(b.Pos), ps.found(ps.off), ps.afterConditionHint())
	}
	ps.off++
	b.Body = ps.parseBlock(func() string {
		return fmt.Sprintf("missing '}' to close the '%s' block opened at %s", kw, lineCol(b.Pos))
	}, section)
	return b
}

// maxBoolOps bounds the boolean operators of one condition level, which
// keeps the trees (and the evaluation of each event) shallow.
const maxBoolOps = 1000

// boolOp is a boolean operator between expressions of a condition.
type boolOp struct {
	op  string
	off int
}

// parseCondition reads `expression (and|or|xor|nand expression)*` and
// builds the tree the way Logstash does; see joinConditions.
func (ps *parser) parseCondition() Expr {
	ps.enter()
	defer ps.leave()
	start := ps.pos(ps.off)
	operands := []Expr{ps.parseExpression()}
	var ops []boolOp
	for {
		save := ps.off
		ps.skip()
		op := ""
		for _, w := range [...]string{"and", "or", "xor", "nand"} {
			if ps.atWord(w) {
				op = w
				break
			}
		}
		if op == "" {
			ps.off = save
			break
		}
		if len(ops) == maxBoolOps {
			ps.fail("this condition has more than %d boolean operators at one level; split it or group it with parentheses", maxBoolOps)
		}
		ops = append(ops, boolOp{op, ps.off})
		ps.off += len(op)
		ps.skip()
		operands = append(operands, ps.parseExpression())
	}
	return ps.joinConditions(start, operands, ops)
}

// joinConditions combines the operands of one parenthesis level.
//
// Logstash (logstash-core/lib/logstash/compiler/lscl.rb, Condition#
// join_conditions) gives 'and' a higher precedence than 'or' with a
// shunting-yard pass that pops at most one operator when a lower-precedence
// one arrives and pops operators of equal precedence at the end, right to
// left. So:
//
//   - a and b or c         → (a and b) or c
//   - a or b and c         → a or (b and c)
//   - a and b and c        → a and (b and c) (same meaning as left to right)
//   - a and b and c or d   → a and ((b and c) or d) — NOT the usual
//     ((a and b and c) or d)
//
// 'xor' and 'nand' have no precedence in Logstash: a condition that
// combines one of them with any other boolean operator at the same level
// fails to load there. Sluice builds exactly the same trees (so a config
// means the same in both), rejects the xor/nand mixes with an error that
// asks for parentheses, and records a warning in Pipeline.Warnings where
// Logstash's grouping differs from the usual one.
func (ps *parser) joinConditions(start Pos, operands []Expr, ops []boolOp) Expr {
	if len(ops) == 0 {
		return operands[0]
	}
	if len(ops) > 1 {
		for _, o := range ops {
			if o.op == "xor" || o.op == "nand" {
				ps.failAt(o.off, "'%s' cannot be combined with other boolean operators without parentheses (Logstash gives it no precedence); group it, as in (a %s b) and c", o.op, o.op)
			}
		}
	}
	prec := func(op string) int {
		if op == "and" {
			return 2
		}
		return 1
	}
	// Logstash's algorithm, producing reverse Polish notation.
	type item struct {
		e  Expr
		op *boolOp
	}
	var out []item
	var stack []*boolOp
	out = append(out, item{e: operands[0]})
	for i := range ops {
		o := &ops[i]
		if n := len(stack); n > 0 && prec(stack[n-1].op) > prec(o.op) {
			out = append(out, item{op: stack[n-1]})
			stack = stack[:n-1]
		}
		stack = append(stack, o)
		out = append(out, item{e: operands[i+1]})
	}
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, item{op: stack[i]})
	}
	var vals []Expr
	for _, it := range out {
		if it.op == nil {
			vals = append(vals, it.e)
			continue
		}
		l, r := vals[len(vals)-2], vals[len(vals)-1]
		vals = append(vals[:len(vals)-2], &Binary{Pos: ps.pos(it.op.off), Op: it.op.op, Left: l, Right: r})
	}
	got := vals[0]
	if len(ops) == 1 {
		return got
	}
	if want := conventionalTree(operands, ops); !sameBoolShape(got, want) {
		ps.pl.Warnings = append(ps.pl.Warnings, ps.errorf(start,
			"this condition is grouped as Logstash groups it, %s, which differs from the usual precedence (%s); add parentheses to make the intent explicit",
			exprString(got), exprString(want)))
	}
	return got
}

// conventionalTree groups with 'and' above 'or'. Chains are nested to the
// right, like Logstash's, so that the two trees print alike where they agree.
func conventionalTree(operands []Expr, ops []boolOp) Expr {
	var terms []Expr
	group := []Expr{operands[0]}
	for i, o := range ops {
		if o.op != "and" {
			terms = append(terms, chain("and", group))
			group = nil
		}
		group = append(group, operands[i+1])
	}
	terms = append(terms, chain("and", group))
	return chain("or", terms)
}

// chain joins xs with op, nested to the right.
func chain(op string, xs []Expr) Expr {
	e := xs[len(xs)-1]
	for i := len(xs) - 2; i >= 0; i-- {
		e = &Binary{Pos: xs[i].Position(), Op: op, Left: xs[i], Right: e}
	}
	return e
}

// sameBoolShape compares two trees of and/or over the same leaves, treating
// each operator as associative.
func sameBoolShape(a, b Expr) bool {
	fa, fb := flatten(a), flatten(b)
	if fa.op != fb.op || len(fa.kids) != len(fb.kids) {
		return false
	}
	if fa.op == "" {
		return a == b
	}
	for i := range fa.kids {
		if !sameBoolShape(fa.kids[i], fb.kids[i]) {
			return false
		}
	}
	return true
}

type flat struct {
	op   string
	kids []Expr
}

func flatten(e Expr) flat {
	b, ok := e.(*Binary)
	if !ok || (b.Op != "and" && b.Op != "or") {
		return flat{}
	}
	f := flat{op: b.Op}
	var walk func(x Expr)
	walk = func(x Expr) {
		if bx, ok := x.(*Binary); ok && bx.Op == b.Op {
			walk(bx.Left)
			walk(bx.Right)
			return
		}
		f.kids = append(f.kids, x)
	}
	walk(e)
	return f
}

// parseExpression reads one operand of a boolean operator.
func (ps *parser) parseExpression() Expr {
	start := ps.off
	switch ps.peek() {
	case '(':
		ps.off++
		ps.skip()
		e := ps.parseCondition()
		ps.skip()
		if ps.peek() != ')' {
			ps.fail("expected ')' to close the '(' at %s, found %s%s", lineCol(ps.pos(start)), ps.found(ps.off), ps.afterConditionHint())
		}
		ps.off++
		return e
	case '!':
		if c := ps.peekAt(1); c == '=' || c == '~' {
			ps.fail("expected a value before '%s'", string(ps.src[ps.off:ps.off+2]))
		}
		ps.off++
		ps.skip()
		ps.enter()
		defer ps.leave()
		var x Expr
		switch ps.peek() {
		case '(':
			x = ps.parseExpression()
		case '[':
			x = ps.parseSelectorOrList()
			if _, ok := x.(*FieldRef); !ok {
				ps.failAt(start, "'!' must be followed by a field reference like [field] or a parenthesised condition")
			}
			if op := ps.peekCompareOp(); op != "" {
				ps.failAt(start, "'!' applies only to the field reference after it; to negate a comparison write !(... %s ...)", op)
			}
		default:
			ps.fail("'!' must be followed by a field reference like [field] or a parenthesised condition, found %s", ps.found(ps.off))
		}
		return &Not{Pos: ps.pos(start), X: x}
	}
	left := ps.parseRvalue()
	save := ps.off
	ps.skip()
	opOff := ps.off
	op := ps.scanCompareOp()
	if op == "" {
		ps.off = save
		return left
	}
	ps.skip()
	var right Expr
	if op == "=~" || op == "!~" {
		switch ps.peek() {
		case '/':
			right = ps.parseRegex()
		case '"', '\'':
			s := ps.parseStringLit()
			if !strings.Contains(s.Value, "${") {
				ps.checkRegex(s.Pos, s.Value)
			}
			right = s
		default:
			ps.fail("expected a regular expression /.../ or a string after '%s', found %s", op, ps.found(ps.off))
		}
	} else {
		if ps.eof() || ps.peek() == '{' {
			ps.fail("expected a value after '%s', found %s", op, ps.found(ps.off))
		}
		right = ps.parseRvalue()
	}
	return &Binary{Pos: ps.pos(opOff), Op: op, Left: left, Right: right}
}

// peekCompareOp returns the comparison operator after the current offset
// (skipping space) without moving, or "".
func (ps *parser) peekCompareOp() string {
	save := ps.off
	ps.skip()
	op := ps.scanCompareOp()
	ps.off = save
	return op
}

// scanCompareOp reads a comparison, regex or membership operator.
func (ps *parser) scanCompareOp() string {
	for _, op := range [...]string{"==", "!=", "<=", ">=", "=~", "!~", "<", ">"} {
		if bytes.HasPrefix(ps.src[ps.off:], []byte(op)) {
			ps.off += len(op)
			return op
		}
	}
	if ps.atWord("in") {
		ps.off += 2
		return "in"
	}
	if ps.atWord("not") {
		save := ps.off
		ps.off += 3
		ps.skip()
		if ps.atWord("in") {
			ps.off += 2
			return "not in"
		}
		ps.off = save
	}
	return ""
}

// parseRvalue reads a string, number, field reference, list or regex.
func (ps *parser) parseRvalue() Expr {
	start := ps.off
	switch c := ps.peek(); {
	case c == '"' || c == '\'':
		return ps.parseStringLit()
	case isDigit(c) || c == '-':
		return ps.scanNumber(true)
	case c == '[':
		return ps.parseSelectorOrList()
	case c == '/':
		return ps.parseRegex()
	case isNameChar(c):
		word := ps.scanName()
		if ps.peekAfterSpace() == '(' {
			ps.failAt(start, "method calls such as %s(...) are not supported in conditions (Logstash's grammar accepts them but it cannot run them either)", word)
		}
		ps.failAt(start, "expected a value in the condition (a [field] reference, a string, a number, a list or a /regex/), found bareword '%s' — quote strings, as in \"%s\", and write fields as [%s]", word, word, word)
	case ps.eof():
		ps.fail("expected a condition, found the end of the file")
	}
	ps.fail("expected a value in the condition (a [field] reference, a string, a number, a list or a /regex/), found %s", ps.found(ps.off))
	return nil
}

func (ps *parser) parseStringLit() *StringLit {
	start := ps.off
	s := ps.parseQuoted()
	return &StringLit{Pos: ps.pos(start), Value: s}
}

// parseSelectorOrList reads a field reference `[a][b]` or, when the
// brackets do not form one, a list `["a", "b"]`.
//
// As in Logstash, a selector element is '[' then one or more characters
// other than '[', ']' and ',' then ']', so `[a]` and `[1]` are field
// references and `[a, b]` is a list. Unlike Logstash, `["a"]` (a single
// quoted string in brackets) is a one-element list, not a reference to a
// field whose name starts and ends with quotes (Logstash issue #1850 and
// its many duplicates).
func (ps *parser) parseSelectorOrList() Expr {
	start := ps.off
	if end, ok := ps.scanSelector(); ok {
		raw := string(ps.src[start:end])
		if !quotedElement(raw) {
			if _, err := event.ParseRef(raw); err != nil {
				ps.failAt(start, "invalid field reference %s: %v", raw, err)
			}
			ps.off = end
			return &FieldRef{Pos: ps.pos(start), Raw: raw}
		}
	}
	if j := ps.off + 1 + bytes.IndexAny(ps.src[ps.off+1:], "[],"); j > ps.off && ps.src[j] == '[' && j > ps.off+1 {
		if c := ps.src[ps.off+1]; c != '"' && c != '\'' && c != ' ' && !isDigit(c) && c != '-' {
			ps.failAt(start, "invalid field reference: write nested fields as [a][b], each part in its own brackets")
		}
	}
	return ps.parseList()
}

// scanSelector finds the end of a selector at the current offset.
func (ps *parser) scanSelector() (int, bool) {
	i := ps.off
	n := 0
	for i < len(ps.src) && ps.src[i] == '[' {
		j := i + 1
		for j < len(ps.src) && ps.src[j] != '[' && ps.src[j] != ']' && ps.src[j] != ',' {
			j++
		}
		if j == i+1 || j >= len(ps.src) || ps.src[j] != ']' {
			break
		}
		i = j + 1
		n++
	}
	return i, n > 0
}

// quotedElement reports whether raw is `["..."]` or `['...']`: one quoted
// string in brackets.
func quotedElement(raw string) bool {
	in := strings.TrimSpace(raw[1 : len(raw)-1])
	if strings.Count(raw, "[") != 1 || len(in) < 2 {
		return false
	}
	q := in[0]
	return (q == '"' || q == '\'') && in[len(in)-1] == q
}

// parseList reads `[ item, item ]` in a condition; items are strings and
// numbers (barewords are taken as strings, as Logstash does).
func (ps *parser) parseList() *ListLit {
	l := &ListLit{Pos: ps.pos(ps.off)}
	ps.off++
	ps.skip()
	if ps.peek() == ']' {
		ps.off++
		return l
	}
	for {
		ps.skip()
		start := ps.off
		switch c := ps.peek(); {
		case c == '"' || c == '\'':
			l.Items = append(l.Items, ps.parseStringLit())
		case isDigit(c) || c == '-':
			l.Items = append(l.Items, ps.scanNumber(false))
		case isNameChar(c):
			word := ps.scanName()
			ps.checkBareword(start, word)
			l.Items = append(l.Items, &StringLit{Pos: ps.pos(start), Value: word})
		case ps.eof():
			ps.fail("missing ']' to close the list opened at %s", lineCol(l.Pos))
		default:
			ps.fail("expected a string or a number in the list opened at %s, found %s", lineCol(l.Pos), ps.found(ps.off))
		}
		ps.skip()
		switch ps.peek() {
		case ',':
			ps.off++
			ps.skip()
			if ps.peek() == ']' {
				ps.fail("expected a value after ',', found ']' — Logstash does not allow a trailing comma in lists")
			}
		case ']':
			ps.off++
			return l
		default:
			if ps.eof() {
				ps.fail("missing ']' to close the list opened at %s", lineCol(l.Pos))
			}
			ps.fail("expected ',' or ']' in the list opened at %s, found %s", lineCol(l.Pos), ps.found(ps.off))
		}
	}
}

// parseRegex reads `/.../`; `\/` does not end it. Pattern keeps the text as
// written.
func (ps *parser) parseRegex() *RegexLit {
	start := ps.off
	ps.off++
	for {
		if ps.eof() {
			ps.failAt(start, "unterminated regular expression: the / opened here is never closed (write \\/ for a slash inside it)")
		}
		c := ps.src[ps.off]
		if c == '/' {
			break
		}
		if c == '\\' && ps.peekAt(1) == '/' {
			ps.off++
		}
		ps.off++
	}
	r := &RegexLit{Pos: ps.pos(start), Pattern: string(ps.src[start+1 : ps.off])}
	ps.off++
	ps.checkRegex(r.Pos, r.Pattern)
	return r
}

// checkRegex validates a pattern with Go's regexp (RE2 syntax).
func (ps *parser) checkRegex(pos Pos, pattern string) {
	if _, err := regexp.Compile(pattern); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		panic(bailout{ps.errorf(pos, "invalid regular expression: %s%s", msg, regexHint(pattern))})
	}
}

// regexHint explains the Oniguruma constructs that RE2 lacks.
func regexHint(p string) string {
	switch {
	case strings.Contains(p, "(?="), strings.Contains(p, "(?!"), strings.Contains(p, "(?<="), strings.Contains(p, "(?<!"):
		return " (sluice uses Go's RE2 syntax, which has no lookahead or lookbehind)"
	case strings.Contains(p, "(?>"):
		return " (sluice uses Go's RE2 syntax, which has no atomic groups)"
	case strings.Contains(p, "*+"), strings.Contains(p, "++"), strings.Contains(p, "?+"):
		return " (sluice uses Go's RE2 syntax, which has no possessive quantifiers)"
	}
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '\\' {
			if c := p[i+1]; c >= '1' && c <= '9' {
				return " (sluice uses Go's RE2 syntax, which has no backreferences)"
			}
			i++
		}
	}
	return " (sluice uses Go's RE2 syntax)"
}

// lineCol is "line:col", for pointing elsewhere in the same file.
func lineCol(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// afterConditionHint explains common mistakes found where a condition
// should have ended.
func (ps *parser) afterConditionHint() string {
	rest := ps.src[ps.off:]
	word := func() string {
		i := 0
		for i < len(rest) && isWordChar(rest[i]) {
			i++
		}
		return string(rest[:i])
	}
	switch {
	case bytes.HasPrefix(rest, []byte("&&")):
		return " — write 'and' instead of '&&'"
	case bytes.HasPrefix(rest, []byte("||")):
		return " — write 'or' instead of '||'"
	case len(rest) > 0 && rest[0] == '=' && !bytes.HasPrefix(rest, []byte("==")) && !bytes.HasPrefix(rest, []byte("=~")):
		return " — compare with '=='"
	case len(rest) > 0 && rest[0] == '[':
		return " — each part of a field reference is [name], with a name that is not empty and has no '[', ']' or ','"
	case len(rest) > 0 && rest[0] == '(':
		return ""
	}
	if ps.peekCompareOp() != "" {
		return " — comparisons cannot be chained; join them with 'and' or 'or'"
	}
	w := word()
	switch lw := strings.ToLower(w); {
	case w == "not":
		return " — did you mean 'not in'?"
	case lw != w && (lw == "and" || lw == "or" || lw == "xor" || lw == "nand" || lw == "in" || lw == "not"):
		return fmt.Sprintf(" — operators are lowercase: '%s'", lw)
	}
	return ""
}
