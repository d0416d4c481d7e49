// This file tests a build with a GPU target: the artifact carries the cpu and
// cuda targets side by side with one grid entry per kernel and the PTX
// section, kernels described once (rereads merged), both compiled with the
// build's floating-point contraction, and a bad sm refused before any work.
package compiler

import (
	"context"
	"os"
	"strings"
	"testing"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
)

func TestBuildGPUTarget(t *testing.T) {
	needTools(t)
	src, err := os.ReadFile("../stdlib/loss/zlpr.dl")
	if err != nil {
		t.Fatal(err)
	}
	b, man, err := Build(context.Background(), "zlpr.dl", src, Options{GPU: "sm_80"})
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Targets) != 2 || man.Targets[0].Kind != artifact.TargetCPU || man.Targets[1].Kind != artifact.TargetCUDA {
		t.Fatalf("targets %+v, want cpu then cuda", man.Targets)
	}
	gpu := man.Targets[1]
	if gpu.Section != artifact.SectionPTX || gpu.Arch != "sm_80" || gpu.Triple != "nvptx64-nvidia-cuda" {
		t.Errorf("cuda target %+v", gpu)
	}
	_, sections, err := artifact.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	text := string(sections[artifact.SectionPTX])
	for _, f := range man.Functions {
		for _, k := range f.Kernels {
			e := gpu.Entry(f.Name, k.Name)
			if e == nil || e.ABI != artifact.ABIGrid || e.Block == 0 {
				t.Errorf("%s %s: cuda entry %+v", f.Name, k.Name, e)
				continue
			}
			if !strings.Contains(text, ".entry "+e.Symbol+"(") {
				t.Errorf("%s: no .entry %s in the PTX", f.Name, e.Symbol)
			}
		}
	}
}

// TestBuildGPUTargetFPContract checks that -fp-contract reaches both
// backends and both target sections record it, and that reading it back
// refuses targets that disagree.
func TestBuildGPUTargetFPContract(t *testing.T) {
	needTools(t)
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	if err != nil {
		t.Fatal(err)
	}
	b, man, err := Build(context.Background(), "lion.dl", src, Options{GPU: "sm_80", FPContract: codegen.ContractFast})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range man.Targets {
		if tg.FPContract != artifact.FPContractFast {
			t.Errorf("target %s records fp_contract %q, want fast", tg.Kind, tg.FPContract)
		}
	}
	if c, err := ManifestFPContract(man); err != nil || c != codegen.ContractFast {
		t.Errorf("ManifestFPContract = %v, %v; want fast", c, err)
	}
	_, sections, err := artifact.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sections[artifact.SectionPTX]), "fma.rn.f32") {
		t.Errorf("the PTX of Lion built with -fp-contract fast has no fma.rn.f32")
	}
	man.Targets[1].FPContract = ""
	if _, err := ManifestFPContract(man); err == nil || !strings.Contains(err.Error(), "target cuda records fp-contract off, target cpu fast") {
		t.Errorf("targets that disagree: error %v", err)
	}
}

func TestBuildGPUTargetRefused(t *testing.T) {
	needTools(t)
	_, _, err := Build(context.Background(), "lion.dl", []byte("not even parsed"), Options{GPU: "sm_99"})
	if err == nil || !strings.Contains(err.Error(), "cuda:sm_99") {
		t.Errorf("error %v, want one naming cuda:sm_99", err)
	}
}

func TestMergeKernelsRereads(t *testing.T) {
	k := func(reread bool) map[string][]artifact.Kernel {
		return map[string][]artifact.Kernel{"f": {{Name: "k0", Buffers: []artifact.BufferRef{{Name: "x", Reread: reread}, {Name: "y", Writes: true}}}}}
	}
	into := k(false)
	if !mergeKernels(into, k(true)) || !into["f"][0].Buffers[0].Reread {
		t.Errorf("a reread of the second backend is not merged: %+v", into)
	}
	other := k(false)
	other["f"][0].Buffers[1].Name = "z"
	if mergeKernels(k(false), other) {
		t.Errorf("kernels with other buffers merged")
	}
}
