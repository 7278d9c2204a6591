"""Input validation shared by the library's public functions.

Every check raises ``TypeError`` or ``ValueError`` with a message that names the
argument, says what was expected and what was received.
"""

from __future__ import annotations

import numpy as np


def float_array(name, value, *, ndim=None, dtype=None):
    """Return ``value`` as a finite floating-point ndarray, or raise.

    Args:
        name: argument name used in error messages.
        value: array-like; must already hold floats (integers and booleans are rejected,
            because an integer ``x`` is almost always a token-id array passed by mistake).
        ndim: required number of dimensions, or None for any.
        dtype: if given, the result is cast to this floating dtype.
    """
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except Exception as exc:  # pragma: no cover - exotic objects
            raise TypeError(f"{name} must be a float array, got {type(value).__name__}") from exc
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a floating-point array (float32 or float64), got dtype {arr.dtype}"
        )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    if not np.isfinite(arr).all():
        raise ValueError(
            f"{name} must be finite, got {np.count_nonzero(~np.isfinite(arr))} NaN/inf entries"
        )
    return arr


def integer(name, value, minimum=None):
    """Return ``value`` as an int, or raise unless it is an integer >= ``minimum``
    (a positive integer when ``minimum`` is None)."""
    low = 1 if minimum is None else minimum
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        expected = "a positive integer" if minimum is None else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def layer_sizes(input_size, hidden_size, dtype):
    """Validate a cell's sizes and dtype; returns (D, H, np.dtype)."""
    D = integer("input_size", input_size)
    H = integer("hidden_size", hidden_size)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating dtype, got {dtype}")
    return D, H, dtype


CELL_PARAM_KEYS = ("Wx", "Wh", "b")


def cell_params(params, blocks):
    """Validate a recurrent cell's {"Wx": (D, kH), "Wh": (H, kH), "b": (kH,)} with
    k = ``blocks`` (1 for the tanh RNN, 4 for the LSTM); returns (D, H, dtype)."""
    dtype = param_dict(params, CELL_PARAM_KEYS)
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    width = "H" if blocks == 1 else f"{blocks}H"
    if Wh.ndim != 2 or Wh.shape[1] != blocks * Wh.shape[0]:
        raise ValueError(f"params['Wh'] must have shape (H, {width}), got {Wh.shape}")
    H = Wh.shape[0]
    if Wx.ndim != 2 or Wx.shape[1] != blocks * H:
        raise ValueError(
            f"params['Wx'] must have shape (D, {width}) = (D, {blocks * H}), got {Wx.shape}"
        )
    expect_shape("params['b']", b, (blocks * H,))
    return Wx.shape[0], H, dtype


def expect_shape(name, arr, shape):
    """Raise ValueError unless ``arr.shape == shape``."""
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")


def param_dict(params, keys, name="params"):
    """Check that ``params`` is a dict with exactly ``keys`` of one floating dtype.

    Returns the common dtype.
    """
    if not isinstance(params, dict):
        raise TypeError(
            f"{name} must be a dict of arrays with keys {sorted(keys)}, got {type(params).__name__}"
        )
    missing = [k for k in keys if k not in params]
    unknown = [k for k in params if k not in keys]
    if missing or unknown:
        raise ValueError(
            f"{name} must have exactly the keys {sorted(keys)}; "
            f"missing {missing}, unknown {unknown}"
        )
    dtypes = set()
    for k in keys:
        v = params[k]
        if not isinstance(v, np.ndarray) or v.dtype.kind != "f":
            got = v.dtype if isinstance(v, np.ndarray) else type(v).__name__
            raise TypeError(f"{name}[{k!r}] must be a float ndarray, got {got}")
        dtypes.add(v.dtype)
    if len(dtypes) != 1:
        raise TypeError(f"{name} arrays must share one dtype, got {sorted(str(d) for d in dtypes)}")
    return dtypes.pop()


def sequence_input(x, D, dtype):
    """Validate the (N, T, D) input of a sequence forward pass and cast it to ``dtype``."""
    x = float_array("x", x, ndim=3, dtype=dtype)
    N, T, Dx = x.shape
    if N == 0 or T == 0:
        raise ValueError(f"x must have N >= 1 sequences of T >= 1 steps, got shape {x.shape}")
    if Dx != D:
        raise ValueError(
            f"x must have shape (N, T, D) with D = {D} to match params['Wx'], got {x.shape}"
        )
    return x


def initial_state(name, value, N, H, dtype):
    """Return a validated (N, H) initial state, zeros when ``value`` is None."""
    if value is None:
        return np.zeros((N, H), dtype=dtype)
    arr = float_array(name, value, ndim=2, dtype=dtype)
    expect_shape(name, arr, (N, H))
    return arr


def gate_overrides(gates, shape, dtype, coupled):
    """Validate ``gates`` and return {name: value broadcast to ``shape`` (N, T, H)}."""
    if gates is None:
        return {}
    if not isinstance(gates, dict):
        raise TypeError(
            f"gates must be a dict with keys among 'i', 'f', 'o', got {type(gates).__name__}"
        )
    forced = {}
    for name, value in gates.items():
        if name not in ("i", "f", "o"):
            raise ValueError(f"gates keys must be among 'i', 'f', 'o', got {name!r}")
        if coupled and name == "f":
            raise ValueError("gates['f'] cannot be forced with coupled=True (f is 1 - i there)")
        arr = np.asarray(value)
        if arr.dtype.kind in "biu":  # 0/1 masks and plain integers are fine for a gate
            arr = arr.astype(dtype)
        arr = float_array(f"gates[{name!r}]", arr, dtype=dtype)
        if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
            raise ValueError(
                f"gates[{name!r}] must lie in [0, 1], got values in [{arr.min()}, {arr.max()}]"
            )
        try:
            forced[name] = np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(
                f"gates[{name!r}] must be broadcastable to (N, T, H) = {shape}, "
                f"got shape {arr.shape}"
            ) from None
    return forced
