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
