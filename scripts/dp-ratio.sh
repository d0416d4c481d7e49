#!/usr/bin/env bash
# Compares data-parallel step times on loopback only. MODE (default threads):
#   threads  one epoch of examples/fashion on 1 process x 2 threads against
#            2 MPI ranks x 1 thread (plain data parallel), alternating, ROUNDS
#            times (default 3); prints each run's progress line (steps/s)
#   zero     the Fashion-MNIST MLP's step on 2 ranks x 1 thread: ZeRO-1 against
#            plain data parallelism in one job (internal/tools/dpbench), 50
#            steps of each alternating per round, ROUNDS rounds (default 15);
#            prints the median and range of the time ratio
#   det      the same for the deterministic mode with MICRO microbatches
#            (default 2)
# Needs OpenMPI (scripts/setup.sh installs it), and Fashion-MNIST for threads.
# Timings are only comparable on an otherwise idle machine.
#
#   scripts/dp-ratio.sh [ROUNDS] [threads|zero|det]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${2:-threads}
micro=${MICRO:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpi=(--allow-run-as-root --oversubscribe --mca pml ob1 --mca btl self,vader
	--mca oob_tcp_if_include lo --mca plm isolated)
case $mode in
threads)
	(cd examples/fashion && go build -o "$tmp/fashion" .)
	for _ in $(seq "${1:-3}"); do
		echo -n "1 process x 2 threads: "
		"$tmp/fashion" -threads 2 -epochs 1 -out "$tmp/o1" | grep '^epoch'
		echo -n "2 ranks x 1 thread:    "
		mpirun -np 2 "${mpi[@]}" "$tmp/fashion" -mpi -threads 1 -epochs 1 -out "$tmp/o2" | grep '^epoch'
	done
	;;
zero | det)
	CGO_ENABLED=0 go build -o "$tmp/dpbench" ./internal/tools/dpbench
	mpirun -np 2 "${mpi[@]}" "$tmp/dpbench" -src examples/fashion/mlp.dl -mode "$mode" \
		-micro "$micro" -rounds "${1:-15}" -threads 1
	;;
*)
	echo "dp-ratio.sh: unknown mode $mode (threads, zero or det)" >&2
	exit 2
	;;
esac
