package config

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits applied when ParseOptions leaves them zero.
const (
	// DefaultMaxDepth bounds the nesting of blocks, values and conditions.
	DefaultMaxDepth = 100
	// DefaultMaxSize bounds the size of one source, in bytes.
	DefaultMaxSize = 16 << 20
)

// ParseOptions control how pipeline text is read. The zero value matches
// Logstash's defaults.
type ParseOptions struct {
	// SupportEscapes mirrors Logstash's `config.support_escapes` setting.
	//
	// When false (Logstash's default) the text between the quotes of a
	// string is taken as written: backslashes stay in the value, and a
	// backslash only keeps the quote that follows it from ending the
	// string ("a\"b" is the five characters a\"b).
	//
	// When true, \\ \" \' \n \r and \t are replaced by a backslash, a
	// double quote, a single quote, a newline, a carriage return and a tab;
	// any other backslash stays as written (so "\d+" is still \d+), as in
	// Logstash's StringEscape. Logstash has no \0 escape; neither has
	// sluice.
	//
	// Either way a string ends at the first quote not preceded by a
	// backslash, as in Logstash's grammar (so "a\\" does not end after the
	// two backslashes).
	SupportEscapes bool
	// MaxDepth bounds nesting (blocks, arrays, hashes, plugin values,
	// parentheses); 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxSize bounds the size of one source in bytes; 0 means
	// DefaultMaxSize.
	MaxSize int
}

// ParseString parses pipeline text with the default options. name is used
// in positions ("config string" for -e).
func ParseString(name, src string) (*Pipeline, error) {
	return ParseOptions{}.Parse(name, []byte(src))
}

// Parse parses one pipeline file with the default options.
func Parse(filename string, src []byte) (*Pipeline, error) {
	return ParseOptions{}.Parse(filename, src)
}

// Parse parses one pipeline source. The error, if any, is a *Error with
// the position of the problem.
func (o ParseOptions) Parse(filename string, src []byte) (pl *Pipeline, err error) {
	pl = &Pipeline{Sources: map[string][]byte{filename: src}}
	ps := &parser{file: filename, src: src, opts: o, pl: pl}
	if ps.opts.MaxDepth <= 0 {
		ps.opts.MaxDepth = DefaultMaxDepth
	}
	if ps.opts.MaxSize <= 0 {
		ps.opts.MaxSize = DefaultMaxSize
	}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			pl, err = nil, b.err
		}
	}()
	ps.init()
	pl.SupportEscapes = o.SupportEscapes
	pl.Sections = ps.parseConfig()
	return pl, nil
}

// bailout carries a syntax error from deep in the recursive descent to
// Parse, which recovers it; it never escapes the package.
type bailout struct{ err *Error }

type parser struct {
	file  string
	src   []byte
	off   int
	lines []int // offsets where lines start
	opts  ParseOptions
	depth int
	pl    *Pipeline
}

func (ps *parser) init() {
	ps.lines = []int{0}
	for i, c := range ps.src {
		if c == '\n' {
			ps.lines = append(ps.lines, i+1)
		}
	}
	if len(ps.src) > ps.opts.MaxSize {
		ps.failAt(0, "the configuration is too large (%d bytes; the limit is %d)", len(ps.src), ps.opts.MaxSize)
	}
	// Check the encoding once, up front, so that no later step has to.
	for i := 0; i < len(ps.src); {
		c := ps.src[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(ps.src[i:])
		if r == utf8.RuneError && n <= 1 {
			ps.failAt(i, "invalid UTF-8 (byte 0x%02x): configuration files must be UTF-8 text", c)
		}
		i += n
	}
	// A UTF-8 byte order mark, as some Windows editors write, is skipped.
	if bytes.HasPrefix(ps.src, []byte("\ufeff")) {
		ps.off = 3
	}
}

// pos converts a byte offset into a position.
func (ps *parser) pos(off int) Pos {
	line := sort.Search(len(ps.lines), func(i int) bool { return ps.lines[i] > off })
	return Pos{File: ps.file, Line: line, Col: off - ps.lines[line-1] + 1}
}

func (ps *parser) failAt(off int, format string, args ...any) {
	panic(bailout{ps.errorf(ps.pos(off), format, args...)})
}

// errorf is Pipeline.Errorf using the parser's table of lines.
func (ps *parser) errorf(pos Pos, format string, args ...any) *Error {
	e := &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	if pos.Line >= 1 && pos.Line <= len(ps.lines) {
		end := len(ps.src)
		if pos.Line < len(ps.lines) {
			end = ps.lines[pos.Line] - 1
		}
		e.Line = strings.TrimRight(string(ps.src[ps.lines[pos.Line-1]:end]), "\r")
	}
	return e
}

func (ps *parser) fail(format string, args ...any) { ps.failAt(ps.off, format, args...) }

func (ps *parser) eof() bool { return ps.off >= len(ps.src) }

func (ps *parser) peek() byte {
	if ps.off < len(ps.src) {
		return ps.src[ps.off]
	}
	return 0
}

func (ps *parser) peekAt(i int) byte {
	if ps.off+i < len(ps.src) {
		return ps.src[ps.off+i]
	}
	return 0
}

func (ps *parser) enter() {
	ps.depth++
	if ps.depth > ps.opts.MaxDepth {
		ps.fail("nesting is too deep (more than %d levels)", ps.opts.MaxDepth)
	}
}

func (ps *parser) leave() { ps.depth-- }

// skip skips whitespace and comments. A comment runs from # to the end of
// the line.
func (ps *parser) skip() {
	for ps.off < len(ps.src) {
		switch ps.src[ps.off] {
		case ' ', '\t', '\r', '\n':
			ps.off++
		case '#':
			for ps.off < len(ps.src) && ps.src[ps.off] != '\n' {
				ps.off++
			}
		default:
			return
		}
	}
}

// isNameChar reports whether c may appear in a plugin or setting name:
// Logstash's [A-Za-z0-9_-].
func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// isWordChar is isNameChar without '-': what may follow a keyword.
func isWordChar(c byte) bool { return c != '-' && isNameChar(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanName reads [A-Za-z0-9_-]* at the current offset.
func (ps *parser) scanName() string {
	start := ps.off
	for ps.off < len(ps.src) && isNameChar(ps.src[ps.off]) {
		ps.off++
	}
	return string(ps.src[start:ps.off])
}

// atWord reports whether the keyword w starts at the current offset and is
// not the beginning of a longer word.
func (ps *parser) atWord(w string) bool {
	if !bytes.HasPrefix(ps.src[ps.off:], []byte(w)) {
		return false
	}
	return !isWordChar(ps.peekAt(len(w)))
}

// found describes what is at off, for "found ..." in error messages.
func (ps *parser) found(off int) string {
	if off >= len(ps.src) {
		return "the end of the file"
	}
	c := ps.src[off]
	switch {
	case isNameChar(c):
		end := off
		for end < len(ps.src) && isNameChar(ps.src[end]) && end-off < 40 {
			end++
		}
		return "'" + string(ps.src[off:end]) + "'"
	case c == '"' || c == '\'':
		return "a string"
	case c == '=' && off+1 < len(ps.src) && ps.src[off+1] == '>':
		return "'=>'"
	}
	if strings.IndexByte("=!<>~&|", c) >= 0 && off+1 < len(ps.src) && strings.IndexByte("=!<>~&|", ps.src[off+1]) >= 0 {
		return "'" + string(ps.src[off:off+2]) + "'"
	}
	r, _ := utf8.DecodeRune(ps.src[off:])
	switch r {
	case '\n', '\r':
		return "the end of the line"
	}
	return strconv.QuoteRune(r)
}

// parseConfig reads the top level: sections, in any order, repeatable.
func (ps *parser) parseConfig() []*Section {
	var secs []*Section
	for {
		ps.skip()
		if ps.eof() {
			return secs
		}
		start := ps.off
		word := ps.scanName()
		switch word {
		case "input", "filter", "output":
			secs = append(secs, ps.parseSection(start, word))
		default:
			if word == "" && ps.peek() == '}' {
				ps.fail("unexpected '}': there is no open section or block for it to close")
			}
			msg := fmt.Sprintf("expected a section (input, filter or output), found %s", ps.found(start))
			if s := suggest(word, "input", "filter", "output"); s != "" {
				msg += fmt.Sprintf(" — did you mean '%s'?", s)
			} else if ps.peekAfterSpace() == '{' && word != "" {
				msg += " — plugins go inside an input, filter or output section"
			}
			ps.failAt(start, "%s", msg)
		}
	}
}

// peekAfterSpace returns the first byte after whitespace and comments,
// without moving.
func (ps *parser) peekAfterSpace() byte {
	save := ps.off
	ps.skip()
	c := ps.peek()
	ps.off = save
	return c
}

func (ps *parser) parseSection(start int, kind string) *Section {
	s := &Section{Pos: ps.pos(start), Kind: kind}
	ps.skip()
	if ps.peek() != '{' {
		ps.fail("expected '{' after '%s', found %s", kind, ps.found(ps.off))
	}
	ps.off++
	s.Body = ps.parseBlock(func() string {
		return fmt.Sprintf("missing '}' to close the %s section opened at %s", kind, lineCol(ps.pos(start)))
	}, kind)
	return s
}

// parseBlock reads statements up to and including the closing '}'. The
// opening '{' has been read. unclosed builds the message for a missing '}'.
func (ps *parser) parseBlock(unclosed func() string, section string) []Statement {
	ps.enter()
	defer ps.leave()
	var body []Statement
	for {
		ps.skip()
		if ps.eof() {
			ps.fail("%s", unclosed())
		}
		if ps.peek() == '}' {
			ps.off++
			return body
		}
		body = append(body, ps.parseStatement(section))
	}
}

// parseStatement reads a plugin or a conditional.
func (ps *parser) parseStatement(section string) Statement {
	start := ps.off
	c := ps.peek()
	if c == '"' || c == '\'' {
		name := ps.parseQuoted()
		return ps.parsePlugin(start, name)
	}
	word := ps.scanName()
	switch word {
	case "":
		ps.failAt(start, "expected a plugin, a conditional or '}' in the %s section, found %s", section, ps.found(start))
	case "if":
		return ps.parseIf(start, section)
	case "else":
		ps.failAt(start, "'else' without a matching 'if' before it")
	case "input", "filter", "output":
		if ps.peekAfterSpace() == '{' {
			ps.failAt(start, "found '%s' inside the %s section — is a '}' missing before it?", word, section)
		}
	}
	return ps.parsePlugin(start, word)
}

// parsePlugin reads `{ attr => value ... }` after a plugin name.
func (ps *parser) parsePlugin(start int, name string) *Plugin {
	p := &Plugin{Pos: ps.pos(start), Name: name}
	ps.skip()
	if ps.peek() != '{' {
		if ps.peek() == '=' && ps.peekAt(1) == '>' {
			ps.fail("expected '{' after plugin name %q, found '=>' — settings go inside a plugin's braces, as in stdin { %s => ... }", name, name)
		}
		ps.fail("expected '{' after plugin name %q, found %s", name, ps.found(ps.off))
	}
	ps.off++
	ps.enter()
	defer ps.leave()
	for {
		ps.skip()
		if ps.eof() {
			ps.fail("missing '}' to close plugin %q opened at %s", name, lineCol(p.Pos))
		}
		if ps.peek() == '}' {
			ps.off++
			return p
		}
		p.Attrs = append(p.Attrs, ps.parseAttr(p))
	}
}

// parseAttr reads `name => value`.
func (ps *parser) parseAttr(p *Plugin) *Attr {
	start := ps.off
	var name string
	switch c := ps.peek(); {
	case c == '"' || c == '\'':
		name = ps.parseQuoted()
	case isNameChar(c):
		name = ps.scanName()
	default:
		ps.fail("expected a setting name or '}' in plugin %q, found %s", p.Name, ps.found(ps.off))
	}
	a := &Attr{Pos: ps.pos(start), Name: name}
	ps.expectArrow("after setting name %q", name)
	a.Value = ps.parseValue()
	return a
}

// expectArrow skips space, reads "=>" and skips space after it.
func (ps *parser) expectArrow(after string, args ...any) {
	ps.skip()
	if ps.peek() == '=' && ps.peekAt(1) == '>' {
		ps.off += 2
		ps.skip()
		return
	}
	what := fmt.Sprintf(after, args...)
	switch c := ps.peek(); {
	case c == ':' || c == '=':
		ps.fail("expected '=>' %s, found %s — Logstash settings are written name => value", what, ps.found(ps.off))
	case c == '{':
		ps.fail("expected '=>' %s, found '{' — to give a plugin as a value write name => plugin { ... }", what)
	}
	ps.fail("expected '=>' %s, found %s", what, ps.found(ps.off))
}

// parseValue reads a setting value.
func (ps *parser) parseValue() Value {
	ps.enter()
	defer ps.leave()
	start := ps.off
	switch c := ps.peek(); {
	case c == '"' || c == '\'':
		s := ps.parseQuoted()
		if ps.peekAfterSpace() == '{' {
			return ps.parsePlugin(start, s)
		}
		return &String{Pos: ps.pos(start), Value: s}
	case c == '[':
		return ps.parseArray()
	case c == '{':
		return ps.parseHash()
	case isNameChar(c):
		word := ps.scanName()
		if ps.peekAfterSpace() == '{' {
			return ps.parsePlugin(start, word)
		}
		if isDigit(word[0]) || word[0] == '-' {
			ps.off = start
			n := ps.parseNumber()
			return &Number{Pos: n.Pos, Raw: n.Raw, IsInt: n.IsInt, Int: n.Int, Float: n.Float}
		}
		ps.checkBareword(start, word)
		return &Bareword{Pos: ps.pos(start), Value: word}
	case c == 0 && ps.eof():
		ps.fail("expected a value, found the end of the file")
	}
	ps.fail("expected a value (a string, number, bareword, array, hash or plugin), found %s", ps.found(ps.off))
	return nil
}

// checkBareword enforces Logstash's bareword syntax [A-Za-z_][A-Za-z0-9_]+.
func (ps *parser) checkBareword(start int, word string) {
	if strings.IndexByte(word, '-') >= 0 {
		ps.failAt(start, "%s is not a valid bareword (only letters, digits and '_' are allowed); quote it: \"%s\"", word, word)
	}
	if len(word) < 2 {
		ps.failAt(start, "a bareword needs at least two characters; quote it: \"%s\"", word)
	}
}

// parseNumber reads -?[0-9]+(\.[0-9]*)?. A number must not run into a
// word, except in conditions, where Logstash reads `1and` as 1 and.
func (ps *parser) parseNumber() *NumberLit { return ps.scanNumber(false) }

func (ps *parser) scanNumber(inCondition bool) *NumberLit {
	start := ps.off
	if ps.peek() == '-' {
		ps.off++
	}
	if !isDigit(ps.peek()) {
		ps.off = start
		ps.failAt(start, "expected a number, found %s", ps.found(start))
	}
	for isDigit(ps.peek()) {
		ps.off++
	}
	isInt := true
	if ps.peek() == '.' {
		isInt = false
		ps.off++
		for isDigit(ps.peek()) {
			ps.off++
		}
	}
	if c := ps.peek(); (isNameChar(c) || c == '.') && !(inCondition && isAlpha(c)) {
		end := ps.off
		for end < len(ps.src) && (isNameChar(ps.src[end]) || ps.src[end] == '.') {
			end++
		}
		ps.failAt(start, "invalid number %q", string(ps.src[start:end]))
	}
	raw := string(ps.src[start:ps.off])
	n := &NumberLit{Pos: ps.pos(start), Raw: raw, IsInt: isInt}
	if isInt {
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			ps.failAt(start, "number %s is out of range (integers must fit in 64 bits)", raw)
		}
		n.Int, n.Float = v, float64(v)
	} else {
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			ps.failAt(start, "number %s is out of range", raw)
		}
		n.Float = v
	}
	return n
}

// parseQuoted reads a single- or double-quoted string and returns its
// value (escapes processed when SupportEscapes is set).
func (ps *parser) parseQuoted() string {
	start := ps.off
	q := ps.src[ps.off]
	ps.off++
	hasBackslash := false
	for {
		if ps.eof() {
			ps.failAt(start, "unterminated string: the %c opened here is never closed", q)
		}
		c := ps.src[ps.off]
		if c == q {
			break
		}
		if c == '\\' {
			hasBackslash = true
			if ps.peekAt(1) == q {
				ps.off++
			}
		}
		ps.off++
	}
	raw := ps.src[start+1 : ps.off]
	ps.off++
	if !hasBackslash || !ps.opts.SupportEscapes {
		return string(raw)
	}
	return unescape(raw)
}

// unescape processes Logstash's escapes: \\ \" \' \n \r \t.
func unescape(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 == len(raw) {
			b.WriteByte(c)
			continue
		}
		switch raw[i+1] {
		case '\\', '"', '\'':
			b.WriteByte(raw[i+1])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			b.WriteByte('\\')
			b.WriteByte(raw[i+1])
		}
		i++
	}
	return b.String()
}

// parseArray reads `[ value, value ... ]`.
func (ps *parser) parseArray() *Array {
	a := &Array{Pos: ps.pos(ps.off)}
	ps.off++
	ps.skip()
	if ps.peek() == ']' {
		ps.off++
		return a
	}
	for {
		ps.skip()
		if ps.eof() {
			ps.fail("missing ']' to close the array opened at %s", lineCol(a.Pos))
		}
		a.Items = append(a.Items, ps.parseValue())
		ps.skip()
		switch ps.peek() {
		case ',':
			ps.off++
			ps.skip()
			if ps.peek() == ']' {
				ps.fail("expected a value after ',', found ']' — Logstash does not allow a trailing comma in arrays")
			}
		case ']':
			ps.off++
			return a
		default:
			if ps.eof() {
				ps.fail("missing ']' to close the array opened at %s", lineCol(a.Pos))
			}
			ps.fail("expected ',' or ']' in the array opened at %s, found %s", lineCol(a.Pos), ps.found(ps.off))
		}
	}
}

// parseHash reads `{ key => value ... }`; entries are separated by
// whitespace only, as in Logstash.
func (ps *parser) parseHash() *Hash {
	h := &Hash{Pos: ps.pos(ps.off)}
	ps.off++
	seen := map[string]Pos{}
	for {
		ps.skip()
		if ps.eof() {
			ps.fail("missing '}' to close the hash opened at %s", lineCol(h.Pos))
		}
		start := ps.off
		var key string
		switch c := ps.peek(); {
		case c == '}':
			ps.off++
			return h
		case c == ',':
			ps.fail("unexpected ',' in hash: Logstash separates hash entries with spaces or newlines, not commas")
		case c == '"' || c == '\'':
			key = ps.parseQuoted()
		case isDigit(c) || c == '-':
			key = ps.parseNumber().Raw
		case isNameChar(c):
			key = ps.scanName()
			ps.checkBareword(start, key)
		default:
			ps.fail("expected a hash key (a string, number or bareword) or '}', found %s", ps.found(ps.off))
		}
		e := &HashEntry{Pos: ps.pos(start), Key: key}
		if first, dup := seen[key]; dup {
			ps.failAt(start, "duplicate key %q in hash (first at %s)", key, lineCol(first))
		}
		seen[key] = e.Pos
		ps.expectArrow("after hash key %q", key)
		e.Value = ps.parseValue()
		h.Entries = append(h.Entries, e)
	}
}

// suggest returns the candidate within edit distance 2 of word, if any.
func suggest(word string, candidates ...string) string {
	if word == "" {
		return ""
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
