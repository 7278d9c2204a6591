"""Tests of lstm_lib.optim and lstm_lib.train: optimisers, clipping, the loop, learning."""

import numpy as np
import pytest

from lstm_lib import data, model, optim, train


def toy():
    rng = np.random.default_rng(0)
    params = {"a": rng.standard_normal((2, 3)), "b": rng.standard_normal(3)}
    grads = {"a": rng.standard_normal((2, 3)), "b": rng.standard_normal(3)}
    return params, grads


# --------------------------------------------------------------------------- optimisers


def test_adam_matches_algorithm_1_of_kingma_and_ba():
    params, grads = toy()
    ref = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in params.items()}
    state, lr, b1, b2, eps = None, 0.01, 0.9, 0.999, 1e-8
    for t in range(1, 4):
        g = {k: x * t for k, x in grads.items()}  # a different gradient each step
        state = optim.adam(params, g, state, lr=lr)
        for k in ref:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            mhat, vhat = m[k] / (1 - b1**t), v[k] / (1 - b2**t)
            ref[k] = ref[k] - lr * mhat / (np.sqrt(vhat) + eps)
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-13, atol=1e-15)
    assert state["t"] == 3


def test_sgd_with_and_without_momentum():
    params, grads = toy()
    p0 = {k: v.copy() for k, v in params.items()}
    optim.sgd(params, grads, lr=0.5)
    for k in params:
        np.testing.assert_allclose(params[k], p0[k] - 0.5 * grads[k])
    params = {k: v.copy() for k, v in p0.items()}
    state = optim.sgd(params, grads, lr=0.1, momentum=0.9)
    optim.sgd(params, grads, state, lr=0.1, momentum=0.9)
    for k in params:  # v1 = -0.1 g, v2 = 0.9 v1 - 0.1 g
        np.testing.assert_allclose(params[k], p0[k] - 0.1 * grads[k] - 0.19 * grads[k])


def test_clip_by_global_norm():
    _, grads = toy()
    norm = np.sqrt(sum((g**2).sum() for g in grads.values()))
    assert optim.global_norm(grads) == pytest.approx(norm)
    clipped, pre = optim.clip_by_global_norm(grads, norm / 4)
    assert pre == pytest.approx(norm)
    assert optim.global_norm(clipped) == pytest.approx(norm / 4)
    for k in grads:  # same direction, input untouched
        np.testing.assert_allclose(clipped[k], grads[k] / 4)
        assert clipped[k] is not grads[k]
    same, _ = optim.clip_by_global_norm(grads, norm * 2)
    for k in grads:
        np.testing.assert_array_equal(same[k], grads[k])
    g32 = {"w": np.full(4, 10.0, np.float32)}
    assert optim.clip_by_global_norm(g32, 1.0)[0]["w"].dtype == np.float32


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda p, g: optim.adam(p, {"a": g["a"]}), ValueError,
         r"grads must have the keys of params"),
        (lambda p, g: optim.adam(p, {**g, "a": g["b"]}), ValueError,
         r"grads\['a'\] must have shape \(2, 3\)"),
        (lambda p, g: optim.adam(p, g, lr=0), ValueError,
         "lr must be a positive finite number, got 0"),
        (lambda p, g: optim.adam(p, g, beta1=1.0), ValueError, r"beta1 must lie in \[0, 1\)"),
        (lambda p, g: optim.sgd(p, g, momentum=-0.1), ValueError, "momentum"),
        (lambda p, g: optim.sgd([1], g), TypeError, "params and grads must be dicts"),
        (lambda p, g: optim.clip_by_global_norm(g, -1.0), ValueError,
         "max_norm must be a positive"),
        (lambda p, g: optim.global_norm([1.0]), TypeError, "grads must be a dict"),
    ],
)
def test_optimisers_reject_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(*toy())


# --------------------------------------------------------------------------- fit


def small_model(seed=0):
    return model.init_model("lstm", hidden_size=8, output_size=len(data.LANGUAGES),
                            vocab_size=len(data.VOCAB), embed_size=4, seed=seed)


def stream(rng, n):
    return data.france_batch(n, 2, rng=rng)


def test_fit_is_seeded_does_not_modify_params_and_records_history():
    params, spec = small_model()
    before = {k: v.copy() for k, v in params.items()}
    ev = data.france_batch(50, 2, rng=99)
    p1, h1 = train.fit(params, spec, stream, steps=12, batch_size=8, eval_batch=ev, eval_every=5)
    p2, h2 = train.fit(params, spec, stream, steps=12, batch_size=8, eval_batch=ev, eval_every=5)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_array_equal(p1[k], p2[k])
        assert not np.array_equal(p1[k], before[k])
    assert h1["loss"] == h2["loss"] and len(h1["loss"]) == len(h1["grad_norm"]) == 12
    assert h1["eval_step"] == [5, 10, 12] and len(h1["eval_accuracy"]) == 3
    assert h1["steps"] == 12 and h1["solved_at"] is None and h1["seconds"] > 0
    _, h3 = train.fit(params, spec, stream, steps=12, batch_size=8, seed=1)
    assert h3["loss"] != h1["loss"]


def test_fit_records_the_norm_before_clipping_and_clips():
    params, spec = small_model()
    first = stream(np.random.default_rng(0), 8)
    _, grads, _ = model.loss_and_grads(params, first, spec)
    _, hist = train.fit(params, spec, stream, steps=1, batch_size=8, clip=1e-3, lr=0.1,
                        optimizer="sgd")
    assert hist["grad_norm"][0] == pytest.approx(optim.global_norm(grads))
    p_sgd, _ = train.fit(params, spec, stream, steps=1, batch_size=8, clip=1e-3, lr=0.1,
                         optimizer="sgd")
    step = {k: p_sgd[k] - params[k] for k in params}  # = -lr * clipped gradient
    assert optim.global_norm(step) == pytest.approx(0.1 * 1e-3)


def test_fit_on_a_fixed_training_set_visits_every_example_each_epoch(monkeypatch):
    params, spec = small_model()
    train_set = data.france_batch(24, 2, rng=5)
    seen, real = [], model.loss_and_grads

    def spy(params, batch, spec, gates=None, state_grads=False):
        seen.append(batch.tokens.copy())
        return real(params, batch, spec, gates, state_grads)

    monkeypatch.setattr(model, "loss_and_grads", spy)
    train.fit(params, spec, train_set, steps=3, batch_size=8)
    assert len(seen) == 3 and all(len(b) == 8 for b in seen)
    assert {tuple(r) for b in seen for r in b} == {tuple(r) for r in train_set.tokens}


def test_fit_stops_early_once_solved_and_shows_progress(capsys):
    params, spec = small_model(1)
    ev = data.france_batch(200, 0, rng=3)
    _, hist = train.fit(params, spec, lambda rng, n: data.france_batch(n, 0, rng=rng), steps=400,
                        batch_size=32, lr=3e-2, eval_batch=ev, eval_every=10,
                        target_accuracy=0.95, progress=True)
    assert hist["solved_at"] is not None and hist["steps"] == hist["solved_at"] < 400
    assert hist["eval_accuracy"][-1] >= 0.95
    assert "lstm (full)" in capsys.readouterr().err  # tqdm writes its bar to stderr


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(optimizer="rmsprop"), ValueError, r"optimizer must be one of \['adam', 'sgd'\]"),
        (dict(steps=0), ValueError, "steps must be a positive integer, got 0"),
        (dict(target_accuracy=0.9), ValueError, "need eval_batch"),
        (dict(train=[1, 2]), TypeError, "train must be a callable"),
        (dict(train=data.france_batch(4, 1, rng=0), batch_size=8), ValueError,
         "batch_size must be at most the training-set size 4, got 8"),
    ],
)
def test_fit_rejects_bad_input(kwargs, exc, match):
    params, spec = small_model()
    kwargs = {"train": stream, **kwargs}
    with pytest.raises(exc, match=match):
        train.fit(params, spec, kwargs.pop("train"), **kwargs)


def test_train_task_rejects_bad_input():
    with pytest.raises(ValueError, match="task must be one of"):
        train.train_task("poetry")
    with pytest.raises(ValueError, match=r"overrides must be among .* got \['hidden'\]"):
        train.train_task("france", hidden=3)
    with pytest.raises(ValueError, match="cell must be one of"):
        train.train_task("france", "gru")


def test_float32_training_runs_end_to_end():
    params, spec, hist = train.train_task("france", "lstm", filler_len=3, seed=0, steps=30,
                                          dtype=np.float32, eval_size=100)
    assert all(v.dtype == np.float32 for v in params.values())
    assert np.mean(hist["loss"][-5:]) < np.mean(hist["loss"][:5])


# --------------------------------------------------------------------------- learning


def test_lstm_remembers_the_country_over_40_filler_words_and_the_rnn_does_not():
    """The book's central claim, with the defaults of train_task (README: 10/10 seeds)."""
    _, _, lstm_hist = train.train_task("france", "lstm", filler_len=40, seed=0)
    _, _, rnn_hist = train.train_task("france", "rnn", filler_len=40, seed=0, steps=300)
    assert lstm_hist["test_accuracy"] >= 0.98
    assert rnn_hist["test_accuracy"] < 0.4  # chance is 1/6


def test_lstm_solves_adding_problem_and_tanh_rnn_does_not():
    """Issue 2: T = 50, 16 hidden units, at most 1,500 Adam steps."""
    _, spec, lstm_hist = train.train_task("adding", "lstm", T=50, seed=0, hidden_size=16,
                                          steps=1500, target_loss=1e-3)
    assert spec.loss == "mse" and lstm_hist["steps"] <= 1500
    assert lstm_hist["test_loss"] < 0.01
    _, _, rnn_hist = train.train_task("adding", "rnn", T=50, seed=0, hidden_size=16,
                                      steps=1500, target_loss=1e-3)
    assert rnn_hist["steps"] == 1500 and rnn_hist["test_loss"] > 0.03


def test_lstm_learns_to_forget_the_first_country_in_the_she_task():
    params, spec, hist = train.train_task("she", "lstm", filler_len=20, seed=0)
    test = data.she_batch(400, 20, p_second=0.5, rng=12345)
    pred = model.predict(params, test, spec)
    second = test.second_pos >= 0
    assert second.sum() > 150
    # right on the sentences where the answer is the second country, i.e. the first is dropped
    assert np.mean(pred[second] == test.y[second]) >= 0.95
    assert np.mean(pred[~second] == test.y[~second]) >= 0.95
