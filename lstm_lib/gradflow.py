"""Gradient flow through time: the numbers behind the book's gradient-decay plots.

Index convention (as in the traces): a sequence has states h[0], ..., h[T-1]; h[T-1] is
the last one, which the read-out sees.

* ``state_grad_norms``: for a model and a batch, the size of dL/dh[t] (and dL/dC[t]) at
  every step, i.e. how much of the loss's gradient reaches step t.
* ``rnn_jacobian_norms``: for a tanh (or sigmoid) RNN whose recurrent matrix has a chosen
  spectral radius, ||dh[T-1]/dh[t]|| = ||J[T-1] J[T-2] ... J[t+1]|| with
  J[s] = diag(phi'(a[s])) W (Bengio, Simard & Frasconi 1994; Pascanu et al. 2013).
* ``lstm_cell_path_norms``: the LSTM's analogue along the cell path C[t-1] → C[t], whose
  Jacobian is diag(f[t]): ||prod_s diag(f[s])||, set by the forget gates.

Norms of matrices: "spectral" (largest singular value, the default: the factor by which
the product can stretch a gradient) or "fro" (Frobenius).
"""

from __future__ import annotations

import numpy as np

from . import _checks, lstm, model

NORMS = ("spectral", "fro")
ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "sigmoid": (lstm.sigmoid, lambda h: h * (1.0 - h)),
    "linear": (lambda a: a, np.ones_like),
}


def state_grad_norms(params, batch, spec, gates=None, return_trace=False):
    """Per-step size of the gradient of the loss w.r.t. the hidden (and cell) states.

    Uses the per-example loss L_n (so the numbers do not depend on the batch size N):
    entry t is mean_n ||dL_n/dh_n[t]||_2 (the model's loss is the batch mean, so its
    gradient is multiplied by N).

    Args:
        params, spec: from ``model.init_model``.  batch: a data batch with targets.
        gates: LSTM gate overrides, as in ``model.forward``.
        return_trace: also return the cell's trace of the same forward pass.

    Returns:
        {"h": (T,) array} and, for the LSTM, also "c": (T,) for dL/dC[t];
        with ``return_trace``, the pair (that dict, trace).
    """
    _, _, info = model.loss_and_grads(params, batch, spec, gates, state_grads=True)
    N = info["dh"].shape[0]
    out = {"h": N * np.linalg.norm(info["dh"], axis=2).mean(axis=0)}
    if "dc" in info:
        out["c"] = N * np.linalg.norm(info["dc"], axis=2).mean(axis=0)
    return (out, info["trace"]) if return_trace else out


def _check_norm(norm):
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")


def product_norms(derivs, W, norm="spectral"):
    """Norms of the Jacobian products of a recurrence h[s] = phi(W h[s-1] + input[s]).

    Args:
        derivs: (T, H) phi'(a[s]) at every step s.  W: (H, H) recurrent matrix acting on
            column vectors.  norm: "spectral" or "fro".

    Returns:
        (T,) array; entry t is ||dh[T-1]/dh[t]|| = ||J[T-1] ... J[t+1]||, J[s] = diag(derivs[s]) W;
        entry T-1 is the norm of the identity (1, or sqrt(H) for "fro").
    """
    _check_norm(norm)
    derivs, W = np.asarray(derivs, dtype=np.float64), np.asarray(W, dtype=np.float64)
    T, H = derivs.shape
    if W.shape != (H, H):
        raise ValueError(
            f"W must have shape ({H}, {H}) to match derivs {derivs.shape}, got "
            f"{W.shape}"
        )
    P = np.empty((T, H, H))
    P[T - 1] = np.eye(H)
    for t in range(T - 2, -1, -1):  # P[t] = P[t+1] J[t+1]
        P[t] = (P[t + 1] * derivs[t + 1]) @ W
    if norm == "fro":
        return np.sqrt(np.einsum("tij,tij->t", P, P))
    return np.linalg.norm(P, ord=2, axis=(1, 2))


def random_recurrent_matrix(hidden_size, radius, *, seed=0):
    """(H, H) Gaussian random matrix with spectral radius ``radius`` (max ``|eigenvalue|``)."""
    _checks.integer("hidden_size", hidden_size)
    if not np.isscalar(radius) or not np.isfinite(radius) or radius < 0:
        raise ValueError(f"radius must be a finite number >= 0, got {radius!r}")
    G = np.random.default_rng(seed).standard_normal((hidden_size, hidden_size))
    return radius * G / np.max(np.abs(np.linalg.eigvals(G)))


def rnn_jacobian_norms(radius, *, hidden_size=32, T=100, activation="tanh", input_scale=1.0,
                       seed=0, norm="spectral"):
    """||dh[T-1]/dh[t]|| of a random RNN with recurrent spectral radius ``radius``.

    The recurrence h[s] = phi(W h[s-1] + input_scale * xi[s]), h[-1] = 0, xi[s] ~ N(0, I),
    is run for T steps with W from ``random_recurrent_matrix`` (same seed, same W
    direction for every radius), then the Jacobian products are measured.

    Args:
        radius: spectral radius of W (>= 0).  hidden_size: H.  T: number of steps.
        activation: "tanh", "sigmoid" (phi' <= 1/4) or "linear" (phi' = 1: pure W powers).
        input_scale: std of the input drive (0: the state stays at the fixed point).
        seed: seeds W and the inputs.  norm: "spectral" or "fro".

    Returns:
        (T,) array, entry t = ||dh[T-1]/dh[t]|| (entry T-1 is the identity's norm).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    _checks.integer("T", T)
    if not np.isscalar(input_scale) or not np.isfinite(input_scale) or input_scale < 0:
        raise ValueError(f"input_scale must be a finite number >= 0, got {input_scale!r}")
    phi, dphi = ACTIVATIONS[activation]
    W = random_recurrent_matrix(hidden_size, radius, seed=seed)
    drive = input_scale * np.random.default_rng([seed, 1]).standard_normal((T, hidden_size))
    h = np.zeros((T, hidden_size))
    prev = np.zeros(hidden_size)
    for s in range(T):
        prev = h[s] = phi(W @ prev + drive[s])
    return product_norms(dphi(h), W, norm)


def trace_jacobian_norms(trace, n=0, norm="spectral"):
    """||dh[T-1]/dh[t]|| along a real tanh-RNN trace (e.g. of a trained model).

    Args:
        trace: an ``rnn.RNNTrace`` (from ``rnn.forward`` or ``model.forward(...).trace``).
        n: which sequence of the batch.  norm: "spectral" or "fro".

    Returns:
        (T,) array as in ``product_norms``.
    """
    h = trace.h[n]
    # h[s] = tanh(x Wx + h[s-1] Wh + b): on column vectors the recurrent matrix is Wh^T.
    return product_norms(1.0 - h * h, trace.params["Wh"].T, norm)


def lstm_cell_path_norms(forget_bias, *, hidden_size=32, T=100, input_scale=1.0, seed=0,
                         norm="spectral"):
    """||dC[T-1]/dC[t]|| along the cell path only: ||diag(f[T-1] * ... * f[t+1])||.

    A freshly initialised LSTM (``lstm.init_params`` with this forget-gate bias, input
    size H) is driven by inputs xi ~ N(0, input_scale^2); its forget gates f[s] give the
    products. This is the direct path of the "constant error carousel"; the paths that go
    through h add to dC[T-1]/dC[t] but are not included.

    Args:
        forget_bias: the forget block of the bias b.  hidden_size: H.  T: steps.
        input_scale: std of the inputs.  seed: seeds the weights and inputs.
        norm: "spectral" (max over units of the product) or "fro".

    Returns:
        (T,) array, entry t = ||prod_{s=t+1}^{T-1} diag(f[s])|| (entry T-1: the identity's norm).
    """
    _check_norm(norm)
    if not np.isscalar(forget_bias) or not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be a finite number, got {forget_bias!r}")
    params = lstm.init_params(hidden_size, hidden_size, seed=seed, forget_bias=forget_bias)
    x = input_scale * np.random.default_rng([seed, 2]).standard_normal((1, T, hidden_size))
    f = lstm.forward(x, params).f[0]  # (T, H)
    prods = np.ones((T, hidden_size))
    prods[:-1] = np.cumprod(f[:0:-1], axis=0)[::-1]  # prods[t] = f[t+1] * ... * f[T-1]
    if norm == "fro":
        return np.sqrt((prods * prods).sum(axis=1))
    return prods.max(axis=1)
