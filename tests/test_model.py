"""Tests of lstm_lib.model and lstm_lib.losses: exact gradients, variants, dtypes, errors."""

import warnings

import numpy as np
import pytest

from lstm_lib import data, gradcheck, losses, model

TOL = 1e-7  # relative error of analytic vs central-difference gradients in float64


def text_model(cell="lstm", variant="full", seed=0, dtype=np.float64, H=5):
    return model.init_model(cell, hidden_size=H, output_size=len(data.LANGUAGES),
                            vocab_size=len(data.VOCAB), embed_size=3, variant=variant,
                            seed=seed, dtype=dtype)


def assert_grads_exact(params, batch, spec, gates=None):
    loss, grads, _ = model.loss_and_grads(params, batch, spec, gates)
    assert set(grads) == set(params)
    errors = gradcheck.check_grads(lambda: model.loss_and_grads(params, batch, spec, gates)[0],
                                   params, grads, eps=1e-5)
    assert max(errors.values()) < TOL, errors
    return grads


# --------------------------------------------------------------------------- losses


def test_cross_entropy_gradient_and_value():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    loss, dz = losses.softmax_cross_entropy(z, y)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(6), y])), rel=1e-12)
    num = gradcheck.numerical_grad(lambda: losses.softmax_cross_entropy(z, y)[0], {"z": z}, "z")
    assert gradcheck.rel_error(dz, num) < TOL


def test_mse_gradient_and_value():
    rng = np.random.default_rng(1)
    pred, target = rng.standard_normal(7), rng.standard_normal(7)
    loss, dp = losses.mse(pred, target)
    assert loss == pytest.approx(np.mean((pred - target) ** 2), rel=1e-12)
    num = gradcheck.numerical_grad(lambda: losses.mse(pred, target)[0], {"p": pred}, "p")
    assert gradcheck.rel_error(dp, num) < TOL


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dz = losses.softmax_cross_entropy(z, np.array([1, 2]))
        probs = losses.softmax(z.astype(np.float32))
    assert loss == pytest.approx((2000.0 + np.log1p(np.exp(-1000.0) + np.exp(-2000.0))
                                  + np.log1p(2 * np.exp(-1.0))) / 2)
    assert np.all(np.isfinite(dz)) and np.allclose(probs.sum(axis=1), 1.0)
    assert probs.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError,
         r"y must lie in \[0, 3\), got values in \[0, 3\]"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError,
         "y must be an integer array"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0])), ValueError,
         r"y must have shape \(2,\), got \(1,\)"),
        (lambda: losses.softmax_cross_entropy(np.zeros(3), np.array([0])), ValueError,
         "logits must have 2 dimensions"),
        (lambda: losses.softmax_cross_entropy(np.array([[np.nan, 0.0]]), np.array([0])),
         ValueError, "logits must be finite"),
        (lambda: losses.mse(np.zeros(3), np.zeros(4)), ValueError,
         r"target must have shape \(3,\)"),
        (lambda: losses.mse(np.zeros(0), np.zeros(0)), ValueError, "at least one entry"),
    ],
)
def test_losses_reject_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize(("cell", "variant"),
                         [("lstm", v) for v in model.VARIANTS] + [("rnn", "full")])
def test_every_variant_backward_matches_central_differences(cell, variant):
    batch = data.she_batch(4, 7, p_second=0.5, rng=2)
    params, spec = text_model(cell, variant, seed=3)
    grads = assert_grads_exact(params, batch, spec)
    H = params["Wh"].shape[0]
    block = {"nfg": 1, "nig": 0, "nog": 3, "cifg": 1}.get(variant)
    if block is not None:  # the block of a removed gate gets exactly zero gradient
        for key in ("Wx", "Wh", "b"):
            assert not np.any(grads[key][..., block * H : (block + 1) * H])


def test_embedding_gradient_only_touches_seen_tokens():
    batch = data.france_batch(3, 4, rng=4)
    params, spec = text_model(seed=5)
    grads = assert_grads_exact(params, batch, spec)
    unseen = np.setdiff1d(np.arange(len(data.VOCAB)), batch.tokens)
    assert not np.any(grads["emb"][unseen]) and np.any(grads["emb"][batch.tokens[0, 2]])


def test_gate_override_on_top_of_variant_is_exact():
    batch = data.france_batch(3, 5, rng=6)
    params, spec = text_model(variant="nog", seed=7)
    mask = np.random.default_rng(0).uniform(size=(1, 16, 5))
    assert_grads_exact(params, batch, spec, gates={"f": mask})


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_regression_model_on_adding_problem_is_exact(cell):
    batch = data.adding_batch(4, 12, rng=8)
    params, spec = model.init_model(cell, hidden_size=4, output_size=1, input_size=2,
                                    loss="mse", seed=9)
    assert set(params) == {"Wx", "Wh", "b", "Wy", "by"}
    assert_grads_exact(params, batch, spec)


# --------------------------------------------------------------------------- forward, variants


def test_forward_returns_the_lstm_trace_and_probabilities():
    s = data.make_sentence("日本", 6, seed=1)
    params, spec = text_model(seed=2)
    out = model.forward(params, s, spec, gates={"f": 1.0})
    T = s.tokens.shape[1]
    assert out.probs.shape == (1, len(data.LANGUAGES)) and out.probs.sum() == pytest.approx(1.0)
    assert out.trace.c.shape == (1, T, 5) and np.all(out.trace.f == 1.0)
    # with f forced to 1 the cell state is the running sum of i * C~
    np.testing.assert_allclose(out.trace.c[0], np.cumsum(out.trace.i[0] * out.trace.g[0], axis=0),
                               rtol=1e-12, atol=1e-12)
    again = model.forward(params, s.tokens, spec, gates={"f": 1.0})
    assert np.array_equal(again.logits, out.logits)


@pytest.mark.parametrize(("variant", "gate"), [("nfg", "f"), ("nig", "i"), ("nog", "o")])
def test_variants_force_their_gate_open(variant, gate):
    params, spec = text_model(variant=variant)
    trace = model.forward(params, data.france_batch(2, 3, rng=0), spec).trace
    assert np.all(getattr(trace, gate) == 1.0)
    assert not np.all(trace.f == 1.0) or gate == "f"


def test_cifg_couples_forget_to_input():
    params, spec = text_model(variant="cifg")
    trace = model.forward(params, data.france_batch(2, 3, rng=0), spec).trace
    np.testing.assert_allclose(trace.f, 1.0 - trace.i, atol=1e-15)


def test_predict():
    params, spec = text_model(seed=1)
    batch = data.france_batch(9, 2, rng=1)
    pred = model.predict(params, batch, spec)
    assert pred.shape == (9,) and pred.dtype.kind == "i"
    assert np.array_equal(pred, model.forward(params, batch, spec).probs.argmax(axis=1))
    params, spec = model.init_model("rnn", hidden_size=3, output_size=1, input_size=2, loss="mse")
    assert model.predict(params, data.adding_batch(5, 11, rng=0), spec).shape == (5,)


def test_float32_runs_and_agrees_with_float64():
    batch = data.she_batch(6, 10, rng=3)
    p64, spec = text_model(seed=4)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    l64, g64, _ = model.loss_and_grads(p64, batch, spec)
    l32, g32, info = model.loss_and_grads(p32, batch, spec)
    assert info["logits"].dtype == np.float32 and l32 == pytest.approx(l64, rel=1e-5)
    for k in p64:
        assert g32[k].dtype == np.float32
        assert gradcheck.rel_error(g32[k], g64[k]) < 1e-5, k


def test_state_grads_are_returned_on_request():
    params, spec = text_model()
    batch = data.france_batch(2, 4, rng=0)
    _, _, info = model.loss_and_grads(params, batch, spec, state_grads=True)
    assert info["dh"].shape == info["dc"].shape == (2, 15, 5)


def test_init_options():
    p, _ = model.init_model("lstm", hidden_size=6, output_size=2, input_size=3, forget_bias=5.0,
                            input_bias=-2.0, recurrent_init="orthogonal", seed=0)
    assert np.all(p["b"][:6] == -2.0) and np.all(p["b"][6:12] == 5.0) and not np.any(p["b"][12:])
    for k in range(4):
        block = p["Wh"][:, 6 * k : 6 * (k + 1)]
        np.testing.assert_allclose(block.T @ block, np.eye(6), atol=1e-12)
    r, _ = model.init_model("rnn", hidden_size=6, output_size=2, input_size=3,
                            recurrent_init="orthogonal", seed=0)
    assert np.max(np.abs(np.linalg.eigvals(r["Wh"]))) == pytest.approx(1.0)
    small, _ = model.init_model(hidden_size=4, output_size=2, vocab_size=2000, embed_size=8,
                                embed_std=0.5, seed=0, dtype=np.float32)
    assert small["emb"].std() == pytest.approx(0.5, rel=0.05)
    assert all(v.dtype == np.float32 for v in small.values())
    with pytest.raises(ValueError, match="recurrent_init must be 'uniform' or 'orthogonal'"):
        model.init_model(hidden_size=2, output_size=2, input_size=1, recurrent_init="eye")


# --------------------------------------------------------------------------- errors


def _errors():
    p, spec = text_model()
    rp, rspec = text_model("rnn")
    np_, nspec = text_model(variant="nfg")
    b = data.france_batch(2, 3, rng=0)
    wrong = {**p, "extra": p["by"]}
    return [
        (lambda: model.init_model("gru", hidden_size=2, output_size=2, input_size=1), ValueError,
         r"spec.cell must be one of \['lstm', 'rnn'\], got 'gru'"),
        (lambda: model.init_model(variant="peephole", hidden_size=2, output_size=2, input_size=1),
         ValueError, "spec.variant must be one of"),
        (lambda: model.init_model("rnn", variant="nfg", hidden_size=2, output_size=2, input_size=1),
         ValueError, r"\['full'\] for cell 'rnn', got 'nfg'"),
        (lambda: model.init_model(hidden_size=2, output_size=2, input_size=1, vocab_size=5,
                                  embed_size=2), ValueError, "give either vocab_size"),
        (lambda: model.init_model(hidden_size=2, output_size=3, input_size=1, loss="mse"),
         ValueError, "output_size must be 1 with loss='mse', got 3"),
        (lambda: model.init_model(hidden_size=2, output_size=2, input_size=1, loss="hinge"),
         ValueError, "spec.loss must be one of"),
        (lambda: model.forward(p, b.tokens.astype(float), spec), TypeError,
         "inputs must be integer token ids"),
        (lambda: model.forward(p, b.tokens[0], spec), ValueError,
         r"inputs must have shape \(N, T\)"),
        (lambda: model.forward(p, b.tokens + 100, spec), ValueError, r"token ids in \[0, "),
        (lambda: model.forward(wrong, b, spec), ValueError, r"unknown \['extra'\]"),
        (lambda: model.forward(p, b, "lstm"), TypeError, "spec must be a ModelSpec, got str"),
        (lambda: model.forward(rp, b, rspec, gates={"f": 1.0}), ValueError,
         "gates only apply to cell 'lstm'"),
        (lambda: model.forward(np_, b, nspec, gates={"f": 0.5}), ValueError,
         r"must not override gates fixed by variant 'nfg', got \['f'\]"),
        (lambda: model.forward(p, b, spec, gates={"f": 1.5}), ValueError, r"\[0, 1\]"),
        (lambda: model.loss_and_grads(p, b.tokens, spec), TypeError, "batch must carry targets"),
        (lambda: model.loss_and_grads(p, b._replace(y=b.y[:1]), spec), ValueError,
         "y must have shape"),
    ]


@pytest.mark.parametrize(("call", "exc", "match"), _errors())
def test_model_rejects_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
