"""The LSTM cell's math, shared by ``lstm.step_forward``/``step_backward`` (one step, for
teaching) and ``lstm.forward``/``backward`` (whole sequences), so the two cannot disagree.

Arrays with a trailing 4H axis hold the four gates side by side (i, f, g, o); g is the
candidate C~_t. See ``lstm_lib.lstm`` for the equations.
"""

from __future__ import annotations

import functools

import numpy as np

GATE_BLOCK = {"i": 0, "f": 1, "g": 2, "o": 3}

# One tanh gives all four activations: sigmoid(z) = 0.5 * tanh(z / 2) + 0.5 is exact
# and cannot overflow, so the i, f, o pre-activations are halved (``scale``), passed
# through tanh together with g's, then scaled and shifted back. Halving is exact in
# floating point, so the sequence functions may halve the weights once instead.


@functools.lru_cache(maxsize=64)
def scale(H, dtype):
    """(4H,) read-only factors [0.5 (i), 0.5 (f), 1 (g), 0.5 (o)], blockwise."""
    out = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype), H)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=64)
def shift(H, dtype):
    """(4H,) read-only offsets [0.5, 0.5, 0, 0.5], blockwise."""
    out = np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype), H)
    out.flags.writeable = False
    return out


def activate(z, out, forced, coupled):
    """Gate activations [i, f, g, o] into ``out`` (N, 4H) from halved pre-activations ``z``.

    z = a * scale(H): a_i/2, a_f/2, a_g, a_o/2 (``out`` may be ``z`` itself).
    ``forced`` maps a gate name to its forced value (broadcastable to (N, H));
    ``coupled`` sets f = 1 - i (CIFG).
    """
    H = out.shape[-1] // 4
    np.tanh(z, out)
    np.multiply(out, scale(H, out.dtype), out)
    np.add(out, shift(H, out.dtype), out)
    if forced:
        for name, value in forced.items():
            k = GATE_BLOCK[name]
            out[:, k * H : (k + 1) * H] = value
    if coupled:
        np.subtract(1.0, out[:, :H], out[:, H : 2 * H])
    return out


def update(act, c_prev, c, tc, h):
    """C_t = f*C_{t-1} + i*g;  h_t = o*tanh(C_t), written into c, tc (= tanh C_t) and h (N, H)."""
    H = c_prev.shape[-1]
    np.multiply(act[:, H : 2 * H], c_prev, c)  # f * C_{t-1}
    c += act[:, :H] * act[:, 2 * H : 3 * H]  # + i * C~
    np.tanh(c, tc)
    np.multiply(act[:, 3 * H :], tc, h)  # o * tanh(C_t)


def local_factors(act, c_prev, tc, forced, coupled):
    """Per-gate factors that turn dL/dC_t and dL/dh_t into dL/da_t (any leading axes).

    Returns (M, od):
        M (..., 4, H): dL/da_t[k] = dc * M[k] for k = i, f, g and dh_t * M[o], where
            dc = dL/dC_t and dh_t = dL/dh_t;
        od (..., H): o_t * (1 - tanh(C_t)^2), so that dL/dC_t gains dh_t * od.
    A forced gate's factor is zero: no gradient flows into it.
    """
    H = c_prev.shape[-1]
    i, f, g, o = act[..., :H], act[..., H : 2 * H], act[..., 2 * H : 3 * H], act[..., 3 * H :]
    M = np.empty(act.shape[:-1] + (4, H), act.dtype)
    if coupled:  # f = 1 - i, so dL/di gains -dL/df = -dc * C_{t-1}
        np.multiply(g - c_prev, i * (1.0 - i), out=M[..., 0, :])
        M[..., 1, :] = 0.0
    else:
        np.multiply(g, i * (1.0 - i), out=M[..., 0, :])
        np.multiply(c_prev, f * (1.0 - f), out=M[..., 1, :])
    np.multiply(i, 1.0 - g * g, out=M[..., 2, :])
    np.multiply(tc, o * (1.0 - o), out=M[..., 3, :])
    for name in forced:
        M[..., GATE_BLOCK[name], :] = 0.0
    return M, o * (1.0 - tc * tc)


def backward_step(dh, dc, M, od, f, da):
    """One step of backprop through the cell (N sequences, H units).

    Args:
        dh: (N, H) total dL/dh_t.
        dc: (N, H) dL/dC_t from later steps; updated in place to the total dL/dC_t.
        M, od, f: this step's factors from ``local_factors`` (N, 4, H), (N, H) and f_t.
        da: (N, 4, H) output buffer for dL/da_t.
    Returns:
        dc_prev (N, H): the share of dL/dC_t passed back to C_{t-1}.
    """
    dc += dh * od
    np.multiply(dc[:, None, :], M[:, :3], da[:, :3])
    np.multiply(dh, M[:, 3], da[:, 3])
    return dc * f
