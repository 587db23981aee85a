package grok

import (
	"regexp/syntax"
	"sort"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// A dfa answers one question fast: can the expression match anywhere in
// the text? It is a lazily built DFA over the compiled program with its
// empty-width assertions relaxed (only "at the start of the text" is
// kept), so it accepts a superset of what the expression matches: a
// "no" is exact and lets Match skip the regexp, a "yes" means "run it".
// A line that matches none of a filter's patterns costs one pass of a
// table lookup per byte and pattern instead of an NFA simulation.
//
// States are built on first use and shared by all goroutines: their
// ASCII transitions are atomic pointers, read without locking; building
// a state takes the lock. Past maxDFAStates states, or when it rejected
// too few of its first dfaTrial texts to pay for itself, the DFA gives up
// for good, drops its states and always answers "yes".
type dfa struct {
	prog     *syntax.Prog
	anchored bool // the expression only matches at the text start
	restart  []uint32

	mu     sync.Mutex
	states map[string]*dstate
	start  atomic.Pointer[dstate] // nil once the DFA gave up
	failed atomic.Bool

	calls, rejects atomic.Int64 // over the first dfaTrial texts
}

type dstate struct {
	insts []uint32 // the rune-consuming instructions the state is at
	match bool     // a match is possible here (the expression may end)
	dead  bool     // no instruction left and none will be added
	next  [utf8.RuneSelf]atomic.Pointer[dstate]
}

// The trial: after dfaTrial texts, a DFA that rejected fewer than one in
// dfaMinRejectRate gives up (its pass costs about a twentieth of a
// regexp match, so it must save that much).
const (
	dfaTrial         = 1024
	dfaMinRejectRate = 16
)

// maxDFAStates bounds the memory of one DFA (about 1 KiB a state). The
// DFAs worth having are small: the fall-through patterns of the benchmark
// need 1 to 70 states; COMBINEDAPACHELOG's would not fit in thousands.
const maxDFAStates = 1024

func newDFA(expanded string) *dfa {
	re, err := syntax.Parse(expanded, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	prog, err := syntax.Compile(re)
	if err != nil {
		return nil
	}
	d := &dfa{prog: prog, anchored: startsAnchored(re), states: map[string]*dstate{}}
	start := d.closure(nil, uint32(prog.Start), true, make([]bool, len(prog.Inst)))
	if !d.anchored {
		d.restart = d.closure(nil, uint32(prog.Start), false, make([]bool, len(prog.Inst)))
	}
	st := d.intern(start)
	if st == nil || st.match {
		return nil // matches the empty text: the DFA can reject nothing
	}
	d.start.Store(st)
	return d
}

// closure adds to set the rune-consuming and match instructions reachable
// from pc without consuming input. atStart tells whether the position is
// the text start (the only assertion the DFA keeps). Instructions marked
// in visited are skipped (they are in set already) and get marked.
func (d *dfa) closure(set []uint32, pc uint32, atStart bool, visited []bool) []uint32 {
	stack := []uint32{pc}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[pc] {
			continue
		}
		visited[pc] = true
		inst := &d.prog.Inst[pc]
		switch inst.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, inst.Arg, inst.Out)
		case syntax.InstNop, syntax.InstCapture:
			stack = append(stack, inst.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(inst.Arg)&syntax.EmptyBeginText != 0 && !atStart {
				continue
			}
			stack = append(stack, inst.Out)
		case syntax.InstMatch, syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			set = append(set, pc)
		}
	}
	return set
}

// intern returns the state for the instruction set, creating it; nil when
// the DFA has too many states. The caller holds mu (or is newDFA).
func (d *dfa) intern(set []uint32) *dstate {
	sort.Slice(set, func(i, j int) bool { return set[i] < set[j] })
	// Deduplicate (closures of several instructions may overlap).
	out := set[:0]
	for i, pc := range set {
		if i == 0 || pc != set[i-1] {
			out = append(out, pc)
		}
	}
	set = out
	key := make([]byte, 0, 4*len(set))
	for _, pc := range set {
		key = append(key, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
	}
	if d.failed.Load() {
		return nil
	}
	if st, ok := d.states[string(key)]; ok {
		return st
	}
	if len(d.states) >= maxDFAStates {
		// Give up and let the states go (goroutines scanning with one
		// get nil from step and answer "yes").
		d.giveUp()
		return nil
	}
	st := &dstate{insts: append([]uint32(nil), set...)}
	for _, pc := range set {
		if d.prog.Inst[pc].Op == syntax.InstMatch {
			st.match = true
		}
	}
	st.dead = len(set) == 0 && d.anchored
	d.states[string(key)] = st
	return st
}

// step returns the state after r, or nil when the DFA gave up.
func (d *dfa) step(st *dstate, r rune) *dstate {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed.Load() {
		return nil
	}
	var set []uint32
	visited := make([]bool, len(d.prog.Inst))
	for _, pc := range st.insts {
		inst := &d.prog.Inst[pc]
		var ok bool
		switch inst.Op {
		case syntax.InstRune1:
			ok = r == inst.Rune[0]
		case syntax.InstRuneAny:
			ok = true
		case syntax.InstRuneAnyNotNL:
			ok = r != '\n'
		case syntax.InstRune:
			ok = inst.MatchRune(r)
		}
		if ok {
			set = d.closure(set, inst.Out, false, visited)
		}
	}
	set = append(set, d.restart...)
	return d.intern(set)
}

// alive reports whether the DFA answers (it has not given up).
func (d *dfa) alive() bool { return d != nil && d.start.Load() != nil }

// possible reports whether the expression may match somewhere in s; false
// is exact.
func (d *dfa) possible(s string) bool {
	if d == nil {
		return true
	}
	st := d.start.Load()
	if st == nil {
		return true
	}
	if d.calls.Load() < dfaTrial {
		ok := d.scan(st, s)
		d.count(ok)
		return ok
	}
	return d.scan(st, s)
}

// count keeps the statistics of the first dfaTrial texts and gives up
// when the DFA rejected too few of them to pay for its pass: a pattern
// that matches nearly every line is better off without it.
func (d *dfa) count(possible bool) {
	if !possible {
		d.rejects.Add(1)
	}
	if d.calls.Add(1) == dfaTrial && d.rejects.Load()*dfaMinRejectRate < dfaTrial {
		d.mu.Lock()
		d.giveUp()
		d.mu.Unlock()
	}
}

// giveUp drops the states; the caller holds mu.
func (d *dfa) giveUp() {
	d.failed.Store(true)
	d.states = nil
	d.start.Store(nil)
}

// scan runs the DFA over s from st.
func (d *dfa) scan(st *dstate, s string) bool {
	for i := 0; i < len(s); {
		var nx *dstate
		if c := s[i]; c < utf8.RuneSelf {
			if nx = st.next[c].Load(); nx == nil {
				if nx = d.step(st, rune(c)); nx == nil {
					return true
				}
				st.next[c].Store(nx)
			}
			i++
		} else {
			r, w := utf8.DecodeRuneInString(s[i:])
			if nx = d.step(st, r); nx == nil {
				return true
			}
			i += w
		}
		if nx.match {
			return true
		}
		if nx.dead {
			return false
		}
		st = nx
	}
	return false
}
