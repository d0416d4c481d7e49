// This file defines FPContract, the build option that says whether llc may
// fuse a multiply and an add of the source into one fused multiply-add.
package codegen

import "fmt"

// FPContract says whether a multiply and an add may be contracted into one
// fused multiply-add (FMA), which rounds once where the source rounds twice.
// It is a build option, not a fact about a target: both backends pass it to
// llc (-fp-contract=off or -fp-contract=fast), which fuses where the target
// has FMA instructions.
type FPContract uint8

const (
	// ContractOff, the zero value, fuses nothing the source does not fuse:
	// every operation rounds where the source says, as the reference
	// interpreter rounds (MATH.md §0).
	ContractOff FPContract = iota
	// ContractFast lets llc fuse any multiply whose product feeds an add or
	// a subtract (LLVM's AllowFPOpFusion=Fast): fewer roundings and fewer
	// instructions, results that differ from the interpreter's by up to one
	// rounding per fused pair.
	ContractFast
)

// FPContracts are the accepted spellings, in the order help lists them.
func FPContracts() []string { return []string{"off", "fast"} }

// ParseFPContract reads a -fp-contract value: off (or empty) or fast.
func ParseFPContract(s string) (FPContract, error) {
	switch s {
	case "", "off":
		return ContractOff, nil
	case "fast":
		return ContractFast, nil
	}
	return ContractOff, fmt.Errorf("-fp-contract %q: floating-point contraction is off (the default) or fast", s)
}

func (c FPContract) String() string {
	switch c {
	case ContractOff:
		return "off"
	case ContractFast:
		return "fast"
	}
	return fmt.Sprintf("FPContract(%d)", int(c))
}

// LLCFlag is llc's flag for c.
func (c FPContract) LLCFlag() string {
	if c == ContractFast {
		return "-fp-contract=fast"
	}
	return "-fp-contract=off"
}
