// This file checks the spellings of FPContract: every accepted one parses
// back to what it names, and anything else is an error naming the value and
// the accepted ones.
package codegen

import (
	"strings"
	"testing"
)

func TestParseFPContract(t *testing.T) {
	for _, s := range FPContracts() {
		c, err := ParseFPContract(s)
		if err != nil || c.String() != s {
			t.Errorf("ParseFPContract(%q) = %v, %v", s, c, err)
		}
		if want := "-fp-contract=" + s; c.LLCFlag() != want {
			t.Errorf("%v.LLCFlag() = %q, want %q", c, c.LLCFlag(), want)
		}
	}
	if c, err := ParseFPContract(""); err != nil || c != ContractOff {
		t.Errorf(`ParseFPContract("") = %v, %v; want off, the zero value`, c, err)
	}
	for _, bad := range []string{"on", "Fast", "fused", "1"} {
		_, err := ParseFPContract(bad)
		if err == nil || !strings.Contains(err.Error(), `-fp-contract "`+bad+`"`) || !strings.Contains(err.Error(), "off (the default) or fast") {
			t.Errorf("ParseFPContract(%q): error %v, want one naming the value and off and fast", bad, err)
		}
	}
}
