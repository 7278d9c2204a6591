"""Optimisers (SGD, Adam) and gradient clipping by global norm.

Parameters and gradients are dicts of arrays with the same keys. An optimiser step updates
``params`` in place and returns its state (a small dict) for the next call; pass
``state=None`` on the first call.

Clipping is a separate function applied to the gradients *after* they are computed
(Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks",
Algorithm 1): the loss/gradient function stays an exact gradient, so it can still be
checked against finite differences.
"""

from __future__ import annotations

import numpy as np


def _check_pair(params, grads):
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError(
            f"params and grads must be dicts of arrays, got {type(params).__name__} "
            f"and {type(grads).__name__}"
        )
    if set(params) != set(grads):
        raise ValueError(
            f"grads must have the keys of params {sorted(params)}, got {sorted(grads)}"
        )
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(
                f"grads[{k!r}] must have shape {np.shape(params[k])}, got "
                f"{np.shape(grads[k])}"
            )


def _positive(name, value):
    if not np.isscalar(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def global_norm(grads):
    """The global L2 norm sqrt(sum_k ||grads[k]||^2) over every array of a dict (a float)."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays, got {type(grads).__name__}")
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def clip_by_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    If ||g|| > max_norm then g <- g * max_norm / ||g|| (every array by the same factor, so
    the direction of the update is kept). The input dict is not modified.

    Args:
        grads: dict of arrays (any shapes).
        max_norm: positive float threshold.

    Returns:
        (clipped, norm): a new dict with the same keys and shapes, and the norm before
        clipping (a float, useful for logging).
    """
    _positive("max_norm", max_norm)
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: g * np.asarray(scale, dtype=g.dtype) for k, g in grads.items()}, norm


def sgd(params, grads, state=None, *, lr=0.1, momentum=0.0):
    """One step of (momentum) SGD, in place: v <- momentum * v - lr * g;  theta <- theta + v.

    Args:
        params: dict of float arrays, updated in place.
        grads: dict with the same keys and shapes.
        state: None on the first call, then the returned dict {"v": {...}}.
        lr: positive learning rate.  momentum: in [0, 1).

    Returns:
        the new state.
    """
    _check_pair(params, grads)
    _positive("lr", lr)
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
    if state is None:
        state = {"v": {k: np.zeros_like(p) for k, p in params.items()}}
    for k, p in params.items():
        v = state["v"][k]
        v *= momentum
        v -= lr * grads[k]
        p += v
    return state


def adam(params, grads, state=None, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, in place (Kingma & Ba 2015, Algorithm 1, with bias correction).

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
        theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    Args:
        params: dict of float arrays, updated in place.
        grads: dict with the same keys and shapes.
        state: None on the first call, then the returned dict {"t", "m", "v"}.
        lr: positive learning rate.  beta1, beta2: in [0, 1).  eps: positive.

    Returns:
        the new state.
    """
    _check_pair(params, grads)
    _positive("lr", lr)
    _positive("eps", eps)
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"{name} must lie in [0, 1), got {b!r}")
    if state is None:
        state = {"t": 0, "m": {k: np.zeros_like(p) for k, p in params.items()},
                 "v": {k: np.zeros_like(p) for k, p in params.items()}}
    state["t"] += 1
    t = state["t"]
    correction2 = np.sqrt(1.0 - beta2**t)
    step = lr * correction2 / (1.0 - beta1**t)
    eps_hat = eps * correction2  # eps scaled so that the step equals Algorithm 1 exactly
    for k, p in params.items():
        g, m, v = grads[k], state["m"][k], state["v"][k]
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        p -= (step * m / (np.sqrt(v) + eps_hat)).astype(p.dtype)
    return state
