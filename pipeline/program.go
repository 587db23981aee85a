package pipeline

import (
	"fmt"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// A section (filters or outputs) compiles to a flat program: plugin steps
// and conditional jumps. An event's place in the section is a program
// counter, so events a filter creates (clone, split) simply continue at
// the step after that filter.
type opKind uint8

const (
	opFilter opKind = iota
	opOutput
	opJumpUnless // jump to target when cond is false
	opJump
)

type instr struct {
	op     opKind
	index  int // into the pipeline's filters or outputs
	cond   condFn
	target int
}

type program []instr

type compiler struct {
	cfg   *config.Pipeline
	cond  condCompiler
	build func(kind plugin.Kind, p *config.Plugin) (int, error)
	errs  config.ErrorList
}

func (c *compiler) compile(kind plugin.Kind, body []config.Statement, prog *program) {
	for _, st := range body {
		switch st := st.(type) {
		case *config.Plugin:
			idx, err := c.build(kind, st)
			if err != nil {
				c.addErr(err)
				continue
			}
			in := instr{op: opFilter}
			if kind == plugin.KindOutput {
				in.op = opOutput
			}
			in.index = idx
			*prog = append(*prog, in)
		case *config.If:
			var ends []int
			for _, br := range st.Branches {
				jumpAt := -1
				if br.Cond != nil {
					cond, err := c.cond.compile(br.Cond)
					if err != nil {
						c.addErr(err)
						cond = func(*event.Event) bool { return false }
					}
					jumpAt = len(*prog)
					*prog = append(*prog, instr{op: opJumpUnless, cond: cond})
				}
				c.compile(kind, br.Body, prog)
				if br.Cond == nil {
					break // else: falls through to the end
				}
				ends = append(ends, len(*prog))
				*prog = append(*prog, instr{op: opJump})
				(*prog)[jumpAt].target = len(*prog)
			}
			for _, at := range ends {
				(*prog)[at].target = len(*prog)
			}
		default:
			panic(fmt.Sprintf("BUG: unknown statement %T", st))
		}
	}
}

func (c *compiler) addErr(err error) {
	if l, ok := err.(config.ErrorList); ok {
		c.errs = append(c.errs, l...)
		return
	}
	c.errs = append(c.errs, &config.Error{Msg: err.Error()})
}

// inputs selects the input plugins of an input section. Conditionals there
// are decided once, at build time: they may only compare constants (after
// ${VAR} substitution), which makes `if "${ENV}" == "prod" { ... }` choose
// inputs. Logstash silently ignores such conditionals and starts every
// input; a condition on event fields is an error, since no event exists yet.
func (c *compiler) inputs(body []config.Statement) []*config.Plugin {
	var out []*config.Plugin
	for _, st := range body {
		switch st := st.(type) {
		case *config.Plugin:
			out = append(out, st)
		case *config.If:
			for _, br := range st.Branches {
				if br.Cond == nil {
					out = append(out, c.inputs(br.Body)...)
					break
				}
				if ref := firstFieldRef(br.Cond); ref != nil {
					c.errs = append(c.errs, c.cfg.Errorf(ref.Pos, "conditionals in the input section can only compare constants such as \"${ENV_VAR}\": there is no event yet to read %s from", ref.Raw))
					break
				}
				cond, err := c.cond.compile(br.Cond)
				if err != nil {
					c.addErr(err)
					break
				}
				if cond(event.New()) {
					out = append(out, c.inputs(br.Body)...)
					break
				}
			}
		}
	}
	return out
}

func firstFieldRef(x config.Expr) *config.FieldRef {
	switch x := x.(type) {
	case *config.FieldRef:
		return x
	case *config.Binary:
		if r := firstFieldRef(x.Left); r != nil {
			return r
		}
		return firstFieldRef(x.Right)
	case *config.Not:
		return firstFieldRef(x.X)
	case *config.ListLit:
		for _, it := range x.Items {
			if r := firstFieldRef(it); r != nil {
				return r
			}
		}
	}
	return nil
}
