// This file tests the selections of a loop kernel's buffers: which ones
// LoadInputs and StoreOutputs touch, in which order, and in which form.
package kernelir

import (
	"slices"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// loopKernel is the loop kernel k1 of a function whose buffers are, in
// order: x and y (per-element inputs, y in f16), %2 (a scalar input), r (a
// per-element output), s (a scalar output) and q (a per-element f16 output).
func loopKernel(t *testing.T) *plan.Kernel {
	t.Helper()
	m, err := ir.Parse(`func @f(%x: f32[N], %y: f16[N]) -> (r: f32[N], s: f32, q: f16[N]) {
  kernel k0 rows []
  %2 = reduce_sum %x, axis=0 : f32 @k0
  %3 = mul %x, %2 : f32[N] @k1
  %4 = add %3, %y : f32[N] @k1
  %5 = add %2, %2 : f32 @k1
  %6 = cast %4 : f16[N] @k1
  return r = %4, s = %5, q = %6
}`)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := plan.Kernels(m.Funcs[0])
	if err != nil {
		t.Fatal(err)
	}
	p := ks[1]
	var names []string
	for _, b := range p.Buffers {
		names = append(names, b.Ref.Name)
	}
	if want := []string{"x", "y", "%2", "r", "s", "q"}; !slices.Equal(names, want) {
		t.Fatalf("buffers of k1: %v, want %v", names, want)
	}
	return p
}

func TestBuffersSelect(t *testing.T) {
	p := loopKernel(t)
	tg := codegen.CPUTarget(codegen.DefaultCPU)
	for _, tc := range []struct {
		name          string
		bufs          Buffers
		loads, stores []int
	}{
		{"scalar", ScalarBuffers(p), []int{2}, []int{4}},
		{"element", ElementBuffers(p), []int{0, 1}, []int{3, 5}},
		{"part", PartBuffers(p, []int{5, 2, 1, 4, 3}), []int{1}, []int{5, 3}},
		{"empty part", PartBuffers(p, nil), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod := llir.NewModule()
			e := elemental.NewElemental(mod, elemental.LibmCalls(), tg)
			b := llir.NewBlock("b")
			var asked []int
			at := func(i int) value.Value {
				asked = append(asked, i)
				return llir.NewParam("p", types.NewPointer(e.MemType(p.Buffers[i].Value.Type.DType)))
			}
			vals := map[*ir.Value]value.Value{}
			LoadInputs(e, b, tc.bufs, at, vals)
			if !slices.Equal(asked, tc.loads) {
				t.Errorf("LoadInputs read buffers %v, want %v", asked, tc.loads)
			}
			for _, i := range tc.loads {
				// Loaded in memory form, held in register form: y is an f16
				// in memory and an f32 in registers.
				if x := vals[p.Buffers[i].Value]; x == nil || !types.Equal(x.Type(), types.Float) {
					t.Errorf("buffer %d is not in vals as a float register: %v", i, x)
				}
			}
			for _, v := range p.Values {
				vals[v] = elemental.Const(ir.F32, 1)
			}
			asked = nil
			StoreOutputs(e, b, tc.bufs, at, vals)
			if !slices.Equal(asked, tc.stores) {
				t.Errorf("StoreOutputs wrote buffers %v, want %v", asked, tc.stores)
			}
			if got, want := tc.bufs.HasOutputs(), len(tc.stores) > 0; got != want {
				t.Errorf("HasOutputs = %v, want %v", got, want)
			}
			if slices.Contains(tc.stores, 5) && !storesHalf(b) {
				t.Errorf("q (f16) is not stored as a half")
			}
		})
	}
}

// storesHalf reports whether block b stores an f16 in memory form.
func storesHalf(b *llir.Block) bool {
	for _, in := range b.Insts {
		if st, ok := in.(*llir.InstStore); ok && types.Equal(st.Src.Type(), types.Half) {
			return true
		}
	}
	return false
}
