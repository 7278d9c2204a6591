"""A sequence model: embedding → RNN or LSTM → linear read-out at the last step.

    x_t = emb[token_t]             (or a continuous input x_t, for the adding problem)
    h_1 .. h_T = RNN or LSTM(x_1 .. x_T)
    z = h_T Wy + by                (N, K) logits, or (N, 1) for a regression

Parameters are one flat dict of arrays: "emb" (V, E) when the input is tokens, the cell's
"Wx", "Wh", "b", and the read-out "Wy" (H, K), "by" (K,). Gradients come back under the same
keys. What the arrays do not say (cell type, LSTM variant, loss) is in a ``ModelSpec``.

LSTM variants for an ablation in the spirit of Greff et al. (2017, "LSTM: A Search Space
Odyssey"): "full"; "nfg" no forget gate (f_t = 1); "nig" no input gate (i_t = 1);
"nog" no output gate (o_t = 1); "cifg" coupled input and forget gate (f_t = 1 - i_t).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _checks, losses, lstm, rnn

VARIANTS = {"full": ({}, False), "nfg": ({"f": 1.0}, False), "nig": ({"i": 1.0}, False),
            "nog": ({"o": 1.0}, False), "cifg": ({}, True)}
CELLS = {"rnn": rnn, "lstm": lstm}
LOSSES = ("xent", "mse")
# |prediction - target| below this counts as correct in a regression (H&S 1997, Sec. 5.4).
REGRESSION_TOLERANCE = 0.04


@dataclass(frozen=True)
class ModelSpec:
    """What the parameter arrays do not say.

    cell: "rnn" or "lstm".  variant: a key of ``VARIANTS`` ("full" for the RNN).
    loss: "xent" (softmax cross-entropy, classes) or "mse" (squared error, one number).
    vocab_size: V for token input, None for a continuous (N, T, D) input.
    """

    cell: str = "lstm"
    variant: str = "full"
    loss: str = "xent"
    vocab_size: int | None = None


class ModelOutput(NamedTuple):
    """Result of ``forward``.

    logits: (N, K) read-out z (K = 1 for "mse").  probs: (N, K) softmax(z) for "xent", None
    for "mse".  trace: the cell's trace (``lstm.LSTMTrace``: h, c, i, f, g, o each (N, T, H);
    ``rnn.RNNTrace``: h).
    """

    logits: np.ndarray
    probs: np.ndarray | None
    trace: object


def init_model(cell="lstm", *, hidden_size, output_size, vocab_size=None, embed_size=None,
               input_size=None, variant="full", loss="xent", forget_bias=1.0, input_bias=0.0,
               recurrent_init="uniform", embed_std=1.0, seed=None, dtype=np.float64):
    """Create parameters and spec of a model.

    The cell starts from ``lstm.init_params`` / ``rnn.init_params``; the options below
    change only what they name.

    Args:
        cell: "rnn" or "lstm".  hidden_size: H.  output_size: K (1 for "mse").
        vocab_size, embed_size: V and E for token input (both given), or
        input_size: D for continuous input.  variant: LSTM variant (see ``VARIANTS``).
        loss: "xent" or "mse".
        forget_bias: LSTM forget-gate bias (1.0: Gers et al. 2000, Jozefowicz et al. 2015).
        input_bias: LSTM input-gate bias (negative: the gate starts mostly closed).
        recurrent_init: "uniform" (the cell's default) or "orthogonal": Wh (each of the
            LSTM's four H x H blocks) a random orthogonal matrix (Saxe et al. 2014).
        embed_std: standard deviation of the N(0, std^2) embedding entries.
        seed: int seed.  dtype: np.float64 or np.float32.

    Returns:
        (params, spec): params {"emb": (V, E) if tokens, "Wx", "Wh", "b", "Wy": (H, K),
        "by": (K,)}; spec a ``ModelSpec``.
    """
    spec = ModelSpec(cell, variant, loss, vocab_size)
    _check_spec(spec)
    if (vocab_size is None) == (input_size is None) or (vocab_size is None) != (embed_size is None):
        raise ValueError("give either vocab_size and embed_size (token input) or input_size "
                         f"(continuous input), got vocab_size={vocab_size!r}, "
                         f"embed_size={embed_size!r}, input_size={input_size!r}")
    if loss == "mse" and output_size != 1:
        raise ValueError(f"output_size must be 1 with loss='mse', got {output_size!r}")
    rng = np.random.default_rng(seed)
    D = input_size if vocab_size is None else embed_size
    cell_seed = int(rng.integers(2**31))
    if cell == "lstm":
        core = lstm.init_params(D, hidden_size, seed=cell_seed, forget_bias=forget_bias,
                                dtype=dtype)
        core["b"][:hidden_size] = input_bias
    else:
        core = rnn.init_params(D, hidden_size, seed=cell_seed, dtype=dtype)
    if recurrent_init == "orthogonal":
        blocks = core["Wh"].shape[1] // hidden_size
        for k in range(blocks):
            Q, R = np.linalg.qr(rng.standard_normal((hidden_size, hidden_size)))
            core["Wh"][:, k * hidden_size : (k + 1) * hidden_size] = Q * np.sign(np.diag(R))
    elif recurrent_init != "uniform":
        raise ValueError(
            "recurrent_init must be 'uniform' or 'orthogonal', got "
            f"{recurrent_init!r}"
        )
    _checks.integer("output_size", output_size)
    params = {}
    if vocab_size is not None:
        _checks.integer("vocab_size", vocab_size)
        params["emb"] = (embed_std * rng.standard_normal((vocab_size, embed_size))).astype(dtype)
    params.update(core)
    s = 1.0 / np.sqrt(hidden_size)
    params["Wy"] = rng.uniform(-s, s, (hidden_size, output_size)).astype(dtype)
    params["by"] = np.zeros(output_size, dtype)
    return params, spec


def _check_spec(spec):
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    if spec.cell not in CELLS:
        raise ValueError(f"spec.cell must be one of {sorted(CELLS)}, got {spec.cell!r}")
    if spec.variant not in VARIANTS or (spec.cell == "rnn" and spec.variant != "full"):
        allowed = sorted(VARIANTS) if spec.cell == "lstm" else ["full"]
        raise ValueError(
            f"spec.variant must be one of {allowed} for cell {spec.cell!r}, got "
            f"{spec.variant!r}"
        )
    if spec.loss not in LOSSES:
        raise ValueError(f"spec.loss must be one of {LOSSES}, got {spec.loss!r}")


def _check_params(params, spec):
    _check_spec(spec)
    keys = (("emb",) if spec.vocab_size is not None else ()) + (*lstm.PARAM_KEYS, "Wy", "by")
    _checks.param_dict(params, keys)
    H = params["Wh"].shape[0]
    K = params["by"].shape[0] if params["by"].ndim == 1 else -1
    _checks.expect_shape("params['Wy']", params["Wy"], (H, K))
    if spec.vocab_size is not None:
        V, E = spec.vocab_size, params["Wx"].shape[0]
        _checks.expect_shape("params['emb']", params["emb"], (V, E))


def _cell_params(params):
    return {"Wx": params["Wx"], "Wh": params["Wh"], "b": params["b"]}


def _inputs(batch):
    """The model input of a batch (``TextBatch.tokens``, ``AddingBatch.x``) or an array."""
    for name in ("tokens", "x"):
        if hasattr(batch, name):
            return getattr(batch, name)
    return batch


def _embed(params, spec, inputs):
    if spec.vocab_size is None:
        return inputs
    tokens = np.asarray(inputs)
    if tokens.dtype.kind not in "iu":
        raise TypeError(
            "inputs must be integer token ids of shape (N, T), got dtype "
            f"{tokens.dtype}"
        )
    if tokens.ndim != 2:
        raise ValueError(f"inputs must have shape (N, T), got {tokens.shape}")
    V = spec.vocab_size
    if tokens.size and (tokens.min() < 0 or tokens.max() >= V):
        raise ValueError(
            f"inputs must be token ids in [0, {V}), got values in [{tokens.min()}, "
            f"{tokens.max()}]"
        )
    return params["emb"][tokens]


def _merged_gates(spec, gates):
    forced, coupled = VARIANTS[spec.variant]
    if gates is None:
        return (dict(forced) or None), coupled
    if spec.cell == "rnn":
        raise ValueError(
            f"gates only apply to cell 'lstm', got gates={sorted(gates)} for cell "
            "'rnn'"
        )
    if not isinstance(gates, dict):
        return gates, coupled  # lstm.forward rejects it with the usual message
    clash = sorted(set(gates) & set(forced))
    if clash:
        raise ValueError(
            f"gates must not override gates fixed by variant {spec.variant!r}, got "
            f"{clash}"
        )
    return {**forced, **gates}, coupled


def forward(params, inputs, spec, gates=None):
    """Run the model.

    Args:
        params: as returned by ``init_model``.
        inputs: (N, T) int token ids, (N, T, D) floats, or a batch holding them
            (``data.TextBatch`` / ``data.AddingBatch``).
        spec: the ``ModelSpec``.
        gates: extra LSTM gate overrides on top of the variant's, e.g. {"f": 1.0} or arrays
            broadcastable to (N, T, H) (see ``lstm.forward``).

    Returns:
        ModelOutput(logits (N, K), probs (N, K) or None, trace).
    """
    _check_params(params, spec)
    x = _embed(params, spec, _inputs(inputs))
    forced, coupled = _merged_gates(spec, gates)  # also rejects gates for an RNN
    if spec.cell == "lstm":
        trace = lstm.forward(x, _cell_params(params), gates=forced, coupled=coupled)
    else:
        trace = rnn.forward(x, _cell_params(params))
    logits = trace.h[:, -1] @ params["Wy"] + params["by"]
    probs = losses.softmax(logits) if spec.loss == "xent" else None
    return ModelOutput(logits, probs, trace)


def predict(params, inputs, spec, gates=None):
    """Predictions: (N,) int64 class indices for "xent", (N,) floats for "mse".

    Args: as in ``forward``.
    """
    out = forward(params, inputs, spec, gates)
    return out.logits.argmax(axis=1) if spec.loss == "xent" else out.logits[:, 0]


def loss_and_accuracy(logits, y, spec, with_grad=False):
    """Loss and accuracy of read-out ``logits`` (N, K) against targets ``y`` (N,).

    Accuracy: fraction of correct classes ("xent"), or of ``|prediction - target| < 0.04``
    ("mse", H&S 1997's criterion). With ``with_grad`` also returns dL/dlogits (N, K).

    Returns:
        (loss, accuracy) floats, or (loss, accuracy, dlogits).
    """
    if spec.loss == "xent":
        loss, dlogits = losses.softmax_cross_entropy(logits, y)
        accuracy = float(np.mean(logits.argmax(axis=1) == y))
    else:
        loss, dpred = losses.mse(logits[:, 0], y)
        dlogits = dpred[:, None]
        accuracy = float(np.mean(np.abs(logits[:, 0] - y) < REGRESSION_TOLERANCE))
    return (loss, accuracy, dlogits) if with_grad else (loss, accuracy)


def loss_and_grads(params, batch, spec, gates=None, state_grads=False):
    """Loss of a batch and its exact gradient w.r.t. every parameter (backprop through time).

    Args:
        params: as returned by ``init_model``.
        batch: a ``data.TextBatch`` or ``data.AddingBatch`` (anything with the input as
            ``tokens`` or ``x`` and the target as ``y``: (N,) int classes or (N,) floats).
        spec: the ``ModelSpec``.  gates: extra LSTM gate overrides, as in ``forward``.
        state_grads: also return dL/dh_t (and dL/dC_t) for every step in ``info``.

    Returns:
        (loss, grads, info): loss a float (batch mean); grads with the keys of params;
        info {"accuracy": float, "logits": (N, K), "trace", and with ``state_grads``
        "dh": (N, T, H) and, for the LSTM, "dc": (N, T, H)}. For "mse" the accuracy is the
        fraction with ``|prediction - target| < 0.04`` (H&S 1997's criterion).
    """
    out = forward(params, batch, spec, gates)
    trace, logits = out.trace, out.logits
    y = getattr(batch, "y", None)
    if y is None:
        raise TypeError(
            f"batch must carry targets as batch.y, got {type(batch).__name__} without "
            "y"
        )
    loss, accuracy, dlogits = loss_and_accuracy(logits, y, spec, with_grad=True)
    h_last = trace.h[:, -1]
    dh = np.zeros_like(trace.h)
    dh[:, -1] = dlogits @ params["Wy"].T
    core = CELLS[spec.cell].backward(dh, trace, return_state_grads=state_grads)
    grads = {}
    if spec.vocab_size is not None:
        grads["emb"] = np.zeros_like(params["emb"])
        np.add.at(grads["emb"], _inputs(batch), core["x"])
    grads.update({k: core[k] for k in lstm.PARAM_KEYS})
    grads["Wy"] = h_last.T @ dlogits
    grads["by"] = dlogits.sum(axis=0)
    info = {"accuracy": accuracy, "logits": logits, "trace": trace}
    if state_grads:
        info["dh"] = core["h"]
        if "c" in core:
            info["dc"] = core["c"]
    return loss, grads, info
