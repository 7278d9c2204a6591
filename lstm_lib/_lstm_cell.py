"""The LSTM cell's math, shared by ``lstm.step_forward``/``step_backward`` (one step, for
teaching) and ``lstm.forward``/``backward`` (whole sequences), so the two cannot disagree;
and the layout of the sequence functions' buffers.

Arrays with a trailing 4H axis hold the four gates side by side (i, f, g, o); g is the
candidate C~_t. See ``lstm_lib.lstm`` for the equations.

The step functions write into arrays the caller gives them: the sequence functions pass
views of their (T, N, ...) buffers, so a step allocates almost nothing. They take the gate
blocks as separate (N, H) views, because slicing them apart again at every step would cost
more than the arithmetic on such small arrays.
"""

from __future__ import annotations

import functools
import math

import numpy as np

GATE_ORDER = ("i", "f", "g", "o")  # the column blocks of every (..., 4H) array
GATE_BLOCK = {name: k for k, name in enumerate(GATE_ORDER)}


def sequence_buffers(T, N, H, dtype):
    """act (T, N, 4H), h and c (T + 1, N, H), tc (T, N, H): views of one new allocation.

    One allocation rather than four: with four, every forward+backward in a fresh process
    page-faulted its memory in anew (measured with glibc on a virtual machine: about 670
    faults and 1.5 µs per step for (1, 1000, 8, 32) in float64); with one, none.
    """
    shapes = [(T, N, 4 * H), (T + 1, N, H), (T + 1, N, H), (T, N, H)]
    sizes = [math.prod(shape) for shape in shapes]
    parts = np.split(np.empty(sum(sizes), dtype), np.cumsum(sizes)[:-1])
    return [part.reshape(shape) for part, shape in zip(parts, shapes, strict=True)]


def gate_views(act):
    """(i, f, g, o): views of the four H-wide blocks of ``act`` (..., 4H), in gate order."""
    H = act.shape[-1] // 4
    return tuple(act[..., k * H : (k + 1) * H] for k in range(4))


# One tanh gives all four activations: sigmoid(z) = 0.5 * tanh(z / 2) + 0.5 is exact
# and cannot overflow, so the i, f, o pre-activations are halved (``affine``'s scale),
# passed through tanh together with g's, then scaled and shifted back. Halving is exact
# in floating point, so the sequence functions may halve the weights once instead.


@functools.lru_cache(maxsize=64)
def affine(shape, dtype):
    """Read-only (scale, shift) arrays of ``shape`` (..., 4H), constant along the gate axis:
    scale = [0.5 (i), 0.5 (f), 1 (g), 0.5 (o)] and shift = [0.5, 0.5, 0, 0.5], blockwise.

    They are broadcast to the full shape (no copy) because on arrays this small a NumPy
    ufunc on two arrays of the same shape runs about twice as fast as one that has to
    broadcast a (4H,) row over (N, 4H).
    """
    H = shape[-1] // 4
    scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype), H)
    shift = np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype), H)
    return np.broadcast_to(scale, shape), np.broadcast_to(shift, shape)


def activate(z, out, scale_shift, forced, coupled):
    """Gate activations [i, f, g, o] into ``out`` (N, 4H) from halved pre-activations ``z``.

    z = a * scale: a_i/2, a_f/2, a_g, a_o/2 (``out`` may be ``z`` itself).
    ``scale_shift`` is ``affine(out.shape, out.dtype)``.
    ``forced`` maps a gate name to its forced value (broadcastable to (N, H));
    ``coupled`` sets f = 1 - i (CIFG).
    """
    scale, shift = scale_shift
    np.tanh(z, out)
    np.multiply(out, scale, out)
    np.add(out, shift, out)
    if forced or coupled:
        gates = gate_views(out)
        for name, value in forced.items():
            gates[GATE_BLOCK[name]][...] = value
        if coupled:
            np.subtract(1.0, gates[0], gates[1])  # f = 1 - i
    return out


def update(i, f, g, o, c_prev, c, tc, h):
    """C_t = f*C_{t-1} + i*g;  h_t = o*tanh(C_t), written into c, tc (= tanh C_t) and h.

    Every argument is (N, H): the gates i, f, g (= C~_t), o, the previous cell state and
    the three outputs.
    """
    np.multiply(f, c_prev, c)  # f * C_{t-1}
    c += i * g  # + i * C~
    np.tanh(c, tc)
    np.multiply(o, tc, h)  # o * tanh(C_t)


def local_factors(act, c_prev, tc, forced, coupled):
    """Per-gate factors that turn dL/dC_t and dL/dh_t into dL/da_t (any leading axes).

    Returns (M, od):
        M (..., 4H), blocks M_i, M_f, M_g, M_o like ``act``: dL/da_t is
            [dc * M_i, dc * M_f, dc * M_g, dh_t * M_o], where dc = dL/dC_t, dh_t = dL/dh_t;
        od (..., H): o_t * (1 - tanh(C_t)^2), so that dL/dC_t gains dh_t * od.
    A forced gate's factor is zero: no gradient flows into it.
    """
    i, f, g, o = gate_views(act)
    M = np.subtract(1.0, act)
    M *= act  # sigma'(a) = s(1 - s) in the blocks of i, f and o
    M_i, M_f, M_g, M_o = gate_views(M)
    if coupled:  # f = 1 - i, so dL/di gains -dL/df = -dc * C_{t-1}
        M_i *= g - c_prev
        M_f[...] = 0.0
    else:
        M_i *= g
        M_f *= c_prev
    np.multiply(g, g, M_g)
    np.subtract(1.0, M_g, M_g)
    M_g *= i  # i * tanh'(a_g)
    M_o *= tc
    for name in forced:
        (M_i, M_f, M_g, M_o)[GATE_BLOCK[name]][...] = 0.0
    od = np.multiply(tc, tc)
    np.subtract(1.0, od, od)
    od *= o
    return M, od


def backward_step(dh, dc_next, M, od, dc):
    """One step of backprop through the cell, written into ``dc`` and, in place, ``M``.

    Args:
        dh: (N, H) total dL/dh_t.
        dc_next: (N, H) the share of dL/dC_t that comes from step t+1 (f_{t+1} * dL/dC_{t+1}).
        M: this step's (M_i, M_f, M_g, M_o) from ``local_factors``, each (N, H); each is
            overwritten with its block of dL/da_t.
        od: (N, H) this step's od from ``local_factors``.
        dc: (N, H) output, the total dL/dC_t.
    The share passed on to C_{t-1} is then dc * f_t.
    """
    M_i, M_f, M_g, M_o = M
    np.multiply(dh, od, dc)  # through h_t = o_t * tanh(C_t) ...
    dc += dc_next  # ... plus through C_{t+1} = f_{t+1} * C_t + ...
    M_i *= dc
    M_f *= dc
    M_g *= dc
    M_o *= dh
