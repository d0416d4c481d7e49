#!/usr/bin/env bash
# Measures the in-place f32 all-reduce on 2 ranks of this machine (shared
# memory, loopback only) at sizes from 4 B to 64 MiB, and fits the α–β model
# of a 2-rank all-reduce, t(n) = a + b·bytes, on the median times: a is the
# time of the smallest all-reduce, b the least-squares slope through it
# (a = α, one exchange; b = β + γ/2 per byte: see docs/distributed.md).
#   scripts/mpi-alphabeta.sh    (on a shared machine, under the lock its benchmarks take)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/mpicheck
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 go build -o "$bin" ./internal/tools/mpicheck
run() {
	mpirun -np 2 --allow-run-as-root --oversubscribe --mca pml ob1 --mca btl self,vader \
		--mca oob_tcp_if_include lo --mca plm isolated "$bin" bench -n "$1" -reps "$2" -warmup "$3"
}
{
	for n in 1 256 4096 65536 1048576 4194304 16777216; do
		reps=$(( n >= 1048576 ? 20 : 2000 ))
		run "$n" "$reps" 10
	done
} | tee /dev/stderr | awk '
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	  m++; x[m] = 4 * f["n"]; y[m] = f["median_us"]; if (f["n"] == 1) a = y[m] }
	END {
	  for (i = 1; i <= m; i++) { sxy += x[i] * (y[i] - a); sxx += x[i] * x[i] }
	  b = sxy / sxx
	  printf "fit: t = %.3f us + bytes / (%.1f MB/s)\n", a, 1 / b
	}'
