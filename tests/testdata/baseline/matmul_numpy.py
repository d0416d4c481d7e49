"""NumPy side of dlc's matmul benchmark: a server that times NumPy in rounds
that alternate with dlc's. Reads commands from stdin, one per line:

    setup NAME KIND SIZES...   mm M K N | bmm B M K N | dense M K N
    time NAME REPS             prints REPS times in seconds, one line

A call during which the process was preempted (its involuntary context
switches grew) is timed again, up to 4 times, as dlc's side does.

The first line it prints names NumPy's version and the BLAS it loaded
(OPENBLAS_NUM_THREADS sets OpenBLAS's threads)."""
import resource
import sys
import time

import numpy as np

rng = np.random.default_rng(0)
cases = {}


def setup(name, kind, sizes):
    f32 = np.float32
    if kind == "mm":
        m, k, n = sizes
        a, b = rng.standard_normal((m, k), dtype=f32), rng.standard_normal((k, n), dtype=f32)
        c = np.empty((m, n), dtype=f32)
        cases[name] = lambda: np.matmul(a, b, out=c)
    elif kind == "bmm":
        bt, m, k, n = sizes
        a, b = rng.standard_normal((bt, m, k), dtype=f32), rng.standard_normal((bt, k, n), dtype=f32)
        c = np.empty((bt, m, n), dtype=f32)
        cases[name] = lambda: np.matmul(a, b, out=c)
    elif kind == "dense":
        m, k, n = sizes
        x, w = rng.standard_normal((m, k), dtype=f32), rng.standard_normal((k, n), dtype=f32)
        bias = rng.standard_normal(n, dtype=f32)
        cases[name] = lambda: np.maximum(x @ w + bias, 0)
    else:
        raise ValueError(kind)
    cases[name]()


blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "libblas" in l or "libopenblas" in l})
print("NumPy %s, BLAS %s" % (np.__version__, " ".join(blas) or "unknown"), flush=True)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "setup":
        setup(words[1], words[2], [int(x) for x in words[3:]])
        print("ok", flush=True)
    elif words[0] == "time":
        f, times = cases[words[1]], []
        for _ in range(int(words[2])):
            for attempt in range(5):
                before = resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw
                t0 = time.perf_counter()
                f()
                t = time.perf_counter() - t0
                if resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw == before:
                    break
            times.append(t)
        print(" ".join("%.9f" % t for t in times), flush=True)
