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

import itertools
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _lstm_cell as cell

GATE_ORDER = cell.GATE_ORDER
PARAM_KEYS = _checks.CELL_PARAM_KEYS


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
    D, H, dtype = _checks.cell_params(params, blocks=4)
    x_t = _checks.float_array("x_t", x_t, ndim=2, dtype=dtype)
    N = x_t.shape[0]
    _checks.expect_shape("x_t", x_t, (N, D))
    h_prev = _checks.initial_state("h_prev", h_prev, N, H, dtype)
    c_prev = _checks.initial_state("c_prev", c_prev, N, H, dtype)
    forced = _checks.gate_overrides(gates, (N, H), dtype, coupled)
    a = h_prev @ params["Wh"] + (x_t @ params["Wx"] + params["b"])  # (N, 4H): i, f, g, o
    scale, shift = cell.affine(a.shape, dtype)
    act = cell.activate(a * scale, np.empty_like(a), (scale, shift), forced, coupled)
    i, f, g, o = cell.gate_views(act)
    c, tc, h = (np.empty_like(c_prev) for _ in range(3))
    cell.update(i, f, g, o, c_prev, c, tc, h)
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
    da, od = cell.local_factors(act, c_prev, cache["tc"], cache["forced"], cache["coupled"])
    dc_total = np.empty_like(dc)
    cell.backward_step(dh, dc, cell.gate_views(da), od, dc_total)  # da: (N, 4H) dL/da_t
    dc_prev = dc_total * cell.gate_views(act)[1]  # through C_t = f_t * C_{t-1} + ...
    dparams = {"Wx": cache["x"].T @ da, "Wh": cache["h_prev"].T @ da, "b": da.sum(axis=0)}
    return da @ params["Wx"].T, da @ params["Wh"].T, dc_prev, dparams


# ---------------------------------------------------------------------------
# Whole sequences (backprop through time).


@dataclass(frozen=True)
class LSTMTrace:
    """Everything a forward pass computed; the input of ``backward``.

    h, c, i, f, g, o: (N, T, H) hidden state, cell state C_t, gates and candidate C~_t.
    x: (N, T, D) input; h0, c0: (N, H) initial states. Internally the arrays are stored
    time-major (T, N, ...) for fast per-step access, the states with the initial state
    as row 0; the (N, T, H) fields are views of them. Every array belongs to this trace
    alone: no later call writes into it.
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
    h_tm: np.ndarray  # (T + 1, N, H) hidden states h_0 ... h_T, time-major
    c_tm: np.ndarray  # (T + 1, N, H) cell states C_0 ... C_T, time-major
    tc_tm: np.ndarray  # (T, N, H) tanh(C_t), time-major
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
    D, H, dtype = _checks.cell_params(params, blocks=4)
    x = _checks.sequence_input(x, D, dtype)
    N, T, _ = x.shape
    act, h, c, tc = cell.sequence_buffers(T, N, H, dtype)  # h[0] = h0, h[t] = h_t; same for c
    h[0] = _checks.initial_state("h0", h0, N, H, dtype)
    c[0] = _checks.initial_state("c0", c0, N, H, dtype)
    forced = _checks.gate_overrides(gates, (N, T, H), dtype, coupled)
    forced_tm = {k: v.transpose(1, 0, 2) for k, v in forced.items()}

    # The input projections of every step at once (one large product) go straight into
    # ``act``, already halved for the sigmoid gates, as is Wh: z_t = act_t + h_{t-1} Wz,
    # the halved pre-activations a_t * scale.
    scale = cell.affine((4 * H,), dtype)[0]
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    np.dot(x_tm.reshape(T * N, D), params["Wx"] * scale, act.reshape(T * N, 4 * H))
    act += params["b"] * scale
    Wz = params["Wh"] * scale
    hz = np.empty((N, 4 * H), dtype)  # h_{t-1} Wz
    scale_shift = cell.affine((N, 4 * H), dtype)
    h_prev, c_prev, forced_t = h[0], c[0], forced
    # Iterating time-major arrays yields each step's views without Python indexing.
    steps = zip(act, *cell.gate_views(act), c[1:], tc, h[1:], strict=True)
    for t, (z, i_t, f_t, g_t, o_t, c_t, tc_t, h_t) in enumerate(steps):
        np.dot(h_prev, Wz, hz)  # np.dot: less call overhead than @ on small shapes
        z += hz
        if forced:
            forced_t = {k: v[t] for k, v in forced_tm.items()}
        cell.activate(z, z, scale_shift, forced_t, coupled)
        cell.update(i_t, f_t, g_t, o_t, c_prev, c_t, tc_t, h_t)
        h_prev, c_prev = h_t, c_t
    i, f, g, o = cell.gate_views(act.transpose(1, 0, 2))
    return LSTMTrace(
        h=h[1:].transpose(1, 0, 2),
        c=c[1:].transpose(1, 0, 2),
        i=i,
        f=f,
        g=g,
        o=o,
        x=x,
        h0=h[0],
        c0=c[0],
        params=params,
        forced=forced,
        coupled=coupled,
        act_tm=act,
        h_tm=h,
        c_tm=c,
        tc_tm=tc,
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
    dc = _checks.initial_state("dc_last", dc_last, N, H, dtype).copy()  # dL/dC_t from t+1

    act = trace.act_tm
    # M becomes dL/da in place, step by step (see cell.backward_step).
    M, od = cell.local_factors(act, trace.c_tm[:-1], trace.tc_tm, trace.forced, trace.coupled)
    WhT = np.ascontiguousarray(trace.params["Wh"].T)
    dh_rec = np.zeros((N, H), dtype)  # dL/dh_t through h_t's use at step t+1
    # The totals dL/dh_t and dL/dC_t: one row per step if the caller wants them all,
    # otherwise one row reused at every step.
    if return_state_grads:
        dh_all, dc_all = np.empty((T, N, H), dtype), np.empty((T, N, H), dtype)
        dh_rows, dc_rows = dh_all[::-1], dc_all[::-1]
    else:
        dh_rows, dc_rows = (itertools.repeat(np.empty((N, H), dtype), T) for _ in range(2))
    # Step t's views of every array, walked from the last step back to the first.
    f = cell.gate_views(act)[1]
    per_step = (dh.transpose(1, 0, 2), f, od, M, *cell.gate_views(M))
    steps = zip(dh_rows, dc_rows, *(arr[::-1] for arr in per_step), strict=True)
    for dh_t, dc_t, dh_ext, f_t, od_t, da_t, *M_t in steps:
        np.add(dh_ext, dh_rec, dh_t)
        cell.backward_step(dh_t, dc, M_t, od_t, dc_t)  # M_t becomes da_t's blocks
        np.multiply(dc_t, f_t, dc)  # the share passed back to C_{t-1}
        np.dot(da_t, WhT, dh_rec)

    # Weight gradients of all steps at once: large matrix products outside the loop.
    D = trace.x.shape[2]
    da2 = M.reshape(T * N, 4 * H)
    dx = (da2 @ trace.params["Wx"].T).reshape(T, N, D)
    grads = {
        "Wx": trace.x_tm.reshape(T * N, D).T @ da2,
        "Wh": trace.h_tm[:-1].reshape(T * N, H).T @ da2,
        "b": da2.sum(axis=0),
        "x": np.ascontiguousarray(dx.transpose(1, 0, 2)),
        "h0": dh_rec,
        "c0": dc,
    }
    if return_state_grads:
        grads["h"] = np.ascontiguousarray(dh_all.transpose(1, 0, 2))
        grads["c"] = np.ascontiguousarray(dc_all.transpose(1, 0, 2))
    return grads
