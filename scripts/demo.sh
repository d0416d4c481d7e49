#!/usr/bin/env bash
# The main demo: compile Lion and DDIM from the standard library, show what was
# built, train with it from Go, and measure the kernels against the copy bandwidth.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
echo "== dlc build stdlib/optim/lion.dl"
start=$(date +%s%N)
bin/dlc build stdlib/optim/lion.dl -o out/lion.dla
echo "   built in $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo
echo "== dlc inspect out/lion.dla"
bin/dlc inspect out/lion.dla
echo
echo "== the fused kernel, as graph IR after fusion"
bin/dlc ir stdlib/optim/lion.dl
echo
echo "== training a least-squares model from Go with the compiled Lion"
go run ./examples/lion -steps 301
echo
echo "== training an MLP on Fashion-MNIST: one compiled train step (forward, backward,"
echo "   Lion over every parameter in one launch); a short run on 12,000 images"
(cd examples/fashion && go run . -epochs 2 -train 12000 -out ../../out/fashion)
echo
echo "== dlc bench: Lion at N = 16M, in place"
bin/dlc bench out/lion.dla lion --dim N=16777216 --alias theta_new=theta --alias m_new=m
echo
echo "== dlc bench: one DDIM step at N = 16M, in place (as the sampler runs it)"
bin/dlc build stdlib/diffusion/ddim.dl -o out/ddim.dla
bin/dlc bench out/ddim.dla ddim_step --dim N=16777216 --alias x_prev=x_t --set abar_t=0.5 --set abar_prev=0.6 --set eta=0.5
echo
echo "== losses: every stdlib loss is one kernel that writes the loss and its gradient"
bin/dlc build stdlib/loss/zlpr.dl -o out/zlpr.dla
bin/dlc inspect out/zlpr.dla | grep -E "^func|kernels:"
echo
echo "== why zlpr_hard is one kernel (fusion decisions, abridged)"
bin/dlc ir stdlib/loss/zlpr.dl --explain-fusion | grep "^// fusion: @zlpr_hard" | grep -E "input fusion|reduction|merge" | head -6
echo
echo "== dlc bench: ZLPR forward + gradient, B = 4096, C = 1000"
bin/dlc bench out/zlpr.dla zlpr_hard --dim B=4096 --dim C=1000
echo
echo "== a compiled train step: an MLP on Fashion-MNIST (forward, loss, backward, Lion)"
if bin/dlc build examples/fashion/mlp.dl -o out/mlp.dla 2>/dev/null; then
	bin/dlc inspect out/mlp.dla | sed -n '/^func step/,/^$/p' | grep -E "^func|init|updates|kernels:|^    k"
	echo
	echo "== training it: one epoch on 10,000 images (the default run, 10 epochs on 60,000, reaches 89%)"
	(cd examples/fashion && go run . -epochs 1 -train 10000 -out ../../out/fashion)
else
	echo "   skipped: this build of dlc does not compile matrix products yet"
fi
echo
echo "== the EXACT paper's toy problem: where cross-entropy, hinge and EXACT end"
go run ./examples/exacttoy
echo
echo "== diffusion on a known truth: DDPM/DDIM vs Analytic-DPM and Extended-Analytic-DPM"
(cd examples/diffusion && go run . -n 4000 -out ../../out/diffusion)
