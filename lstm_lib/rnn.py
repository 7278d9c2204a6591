"""Vanilla tanh RNN: one-step and sequence forward/backward.

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)

Shapes are batch-first: ``x`` is (N, T, D), the hidden states are (N, T, H).
Backprop through time multiplies, at every step back, by the Jacobian
dh_t/dh_{t-1} = diag(1 - h_t^2) Wh^T; the product of many such factors is what
vanishes or explodes (Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks

PARAM_KEYS = _checks.CELL_PARAM_KEYS


def init_params(input_size, hidden_size, *, seed=None, dtype=np.float64):
    """Initialise RNN parameters, uniform in [-1/sqrt(H), 1/sqrt(H)], zero bias.

    Args:
        input_size: D.  hidden_size: H.  seed: for ``np.random.default_rng``.
        dtype: np.float64 or np.float32.

    Returns:
        {"Wx": (D, H), "Wh": (H, H), "b": (H,)}.
    """
    D, H, dtype = _checks.layer_sizes(input_size, hidden_size, dtype)
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(H)
    return {
        "Wx": rng.uniform(-scale, scale, (D, H)).astype(dtype),
        "Wh": rng.uniform(-scale, scale, (H, H)).astype(dtype),
        "b": np.zeros(H, dtype),
    }


def _cell_backward(dh, h, Wh_T):
    """One step back through h = tanh(a): returns (da, dh_prev); dh, h are (N, H)."""
    da = dh * (1.0 - h * h)
    return da, da @ Wh_T


def step_forward(x_t, h_prev, params):
    """One RNN step.

    Args:
        x_t: (N, D).  h_prev: (N, H).  params: {"Wx": (D, H), "Wh": (H, H), "b": (H,)}.

    Returns:
        (h, cache): h is (N, H); cache holds what ``step_backward`` needs.
    """
    D, H, dtype = _checks.cell_params(params, blocks=1)
    x_t = _checks.float_array("x_t", x_t, ndim=2, dtype=dtype)
    N = x_t.shape[0]
    _checks.expect_shape("x_t", x_t, (N, D))
    h_prev = _checks.initial_state("h_prev", h_prev, N, H, dtype)
    h = np.tanh(x_t @ params["Wx"] + h_prev @ params["Wh"] + params["b"])
    return h, {"x": x_t, "h_prev": h_prev, "h": h, "params": params}


def step_backward(dh, cache):
    """Backward pass of ``step_forward``.

    Args:
        dh: (N, H) dL/dh_t.  cache: from ``step_forward``.

    Returns:
        (dx, dh_prev, dparams): (N, D), (N, H), {"Wx": (D, H), "Wh": (H, H), "b": (H,)}.
    """
    h, params = cache["h"], cache["params"]
    dh = _checks.float_array("dh", dh, ndim=2, dtype=h.dtype)
    _checks.expect_shape("dh", dh, h.shape)
    da, dh_prev = _cell_backward(dh, h, params["Wh"].T)
    dparams = {"Wx": cache["x"].T @ da, "Wh": cache["h_prev"].T @ da, "b": da.sum(axis=0)}
    return da @ params["Wx"].T, dh_prev, dparams


@dataclass(frozen=True)
class RNNTrace:
    """What ``forward`` computed: h (N, T, H), x (N, T, D), h0 (N, H), and the params."""

    h: np.ndarray
    x: np.ndarray
    h0: np.ndarray
    params: dict


def forward(x, params, h0=None):
    """Run the tanh RNN over whole sequences.

    Args:
        x: (N, T, D) float inputs.
        params: {"Wx": (D, H), "Wh": (H, H), "b": (H,)}; the output dtype follows them.
        h0: (N, H) initial state, zeros if None.

    Returns:
        RNNTrace; trace.h is (N, T, H).
    """
    D, H, dtype = _checks.cell_params(params, blocks=1)
    x = _checks.sequence_input(x, D, dtype)
    N, T, _ = x.shape
    h0 = _checks.initial_state("h0", h0, N, H, dtype)
    xw = (x.reshape(N * T, D) @ params["Wx"]).reshape(N, T, H)
    xw += params["b"]
    Wh = params["Wh"]
    h = np.empty((N, T, H), dtype)
    h_prev = h0
    for t in range(T):
        a = h_prev @ Wh
        a += xw[:, t]
        h_prev = np.tanh(a, out=h[:, t])
    return RNNTrace(h=h, x=x, h0=h0, params=params)


def backward(dh, trace, return_state_grads=False):
    """Backprop through time for ``forward``.

    Args:
        dh: (N, T, H) gradient of the loss w.r.t. every h_t from outside the recurrence.
        trace: the RNNTrace returned by ``forward``.
        return_state_grads: also return "h", the total dL/dh_t (N, T, H).

    Returns:
        {"Wx": (D, H), "Wh": (H, H), "b": (H,), "x": (N, T, D), "h0": (N, H)} (+ "h").
    """
    if not isinstance(trace, RNNTrace):
        raise TypeError(
            f"trace must be the RNNTrace returned by forward, got {type(trace).__name__}"
        )
    N, T, H = trace.h.shape
    dh = _checks.float_array("dh", dh, ndim=3, dtype=trace.h.dtype)
    _checks.expect_shape("dh", dh, (N, T, H))
    WhT = trace.params["Wh"].T
    da = np.empty_like(trace.h)
    dh_all = np.empty_like(trace.h) if return_state_grads else None
    dh_rec = np.zeros((N, H), trace.h.dtype)
    for t in range(T - 1, -1, -1):
        dh_t = dh[:, t] + dh_rec
        da[:, t], dh_rec = _cell_backward(dh_t, trace.h[:, t], WhT)
        if return_state_grads:
            dh_all[:, t] = dh_t
    D = trace.x.shape[2]
    da2 = da.reshape(N * T, H)
    h_prev = np.concatenate([trace.h0[:, None], trace.h[:, :-1]], axis=1).reshape(N * T, H)
    grads = {
        "Wx": trace.x.reshape(N * T, D).T @ da2,
        "Wh": h_prev.T @ da2,
        "b": da2.sum(axis=0),
        "x": (da2 @ trace.params["Wx"].T).reshape(N, T, D),
        "h0": dh_rec,
    }
    if return_state_grads:
        grads["h"] = dh_all
    return grads
