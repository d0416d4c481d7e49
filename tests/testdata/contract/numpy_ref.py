# numpy_ref.py JOBS DIR: evaluates NumPy expressions for the contraction
# tests. JOBS is a JSON list of {"name", "expr", "inputs": {var: path.npy}};
# each result is saved as DIR/<name>_out.npy, in its own dtype. Prints the
# BLAS NumPy uses.
import json
import sys

import numpy as np

jobs = json.load(open(sys.argv[1]))
for job in jobs:
    env = {"np": np}
    for var, path in job["inputs"].items():
        env[var] = np.load(path)
    out = np.asarray(eval(job["expr"], env))
    np.save("%s/%s_out.npy" % (sys.argv[2], job["name"]), out)
blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "libblas" in l or "libopenblas" in l})
print("NumPy %s, BLAS %s" % (np.__version__, " ".join(blas) or "unknown"))
