"""Tests of lstm_lib.lstm: gradients, defining equations, overrides, dtypes, bad input."""

import warnings

import numpy as np
import pytest

from lstm_lib import gradcheck, lstm

N, T, D, H = 3, 5, 4, 6
TOL = 1e-7


@pytest.fixture
def setup():
    rng = np.random.default_rng(0)
    params = lstm.init_params(D, H, seed=1)
    return {
        "params": params,
        "x": rng.normal(size=(N, T, D)),
        "h0": rng.normal(size=(N, H)),
        "c0": rng.normal(size=(N, H)),
        "w": rng.normal(size=(N, T, H)),  # loss weights on every h_t
        "wc": rng.normal(size=(N, H)),  # loss weights on C_T
        "rng": rng,
    }


def _check_all_grads(s, gates=None, coupled=False):
    p, x, h0, c0, w, wc = s["params"], s["x"], s["h0"], s["c0"], s["w"], s["wc"]

    def loss():
        tr = lstm.forward(x, p, h0, c0, gates=gates, coupled=coupled)
        return float((tr.h * w).sum() + (tr.c[:, -1] * wc).sum())

    grads = lstm.backward(w, lstm.forward(x, p, h0, c0, gates=gates, coupled=coupled), dc_last=wc)
    assert set(grads) == {"Wx", "Wh", "b", "x", "h0", "c0"}
    errs = gradcheck.check_grads(loss, p, grads)
    errs.update(gradcheck.check_grads(loss, {"x": x, "h0": h0, "c0": c0}, grads))
    assert max(errs.values()) < TOL, errs
    return grads


def test_init_params_contract():
    p = lstm.init_params(7, 5, seed=0, forget_bias=2.5)
    assert set(p) == {"Wx", "Wh", "b"}
    assert p["Wx"].shape == (7, 20) and p["Wh"].shape == (5, 20) and p["b"].shape == (20,)
    np.testing.assert_array_equal(p["b"][5:10], 2.5)
    np.testing.assert_array_equal(np.delete(p["b"], np.s_[5:10]), 0.0)
    assert lstm.init_params(7, 5, dtype=np.float32)["Wh"].dtype == np.float32
    q = lstm.init_params(7, 5, seed=0, forget_bias=2.5)
    np.testing.assert_array_equal(p["Wx"], q["Wx"])


def test_backward_matches_finite_differences(setup):
    _check_all_grads(setup)


@pytest.mark.parametrize("gates", [{"f": 1.0}, {"i": 0.0}, {"o": 1.0}, {"i": 0.3, "o": 0.7}])
def test_backward_with_scalar_gate_overrides(setup, gates):
    grads = _check_all_grads(setup, gates=gates)
    # A forced gate's columns get no gradient at all.
    for name in gates:
        k = "ifgo".index(name)
        np.testing.assert_array_equal(grads["Wx"][:, k * H : (k + 1) * H], 0.0)
        np.testing.assert_array_equal(grads["b"][k * H : (k + 1) * H], 0.0)


def test_backward_with_array_gate_overrides(setup):
    rng = setup["rng"]
    _check_all_grads(
        setup, gates={"f": rng.uniform(size=(N, T, H)), "i": rng.uniform(size=(1, T, 1))}
    )


def test_backward_coupled_variant(setup):
    grads = _check_all_grads(setup, coupled=True)
    np.testing.assert_array_equal(grads["b"][H : 2 * H], 0.0)  # the f block is unused
    _check_all_grads(setup, coupled=True, gates={"i": 0.4})


def test_forward_satisfies_defining_equations(setup):
    p, x, h0, c0 = setup["params"], setup["x"], setup["h0"], setup["c0"]
    tr = lstm.forward(x, p, h0, c0)
    c_prev = np.concatenate([c0[:, None], tr.c[:, :-1]], axis=1)
    h_prev = np.concatenate([h0[:, None], tr.h[:, :-1]], axis=1)
    np.testing.assert_allclose(tr.c, tr.f * c_prev + tr.i * tr.g, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.h, tr.o * np.tanh(tr.c), rtol=0, atol=1e-15)
    # The gates are the textbook's sigmoid/tanh of the affine pre-activation.
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    np.testing.assert_allclose(lstm.sigmoid(a), sig(a), rtol=1e-13)
    np.testing.assert_allclose(tr.i, sig(a[..., :H]), rtol=1e-13)
    np.testing.assert_allclose(tr.f, sig(a[..., H : 2 * H]), rtol=1e-13)
    np.testing.assert_allclose(tr.g, np.tanh(a[..., 2 * H : 3 * H]), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(tr.o, sig(a[..., 3 * H :]), rtol=1e-13)
    for name in ("h", "c", "i", "f", "g", "o"):
        assert getattr(tr, name).shape == (N, T, H)


def test_step_functions_agree_with_sequence(setup):
    p, x, h0, c0, w = setup["params"], setup["x"], setup["h0"], setup["c0"], setup["w"]
    gates = {"o": 0.5}
    tr = lstm.forward(x, p, h0, c0, gates=gates)
    h, c, caches = h0, c0, []
    for t in range(T):
        h, c, cache = lstm.step_forward(x[:, t], h, c, p, gates=gates)
        caches.append(cache)
        np.testing.assert_allclose(h, tr.h[:, t], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(c, tr.c[:, t], rtol=1e-14, atol=1e-15)
    g = lstm.backward(w, tr)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    total = {k: 0.0 for k in ("Wx", "Wh", "b")}
    for t in range(T - 1, -1, -1):
        dx, dh_next, dc_next, dp = lstm.step_backward(w[:, t] + dh_next, dc_next, caches[t])
        np.testing.assert_allclose(dx, g["x"][:, t], rtol=1e-12, atol=1e-14)
        for k in total:
            total[k] = total[k] + dp[k]
    for k in total:
        np.testing.assert_allclose(total[k], g[k], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh_next, g["h0"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dc_next, g["c0"], rtol=1e-12, atol=1e-14)


def test_forced_gates_take_their_values(setup):
    p, x = setup["params"], setup["x"]
    mask = (np.arange(T) % 2).reshape(1, T, 1) * np.ones((N, 1, H))
    tr = lstm.forward(x, p, gates={"f": 1.0, "i": mask, "o": 0})
    np.testing.assert_array_equal(tr.f, 1.0)
    np.testing.assert_array_equal(tr.i, mask)
    np.testing.assert_array_equal(tr.h, 0.0)
    # Forget gate open and input gate closed: the cell state is carried unchanged.
    c0 = setup["c0"]
    tr = lstm.forward(x, p, c0=c0, gates={"f": 1.0, "i": 0.0})
    np.testing.assert_array_equal(tr.c, np.broadcast_to(c0[:, None], (N, T, H)))


def test_coupled_forget_gate_is_one_minus_input(setup):
    tr = lstm.forward(setup["x"], setup["params"], coupled=True)
    np.testing.assert_allclose(tr.f, 1.0 - tr.i, rtol=0, atol=1e-15)


def test_state_grads_are_total_gradients(setup):
    """grads['h'][:, t] and grads['c'][:, t] equal dL/dh_t and dL/dC_t by finite differences."""
    p, x, w = setup["params"], setup["x"], setup["w"]
    tr = lstm.forward(x, p)
    g = lstm.backward(w, tr, return_state_grads=True)
    assert g["h"].shape == g["c"].shape == (N, T, H)
    # dL/dh_{t} for t = T-1 is just w; for t = 0 it matches dL/dh0 pushed one step later:
    # use h0 = h_{-1} trick: perturbing h0 checks dL/dh0; compare with a run from t=1.
    t = 2
    x_tail = x[:, t + 1 :]
    h_t, c_t = tr.h[:, t].copy(), tr.c[:, t].copy()
    w_tail = w[:, t + 1 :]

    def tail_loss():
        rest = lstm.forward(x_tail, p, h_t, c_t)
        return float((h_t * w[:, t]).sum() + (rest.h * w_tail).sum())

    num = gradcheck.numerical_grad(tail_loss, {"h": h_t}, "h")
    assert gradcheck.rel_error(num, g["h"][:, t]) < TOL

    def tail_loss_c():
        ht = tr.o[:, t] * np.tanh(c_t)
        rest = lstm.forward(x_tail, p, ht, c_t)
        return float((ht * w[:, t]).sum() + (rest.h * w_tail).sum())

    num_c = gradcheck.numerical_grad(tail_loss_c, {"c": c_t}, "c")
    assert gradcheck.rel_error(num_c, g["c"][:, t]) < TOL


def test_float32_runs_and_agrees_with_float64(setup):
    p64, x, w = setup["params"], setup["x"], setup["w"]
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    tr32 = lstm.forward(x, p32)  # float64 x is cast to the params' dtype
    g32 = lstm.backward(w.astype(np.float32), tr32, return_state_grads=True)
    tr64 = lstm.forward(x, p64)
    g64 = lstm.backward(w, tr64, return_state_grads=True)
    assert tr32.h.dtype == np.float32 and all(v.dtype == np.float32 for v in g32.values())
    assert gradcheck.rel_error(tr32.h, tr64.h) < 1e-5
    for k in g64:
        assert gradcheck.rel_error(g32[k], g64[k]) < 1e-5, k


def test_no_overflow_with_huge_preactivations():
    p = lstm.init_params(2, 3, seed=0)
    p["Wx"][:] = 1000.0
    p["Wx"][1] = -1000.0
    x = np.ones((2, 4, 2))
    x[1, :, 0] = -1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = lstm.forward(x, p)
        g = lstm.backward(np.ones_like(tr.h), tr)
    assert all(np.isfinite(v).all() for v in g.values())
    assert np.isfinite(tr.h).all()


def test_trace_is_not_overwritten_by_a_later_call(setup):
    p, x = setup["params"], setup["x"]
    tr1 = lstm.forward(x, p)
    h1, c1, f1 = tr1.h.copy(), tr1.c.copy(), tr1.f.copy()
    lstm.forward(x * 2.0, p)
    lstm.backward(np.ones((N, T, H)), lstm.forward(-x, p))
    np.testing.assert_array_equal(tr1.h, h1)
    np.testing.assert_array_equal(tr1.c, c1)
    np.testing.assert_array_equal(tr1.f, f1)


@pytest.mark.parametrize("n", [1, N])
def test_backward_leaves_its_inputs_alone_and_repeats_exactly(setup, n):
    """backward works in place on buffers of its own: a second call on the same trace gives
    the same gradients, and neither the trace, dh, dc_last nor the caller's h0/c0 change."""
    p, rng = setup["params"], setup["rng"]
    x, h0, c0 = setup["x"][:n], setup["h0"][:n].copy(), setup["c0"][:n].copy()
    dh, dc_last = rng.normal(size=(n, T, H)), rng.normal(size=(n, H))
    tr = lstm.forward(x, p, h0, c0, gates={"o": 0.5})
    saved = {k: getattr(tr, k).copy() for k in ("h", "c", "i", "f", "g", "o", "h0", "c0")}
    h0[:] = c0[:] = 7.0  # the trace keeps its own copies of the initial states
    inputs = {"dh": dh.copy(), "dc_last": dc_last.copy()}
    first = lstm.backward(dh, tr, dc_last, return_state_grads=True)
    second = lstm.backward(dh, tr, dc_last, return_state_grads=True)
    without = lstm.backward(dh, tr, dc_last)
    for k in first:
        np.testing.assert_array_equal(first[k], second[k], err_msg=k)
        if k in without:
            np.testing.assert_array_equal(first[k], without[k], err_msg=k)
    for k, v in saved.items():
        np.testing.assert_array_equal(getattr(tr, k), v, err_msg=k)
    np.testing.assert_array_equal(dh, inputs["dh"])
    np.testing.assert_array_equal(dc_last, inputs["dc_last"])
    assert not np.shares_memory(first["h"], second["h"])
    assert not np.shares_memory(first["c"], second["c"])


# --- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"x": np.zeros((N, T))}, ValueError, ["x", "3 dimensions", "(3, 5)"]),
        ({"x": np.zeros((N, T, D + 1))}, ValueError, ["x", f"D = {D}"]),
        ({"x": np.zeros((N, 0, D))}, ValueError, ["x", "T >= 1"]),
        ({"x": np.zeros((N, T, D), dtype=np.int64)}, TypeError, ["x", "floating", "int64"]),
        ({"x": np.full((N, T, D), np.nan)}, ValueError, ["x", "finite", "NaN"]),
        ({"h0": np.zeros((N, H + 1))}, ValueError, ["h0", f"({N}, {H})", f"({N}, {H + 1})"]),
        ({"c0": np.zeros((N + 1, H))}, ValueError, ["c0", f"({N}, {H})"]),
        ({"c0": np.full((N, H), np.inf)}, ValueError, ["c0", "finite"]),
        ({"gates": {"g": 1.0}}, ValueError, ["gates", "'g'"]),
        ({"gates": {"f": 1.5}}, ValueError, ["gates['f']", "[0, 1]", "1.5"]),
        ({"gates": {"i": -0.1}}, ValueError, ["gates['i']", "[0, 1]"]),
        ({"gates": {"o": np.zeros((2, 2))}}, ValueError, ["gates['o']", "broadcastable", "(2, 2)"]),
        ({"gates": {"f": np.nan}}, ValueError, ["gates['f']", "finite"]),
        ({"gates": [("f", 1.0)]}, TypeError, ["gates", "dict", "list"]),
        ({"gates": {"f": 1.0}, "coupled": True}, ValueError, ["gates['f']", "coupled"]),
    ],
)
def test_forward_rejects_bad_input(setup, kwargs, exc, words):
    args = {"x": setup["x"], "params": setup["params"], **kwargs}
    with pytest.raises(exc) as info:
        lstm.forward(**args)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_bad_params_are_rejected(setup):
    p = setup["params"]
    with pytest.raises(ValueError, match=r"missing \['b'\], unknown \['bias'\]"):
        lstm.forward(setup["x"], {"Wx": p["Wx"], "Wh": p["Wh"], "bias": p["b"]})
    with pytest.raises(ValueError, match=r"params\['Wx'\] must have shape \(D, 4H\)"):
        lstm.forward(setup["x"], {**p, "Wx": np.zeros((D, 3 * H))})
    with pytest.raises(ValueError, match=r"params\['Wh'\] must have shape \(H, 4H\)"):
        lstm.forward(setup["x"], {**p, "Wh": np.zeros((H, H))})
    with pytest.raises(TypeError, match="share one dtype"):
        lstm.forward(setup["x"], {**p, "b": p["b"].astype(np.float32)})
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        lstm.init_params(3, 0)


def test_backward_rejects_bad_input(setup):
    tr = lstm.forward(setup["x"], setup["params"])
    with pytest.raises(ValueError, match=r"dh must have shape \(3, 5, 6\), got \(3, 5, 7\)"):
        lstm.backward(np.zeros((N, T, H + 1)), tr)
    with pytest.raises(ValueError, match=r"dh must have 3 dimensions"):
        lstm.backward(np.zeros((N, H)), tr)
    with pytest.raises(ValueError, match=r"dc_last must have shape \(3, 6\)"):
        lstm.backward(np.zeros((N, T, H)), tr, dc_last=np.zeros((N, T, H))[:, 0, :2])
    with pytest.raises(TypeError, match="LSTMTrace"):
        lstm.backward(np.zeros((N, T, H)), {"h": tr.h})
