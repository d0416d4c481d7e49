#!/usr/bin/env bash
# Checks dlc on a machine with an NVIDIA GPU and writes one JSON report.
#
#   scripts/gpu-check.sh [OUTDIR]        (default OUTDIR: gpu-check-out)
#
# Run from the repository root. It needs the NVIDIA driver (libcuda.so.1) and
# Go; LLVM (opt, llc with the NVPTX backend) and gcc are installed with apt
# when missing. Environment: SM (default sm_80, which the driver JIT-compiles
# for newer GPUs; sm_90 needs LLVM 16 or newer), BUDGET (seconds for the whole
# run, default 460), N (elements of the Lion and DDIM benchmarks, default 64M).
#
# Steps, each under a time limit taken from what is left of BUDGET:
#   1. build dlc and internal/tools/gpucheck;
#   2. at the same time: gpucheck (every stdlib function on the GPU against
#      the CPU, and twice on the GPU for determinism), the test vectors on the
#      GPU (go test ./tests -run Vectors with DLC_TEST_DEVICE), and the builds
#      of the benchmarked sources;
#   3. benchmarks, one at a time: Lion and DDIM at N against the device-to-
#      device copy bandwidth measured in the same run (dlc bench), ZLPR forward
#      and gradient at B=4096 C=1000 and B=256 C=32000 (and PyTorch eager's
#      formulation of it, if PyTorch with CUDA is installed), and the cost of
#      one call at N=1: checks, launch through purego, stream synchronize.
# OUTDIR/gpu-check.json holds every result; OUTDIR/*.log the logs. The exit
# status is 0 when every step passed, 1 when one failed, 2 when the machine
# cannot run the check at all.
set -uo pipefail
OUT=${1:-gpu-check-out}
SM=${SM:-sm_80}
BUDGET=${BUDGET:-460}
N=${N:-67108864}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
start=$SECONDS

die() {
	echo "gpu-check: $*" >&2
	printf '{"pass": false, "error": %s}\n' "$(printf '%s' "$*" | json_str)" >"$OUT/gpu-check.json"
	exit 2
}

# json_str reads text and prints it as a JSON string.
json_str() {
	printf '"'
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\r//g' -e 's/\t/ /g' | tr -d '\000-\010\013-\037' | awk '{printf "%s\\n", $0}'
	printf '"'
}

# left prints the seconds of BUDGET left, at least 10.
left() {
	local l=$((BUDGET - (SECONDS - start)))
	[ "$l" -lt 10 ] && l=10
	echo "$l"
}

# limit runs a command under timeout with at most $1 seconds (and what is left).
limit() {
	local s=$1
	shift
	local l
	l=$(left)
	[ "$s" -gt "$l" ] && s=$l
	timeout --kill-after=5 "$s" "$@"
}

# The GPU and its driver.
if ! { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -q 'libcuda\.so\.1' && ! ls /usr/lib/x86_64-linux-gnu/libcuda.so.1 /usr/lib64/libcuda.so.1 >/dev/null 2>&1; then
	die "no NVIDIA driver: libcuda.so.1 is not installed (this check needs a machine with an NVIDIA GPU and its driver)"
fi
gpu_name=$(limit 20 nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null | head -1)
[ -n "$gpu_name" ] || gpu_name="unknown (nvidia-smi gave nothing)"
echo "gpu-check: GPU $gpu_name" >&2

# Go, LLVM, gcc.
GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || die "Go is not installed; install Go $(sed -n 's/^go //p' go.mod) (https://go.dev/dl)"
apt_install() {
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	echo "gpu-check: installing $*" >&2
	export DEBIAN_FRONTEND=noninteractive
	limit 60 $sudo apt-get update -qq >"$OUT/apt.log" 2>&1
	limit 150 $sudo apt-get install -y -qq "$@" >>"$OUT/apt.log" 2>&1
}
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
if ! ls /usr/bin/llc /usr/bin/llc-1[4-9] /usr/lib/llvm-1[4-9]/bin/llc >/dev/null 2>&1; then
	need+=(llvm)
fi
if [ ${#need[@]} -gt 0 ]; then
	apt_install "${need[@]}" || die "installing ${need[*]} failed or ran out of time (see $OUT/apt.log)"
fi
export PATH="$PATH:$(dirname "$GO")"
GOFLAGS=${GOFLAGS:-}
[ -d vendor ] && GOFLAGS="$GOFLAGS -mod=vendor"
export GOFLAGS

# 1. Build.
bin="$OUT/bin"
mkdir -p "$bin"
if ! limit 240 "$GO" build -o "$bin/dlc" ./cmd/dlc >"$OUT/build.log" 2>&1 ||
	! limit 120 "$GO" build -o "$bin/gpucheck" ./internal/tools/gpucheck >>"$OUT/build.log" 2>&1; then
	die "go build failed (see $OUT/build.log): $(tail -3 "$OUT/build.log")"
fi
DLC="$bin/dlc"

# 2. Correctness, and the benchmark builds, side by side.
limit 300 "$bin/gpucheck" -sm "$SM" >"$OUT/stdlib.json" 2>"$OUT/stdlib.log" &
p_stdlib=$!
limit 300 env DLC_TEST_DEVICE="cuda:$SM" "$GO" test -count=1 -run 'Vectors' ./tests >"$OUT/vectors.log" 2>&1 &
p_vectors=$!
arts="$OUT/artifacts"
mkdir -p "$arts"
(
	for f in stdlib/optim/lion.dl stdlib/diffusion/ddim.dl stdlib/loss/zlpr.dl; do
		limit 200 "$DLC" build "$f" -target "cuda:$SM" -o "$arts/$(basename "$f" .dl).dla" || exit 1
	done
) >"$OUT/bench-build.log" 2>&1 &
p_build=$!
wait $p_stdlib
s_stdlib=$?
wait $p_vectors
s_vectors=$?
wait $p_build
s_build=$?
[ -s "$OUT/stdlib.json" ] || printf '{"pass": false, "error": %s}\n' "$(tail -5 "$OUT/stdlib.log" | json_str)" >"$OUT/stdlib.json"

# 3. Benchmarks, one at a time on a quiet GPU.
benches=()
bench() { # name artifact function args...
	local name=$1 art=$2 fn=$3
	shift 3
	if [ $s_build -ne 0 ]; then
		benches+=("\"$name\": {\"error\": \"the benchmark artifacts did not build (bench-build.log)\"}")
		return 1
	fi
	if limit 90 "$DLC" bench "$arts/$art.dla" "$fn" --device cuda --json "$@" >"$OUT/bench-$name.json" 2>"$OUT/bench-$name.log"; then
		benches+=("\"$name\": $(cat "$OUT/bench-$name.json")")
		return 0
	fi
	benches+=("\"$name\": {\"error\": $(tail -3 "$OUT/bench-$name.log" | json_str)}")
	return 1
}
s_bench=0
bench lion lion lion --dim "N=$N" --alias theta_new=theta --alias m_new=m --time 2s || s_bench=1
bench ddim_step ddim ddim_step --dim "N=$N" --time 2s || s_bench=1
bench zlpr_4096x1000 zlpr zlpr_hard --dim B=4096 --dim C=1000 --time 2s || s_bench=1
bench zlpr_256x32000 zlpr zlpr_hard --dim B=256 --dim C=32000 --time 2s || s_bench=1
bench call_n1 lion lion --dim N=1 --time 2s || s_bench=1

# PyTorch eager's ZLPR, when PyTorch with CUDA is installed.
torch_json='{"skipped": "PyTorch with CUDA is not installed"}'
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
	cat >"$OUT/zlpr_torch.py" <<'EOF'
# ZLPR forward and gradient as PyTorch eager runs the bert4keras formulation
# (tests/testdata/baseline/zlpr_numpy.py); prints the median seconds per call.
import sys, time, torch
def zlpr(s, y):
    s = (1 - 2 * y) * s
    neg = torch.cat([s - y * 1e12, torch.zeros_like(s[..., :1])], -1)
    pos = torch.cat([s - (1 - y) * 1e12, torch.zeros_like(s[..., :1])], -1)
    ln, lp = torch.logsumexp(neg, -1), torch.logsumexp(pos, -1)
    g = torch.exp(neg - ln[..., None])[..., :-1] * (1 - y) - torch.exp(pos - lp[..., None])[..., :-1] * y
    return ln + lp, g
B, C = int(sys.argv[1]), int(sys.argv[2])
g = torch.Generator(device="cuda").manual_seed(0)
s = torch.randn(B, C, device="cuda", generator=g)
y = (torch.rand(B, C, device="cuda", generator=g) < 0.05).float()
for _ in range(3): zlpr(s, y)
torch.cuda.synchronize()
t = []
for _ in range(50):
    t0 = time.perf_counter(); zlpr(s, y); torch.cuda.synchronize(); t.append(time.perf_counter() - t0)
t.sort(); print(t[len(t) // 2])
EOF
	a=$(limit 60 python3 "$OUT/zlpr_torch.py" 4096 1000 2>>"$OUT/torch.log")
	b=$(limit 60 python3 "$OUT/zlpr_torch.py" 256 32000 2>>"$OUT/torch.log")
	torch_json="{\"zlpr_4096x1000_median_seconds\": ${a:-null}, \"zlpr_256x32000_median_seconds\": ${b:-null}}"
fi

# The report.
status() { [ "$1" -eq 0 ] && echo true || echo false; }
{
	printf '{\n"gpu": %s,\n"target": "cuda:%s",\n' "$(printf '%s' "$gpu_name" | json_str)" "$SM"
	printf '"stdlib_vs_cpu": %s,\n' "$(cat "$OUT/stdlib.json")"
	printf '"vectors": {"pass": %s, "log_tail": %s},\n' "$(status $s_vectors)" "$(tail -25 "$OUT/vectors.log" | json_str)"
	printf '"bench": {\n'
	for i in "${!benches[@]}"; do
		[ "$i" -gt 0 ] && printf ',\n'
		printf '%s' "${benches[$i]}"
	done
	printf '\n},\n"pytorch": %s,\n' "$torch_json"
	printf '"seconds": %d,\n"pass": %s\n}\n' $((SECONDS - start)) "$(status $((s_stdlib | s_vectors | s_bench)))"
} >"$OUT/gpu-check.json"
echo "gpu-check: report in $OUT/gpu-check.json" >&2
[ $((s_stdlib | s_vectors | s_bench)) -eq 0 ] || exit 1
