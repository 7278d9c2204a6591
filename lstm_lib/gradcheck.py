"""Numerical gradient checking by central differences.

    df/dθ_k ≈ (f(θ + ε e_k) - f(θ - ε e_k)) / (2ε)

The error of the central difference is O(ε²); in float64 with ε ≈ 1e-6 an analytic
gradient that is right agrees to about 1e-9 relative error or better. Use float64:
in float32 the rounding error of f swamps the difference.
"""

from __future__ import annotations

import numpy as np


def rel_error(a, b):
    """Relative error ‖a − b‖ / (‖a‖ + ‖b‖) of two arrays of equal shape (0 if both are 0).

    A norm-wise measure: unlike an element-wise maximum it is not dominated by entries
    that are zero up to rounding.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of equal shape, got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0.0 else float(np.linalg.norm(a - b) / denom)


def numerical_grad(f, params, key, eps=1e-6):
    """Central-difference gradient of ``f()`` w.r.t. ``params[key]``.

    Args:
        f: callable with no arguments returning a float; it must read ``params`` (which is
            perturbed in place, one entry at a time, and restored).
        params: dict of float arrays.
        key: which entry of ``params`` to differentiate.
        eps: step size.

    Returns:
        array of the shape of ``params[key]``.
    """
    if key not in params:
        raise ValueError(f"key must be one of {sorted(params)}, got {key!r}")
    theta = params[key]
    if not isinstance(theta, np.ndarray) or theta.dtype.kind != "f":
        raise TypeError(f"params[{key!r}] must be a float ndarray, got {type(theta).__name__}")
    grad = np.zeros(theta.shape, dtype=np.float64)
    flat = theta.reshape(-1)  # a view: writes go into params[key]
    if not np.shares_memory(flat, theta):
        raise ValueError(f"params[{key!r}] must be contiguous so it can be perturbed in place")
    gflat = grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        fp = float(f())
        flat[k] = old - eps
        fm = float(f())
        flat[k] = old
        gflat[k] = (fp - fm) / (2.0 * eps)
    return grad


def check_grads(f, params, grads, eps=1e-6, keys=None):
    """Compare analytic ``grads`` with central differences of ``f`` for each key.

    Args:
        f: callable returning the loss (float) computed from ``params``.
        params: dict of float arrays.
        grads: dict with the analytic gradient of each checked key (same shapes).
        eps: finite-difference step.
        keys: the keys to check (default: every key of ``params`` that ``grads`` has).

    Returns:
        {key: relative error (float)}.
    """
    keys = [k for k in params if k in grads] if keys is None else list(keys)
    if not keys:
        raise ValueError("keys must name at least one parameter present in params and grads")
    out = {}
    for k in keys:
        if k not in grads:
            raise ValueError(f"grads has no entry {k!r}; it has {sorted(grads)}")
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(
                f"grads[{k!r}] must have shape {np.shape(params[k])}, got {np.shape(grads[k])}"
            )
        out[k] = rel_error(grads[k], numerical_grad(f, params, k, eps))
    return out
