package config

import (
	"bytes"
	"strings"
)

// Format prints a pipeline in canonical syntax: two-space indentation, one
// setting per line, hashes one entry per line, sections separated by a blank
// line, comments dropped. Parsing the result (with the same SupportEscapes
// option, recorded in p.SupportEscapes) gives back the same tree, positions
// aside.
//
// Without SupportEscapes, a string holding both an unescaped double quote
// and an unescaped single quote cannot be written in Logstash's syntax; such
// a string is written in double quotes with \" and reads back with the
// backslash. A string that ends in a backslash cannot be written at all
// (the backslash would keep the closing quote from ending it, in either
// mode, as in Logstash's grammar); Writable reports whether p holds one.
func Format(p *Pipeline) []byte {
	return format(p).buf.Bytes()
}

// Writable reports whether Format(p) reads back as p: false when a string
// of p ends in a backslash, which no string literal can hold. (Pipelines
// parsed from text never hold one; those built by code, such as sluice
// ship's translation of a filebeat.yml, can.)
func Writable(p *Pipeline) bool {
	return !format(p).unwritable
}

func format(p *Pipeline) *formatter {
	f := &formatter{escapes: p.SupportEscapes}
	for i, s := range p.Sections {
		if i > 0 {
			f.buf.WriteByte('\n')
		}
		f.buf.WriteString(s.Kind)
		f.block(s.Body, 0)
		f.buf.WriteByte('\n')
	}
	return f
}

// maxInlineArray is the width beyond which an array is written one item
// per line.
const maxInlineArray = 80

type formatter struct {
	buf     bytes.Buffer
	escapes bool
	// unwritable: a string ended in a backslash.
	unwritable bool
}

func (f *formatter) indent(n int) {
	for range n {
		f.buf.WriteString("  ")
	}
}

// block writes ` {`, the statements, and `}` (no newline after it).
func (f *formatter) block(body []Statement, depth int) {
	if len(body) == 0 {
		f.buf.WriteString(" {}")
		return
	}
	f.buf.WriteString(" {\n")
	for _, st := range body {
		f.indent(depth + 1)
		f.statement(st, depth+1)
		f.buf.WriteByte('\n')
	}
	f.indent(depth)
	f.buf.WriteByte('}')
}

func (f *formatter) statement(st Statement, depth int) {
	switch st := st.(type) {
	case *Plugin:
		f.plugin(st, depth)
	case *If:
		for i, b := range st.Branches {
			switch {
			case i == 0:
				f.buf.WriteString("if ")
			case b.Cond != nil:
				f.buf.WriteString(" else if ")
			default:
				f.buf.WriteString(" else")
			}
			if b.Cond != nil {
				f.expr(b.Cond, "")
			}
			f.block(b.Body, depth)
		}
	}
}

func (f *formatter) plugin(p *Plugin, depth int) {
	f.name(p.Name)
	if len(p.Attrs) == 0 {
		f.buf.WriteString(" {}")
		return
	}
	f.buf.WriteString(" {\n")
	for _, a := range p.Attrs {
		f.indent(depth + 1)
		f.name(a.Name)
		f.buf.WriteString(" => ")
		f.value(a.Value, depth+1)
		f.buf.WriteByte('\n')
	}
	f.indent(depth)
	f.buf.WriteByte('}')
}

// name writes a plugin or setting name, bare when Logstash's name syntax
// allows it.
func (f *formatter) name(s string) {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == "" {
		f.buf.WriteString(s)
		return
	}
	f.quote(s)
}

func (f *formatter) value(v Value, depth int) {
	switch v := v.(type) {
	case *String:
		f.quote(v.Value)
	case *Number:
		f.buf.WriteString(v.Raw)
	case *Bareword:
		f.buf.WriteString(v.Value)
	case *Plugin:
		f.plugin(v, depth)
	case *Array:
		// One item per line when an item spans lines or the array is long.
		multi, width := false, 0
		for _, it := range v.Items {
			switch it := it.(type) {
			case *Hash, *Plugin, *Array:
				multi = true
			case *String:
				width += len(it.Value) + 4
			case *Number:
				width += len(it.Raw) + 2
			case *Bareword:
				width += len(it.Value) + 2
			}
		}
		if len(v.Items) > 1 && width > maxInlineArray {
			multi = true
		}
		if !multi {
			f.buf.WriteByte('[')
			for i, it := range v.Items {
				if i > 0 {
					f.buf.WriteString(", ")
				}
				f.value(it, depth)
			}
			f.buf.WriteByte(']')
			return
		}
		f.buf.WriteString("[\n")
		for i, it := range v.Items {
			f.indent(depth + 1)
			f.value(it, depth+1)
			if i < len(v.Items)-1 {
				f.buf.WriteByte(',')
			}
			f.buf.WriteByte('\n')
		}
		f.indent(depth)
		f.buf.WriteByte(']')
	case *Hash:
		if len(v.Entries) == 0 {
			f.buf.WriteString("{}")
			return
		}
		f.buf.WriteString("{\n")
		for _, e := range v.Entries {
			f.indent(depth + 1)
			f.hashKey(e.Key)
			f.buf.WriteString(" => ")
			f.value(e.Value, depth+1)
			f.buf.WriteByte('\n')
		}
		f.indent(depth)
		f.buf.WriteByte('}')
	}
}

// hashKey writes a key. Keys are always quoted: a key written as a
// bareword or a number has the same text as the quoted string, so the tree
// is the same, and quoted keys are the common style.
func (f *formatter) hashKey(k string) { f.quote(k) }

// quote writes s as a string literal that reads back as s.
func (f *formatter) quote(s string) {
	if strings.HasSuffix(s, `\`) {
		f.unwritable = true
	}
	if f.escapes {
		f.buf.WriteByte('"')
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '"':
				f.buf.WriteString(`\"`)
			case '\\':
				// A backslash before a character that is not an escape
				// stays as written when read back, so only those that
				// would form an escape with what is written next (or end
				// the string) are doubled.
				if i+1 == len(s) || strings.IndexByte("\\\"'nrt\n\r\t", s[i+1]) >= 0 {
					f.buf.WriteString(`\\`)
				} else {
					f.buf.WriteByte('\\')
				}
			case '\n':
				f.buf.WriteString(`\n`)
			case '\r':
				f.buf.WriteString(`\r`)
			case '\t':
				f.buf.WriteString(`\t`)
			default:
				f.buf.WriteByte(c)
			}
		}
		f.buf.WriteByte('"')
		return
	}
	for _, q := range [...]byte{'"', '\''} {
		if rawFits(s, q) {
			f.buf.WriteByte(q)
			f.buf.WriteString(s)
			f.buf.WriteByte(q)
			return
		}
	}
	f.buf.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' && (i == 0 || s[i-1] != '\\') {
			f.buf.WriteByte('\\')
		}
		f.buf.WriteByte(s[i])
	}
	f.buf.WriteByte('"')
}

// rawFits reports whether s, written as is between q quotes, reads back as
// s when escapes are off: the string scan must stop exactly at the closing
// quote.
func rawFits(s string, q byte) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case q:
			return false
		case '\\':
			if i+1 < len(s) && s[i+1] == q {
				i++
			} else if i+1 == len(s) {
				return false // would escape the closing quote
			}
		}
	}
	return true
}

// expr writes a condition. parent is the boolean operator of the enclosing
// expression, if any.
func (f *formatter) expr(e Expr, parent string) {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "and", "or", "xor", "nand":
			f.boolOperand(e.Left, e.Op, false)
			f.buf.WriteString(" " + e.Op + " ")
			f.boolOperand(e.Right, e.Op, true)
		default:
			f.expr(e.Left, e.Op)
			f.buf.WriteString(" " + e.Op + " ")
			f.expr(e.Right, e.Op)
		}
	case *Not:
		f.buf.WriteByte('!')
		if _, ok := e.X.(*FieldRef); ok {
			f.expr(e.X, "!")
			return
		}
		f.buf.WriteByte('(')
		f.expr(e.X, "")
		f.buf.WriteByte(')')
	case *FieldRef:
		f.buf.WriteString(e.Raw)
	case *StringLit:
		f.quote(e.Value)
	case *NumberLit:
		f.buf.WriteString(e.Raw)
	case *RegexLit:
		f.buf.WriteByte('/')
		f.buf.WriteString(e.Pattern)
		f.buf.WriteByte('/')
	case *ListLit:
		f.buf.WriteByte('[')
		for i, it := range e.Items {
			if i > 0 {
				f.buf.WriteString(", ")
			}
			f.expr(it, "")
		}
		f.buf.WriteByte(']')
	}
}

// boolOperand writes an operand of a boolean operator. Nested boolean
// expressions get parentheses, except the right operand of a chain of
// 'and's or of 'or's: Logstash groups `a or b or c` as a or (b or c), so
// that shape needs none, and no other shape is left to its precedence rules.
func (f *formatter) boolOperand(e Expr, op string, right bool) {
	if b, ok := e.(*Binary); ok {
		switch b.Op {
		case "and", "or", "xor", "nand":
			if right && b.Op == op && (op == "and" || op == "or") {
				f.expr(e, op)
				return
			}
			f.buf.WriteByte('(')
			f.expr(e, "")
			f.buf.WriteByte(')')
			return
		}
	}
	f.expr(e, op)
}

// exprString formats a condition, for messages.
func exprString(e Expr) string {
	f := &formatter{}
	f.expr(e, "")
	return f.buf.String()
}
