// This file holds the IR-building helpers of the contraction and transpose
// kernels: a function builder that names blocks and emits counted loops and
// branches, typed element addresses, vector loads and stores, splats and the
// 8 x 8 register transpose that packing uses.
package cpu

import (
	"fmt"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// fnb is a function under construction; it names blocks uniquely.
type fnb struct {
	fn *llir.Func
	n  int
}

// block appends a new block named after name.
func (f *fnb) block(name string) *llir.Block {
	f.n++
	return f.fn.NewBlock(fmt.Sprintf("%s.%d", name, f.n))
}

// loop emits `for i := start; i < end; { next := body(i) }` entered from b
// and returns the exit block. body gets the first block of the loop body and
// returns the block it ended in and the next value of i.
func (f *fnb) loop(b *llir.Block, name string, start, end value.Value,
	body func(bb *llir.Block, i value.Value) (*llir.Block, value.Value)) *llir.Block {
	head, bodyB, exit := f.block(name+".head"), f.block(name), f.block(name+".exit")
	b.NewBr(head)
	i := head.NewPhi(llir.NewIncoming(start, b))
	i.SetName(fmt.Sprintf("%s.%d", name, f.n))
	head.NewCondBr(head.NewICmp(enum.IPredSLT, i, end), bodyB, exit)
	last, next := body(bodyB, i)
	last.NewBr(head)
	i.Incs = append(i.Incs, llir.NewIncoming(next, last))
	return exit
}

// step is loop with an increment that does not change in the loop.
func (f *fnb) step(b *llir.Block, name string, start, end, inc value.Value,
	body func(bb *llir.Block, i value.Value) *llir.Block) *llir.Block {
	return f.loop(b, name, start, end, func(bb *llir.Block, i value.Value) (*llir.Block, value.Value) {
		last := body(bb, i)
		n := last.NewAdd(i, inc)
		n.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNSW}
		return last, n
	})
}

// ifThen emits `if cond { then }` from b and returns the join block.
func (f *fnb) ifThen(b *llir.Block, cond value.Value, then func(bb *llir.Block) *llir.Block) *llir.Block {
	t, join := f.block("then"), f.block("join")
	b.NewCondBr(cond, t, join)
	then(t).NewBr(join)
	return join
}

// ifElse emits `if cond { then } else { els }` and returns the join block.
func (f *fnb) ifElse(b *llir.Block, cond value.Value, then, els func(bb *llir.Block) *llir.Block) *llir.Block {
	t, e, join := f.block("then"), f.block("else"), f.block("join")
	b.NewCondBr(cond, t, e)
	then(t).NewBr(join)
	els(e).NewBr(join)
	return join
}

// gep is &p[i] for a pointer p to elements of type et, in bounds: every
// address the kernels form this way lies inside its buffer.
func gep(b *llir.Block, et types.Type, p, i value.Value) value.Value {
	g := b.NewGetElementPtr(et, p, i)
	g.InBounds = true
	return g
}

// rawGep is &p[i] without the in-bounds promise, for addresses that may lie
// past a buffer when they are never used (rows past the edge of a tile).
func rawGep(b *llir.Block, et types.Type, p, i value.Value) value.Value {
	return b.NewGetElementPtr(et, p, i)
}

// loadAt loads p[i] of element type et.
func loadAt(b *llir.Block, et types.Type, p, i value.Value) value.Value {
	l := b.NewLoad(et, gep(b, et, p, i))
	l.Align = llir.Align(memSize(et))
	return l
}

// storeAt stores x to p[i].
func storeAt(b *llir.Block, x, p, i value.Value) {
	s := b.NewStore(x, gep(b, x.Type(), p, i))
	s.Align = llir.Align(memSize(x.Type()))
}

// vload loads the vector of type vt at p[i] (p points to vt's elements),
// aligned to one element only: x86 loads cost the same unaligned when no
// line is split.
func vload(b *llir.Block, vt *types.VectorType, p, i value.Value) value.Value {
	q := b.NewBitCast(gep(b, vt.ElemType, p, i), types.NewPointer(vt))
	l := b.NewLoad(vt, q)
	l.Align = llir.Align(memSize(vt.ElemType))
	return l
}

// vstore stores the vector x at p[i].
func vstore(b *llir.Block, x, p, i value.Value) {
	vt := x.Type().(*types.VectorType)
	q := b.NewBitCast(gep(b, vt.ElemType, p, i), types.NewPointer(vt))
	s := b.NewStore(x, q)
	s.Align = llir.Align(memSize(vt.ElemType))
}

// splat broadcasts the scalar x to every lane of vt.
func splat(b *llir.Block, vt *types.VectorType, x value.Value) value.Value {
	ins := b.NewInsertElement(constant.NewUndef(vt), x, i64(0))
	m := constant.NewZeroInitializer(types.NewVector(vt.Len, types.I32))
	return b.NewShuffleVector(ins, constant.NewUndef(vt), m)
}

// shuffleMask is a shufflevector mask constant.
func shuffleMask(idx ...int) constant.Constant {
	elems := make([]constant.Constant, len(idx))
	for i, x := range idx {
		elems[i] = constant.NewInt(types.I32, int64(x))
	}
	return constant.NewVector(types.NewVector(uint64(len(idx)), types.I32), elems...)
}

// smin is the signed minimum of two i64 values.
func smin(b *llir.Block, x, y value.Value) value.Value {
	return b.NewSelect(b.NewICmp(enum.IPredSLT, x, y), x, y)
}

// smax is the signed maximum of two i64 values.
func smax(b *llir.Block, x, y value.Value) value.Value {
	return b.NewSelect(b.NewICmp(enum.IPredSGT, x, y), x, y)
}

// ceilDiv is (x + d - 1) / d for x >= 0 and d > 0.
func ceilDiv(b *llir.Block, x, d value.Value) value.Value {
	return b.NewSDiv(b.NewSub(b.NewAdd(x, d), i64(1)), d)
}

// add and mul are i64 arithmetic without wrapping (sizes and offsets).
func add(b *llir.Block, x, y value.Value) value.Value { return b.NewAdd(x, y) }
func mul(b *llir.Block, x, y value.Value) value.Value { return b.NewMul(x, y) }
func sub(b *llir.Block, x, y value.Value) value.Value { return b.NewSub(x, y) }

// transpose8 transposes 8 rows of <8 x T> into 8 columns with the unpack,
// shuffle and 128-bit-lane permute sequence (24 shuffles; x86 lowers them
// to vunpck{l,h}ps, vshufps and vperm2f128).
func transpose8(b *llir.Block, r [8]value.Value) [8]value.Value {
	shuf := func(x, y value.Value, idx ...int) value.Value { return b.NewShuffleVector(x, y, shuffleMask(idx...)) }
	var t, u, c [8]value.Value
	for i := 0; i < 8; i += 2 {
		t[i] = shuf(r[i], r[i+1], 0, 8, 1, 9, 4, 12, 5, 13)
		t[i+1] = shuf(r[i], r[i+1], 2, 10, 3, 11, 6, 14, 7, 15)
	}
	for _, h := range []int{0, 4} {
		u[h+0] = shuf(t[h+0], t[h+2], 0, 1, 8, 9, 4, 5, 12, 13)
		u[h+1] = shuf(t[h+0], t[h+2], 2, 3, 10, 11, 6, 7, 14, 15)
		u[h+2] = shuf(t[h+1], t[h+3], 0, 1, 8, 9, 4, 5, 12, 13)
		u[h+3] = shuf(t[h+1], t[h+3], 2, 3, 10, 11, 6, 7, 14, 15)
	}
	for j := 0; j < 4; j++ {
		c[j] = shuf(u[j], u[j+4], 0, 1, 2, 3, 8, 9, 10, 11)
		c[j+4] = shuf(u[j], u[j+4], 4, 5, 6, 7, 12, 13, 14, 15)
	}
	return c
}

// pieces splits [lo, lo+n) into runs of 8, 4, 2 and 1 lanes: {start, length}.
func pieces(lo, n int) [][2]int {
	var ps [][2]int
	for _, p := range []int{8, 4, 2, 1} {
		for n >= p {
			ps = append(ps, [2]int{lo, p})
			lo, n = lo+p, n-p
		}
	}
	return ps
}

// storeLanes stores lanes [0, n) of the <8 x T> vector x at p[i], in pieces
// of 8, 4, 2 and 1 lanes, so that nothing past them is written.
func storeLanes(b *llir.Block, x value.Value, n int, p, i value.Value) {
	for _, pc := range pieces(0, n) {
		at := add(b, i, i64(int64(pc[0])))
		switch pc[1] {
		case 8:
			vstore(b, x, p, at)
		case 1:
			storeAt(b, b.NewExtractElement(x, i64(int64(pc[0]))), p, at)
		default:
			idx := make([]int, pc[1])
			for j := range idx {
				idx[j] = pc[0] + j
			}
			vstore(b, b.NewShuffleVector(x, constant.NewUndef(x.Type()), shuffleMask(idx...)), p, at)
		}
	}
}
