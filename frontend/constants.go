// This file implements untyped constants: literals and the expressions built
// only from them. They are exact (go/constant) until they meet a typed operand,
// which gives them its dtype and checks that they fit it.
package frontend

import (
	"fmt"
	"go/constant"
	"go/token"
	"math"

	"dlc.dev/dlc/ir"
)

// constKind is the kind of an untyped constant.
type constKind uint8

const (
	constInt constKind = iota + 1
	constFloat
	constBool
)

// cval is the value of an untyped constant: exact when finite, or one of
// ±Inf and NaN, which go/constant cannot represent.
type cval struct {
	kind    constKind
	exact   constant.Value // nil for ±Inf and NaN
	special float64        // the value when exact is nil
}

// makeNumber returns the constant of a Number literal.
func makeNumber(text string) (cval, error) {
	switch text {
	case "inf":
		return cval{kind: constFloat, special: math.Inf(1)}, nil
	case "nan":
		return cval{kind: constFloat, special: math.NaN()}, nil
	}
	kind, tok := constInt, token.INT
	for _, r := range text {
		if r == '.' || r == 'e' || r == 'E' {
			kind, tok = constFloat, token.FLOAT
			break
		}
	}
	v := constant.MakeFromLiteral(text, tok, 0)
	if v.Kind() == constant.Unknown {
		return cval{}, fmt.Errorf("malformed number %s", text)
	}
	return cval{kind: kind, exact: v}, nil
}

// makeBool returns the constant true or false.
func makeBool(b bool) cval { return cval{kind: constBool, exact: constant.MakeBool(b)} }

// fromFloat returns a float constant, exact when f is finite.
func fromFloat(f float64) cval {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return cval{kind: constFloat, special: f}
	}
	return cval{kind: constFloat, exact: constant.MakeFloat64(f)}
}

// String prints the constant as Go prints constants: 1e+40, 0.5, inf.
func (c cval) String() string {
	if c.exact == nil {
		switch {
		case math.IsNaN(c.special):
			return "nan"
		case c.special > 0:
			return "inf"
		}
		return "-inf"
	}
	return c.exact.String()
}

// float returns the nearest float64.
func (c cval) float() float64 {
	if c.exact == nil {
		return c.special
	}
	if c.kind == constBool {
		if constant.BoolVal(c.exact) {
			return 1
		}
		return 0
	}
	f, _ := constant.Float64Val(c.exact)
	return f
}

// defaultDType is the dtype an untyped constant takes when nothing else
// decides it: f32 for floats, i32 for integers.
func (c cval) defaultDType() ir.DType {
	switch c.kind {
	case constInt:
		return ir.I32
	case constBool:
		return ir.Bool
	}
	return ir.F32
}

// represent converts c to dtype dt and returns its value, or a message
// saying why it does not fit.
func (c cval) represent(dt ir.DType) (float64, string) {
	if (c.kind == constBool) != (dt == ir.Bool) {
		return 0, fmt.Sprintf("cannot use constant %s as %s", c, dt)
	}
	if dt == ir.Bool {
		return c.float(), ""
	}
	if dt.IsInt() {
		if c.exact == nil {
			return 0, fmt.Sprintf("constant %s cannot be represented as %s", c, dt)
		}
		i := constant.ToInt(c.exact)
		if i.Kind() != constant.Int {
			return 0, fmt.Sprintf("constant %s truncated to integer", c)
		}
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if dt == ir.I64 {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		v, exact := constant.Int64Val(i)
		if !exact || v < lo || v > hi {
			return 0, fmt.Sprintf("constant %s overflows %s", c, dt)
		}
		return float64(v), ""
	}
	// A finite constant overflows when it rounds to an infinity (65519 is
	// an f16, 65520 is not); inf and -inf themselves fit every float dtype.
	f := c.float()
	if c.exact != nil && math.IsInf(ir.Convert(f, dt), 0) {
		return 0, fmt.Sprintf("constant %s overflows %s", c, dt)
	}
	return f, ""
}

// foldUnary applies -x, +x or !x to a constant.
func foldUnary(op string, x cval) (cval, string) {
	switch op {
	case "+":
		if x.kind == constBool {
			return cval{}, "operator + is not defined on bool"
		}
		return x, ""
	case "-":
		if x.kind == constBool {
			return cval{}, "operator - is not defined on bool"
		}
		if x.exact == nil {
			return cval{kind: x.kind, special: -x.special}, ""
		}
		return cval{kind: x.kind, exact: constant.UnaryOp(token.SUB, x.exact, 0)}, ""
	case "!":
		if x.kind != constBool {
			return cval{}, fmt.Sprintf("operator ! needs a bool operand, got constant %s", x)
		}
		return makeBool(!constant.BoolVal(x.exact)), ""
	}
	return cval{}, fmt.Sprintf("unknown operator %s", op)
}

// foldBinary applies a binary operator to two constants. Division is exact:
// 1/2 is 0.5, never integer division.
func foldBinary(op string, x, y cval) (cval, string) {
	switch op {
	case "&&", "||":
		if x.kind != constBool || y.kind != constBool {
			return cval{}, fmt.Sprintf("operator %s needs bool operands, got constants %s and %s", op, x, y)
		}
		if op == "&&" {
			return makeBool(constant.BoolVal(x.exact) && constant.BoolVal(y.exact)), ""
		}
		return makeBool(constant.BoolVal(x.exact) || constant.BoolVal(y.exact)), ""
	}
	if (x.kind == constBool) != (y.kind == constBool) {
		return cval{}, fmt.Sprintf("mismatched constants %s and %s in %s", x, y, op)
	}
	if x.kind == constBool && op != "==" && op != "!=" {
		return cval{}, fmt.Sprintf("operator %s is not defined on bool", op)
	}
	kind := constInt
	if x.kind == constFloat || y.kind == constFloat || op == "/" {
		kind = constFloat
	}
	if x.exact == nil || y.exact == nil {
		return foldSpecial(op, x.float(), y.float())
	}
	switch op {
	case "==", "!=", "<", "<=", ">", ">=":
		return makeBool(constant.Compare(x.exact, compareToken(op), y.exact)), ""
	case "/":
		if constant.Sign(y.exact) == 0 {
			return cval{}, "division by zero in constant expression (write inf or -inf for an infinity)"
		}
	}
	return cval{kind: kind, exact: constant.BinaryOp(x.exact, arithToken(op), y.exact)}, ""
}

// foldSpecial folds an operator when an operand is ±Inf or NaN, in float64.
func foldSpecial(op string, x, y float64) (cval, string) {
	switch op {
	case "==":
		return makeBool(x == y), ""
	case "!=":
		return makeBool(x != y), ""
	case "<":
		return makeBool(x < y), ""
	case "<=":
		return makeBool(x <= y), ""
	case ">":
		return makeBool(x > y), ""
	case ">=":
		return makeBool(x >= y), ""
	case "+":
		return fromFloat(x + y), ""
	case "-":
		return fromFloat(x - y), ""
	case "*":
		return fromFloat(x * y), ""
	case "/":
		return fromFloat(x / y), ""
	}
	return cval{}, fmt.Sprintf("unknown operator %s", op)
}

func compareToken(op string) token.Token {
	switch op {
	case "==":
		return token.EQL
	case "!=":
		return token.NEQ
	case "<":
		return token.LSS
	case "<=":
		return token.LEQ
	case ">":
		return token.GTR
	}
	return token.GEQ
}

func arithToken(op string) token.Token {
	switch op {
	case "+":
		return token.ADD
	case "-":
		return token.SUB
	case "*":
		return token.MUL
	}
	return token.QUO
}
