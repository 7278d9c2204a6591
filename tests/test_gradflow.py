"""Tests of lstm_lib.gradflow against independent computations."""

import time

import numpy as np
import pytest

from lstm_lib import data, gradflow, losses, lstm, model, rnn


def per_example_loss(params, spec, tokens, y, t, dh=None, dc=None):
    """Loss of one sequence with h[t] or C[t] shifted by dh or dc, using the step functions.

    dL/dC[t] is the total derivative: h[t] depends on C[t], so it is recomputed."""
    x = params["emb"][tokens][None]
    cell = {k: params[k] for k in ("Wx", "Wh", "b")}
    H = params["Wh"].shape[0]
    h, c = np.zeros((1, H)), np.zeros((1, H))
    for s in range(x.shape[1]):
        if spec.cell == "lstm":
            h, c, _ = lstm.step_forward(x[:, s], h, c, cell)
        else:
            h, _ = rnn.step_forward(x[:, s], h, cell)
        if s == t and dc is not None:  # C[t] moves and h[t] = o[t] * tanh(C[t]) follows it
            c = c + dc
            h = lstm.forward(x[:, : t + 1], cell).o[:, t] * np.tanh(c)
        if s == t and dh is not None:
            h = h + dh
    return losses.softmax_cross_entropy(h @ params["Wy"] + params["by"], np.array([y]))[0]


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_state_grad_norms_match_finite_differences(cell):
    batch = data.france_batch(3, 4, rng=0)
    params, spec = model.init_model(cell, hidden_size=4, output_size=6, vocab_size=len(data.VOCAB),
                                    embed_size=3, seed=1)
    norms = gradflow.state_grad_norms(params, batch, spec)
    T = batch.tokens.shape[1]
    assert norms["h"].shape == (T,) and (("c" in norms) == (cell == "lstm"))
    eps, H = 1e-5, 4
    for t in (0, 6, T - 1):
        for key in ("h", "c") if cell == "lstm" else ("h",):
            per_ex = []
            for n in range(3):
                g = np.zeros(H)
                for j in range(H):
                    e = np.zeros((1, H))
                    e[0, j] = eps
                    kw = {"dh": e} if key == "h" else {"dc": e}
                    neg = {k: -v for k, v in kw.items()}
                    args = (params, spec, batch.tokens[n], batch.y[n], t)
                    diff = per_example_loss(*args, **kw) - per_example_loss(*args, **neg)
                    g[j] = diff / (2 * eps)
                per_ex.append(np.linalg.norm(g))
            assert norms[key][t] == pytest.approx(np.mean(per_ex), rel=1e-6, abs=1e-10), (key, t)


def test_state_grad_norms_show_the_forced_forget_gate_keeping_the_cell_gradient():
    batch = data.france_batch(16, 30, rng=2)
    params, spec = model.init_model("lstm", hidden_size=8, output_size=6,
                                    vocab_size=len(data.VOCAB), embed_size=4, seed=3)
    free = gradflow.state_grad_norms(params, batch, spec)
    kept = gradflow.state_grad_norms(params, batch, spec, gates={"f": 1.0, "o": 1.0})
    # with f = 1 the cell path passes the gradient unchanged: dL/dC is the same at every step
    # up to the h-path contributions, so it cannot fall off as the free LSTM's does
    assert kept["c"][0] / kept["c"][-1] > 100 * free["c"][0] / free["c"][-1]


def brute_force_products(derivs, W):
    T, H = derivs.shape
    out = []
    for t in range(T):
        P = np.eye(H)
        for s in range(t + 1, T):
            P = np.diag(derivs[s]) @ W @ P
        out.append(P)
    return out


def test_product_norms_equal_explicit_jacobian_products():
    rng = np.random.default_rng(0)
    derivs, W = rng.uniform(0, 1, (9, 5)), rng.standard_normal((5, 5))
    P = brute_force_products(derivs, W)
    np.testing.assert_allclose(gradflow.product_norms(derivs, W), [np.linalg.norm(p, 2) for p in P],
                               rtol=1e-12)
    np.testing.assert_allclose(gradflow.product_norms(derivs, W, "fro"),
                               [np.linalg.norm(p) for p in P], rtol=1e-12)


def test_trace_jacobian_norms_match_finite_differences_of_the_rnn():
    rng = np.random.default_rng(1)
    params = rnn.init_params(3, 5, seed=2)
    x = rng.standard_normal((1, 10, 3))
    norms = gradflow.trace_jacobian_norms(rnn.forward(x, params), norm="fro")

    def h_last_from(t, h_t):
        h = h_t
        for s in range(t + 1, 10):
            h, _ = rnn.step_forward(x[:, s], h, params)
        return h[0]

    h = rnn.forward(x, params).h
    for t in (0, 4, 8):
        J = np.empty((5, 5))
        for j in range(5):
            e = np.zeros((1, 5))
            e[0, j] = 1e-6
            J[:, j] = (h_last_from(t, h[:, t] + e) - h_last_from(t, h[:, t] - e)) / 2e-6
        assert norms[t] == pytest.approx(np.linalg.norm(J), rel=1e-7)


def test_rnn_jacobian_norms_follow_the_spectral_radius():
    # linear recurrence: ||W^k||^(1/k) -> spectral radius (Gelfand's formula)
    for radius in (0.7, 1.0, 1.3):
        n = gradflow.rnn_jacobian_norms(radius, activation="linear", T=200)
        assert n[0] ** (1 / 199) == pytest.approx(radius, rel=0.05)
    tanh = gradflow.rnn_jacobian_norms(1.0)
    sig = gradflow.rnn_jacobian_norms(1.0, activation="sigmoid")
    assert tanh.shape == (100,) and tanh[-1] == pytest.approx(1.0)
    assert tanh[0] < 1e-6 and sig[0] < 1e-30  # sigmoid' <= 1/4 vanishes far faster
    assert np.all(gradflow.rnn_jacobian_norms(0.0)[:-1] == 0)
    np.testing.assert_array_equal(gradflow.rnn_jacobian_norms(0.9, seed=4),
                                  gradflow.rnn_jacobian_norms(0.9, seed=4))
    W = gradflow.random_recurrent_matrix(32, 0.8)
    assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(0.8)


def test_rnn_jacobian_norms_are_fast_enough_for_a_widget():
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        gradflow.rnn_jacobian_norms(1.1, hidden_size=32, T=100)
        best = min(best, time.perf_counter() - start)
    assert best < 0.1


def test_lstm_cell_path_norms_are_products_of_forget_gates():
    params = lstm.init_params(16, 16, seed=0, forget_bias=2.0)
    x = np.random.default_rng([0, 2]).standard_normal((1, 50, 16))
    f = lstm.forward(x, params).f[0]
    norms = gradflow.lstm_cell_path_norms(2.0, hidden_size=16, T=50, norm="fro")
    for t in (0, 25, 48):
        assert norms[t] == pytest.approx(np.linalg.norm(np.prod(f[t + 1 :], axis=0)), rel=1e-12)
    assert norms[-1] == pytest.approx(4.0)  # identity, sqrt(H)
    weak, strong = (gradflow.lstm_cell_path_norms(b) for b in (0.0, 5.0))
    assert np.all(np.diff(strong) >= 0) and strong[0] > 0.1 > 1e-6 > weak[0]


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: gradflow.rnn_jacobian_norms(1.0, activation="relu"), ValueError,
         r"activation must be one of \['linear', 'sigmoid', 'tanh'\], got 'relu'"),
        (lambda: gradflow.rnn_jacobian_norms(-1.0), ValueError,
         "radius must be a finite number >= 0"),
        (lambda: gradflow.rnn_jacobian_norms(1.0, norm="nuclear"), ValueError,
         "norm must be one of"),
        (lambda: gradflow.rnn_jacobian_norms(1.0, T=0), ValueError, "T must be a positive integer"),
        (lambda: gradflow.product_norms(np.ones((3, 2)), np.ones((3, 3))), ValueError,
         r"W must have shape \(2, 2\)"),
        (lambda: gradflow.lstm_cell_path_norms(np.nan), ValueError, "forget_bias must be a finite"),
    ],
)
def test_gradflow_rejects_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_state_grad_norms_can_return_the_trace_of_the_same_pass():
    params, spec = model.init_model("lstm", hidden_size=4, output_size=len(data.LANGUAGES),
                                    vocab_size=len(data.VOCAB), embed_size=3, seed=0)
    batch = data.france_batch(5, 3, rng=0)
    norms, trace = gradflow.state_grad_norms(params, batch, spec, return_trace=True)
    plain = gradflow.state_grad_norms(params, batch, spec)
    np.testing.assert_array_equal(norms["c"], plain["c"])
    np.testing.assert_array_equal(trace.f, model.forward(params, batch, spec).trace.f)
