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

from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _lstm_cell as cell

GATE_ORDER = ("i", "f", "g", "o")
PARAM_KEYS = ("Wx", "Wh", "b")


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)) of an array, computed as 0.5 * tanh(z / 2) + 0.5:
    the same identity the gates use, exact and free of overflow for any z. Same shape as z."""
    return 0.5 * np.tanh(0.5 * np.asarray(z)) + 0.5


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
    D, H, dtype = _checks.layer_sizes(input_size, hidden_size, dtype)
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(H)
    b = np.zeros(4 * H)
    b[H : 2 * H] = forget_bias
    return {
        "Wx": rng.uniform(-scale, scale, (D, 4 * H)).astype(dtype),
        "Wh": rng.uniform(-scale, scale, (H, 4 * H)).astype(dtype),
        "b": b.astype(dtype),
    }


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
    forced = _checks.gate_overrides(gates, (N, H), dtype, coupled)
    a = h_prev @ params["Wh"] + (x_t @ params["Wx"] + params["b"])  # (N, 4H): i, f, g, o
    act = cell.activate(a * cell.scale(H, dtype), np.empty_like(a), forced, coupled)
    c, tc, h = (np.empty_like(c_prev) for _ in range(3))
    cell.update(act, c_prev, c, tc, h)
    cache = {
        "x": x_t,
        "h_prev": h_prev,
        "c_prev": c_prev,
        "act": act,
        "tc": tc,
        "params": params,
        "forced": forced,
        "coupled": coupled,
    }
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
    M, od = cell.local_factors(act, c_prev, cache["tc"], cache["forced"], cache["coupled"])
    da = np.empty((N, 4, H), act.dtype)
    dc_prev = cell.backward_step(dh, dc.copy(), M, od, act[:, H : 2 * H], da)
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
    forced = _checks.gate_overrides(gates, (N, T, H), dtype, coupled)
    forced_tm = {k: v.transpose(1, 0, 2) for k, v in forced.items()}

    # Input projections of every step at once (one large product), already halved for
    # the sigmoid gates, as is Wh: z_t = xz_t + h_{t-1} Wz = a_t * scale.
    scale = cell.scale(H, dtype)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    xz = (x_tm.reshape(T * N, D) @ (params["Wx"] * scale)).reshape(T, N, 4 * H)
    xz += params["b"] * scale
    Wz = params["Wh"] * scale
    act = np.empty((T, N, 4 * H), dtype)
    c, tc, h = (np.empty((T, N, H), dtype) for _ in range(3))
    h_prev, c_prev, forced_t = h0, c0, forced
    # Iterating the time-major arrays yields each step's views without Python indexing.
    for t, (z, xz_t, c_t, tc_t, h_t) in enumerate(zip(act, xz, c, tc, h, strict=True)):
        np.dot(h_prev, Wz, z)  # np.dot: less call overhead than @ on small shapes
        z += xz_t
        if forced:
            forced_t = {k: v[t] for k, v in forced_tm.items()}
        cell.activate(z, z, forced_t, coupled)
        cell.update(z, c_prev, c_t, tc_t, h_t)
        h_prev, c_prev = h_t, c_t
    act_nt = act.transpose(1, 0, 2)
    return LSTMTrace(
        h=h.transpose(1, 0, 2),
        c=c.transpose(1, 0, 2),
        i=act_nt[..., :H],
        f=act_nt[..., H : 2 * H],
        g=act_nt[..., 2 * H : 3 * H],
        o=act_nt[..., 3 * H :],
        x=x,
        h0=h0,
        c0=c0,
        params=params,
        forced=forced,
        coupled=coupled,
        act_tm=act,
        c_tm=c,
        tc_tm=tc,
        h_tm=h,
        x_tm=x_tm,
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
        raise TypeError(
            f"trace must be the LSTMTrace returned by forward, got {type(trace).__name__}"
        )
    N, T, H = trace.h.shape
    dtype = trace.h.dtype
    dh = _checks.float_array("dh", dh, ndim=3, dtype=dtype)
    _checks.expect_shape("dh", dh, (N, T, H))
    dc = _checks.initial_state("dc_last", dc_last, N, H, dtype).copy()
    dh_tm = dh.transpose(1, 0, 2)

    c_prev = np.concatenate([trace.c0[None], trace.c_tm[:-1]])  # (T, N, H)
    M, od = cell.local_factors(trace.act_tm, c_prev, trace.tc_tm, trace.forced, trace.coupled)
    f = trace.act_tm[..., H : 2 * H]
    WhT = np.ascontiguousarray(trace.params["Wh"].T)
    da = np.empty((T, N, 4, H), dtype)
    da2 = da.reshape(T, N, 4 * H)  # the same memory, gates side by side
    dh_all = np.empty((T, N, H), dtype) if return_state_grads else None
    dc_all = np.empty((T, N, H), dtype) if return_state_grads else None
    dh_rec = np.zeros((N, H), dtype)
    dh_t = np.empty((N, H), dtype)
    steps = zip(dh_tm[::-1], M[::-1], od[::-1], f[::-1], da[::-1], da2[::-1], strict=True)
    for k, (dh_ext, M_t, od_t, f_t, da_t, da2_t) in enumerate(steps):
        np.add(dh_ext, dh_rec, dh_t)
        dc_prev = cell.backward_step(dh_t, dc, M_t, od_t, f_t, da_t)
        np.dot(da2_t, WhT, dh_rec)
        if return_state_grads:
            dh_all[T - 1 - k], dc_all[T - 1 - k] = dh_t, dc
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
