package config

import (
	"strconv"
	"strings"
)

// dump renders a pipeline compactly for hand-written expectations:
//
//	input{stdin{} tcp{port=n:5000 codec=json{charset="UTF-8"}}}
//
// Strings are Go-quoted, numbers n:raw, barewords w:word, hashes {k=>v ...},
// conditions as prefix expressions: (== [a] "x"), (! [a]), (list "a" n:1),
// /re/. If is if(cond){...} elif(cond){...} else{...}.
func dump(p *Pipeline) string {
	var b strings.Builder
	for i, s := range p.Sections {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.Kind)
		dumpBody(&b, s.Body)
	}
	return b.String()
}

func dumpBody(b *strings.Builder, body []Statement) {
	b.WriteByte('{')
	for i, st := range body {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch st := st.(type) {
		case *Plugin:
			dumpValue(b, st)
		case *If:
			for j, br := range st.Branches {
				switch {
				case j == 0:
					b.WriteString("if(")
				case br.Cond != nil:
					b.WriteString(" elif(")
				default:
					b.WriteString(" else")
				}
				if br.Cond != nil {
					b.WriteString(dumpExpr(br.Cond))
					b.WriteByte(')')
				}
				dumpBody(b, br.Body)
			}
		}
	}
	b.WriteByte('}')
}

func dumpValue(b *strings.Builder, v Value) {
	switch v := v.(type) {
	case *Plugin:
		b.WriteString(v.Name)
		b.WriteByte('{')
		for i, a := range v.Attrs {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(a.Name)
			b.WriteByte('=')
			dumpValue(b, a.Value)
		}
		b.WriteByte('}')
	case *String:
		b.WriteString(strconv.Quote(v.Value))
	case *Number:
		b.WriteString("n:" + v.Raw)
	case *Bareword:
		b.WriteString("w:" + v.Value)
	case *Array:
		b.WriteByte('[')
		for i, it := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			dumpValue(b, it)
		}
		b.WriteByte(']')
	case *Hash:
		b.WriteByte('{')
		for i, e := range v.Entries {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.Key + "=>")
			dumpValue(b, e.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString("?")
	}
}

func dumpExpr(e Expr) string {
	switch e := e.(type) {
	case *Binary:
		return "(" + e.Op + " " + dumpExpr(e.Left) + " " + dumpExpr(e.Right) + ")"
	case *Not:
		return "(! " + dumpExpr(e.X) + ")"
	case *FieldRef:
		return e.Raw
	case *StringLit:
		return strconv.Quote(e.Value)
	case *NumberLit:
		return "n:" + e.Raw
	case *RegexLit:
		return "/" + e.Pattern + "/"
	case *ListLit:
		parts := []string{"list"}
		for _, it := range e.Items {
			parts = append(parts, dumpExpr(it))
		}
		return "(" + strings.Join(parts, " ") + ")"
	}
	return "?"
}
