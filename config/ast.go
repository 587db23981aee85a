package config

import "fmt"

// Pos is a position in a source: file name, 1-based line and column
// (column counted in bytes).
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Pipeline is a whole parsed configuration: the sections of every file, in
// order (files in lexical order of their paths, each parsed on its own, as
// Logstash does).
type Pipeline struct {
	Sections []*Section
	// Sources maps file names to their text, for error messages that quote
	// the offending line.
	Sources map[string][]byte
	// Warnings are things that parse but probably do not mean what they
	// seem to (such as Logstash's grouping of `a and b and c or d`). They
	// do not stop the pipeline; `sluice check` shows them.
	Warnings []*Error
	// SupportEscapes records ParseOptions.SupportEscapes, so that Format
	// writes strings back the way they were read.
	SupportEscapes bool
}

// Section is one `input { }`, `filter { }` or `output { }` block.
type Section struct {
	Pos  Pos
	Kind string // "input", "filter" or "output"
	Body []Statement
}

// Statement is a *Plugin or an *If.
type Statement interface {
	Position() Pos
	stmt()
}

// Plugin is `name { setting => value ... }`. It is also a Value, for
// settings such as `codec => json { charset => "UTF-8" }`.
type Plugin struct {
	Pos   Pos
	Name  string
	Attrs []*Attr
}

// Attr is one `name => value` setting.
type Attr struct {
	Pos   Pos
	Name  string
	Value Value
}

// If is `if cond { } else if cond { } else { }`.
type If struct {
	Pos      Pos
	Branches []*Branch
}

// Branch is one arm of an If; Cond is nil for the final else.
type Branch struct {
	Pos  Pos
	Cond Expr
	Body []Statement
}

func (p *Plugin) Position() Pos { return p.Pos }
func (p *If) Position() Pos     { return p.Pos }
func (*Plugin) stmt()           {}
func (*If) stmt()               {}

// Value is a setting value: *String, *Number, *Bareword, *Array, *Hash or
// *Plugin.
type Value interface {
	Position() Pos
	value()
}

// String is a quoted string, escapes already resolved and ${VAR}
// substituted.
type String struct {
	Pos   Pos
	Value string
}

// Number is a numeric literal; Raw is the text as written.
type Number struct {
	Pos   Pos
	Raw   string
	IsInt bool
	Int   int64
	Float float64
}

// Bareword is an unquoted word such as `true`, `json` or `beginning`.
type Bareword struct {
	Pos   Pos
	Value string
}

// Array is `[ v, v, ... ]`.
type Array struct {
	Pos   Pos
	Items []Value
}

// Hash is `{ key => value ... }`, entries in source order.
type Hash struct {
	Pos     Pos
	Entries []*HashEntry
}

// HashEntry is one `key => value` in a Hash. Keys are strings, numbers or
// barewords; Key holds their text.
type HashEntry struct {
	Pos   Pos
	Key   string
	Value Value
}

func (v *String) Position() Pos   { return v.Pos }
func (v *Number) Position() Pos   { return v.Pos }
func (v *Bareword) Position() Pos { return v.Pos }
func (v *Array) Position() Pos    { return v.Pos }
func (v *Hash) Position() Pos     { return v.Pos }
func (*String) value()            {}
func (*Number) value()            {}
func (*Bareword) value()          {}
func (*Array) value()             {}
func (*Hash) value()              {}
func (*Plugin) value()            {}

// Expr is a condition: *Binary, *Not, *FieldRef, *StringLit, *NumberLit,
// *RegexLit or *ListLit.
type Expr interface {
	Position() Pos
	expr()
}

// Binary is `left op right`. Op is one of ==, !=, <, >, <=, >=, =~, !~,
// in, "not in", and, or, xor, nand. Pos is the position of the operator.
type Binary struct {
	Pos         Pos
	Op          string
	Left, Right Expr
}

// Not is `!expr`.
type Not struct {
	Pos Pos
	X   Expr
}

// FieldRef is a field reference such as [a][b]; Raw is its text.
type FieldRef struct {
	Pos Pos
	Raw string
}

// StringLit is a quoted string in a condition.
type StringLit struct {
	Pos   Pos
	Value string
}

// NumberLit is a number in a condition.
type NumberLit struct {
	Pos   Pos
	Raw   string
	IsInt bool
	Int   int64
	Float float64
}

// RegexLit is `/pattern/`; Pattern is the text between the slashes as
// written: a `\/` inside stays `\/`, which Go's regexp reads as `/` (as
// Logstash's regex engine does).
type RegexLit struct {
	Pos     Pos
	Pattern string
}

// ListLit is `[a, b, c]` on the right of `in`.
type ListLit struct {
	Pos   Pos
	Items []Expr
}

func (e *Binary) Position() Pos    { return e.Pos }
func (e *Not) Position() Pos       { return e.Pos }
func (e *FieldRef) Position() Pos  { return e.Pos }
func (e *StringLit) Position() Pos { return e.Pos }
func (e *NumberLit) Position() Pos { return e.Pos }
func (e *RegexLit) Position() Pos  { return e.Pos }
func (e *ListLit) Position() Pos   { return e.Pos }
func (*Binary) expr()              {}
func (*Not) expr()                 {}
func (*FieldRef) expr()            {}
func (*StringLit) expr()           {}
func (*NumberLit) expr()           {}
func (*RegexLit) expr()            {}
func (*ListLit) expr()             {}
