// This file holds the control flow of a row kernel that does not depend on
// how a backend runs a pass: the order of stages and passes, and the phis
// that carry reduction states through a loop over the row's elements.
package kernelir

import (
	"dlc.dev/dlc/codegen/elemental"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/value"
)

// EmitPasses emits a row from cur: stage 0, the loops of pass 0, stage 1,
// and so on to the stage after the last pass. It returns the block where
// the row ends.
func EmitPasses[L any](cur *llir.Block, loops [][]L, stage func(cur *llir.Block, s int) *llir.Block, loop func(cur *llir.Block, s int, l L) *llir.Block) *llir.Block {
	for s := 0; ; s++ {
		cur = stage(cur, s)
		if s == len(loops) {
			return cur
		}
		for _, l := range loops[s] {
			cur = loop(cur, s, l)
		}
	}
}

// NewPhis makes in b a phi per component of each state of st, coming from
// block from.
func NewPhis(b *llir.Block, st []elemental.State, from *llir.Block) [][]*llir.InstPhi {
	ps := make([][]*llir.InstPhi, len(st))
	for i := range st {
		for _, x := range st[i] {
			ps[i] = append(ps[i], b.NewPhi(llir.NewIncoming(x, from)))
		}
	}
	return ps
}

// AddIncoming adds to each phi of ps its component of st, coming from block from.
func AddIncoming(ps [][]*llir.InstPhi, st []elemental.State, from *llir.Block) {
	for i := range ps {
		for c, p := range ps[i] {
			p.Incs = append(p.Incs, llir.NewIncoming(st[i][c], from))
		}
	}
}

// PhiState is the state whose components are the phis ps.
func PhiState(ps []*llir.InstPhi) elemental.State {
	s := make(elemental.State, len(ps))
	for i, p := range ps {
		s[i] = p
	}
	return s
}

// PhiStates are the states whose components are the phis ps.
func PhiStates(ps [][]*llir.InstPhi) []elemental.State {
	st := make([]elemental.State, len(ps))
	for i := range ps {
		st[i] = PhiState(ps[i])
	}
	return st
}

// StateLoop is a loop of one block, Body, over elements j of a row that
// carries the states of the row's reductions from one element to the next.
type StateLoop struct {
	Pre, Body, Exit *llir.Block
	J               *llir.InstPhi     // the element's index, in Body
	States          [][]*llir.InstPhi // per reduction, per component, in Body
	init            []elemental.State
}

// EnterLoop ends pre with a branch to body when from < n, else to exit, and
// starts body with the phis of j (from from) and of the states (from init).
func EnterLoop(pre, body, exit *llir.Block, from, n value.Value, init []elemental.State) *StateLoop {
	pre.NewCondBr(pre.NewICmp(enum.IPredSLT, from, n), body, exit)
	j := body.NewPhi(llir.NewIncoming(from, pre))
	return &StateLoop{Pre: pre, Body: body, Exit: exit, J: j, States: NewPhis(body, init, pre), init: init}
}

// Close ends Body: j advances by step (with flags) and Body repeats while
// the new j is below n, or, when exact, until it equals n (the loop then
// runs to n in steps of one); the states become upd. It returns the branch
// that ends Body and the final states, phis at the top of Exit.
func (l *StateLoop) Close(n, step value.Value, flags []enum.OverflowFlag, exact bool, upd []elemental.State) (*llir.TermCondBr, []elemental.State) {
	b := l.Body
	next := b.NewAdd(l.J, step)
	next.OverflowFlags = flags
	var latch *llir.TermCondBr
	if exact {
		latch = b.NewCondBr(b.NewICmp(enum.IPredEQ, next, n), l.Exit, b)
	} else {
		latch = b.NewCondBr(b.NewICmp(enum.IPredSLT, next, n), b, l.Exit)
	}
	l.J.Incs = append(l.J.Incs, llir.NewIncoming(next, b))
	AddIncoming(l.States, upd, b)
	finals := make([]elemental.State, len(l.init))
	for i := range l.init {
		finals[i] = make(elemental.State, len(l.init[i]))
		for c := range l.init[i] {
			finals[i][c] = l.Exit.NewPhi(llir.NewIncoming(l.init[i][c], l.Pre), llir.NewIncoming(upd[i][c], b))
		}
	}
	return latch, finals
}
