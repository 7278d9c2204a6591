"""Tests of lstm_lib.rnn and lstm_lib.gradcheck."""

import warnings

import numpy as np
import pytest

from lstm_lib import gradcheck, rnn

N, T, D, H = 3, 6, 4, 5


@pytest.fixture
def setup():
    rng = np.random.default_rng(3)
    return {
        "params": rnn.init_params(D, H, seed=4),
        "x": rng.normal(size=(N, T, D)),
        "h0": rng.normal(size=(N, H)),
        "w": rng.normal(size=(N, T, H)),
    }


def test_init_params_contract():
    p = rnn.init_params(7, 5, seed=0)
    assert {k: v.shape for k, v in p.items()} == {"Wx": (7, 5), "Wh": (5, 5), "b": (5,)}
    assert rnn.init_params(2, 3, dtype=np.float32)["Wx"].dtype == np.float32


def test_backward_matches_finite_differences(setup):
    p, x, h0, w = setup["params"], setup["x"], setup["h0"], setup["w"]

    def loss():
        return float((rnn.forward(x, p, h0).h * w).sum())

    g = rnn.backward(w, rnn.forward(x, p, h0))
    assert set(g) == {"Wx", "Wh", "b", "x", "h0"}
    errs = gradcheck.check_grads(loss, p, g)
    errs.update(gradcheck.check_grads(loss, {"x": x, "h0": h0}, g))
    assert max(errs.values()) < 1e-7, errs


def test_forward_satisfies_recurrence(setup):
    p, x, h0 = setup["params"], setup["x"], setup["h0"]
    tr = rnn.forward(x, p, h0)
    h_prev = np.concatenate([h0[:, None], tr.h[:, :-1]], axis=1)
    np.testing.assert_allclose(
        tr.h, np.tanh(x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]), rtol=1e-13, atol=1e-15
    )


def test_step_functions_agree_with_sequence(setup):
    p, x, h0, w = setup["params"], setup["x"], setup["h0"], setup["w"]
    tr = rnn.forward(x, p, h0)
    g = rnn.backward(w, tr, return_state_grads=True)
    h, caches = h0, []
    for t in range(T):
        h, cache = rnn.step_forward(x[:, t], h, p)
        caches.append(cache)
        np.testing.assert_allclose(h, tr.h[:, t], rtol=1e-14, atol=1e-15)
    dh_next = np.zeros((N, H))
    dW = 0.0
    for t in range(T - 1, -1, -1):
        np.testing.assert_allclose(w[:, t] + dh_next, g["h"][:, t], rtol=1e-12)
        dx, dh_next, dp = rnn.step_backward(w[:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx, g["x"][:, t], rtol=1e-12, atol=1e-14)
        dW = dW + dp["Wh"]
    np.testing.assert_allclose(dW, g["Wh"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh_next, g["h0"], rtol=1e-12, atol=1e-14)


def test_float32_agrees_with_float64(setup):
    p64, x, w = setup["params"], setup["x"], setup["w"]
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    g32 = rnn.backward(w.astype(np.float32), rnn.forward(x, p32))
    g64 = rnn.backward(w, rnn.forward(x, p64))
    for k in g64:
        assert g32[k].dtype == np.float32
        assert gradcheck.rel_error(g32[k], g64[k]) < 1e-5, k


def test_no_overflow_with_huge_preactivations():
    p = rnn.init_params(1, 2, seed=0)
    p["Wx"][:] = 1000.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = rnn.forward(np.ones((1, 3, 1)), p)
        g = rnn.backward(np.ones_like(tr.h), tr)
    assert np.isfinite(g["Wx"]).all()


@pytest.mark.parametrize(
    "kwargs, exc, pattern",
    [
        ({"x": np.zeros((N, T, D + 2))}, ValueError, r"x must have shape \(N, T, D\) with D = 4"),
        ({"x": np.zeros((N, 0, D))}, ValueError, r"x must have N >= 1 sequences of T >= 1 steps"),
        ({"x": np.zeros((N, T, D), dtype=int)}, TypeError, r"x must be a floating-point array"),
        ({"x": np.full((N, T, D), np.nan)}, ValueError, r"x must be finite"),
        ({"h0": np.zeros((N, H, 1))}, ValueError, r"h0 must have 2 dimensions"),
        ({"h0": np.zeros((N, H + 1))}, ValueError, r"h0 must have shape \(3, 5\), got \(3, 6\)"),
    ],
)
def test_forward_rejects_bad_input(setup, kwargs, exc, pattern):
    args = {"x": setup["x"], "params": setup["params"], **kwargs}
    with pytest.raises(exc, match=pattern):
        rnn.forward(**args)


def test_bad_params_and_dh(setup):
    p = setup["params"]
    with pytest.raises(ValueError, match=r"params\['Wx'\] must have shape \(D, H\)"):
        rnn.forward(setup["x"], {**p, "Wx": np.zeros((D, H + 1))})
    with pytest.raises(ValueError, match=r"unknown \['extra'\]"):
        rnn.forward(setup["x"], {**p, "extra": np.zeros(1)})
    tr = rnn.forward(setup["x"], p)
    with pytest.raises(ValueError, match=r"dh must have shape \(3, 6, 5\)"):
        rnn.backward(np.zeros((N, T, H + 1)), tr)


def test_gradcheck_detects_a_wrong_gradient():
    params = {"w": np.array([1.0, -2.0, 3.0])}

    def f():
        return float((params["w"] ** 2).sum())

    right = {"w": 2 * params["w"]}
    wrong = {"w": 2 * params["w"] + np.array([0.0, 1e-3, 0.0])}
    assert gradcheck.check_grads(f, params, right)["w"] < 1e-9
    assert gradcheck.check_grads(f, params, wrong)["w"] > 1e-5
    np.testing.assert_array_equal(params["w"], [1.0, -2.0, 3.0])  # restored after perturbing
    with pytest.raises(ValueError, match="grads has no entry 'v'"):
        gradcheck.check_grads(f, params, right, keys=["v"])
    with pytest.raises(ValueError, match="equal shape"):
        gradcheck.rel_error(np.zeros(2), np.zeros(3))
