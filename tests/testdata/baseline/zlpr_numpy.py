"""bert4keras-style ZLPR forward + gradient in NumPy: mask, concatenate a zero
column, logsumexp. Prints the median seconds of REPS runs. Used by dlc's benchmark."""
import sys, time
import numpy as np

def zlpr(y_pred, y_true):
    y_pred = (1 - 2 * y_true) * y_pred
    y_neg = y_pred - y_true * 1e12
    y_pos = y_pred - (1 - y_true) * 1e12
    zeros = np.zeros_like(y_pred[..., :1])
    y_neg = np.concatenate([y_neg, zeros], axis=-1)
    y_pos = np.concatenate([y_pos, zeros], axis=-1)
    m_neg = y_neg.max(axis=-1, keepdims=True)
    m_pos = y_pos.max(axis=-1, keepdims=True)
    e_neg = np.exp(y_neg - m_neg)
    e_pos = np.exp(y_pos - m_pos)
    s_neg = e_neg.sum(axis=-1, keepdims=True)
    s_pos = e_pos.sum(axis=-1, keepdims=True)
    loss = (m_neg + np.log(s_neg) + m_pos + np.log(s_pos))[..., 0]
    # gradient: softmax of each term without the zero column, signed by the label
    g = (e_neg / s_neg)[..., :-1] * (1 - y_true) - (e_pos / s_pos)[..., :-1] * y_true
    return loss, g

B, C, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
s = rng.standard_normal((B, C), dtype=np.float32)
y = (rng.random((B, C)) < 0.05).astype(np.float32)
zlpr(s, y)
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    zlpr(s, y)
    times.append(time.perf_counter() - t0)
times.sort()
print(times[len(times) // 2])
