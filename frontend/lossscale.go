// This file lowers the dynamic loss scaling of an f16 train step (MATH.md §4,
// PyTorch's GradScaler): the backward starts from the loss times the scale
// S, every gradient is divided by S in f32, one check over all of them says
// whether any is inf or NaN, the optimizer's update is taken only when none
// is, and S and its counter follow loss_scale_update (stdlib/optim/
// loss_scale.dl): halve and restart on an overflow, double after
// growth_interval clean steps.
package frontend

import (
	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// The loss-scale state of an f16 train step and its scalar. The names are
// part of the step's signature: train.Trainer starts loss_scale at its
// initializer and checkpoints both like optimizer state.
const (
	lossScaleName      = "loss_scale"
	lossTrackerName    = "loss_scale_tracker"
	growthIntervalName = "growth_interval"
)

// The loss-scaling constants of MATH.md §4: PyTorch's GradScaler defaults.
const (
	initialLossScale = 65536 // 2¹⁶
	growthFactor     = 2.0
	backoffFactor    = 0.5
	growthInterval   = 2000
)

// lossScaleParams are the state tensors of an f16 step: the scale, starting
// at 2¹⁶, and the count of clean steps since it last changed, starting at 0.
func lossScaleParams(pos lexer.Position) (scale, tracker *param) {
	one := ir.Shape{ir.Dim{N: 1}}
	scale = &param{name: lossScaleName, pos: pos, typ: ir.Type{DType: ir.F32, Shape: one},
		init: &ir.Init{Kind: "constant", Args: []float64{initialLossScale}}}
	tracker = &param{name: lossTrackerName, pos: pos, typ: ir.Type{DType: ir.I32, Shape: one}}
	return scale, tracker
}

// growthIntervalParam is the scalar of an f16 step that sets how many clean
// steps double the scale.
func growthIntervalParam(pos lexer.Position) *param {
	n := float64(growthInterval)
	return &param{name: growthIntervalName, pos: pos, typ: ir.Type{DType: ir.I32}, def: &n}
}

// lowerScaledUpdate adds to f, the f16 train step k whose loss is loss, the
// backward from the scaled loss and the checked update (lowerCheckedUpdate).
func lowerScaledUpdate(f *ir.Func, k *kernel, loss *ir.Value) {
	scaled, s := scaleLoss(f, k, loss)
	var grads []*ir.Value
	for _, w := range k.train.weights {
		g := f.NewValue(ir.OpGrad, w.typ, scaled, f.Param(w.name))
		g.Pos = ir.At(irPos(w.pos))
		grads = append(grads, g)
	}
	lowerCheckedUpdate(f, k, grads, s)
}

// scaleLoss returns loss times the scale of f16 step k, whose gradients are
// those of loss times the scale, and the scale as a 0-d value.
func scaleLoss(f *ir.Func, k *kernel, loss *ir.Value) (scaled, s *ir.Value) {
	at := ir.At(irPos(k.decl.Name.Pos))
	s = f.NewValue(ir.OpReshape, ir.Scalar(ir.F32), f.Param(k.train.scale.name))
	s.Pos = at
	if d := loss.Type.DType; d != ir.F32 {
		s = f.NewValue(ir.OpCast, ir.Scalar(d), s)
		s.Pos = at
	}
	scaled = f.NewValue(ir.OpMul, loss.Type, loss, s)
	scaled.Pos = at
	return scaled, s
}

// lowerCheckedUpdate adds to f the unscaled gradients (grads, each scaled
// by s, divided by s in f32), their one finiteness check and the optimizer's
// update of train step k predicated on it, then the next scale and counter.
// The check reads every gradient and writes no parameter, so the update
// (one launch for all parameters) starts once it is known: a step with an
// inf or NaN gradient writes back the bits it read.
func lowerCheckedUpdate(f *ir.Func, k *kernel, grads []*ir.Value, s *ir.Value) {
	t := k.train
	at := ir.At(irPos(k.decl.Name.Pos))
	val := func(op ir.Op, typ ir.Type, args ...*ir.Value) *ir.Value {
		v := f.NewValue(op, typ, args...)
		v.Pos = at
		return v
	}
	cnst := func(d ir.DType, x float64) *ir.Value {
		c := val(ir.OpConst, ir.Scalar(d))
		c.Const = x
		return c
	}
	var unscaled []*ir.Value
	for i, g := range grads {
		u := f.NewValue(ir.OpDiv, g.Type, g, s)
		u.Pos = ir.At(irPos(t.weights[i].pos))
		unscaled = append(unscaled, u)
	}
	ok := ir.AllFinite(f, unscaled...)
	for i, g := range unscaled {
		lowerTrainUpdate(f, k, i, g, ok)
	}
	// loss_scale_update(scale, tracker, !ok), as stdlib/optim/loss_scale.dl.
	scale, tracker := f.Param(t.scale.name), f.Param(t.tracker.name)
	one := ir.Type{DType: ir.F32, Shape: scale.Type.Shape}
	ione := ir.Type{DType: ir.I32, Shape: tracker.Type.Shape}
	bone := ir.Type{DType: ir.Bool, Shape: tracker.Type.Shape}
	found := val(ir.OpNot, ir.Scalar(ir.Bool), ok)
	clean := val(ir.OpAdd, ione, tracker, cnst(ir.I32, 1))
	grow := val(ir.OpGe, bone, clean, f.Param(growthIntervalName))
	grown := val(ir.OpMul, one, scale, cnst(ir.F32, growthFactor))
	finite := val(ir.OpEq, bone, val(ir.OpSub, one, grown, grown), cnst(ir.F32, 0))
	keep := val(ir.OpSelect, one, finite, grown, scale)
	newScale := val(ir.OpSelect, one, found, val(ir.OpMul, one, scale, cnst(ir.F32, backoffFactor)), val(ir.OpSelect, one, grow, keep, scale))
	zero := cnst(ir.I32, 0)
	newTracker := val(ir.OpSelect, ione, found, zero, val(ir.OpSelect, ione, grow, zero, clean))
	f.Results = append(f.Results,
		ir.Result{Name: t.scale.name + newSuffix, Value: newScale},
		ir.Result{Name: t.tracker.name + newSuffix, Value: newTracker})
}
