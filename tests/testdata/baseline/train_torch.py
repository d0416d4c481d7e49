"""Times PyTorch eager on the train step of tests/bench_train_test.go, on request.

An MLP 512 -> 1024 -> 1024 -> 1000 (ReLU) at batch 256, f32: forward, ZLPR
in bert4keras's form (multilabel_categorical_crossentropy: the ±1e12 masks
and a concatenated zero), backward, then Lion over all parameters as
lucidrains/lion-pytorch writes it. It reads commands on stdin and answers
one line each:

    step N    N train steps; the seconds of each
    sgemm N   N products of two 1024 x 1024 f32 matrices; the seconds of each

Its first line names the BLAS the process mapped and the thread count.
"""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)
B, sizes = 256, [512, 1024, 1024, 1000]
params = []
for i, o in zip(sizes, sizes[1:]):
    params.append((torch.randn(i, o) * (2 / i) ** 0.5).requires_grad_())
    params.append(torch.zeros(o, requires_grad=True))
moments = [torch.zeros_like(p) for p in params]
x = torch.randn(B, sizes[0])
y = (torch.rand(B, sizes[-1]) < 0.01).float()
lr, beta1, beta2, wd = 1e-4, 0.9, 0.99, 0.0


def zlpr(y_true, y_pred):
    y_pred = (1 - 2 * y_true) * y_pred
    y_pred_neg = y_pred - y_true * 1e12
    y_pred_pos = y_pred - (1 - y_true) * 1e12
    zeros = torch.zeros_like(y_pred[..., :1])
    y_pred_neg = torch.cat([y_pred_neg, zeros], dim=-1)
    y_pred_pos = torch.cat([y_pred_pos, zeros], dim=-1)
    return torch.logsumexp(y_pred_neg, dim=-1) + torch.logsumexp(y_pred_pos, dim=-1)


def step():
    h = x
    for k in range(0, len(params), 2):
        h = h @ params[k] + params[k + 1]
        if k + 2 < len(params):
            h = torch.relu(h)
    loss = zlpr(y, h).mean()
    loss.backward()
    with torch.no_grad():
        for p, m in zip(params, moments):
            g = p.grad
            p.mul_(1 - lr * wd)
            update = m.clone().mul_(beta1).add(g, alpha=1 - beta1).sign_()
            p.add_(update, alpha=-lr)
            m.mul_(beta2).add_(g, alpha=1 - beta2)
            p.grad = None
    return loss


a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)


def timed(f, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return out


step()
a @ b
blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and ".so" in line})
print("blas %s threads %d torch %s" % (",".join(blas) or "unknown", torch.get_num_threads(), torch.__version__), flush=True)
for line in sys.stdin:
    cmd, n = line.split()
    f = step if cmd == "step" else (lambda: a @ b)
    print(" ".join("%.9f" % s for s in timed(f, int(n))), flush=True)
