package grok

import (
	"regexp/syntax"
	"unicode/utf8"
)

// exact is a backtracking matcher over the compiled program that checks
// the lookarounds where they occur, as Oniguruma does: when RE2's
// preferred match breaks a lookaround, it finds the match Oniguruma would
// (the first in priority order that keeps every lookaround true). The
// checks depend only on the position, so remembering failed
// (instruction, position) pairs stays exact and keeps it linear:
// len(program) × len(text) steps at most.
type exact struct {
	prog *syntax.Prog
	// around maps a capture slot (2×group) to its lookaround, or -1.
	around []int
}

// maxExactBits bounds the memory of one exact match (bits of the visited
// table: 4 MiB). Longer texts keep the RE2 result.
const maxExactBits = 32 << 20

func newExact(expanded string, numGroups int, lookarounds []lookaround) *exact {
	re, err := syntax.Parse(expanded, syntax.Perl)
	if err != nil {
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil
	}
	around := make([]int, 2*(numGroups+1))
	for i := range around {
		around[i] = -1
	}
	for i, la := range lookarounds {
		around[2*la.group] = i
	}
	return &exact{prog: prog, around: around}
}

type job struct {
	pc      uint32
	pos     int
	restore bool // restore caps[slot] = val
	slot    int
	val     int
}

// match returns the submatch indices, and false when the text is too long
// to match exactly.
func (x *exact) match(p *Pattern, s string) ([]int, bool) {
	if x == nil {
		return nil, false
	}
	n := len(s)
	ninst := len(x.prog.Inst)
	if ninst*(n+1) > maxExactBits {
		return nil, false
	}
	visited := make([]uint64, (ninst*(n+1)+63)/64)
	caps := make([]int, len(x.around))
	var stack []job
	for start := 0; start <= n; {
		for i := range caps {
			caps[i] = -1
		}
		if x.try(p, s, start, caps, visited, &stack) {
			caps[0] = start
			return caps, true
		}
		if start == n {
			break
		}
		_, w := utf8.DecodeRuneInString(s[start:])
		start += w
	}
	return nil, true
}

func (x *exact) try(p *Pattern, s string, start int, caps []int, visited []uint64, stack *[]job) bool {
	width := len(s) + 1
	st := append((*stack)[:0], job{pc: uint32(x.prog.Start), pos: start})
	defer func() { *stack = st[:0] }()
	for len(st) > 0 {
		j := st[len(st)-1]
		st = st[:len(st)-1]
		if j.restore {
			caps[j.slot] = j.val
			continue
		}
		pc, pos := j.pc, j.pos
	run:
		for {
			k := int(pc)*width + pos
			if visited[k/64]&(1<<(k%64)) != 0 {
				break
			}
			visited[k/64] |= 1 << (k % 64)
			inst := &x.prog.Inst[pc]
			switch inst.Op {
			case syntax.InstFail:
				break run
			case syntax.InstAlt, syntax.InstAltMatch:
				st = append(st, job{pc: inst.Arg, pos: pos})
				pc = inst.Out
			case syntax.InstNop:
				pc = inst.Out
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				if pos >= len(s) {
					break run
				}
				r, w := utf8.DecodeRuneInString(s[pos:])
				var ok bool
				switch inst.Op {
				case syntax.InstRune1:
					ok = r == inst.Rune[0]
				case syntax.InstRuneAny:
					ok = true
				case syntax.InstRuneAnyNotNL:
					ok = r != '\n'
				default:
					ok = inst.MatchRune(r)
				}
				if !ok {
					break run
				}
				pos += w
				pc = inst.Out
			case syntax.InstEmptyWidth:
				r1, r2 := rune(-1), rune(-1)
				if pos > 0 {
					r1, _ = utf8.DecodeLastRuneInString(s[:pos])
				}
				if pos < len(s) {
					r2, _ = utf8.DecodeRuneInString(s[pos:])
				}
				if syntax.EmptyOp(inst.Arg)&^syntax.EmptyOpContext(r1, r2) != 0 {
					break run
				}
				pc = inst.Out
			case syntax.InstCapture:
				slot := int(inst.Arg)
				if slot < len(caps) {
					if i := x.around[slot]; i >= 0 && !p.behinds[i].holds(s, pos) {
						break run
					}
					st = append(st, job{restore: true, slot: slot, val: caps[slot]})
					caps[slot] = pos
				}
				pc = inst.Out
			case syntax.InstMatch:
				caps[1] = pos
				return true
			default:
				break run
			}
		}
	}
	return false
}
