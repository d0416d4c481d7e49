#!/usr/bin/env bash
# Compares one epoch of examples/fashion on 1 process with 2 threads against
# 2 MPI ranks with 1 thread each (data parallel), alternating, ROUNDS times
# (default 3), on loopback only. Prints each run's progress line; compare the
# steps/s. Needs OpenMPI (scripts/setup.sh installs it) and Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd examples/fashion && go build -o "$tmp/fashion" .)
mpi=(--allow-run-as-root --oversubscribe --mca pml ob1 --mca btl self,vader
	--mca oob_tcp_if_include lo --mca plm isolated)
for _ in $(seq "$rounds"); do
	echo -n "1 process x 2 threads: "
	"$tmp/fashion" -threads 2 -epochs 1 -out "$tmp/o1" | grep '^epoch'
	echo -n "2 ranks x 1 thread:    "
	mpirun -np 2 "${mpi[@]}" "$tmp/fashion" -mpi -threads 1 -epochs 1 -out "$tmp/o2" | grep '^epoch'
done
