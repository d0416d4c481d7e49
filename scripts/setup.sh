#!/usr/bin/env bash
# Installs what building and testing dlc needs, when it is missing:
# LLVM's opt and llc (Debian package llvm, LLVM 14), gcc (the linker driver; it
# brings libgomp, the OpenMP runtime that kernel objects are linked against) and
# Fashion-MNIST (dataset-fashion-mnist, for the training examples) and
# OpenMPI (mpirun and libmpi.so.40, for distributed runs and their tests);
# with --bench also NumPy and PyTorch on OpenBLAS and OpenMPI's mpicc, the
# benchmarks' baselines.
set -euo pipefail
need=()
command -v opt >/dev/null 2>&1 || command -v opt-14 >/dev/null 2>&1 || need+=(llvm)
command -v llc >/dev/null 2>&1 || command -v llc-14 >/dev/null 2>&1 || need+=(llvm)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
# The training examples read Fashion-MNIST from Debian's package.
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need+=(dataset-fashion-mnist)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
/sbin/ldconfig -p 2>/dev/null | grep -q 'libmpi\.so\.40 ' || need+=(libopenmpi3)
# Benchmarks also compare with NumPy (Debian's python3-numpy) and the train
# step with PyTorch eager (python3-torch). Both link the reference BLAS unless
# an optimised one is installed: the benchmarks compare with OpenBLAS on
# threads (libopenblas0-pthread, which registers itself as libblas.so.3 with a
# higher priority).
if [ "${1:-}" = "--bench" ]; then
	/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
	/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need+=(python3-torch)
	dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'ok installed' || need+=(libopenblas0-pthread)
fi
# The all-reduce benchmark compares with the same loop in C (mpicc).
if [ "${1:-}" = "--bench" ] && ! command -v mpicc >/dev/null 2>&1; then
	need+=(libopenmpi-dev)
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
	echo "setup: Go is not installed; install Go 1.26 (https://go.dev/dl)" >&2
	exit 1
fi
if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	echo "setup: installing ${need[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
