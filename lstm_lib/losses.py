"""Losses with their gradients: softmax cross-entropy and mean squared error.

Each function returns ``(loss, dpred)``: the loss averaged over the batch (a Python float)
and its gradient with respect to the prediction, an array of the prediction's shape and
dtype. The models in this library call them at the last time step only.
"""

from __future__ import annotations

import numpy as np

from . import _checks


def log_softmax(logits):
    """Numerically stable log-softmax over the last axis.

    log p_k = z_k - logsumexp(z),  logsumexp(z) = m + log(sum_j exp(z_j - m)),  m = max_j z_j,
    so no exp() ever sees a positive argument and nothing overflows.

    Args:
        logits: (N, K) float array.

    Returns:
        (N, K) array of log-probabilities, same dtype.
    """
    logits = _checks.float_array("logits", logits, ndim=2)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits):
    """Softmax over the last axis of (N, K) logits; returns (N, K) probabilities."""
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against integer class labels.

    L = -(1/N) sum_n log softmax(z_n)[y_n];  dL/dz_n = (softmax(z_n) - onehot(y_n)) / N.

    Args:
        logits: (N, K) float array, N >= 1.
        y: (N,) integer array with values in [0, K).

    Returns:
        (loss, dlogits): a float and an (N, K) array of the logits' dtype.
    """
    logits = _checks.float_array("logits", logits, ndim=2)
    N, K = logits.shape
    if N == 0 or K == 0:
        raise ValueError(f"logits must have shape (N, K) with N, K >= 1, got {logits.shape}")
    y = class_labels("y", y, N, K)
    logp = log_softmax(logits)
    rows = np.arange(N)
    loss = -float(logp[rows, y].mean())
    dlogits = np.exp(logp)
    dlogits[rows, y] -= 1.0
    dlogits /= N
    return loss, dlogits


def mse(pred, target):
    """Mean squared error, averaged over every entry (no factor 1/2).

    L = mean((pred - target)^2);  dL/dpred = 2 (pred - target) / pred.size.

    Args:
        pred: float array of any shape with at least one entry, e.g. (N,).
        target: float array of the same shape.

    Returns:
        (loss, dpred): a float and an array like ``pred``.
    """
    pred = _checks.float_array("pred", pred)
    target = _checks.float_array("target", target, dtype=pred.dtype)
    if pred.size == 0:
        raise ValueError(f"pred must have at least one entry, got shape {pred.shape}")
    _checks.expect_shape("target", target, pred.shape)
    diff = pred - target
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


def class_labels(name, y, N, K):
    """Validate integer class labels: an (N,) integer array with values in [0, K); returns it."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of class indices, got dtype {y.dtype}")
    if y.shape != (N,):
        raise ValueError(f"{name} must have shape ({N},), got {y.shape}")
    if N and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"{name} must lie in [0, {K}), got values in [{y.min()}, {y.max()}]")
    return y
