"""LSTM cell: one-step and sequence forward/backward with gate overrides.

Notation (textbook 2.3): x_t input, h_t hidden state, C_t cell state, gates
i_t (input), f_t (forget), o_t (output) and the candidate C~_t (called ``g`` here):

    a_t  = x_t Wx + h_{t-1} Wh + b                 (N, 4H), column blocks i, f, g, o
    i_t, f_t, o_t = sigmoid(a_t[i]), sigmoid(a_t[f]), sigmoid(a_t[o])
    g_t  = tanh(a_t[g])                            (the candidate C~_t)
    C_t  = f_t * C_{t-1} + i_t * g_t
    h_t  = o_t * tanh(C_t)

Shapes are batch-first: ``x`` is (N, T, D); every state and gate is (N, T, H).
The same private helpers do the cell math for the single step (for teaching) and for
the sequence (for speed), so the two cannot disagree.

Gate overrides: ``gates={"f": 1.0}`` forces a gate to a value in [0, 1] (a number or an
array broadcastable to (N, T, H)); the forced gate receives no gradient. ``coupled=True``
gives the CIFG variant of Greff et al. (2017): f_t = 1 - i_t.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import _checks

GATE_ORDER = ("i", "f", "g", "o")
PARAM_KEYS = ("Wx", "Wh", "b")
_GATE_BLOCK = {"i": 0, "f": 1, "g": 2, "o": 3}


def init_params(input_size, hidden_size, *, seed=None, forget_bias=1.0, dtype=np.float64):
    """Initialise LSTM parameters.

    Weights are uniform in [-1/sqrt(H), 1/sqrt(H)] (the usual default of deep-learning
    frameworks); biases are zero except the forget block, filled with ``forget_bias``
    (Gers, Schmidhuber & Cummins 2000; Jozefowicz, Zaremba & Sutskever 2015).

    Args:
        input_size: D.
        hidden_size: H.
        seed: seed for ``np.random.default_rng``.
        forget_bias: value of b's f block.
        dtype: np.float64 or np.float32.

    Returns:
        {"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,)}, column blocks in gate order i, f, g, o.
    """
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating dtype, got {dtype}")
    D, H = int(input_size), int(hidden_size)
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(H)
    b = np.zeros(4 * H)
    b[H : 2 * H] = forget_bias
    return {
        "Wx": rng.uniform(-scale, scale, (D, 4 * H)).astype(dtype),
        "Wh": rng.uniform(-scale, scale, (H, 4 * H)).astype(dtype),
        "b": b.astype(dtype),
    }


# ---------------------------------------------------------------------------
# Cell math shared by the step and the sequence functions.
# Arrays with a trailing 4H axis hold the four gates side by side (i, f, g, o).
#
# One tanh gives all four activations: sigmoid(z) = 0.5 * tanh(z / 2) + 0.5 is exact
# and cannot overflow, so the i, f, o pre-activations are halved (``_scale``), passed
# through tanh together with g's, then scaled and shifted back. Halving is exact in
# floating point, so the sequence functions may halve the weights once instead.


@functools.lru_cache(maxsize=64)
def _scale(H, dtype):
    """(4H,) read-only factors [0.5 (i), 0.5 (f), 1 (g), 0.5 (o)], blockwise."""
    out = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype), H)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=64)
def _shift(H, dtype):
    """(4H,) read-only offsets [0.5, 0.5, 0, 0.5], blockwise."""
    out = np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype), H)
    out.flags.writeable = False
    return out


def _activate(z, out, forced, coupled):
    """Gate activations [i, f, g, o] into ``out`` (N, 4H) from halved pre-activations ``z``.

    z = a * _scale(H): a_i/2, a_f/2, a_g, a_o/2 (``out`` may be ``z`` itself).
    ``forced`` maps a gate name to its forced value (broadcastable to (N, H));
    ``coupled`` sets f = 1 - i (CIFG).
    """
    H = out.shape[-1] // 4
    np.tanh(z, out)
    np.multiply(out, _scale(H, out.dtype), out)
    np.add(out, _shift(H, out.dtype), out)
    if forced:
        for name, value in forced.items():
            k = _GATE_BLOCK[name]
            out[:, k * H : (k + 1) * H] = value
    if coupled:
        np.subtract(1.0, out[:, :H], out[:, H : 2 * H])
    return out


def _cell_update(act, c_prev, c, tc, h):
    """C_t = f*C_{t-1} + i*g;  h_t = o*tanh(C_t), written into c, tc (= tanh C_t) and h (N, H)."""
    H = c_prev.shape[-1]
    np.multiply(act[:, H : 2 * H], c_prev, c)  # f * C_{t-1}
    c += act[:, :H] * act[:, 2 * H : 3 * H]  # + i * C~
    np.tanh(c, tc)
    np.multiply(act[:, 3 * H :], tc, h)  # o * tanh(C_t)


def _local_factors(act, c_prev, tc, forced, coupled):
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
        M[..., _GATE_BLOCK[name], :] = 0.0
    return M, o * (1.0 - tc * tc)


def _cell_backward(dh, dc, M, od, f, da):
    """One step of backprop through the cell (N sequences, H units).

    Args:
        dh: (N, H) total dL/dh_t.
        dc: (N, H) dL/dC_t from later steps; updated in place to the total dL/dC_t.
        M, od, f: this step's factors from ``_local_factors`` (N, 4, H), (N, H) and f_t.
        da: (N, 4, H) output buffer for dL/da_t.
    Returns:
        dc_prev (N, H): the share of dL/dC_t passed back to C_{t-1}.
    """
    dc += dh * od
    np.multiply(dc[:, None, :], M[:, :3], da[:, :3])
    np.multiply(dh, M[:, 3], da[:, 3])
    return dc * f


def _normalise_gates(gates, shape, dtype, coupled):
    """Validate ``gates`` and return {name: value broadcast to ``shape`` (N, T, H)}."""
    if gates is None:
        return {}
    if not isinstance(gates, dict):
        raise TypeError(f"gates must be a dict with keys among 'i', 'f', 'o', got {type(gates).__name__}")
    forced = {}
    for name, value in gates.items():
        if name not in ("i", "f", "o"):
            raise ValueError(f"gates keys must be among 'i', 'f', 'o', got {name!r}")
        if coupled and name == "f":
            raise ValueError("gates['f'] cannot be forced with coupled=True (f is 1 - i there)")
        arr = np.asarray(value)
        if arr.dtype.kind in "biu":  # 0/1 masks and plain integers are fine for a gate
            arr = arr.astype(dtype)
        arr = _checks.float_array(f"gates[{name!r}]", arr, dtype=dtype)
        if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
            raise ValueError(
                f"gates[{name!r}] must lie in [0, 1], got values in [{arr.min()}, {arr.max()}]"
            )
        try:
            forced[name] = np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(
                f"gates[{name!r}] must be broadcastable to (N, T, H) = {shape}, got shape {arr.shape}"
            ) from None
    return forced


def _check_params(params):
    dtype = _checks.param_dict(params, PARAM_KEYS)
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    if Wh.ndim != 2 or Wh.shape[1] != 4 * Wh.shape[0]:
        raise ValueError(f"params['Wh'] must have shape (H, 4H), got {Wh.shape}")
    H = Wh.shape[0]
    if Wx.ndim != 2 or Wx.shape[1] != 4 * H:
        raise ValueError(f"params['Wx'] must have shape (D, 4H) = (D, {4 * H}), got {Wx.shape}")
    _checks.expect_shape("params['b']", b, (4 * H,))
    return Wx.shape[0], H, dtype


# ---------------------------------------------------------------------------
# One time step (for teaching; the sequence functions below use the same helpers).


def step_forward(x_t, h_prev, c_prev, params, gates=None, coupled=False):
    """One LSTM step.

    Args:
        x_t: (N, D) input at time t.
        h_prev, c_prev: (N, H) previous hidden and cell states.
        params: {"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,)}.
        gates: optional overrides, values broadcastable to (N, H).
        coupled: CIFG variant, f_t = 1 - i_t.

    Returns:
        (h, c, cache): h and c are (N, H); cache holds what ``step_backward`` needs.
    """
    D, H, dtype = _check_params(params)
    x_t = _checks.float_array("x_t", x_t, ndim=2, dtype=dtype)
    N = x_t.shape[0]
    _checks.expect_shape("x_t", x_t, (N, D))
    h_prev = _checks.initial_state("h_prev", h_prev, N, H, dtype)
    c_prev = _checks.initial_state("c_prev", c_prev, N, H, dtype)
    forced = _normalise_gates(gates, (N, H), dtype, coupled)
    a = h_prev @ params["Wh"] + (x_t @ params["Wx"] + params["b"])  # (N, 4H): i, f, g, o
    act = _activate(a * _scale(H, dtype), np.empty_like(a), forced, coupled)
    c, tc, h = (np.empty_like(c_prev) for _ in range(3))
    _cell_update(act, c_prev, c, tc, h)
    cache = {"x": x_t, "h_prev": h_prev, "c_prev": c_prev, "act": act, "tc": tc,
             "params": params, "forced": forced, "coupled": coupled}
    return h, c, cache


def step_backward(dh, dc, cache):
    """Backward pass of ``step_forward``.

    Args:
        dh: (N, H) dL/dh_t.  dc: (N, H) dL/dC_t arriving from later steps (zeros if none).
        cache: from ``step_forward``.

    Returns:
        (dx, dh_prev, dc_prev, dparams): (N, D), (N, H), (N, H) and
        {"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,)}.
    """
    act, c_prev, params = cache["act"], cache["c_prev"], cache["params"]
    N, H = c_prev.shape
    dh = _checks.float_array("dh", dh, ndim=2, dtype=act.dtype)
    dc = _checks.float_array("dc", dc, ndim=2, dtype=act.dtype)
    _checks.expect_shape("dh", dh, (N, H))
    _checks.expect_shape("dc", dc, (N, H))
    M, od = _local_factors(act, c_prev, cache["tc"], cache["forced"], cache["coupled"])
    da = np.empty((N, 4, H), act.dtype)
    dc_prev = _cell_backward(dh, dc.copy(), M, od, act[:, H : 2 * H], da)
    da = da.reshape(N, 4 * H)
    dparams = {"Wx": cache["x"].T @ da, "Wh": cache["h_prev"].T @ da, "b": da.sum(axis=0)}
    return da @ params["Wx"].T, da @ params["Wh"].T, dc_prev, dparams


# ---------------------------------------------------------------------------
# Whole sequences (backprop through time).


@dataclass(frozen=True)
class LSTMTrace:
    """Everything a forward pass computed; the input of ``backward``.

    h, c, i, f, g, o: (N, T, H) hidden state, cell state C_t, gates and candidate C~_t.
    x: (N, T, D) input; h0, c0: (N, H) initial states. Internally the arrays are stored
    time-major (T, N, ...) for fast per-step access; the (N, T, H) fields are views of
    them. Every array belongs to this trace alone: no later call writes into it.
    """

    h: np.ndarray
    c: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    params: dict
    forced: dict
    coupled: bool
    act_tm: np.ndarray  # (T, N, 4H) gate activations, time-major
    c_tm: np.ndarray  # (T, N, H) cell states, time-major
    tc_tm: np.ndarray  # (T, N, H) tanh(C_t), time-major
    h_tm: np.ndarray  # (T, N, H) hidden states, time-major
    x_tm: np.ndarray  # (T, N, D) inputs, time-major


def forward(x, params, h0=None, c0=None, gates=None, coupled=False):
    """Run the LSTM over whole sequences.

    Args:
        x: (N, T, D) float inputs.
        params: {"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,)}; the output dtype follows them.
        h0, c0: (N, H) initial states, zeros if None.
        gates: optional dict, keys among "i", "f", "o"; a value in [0, 1], number or array
            broadcastable to (N, T, H), replaces that gate's activation.
        coupled: if True, f_t = 1 - i_t (CIFG).

    Returns:
        LSTMTrace with h, c, i, f, g, o of shape (N, T, H).
    """
    D, H, dtype = _check_params(params)
    x = _checks.sequence_input(x, D, dtype)
    N, T, _ = x.shape
    h0 = _checks.initial_state("h0", h0, N, H, dtype)
    c0 = _checks.initial_state("c0", c0, N, H, dtype)
    forced = _normalise_gates(gates, (N, T, H), dtype, coupled)
    forced_tm = {k: v.transpose(1, 0, 2) for k, v in forced.items()}

    # Input projections of every step at once (one large product), already halved for
    # the sigmoid gates, as is Wh: z_t = xz_t + h_{t-1} Wz = a_t * _scale.
    scale = _scale(H, dtype)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    xz = (x_tm.reshape(T * N, D) @ (params["Wx"] * scale)).reshape(T, N, 4 * H)
    xz += params["b"] * scale
    Wz = params["Wh"] * scale
    act = np.empty((T, N, 4 * H), dtype)
    c, tc, h = (np.empty((T, N, H), dtype) for _ in range(3))
    h_prev, c_prev = h0, c0
    for t in range(T):
        z = np.dot(h_prev, Wz, act[t])  # np.dot: less call overhead than @ on small shapes
        z += xz[t]
        _activate(z, z, {k: v[t] for k, v in forced_tm.items()} if forced else forced, coupled)
        _cell_update(act[t], c_prev, c[t], tc[t], h[t])
        h_prev, c_prev = h[t], c[t]
    act_nt = act.transpose(1, 0, 2)
    return LSTMTrace(
        h=h.transpose(1, 0, 2), c=c.transpose(1, 0, 2), i=act_nt[..., :H],
        f=act_nt[..., H : 2 * H], g=act_nt[..., 2 * H : 3 * H], o=act_nt[..., 3 * H :],
        x=x, h0=h0, c0=c0, params=params, forced=forced, coupled=coupled,
        act_tm=act, c_tm=c, tc_tm=tc, h_tm=h, x_tm=x_tm,
    )


def backward(dh, trace, dc_last=None, return_state_grads=False):
    """Backprop through time for ``forward``.

    Args:
        dh: (N, T, H) gradient of the loss w.r.t. every h_t from outside the recurrence
            (e.g. a read-out); zeros where h_t is not used.
        trace: the LSTMTrace returned by ``forward``.
        dc_last: (N, H) gradient w.r.t. the last cell state C_T, or None.
        return_state_grads: also return the total gradients w.r.t. every state.

    Returns:
        {"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,), "x": (N, T, D), "h0": (N, H), "c0": (N, H)};
        with ``return_state_grads``, also "h" and "c": (N, T, H), the total dL/dh_t and
        dL/dC_t through every later step.
    """
    if not isinstance(trace, LSTMTrace):
        raise TypeError(f"trace must be the LSTMTrace returned by forward, got {type(trace).__name__}")
    N, T, H = trace.h.shape
    dtype = trace.h.dtype
    dh = _checks.float_array("dh", dh, ndim=3, dtype=dtype)
    _checks.expect_shape("dh", dh, (N, T, H))
    dc = _checks.initial_state("dc_last", dc_last, N, H, dtype).copy()
    dh_tm = dh.transpose(1, 0, 2)

    c_prev = np.concatenate([trace.c0[None], trace.c_tm[:-1]])  # (T, N, H)
    M, od = _local_factors(trace.act_tm, c_prev, trace.tc_tm, trace.forced, trace.coupled)
    f = trace.act_tm[..., H : 2 * H]
    WhT = np.ascontiguousarray(trace.params["Wh"].T)
    da = np.empty((T, N, 4, H), dtype)
    da2 = da.reshape(T, N, 4 * H)  # the same memory, gates side by side
    dh_all = np.empty((T, N, H), dtype) if return_state_grads else None
    dc_all = np.empty((T, N, H), dtype) if return_state_grads else None
    dh_rec = np.zeros((N, H), dtype)
    dh_t = np.empty((N, H), dtype)
    for t in range(T - 1, -1, -1):
        np.add(dh_tm[t], dh_rec, dh_t)
        dc_prev = _cell_backward(dh_t, dc, M[t], od[t], f[t], da[t])
        np.dot(da2[t], WhT, dh_rec)
        if return_state_grads:
            dh_all[t], dc_all[t] = dh_t, dc
        dc = dc_prev

    # Weight gradients of all steps at once: large matrix products outside the loop.
    D = trace.x.shape[2]
    da2 = da.reshape(T * N, 4 * H)
    h_prev = np.concatenate([trace.h0[None], trace.h_tm[:-1]]).reshape(T * N, H)
    dx = (da2 @ trace.params["Wx"].T).reshape(T, N, D)
    grads = {
        "Wx": trace.x_tm.reshape(T * N, D).T @ da2,
        "Wh": h_prev.T @ da2,
        "b": da2.sum(axis=0),
        "x": np.ascontiguousarray(dx.transpose(1, 0, 2)),
        "h0": dh_rec,
        "c0": dc,
    }
    if return_state_grads:
        grads["h"] = np.ascontiguousarray(dh_all.transpose(1, 0, 2))
        grads["c"] = np.ascontiguousarray(dc_all.transpose(1, 0, 2))
    return grads
