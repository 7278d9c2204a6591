"""Tests of lstm_lib.data: the language tasks and the adding problem."""

import numpy as np
import pytest

from lstm_lib import data

V = data.VOCAB
COUNTRY_IDS = V.encode(data.COUNTRIES)
FILLER_IDS = set(V.encode(data.FILLER_WORDS).tolist())


def test_vocab_has_a_gloss_for_every_word_and_round_trips():
    assert len(V.tokens) == len(V.glosses) == len(set(V.tokens))
    assert all(isinstance(g, str) and g for g in V.glosses)
    assert V.gloss("法国") == "France" and V.gloss("法语") == "French"
    assert V.gloss(int(V.ids["意大利语"])) == "Italian"
    words = "我 在 法国 长大 ， 我 能 说 一口 流利 的".split()
    ids = V.encode(words)
    assert ids.dtype == np.int64 and V.decode(ids) == words
    assert V.decode(V.encode(" ".join(words))) == words
    assert V.decode(V.encode("我 在 法国"), gloss=True) == ["I", "in", "France"]
    for country, language, _, _ in data.LANGUAGE_PAIRS:
        assert country in V.ids and language in V.ids


def test_filler_words_are_neutral():
    special = set(data.COUNTRIES) | set(data.LANGUAGES) | {"我", "她", "在", "长大", "但"}
    assert not special & set(data.FILLER_WORDS)


def test_vocab_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown words"):
        V.encode(["法国", "火星"])
    with pytest.raises(TypeError, match="ids"):
        V.decode(np.array([0.5]))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, "):
        V.decode(np.array([len(V)]))
    with pytest.raises(ValueError, match="word"):
        V.gloss("火星")


@pytest.mark.parametrize("L", [0, 5, 40])
def test_france_batch_structure(L):
    b = data.france_batch(200, L, rng=3)
    N, T = b.tokens.shape
    assert (N, T) == (200, L + 11) and b.tokens.dtype == np.int64 and b.y.dtype == np.int64
    assert np.all(b.country_pos == 2) and np.all(b.second_pos == -1)
    country = b.tokens[:, 2]
    assert np.all(np.isin(country, COUNTRY_IDS))
    # the answer is the language of the country named at position 2
    assert np.array_equal(b.y, country - COUNTRY_IDS[0])
    for n in range(N):
        words = V.decode(b.tokens[n])
        assert words[:5] == ["我", "在", data.COUNTRIES[b.y[n]], "长大", "，"]
        assert words[-6:] == "我 能 说 一口 流利 的".split()
        assert set(b.tokens[n, 5 : 5 + L].tolist()) <= FILLER_IDS
    assert len(set(b.y.tolist())) == len(data.LANGUAGES)


def test_france_batch_is_seeded():
    a, b = data.france_batch(16, 10, rng=7), data.france_batch(16, 10, rng=7)
    c = data.france_batch(16, 10, rng=8)
    assert np.array_equal(a.tokens, b.tokens) and not np.array_equal(a.tokens, c.tokens)
    assert data.france_batch(500, 0, rng=0, n_languages=2).y.max() == 1


def test_she_batch_follows_the_most_recent_country():
    L, p = 20, 0.4
    b = data.she_batch(4000, L, p_second=p, rng=1)
    second = b.second_pos >= 0
    # the share of sentences with a second subject is p (4 standard errors)
    assert abs(second.mean() - p) < 4 * np.sqrt(p * (1 - p) / 4000)
    first = b.tokens[:, 2] - COUNTRY_IDS[0]
    rows = np.flatnonzero(second)
    later = b.tokens[rows, b.second_pos[rows]] - COUNTRY_IDS[0]
    assert np.array_equal(b.y[~second], first[~second])
    assert np.array_equal(b.y[rows], later)
    assert np.all(later != first[rows])
    # the clause is 但 她 在 <country> 长大 ， and the question starts with 她
    clause = V.encode("但 她 在".split())
    for n in rows[:50]:
        s = b.second_pos[n]
        assert np.array_equal(b.tokens[n, s - 3 : s], clause)
        assert V.decode(b.tokens[n, s + 1 : s + 3]) == ["长大", "，"]
        assert V.decode(b.tokens[n, -6:])[0] == "她"
    # its position varies over the whole allowed range [8, L + 2]
    assert b.second_pos[rows].min() == 8 and b.second_pos[rows].max() == L + 2
    assert not np.any(b.tokens[~second] == V.ids["她"])


def test_she_batch_extremes():
    assert np.all(data.she_batch(50, 6, p_second=1.0, rng=0).second_pos == 8)
    assert np.all(data.she_batch(50, 6, p_second=0.0, rng=0).second_pos == -1)


def test_make_sentence():
    s = data.make_sentence("德国", 8, seed=2)
    assert s.tokens.shape == (1, 19) and data.LANGUAGES[s.y[0]] == "德语"
    assert data.render(s.tokens[0], sep="").startswith("我在德国长大，")
    assert data.render(s.tokens[0], gloss=True).startswith("I in Germany grew up ,")
    assert np.array_equal(s.tokens, data.make_sentence("德国", 8, seed=2).tokens)
    t = data.make_sentence("法国", 12, second_country="意大利", second_pos=14)
    assert t.second_pos[0] == 14 and V.decode(t.tokens[0])[14] == "意大利"
    assert data.LANGUAGES[t.y[0]] == "意大利语"
    assert data.render(t.tokens) == [data.render(t.tokens[0])]


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: data.france_batch(0, 5), ValueError, "n must be an integer >= 1, got 0"),
        (lambda: data.france_batch(4, -1), ValueError, "filler_len must be an integer >= 0"),
        (lambda: data.france_batch(4, 2.5), ValueError, "filler_len"),
        (lambda: data.france_batch(4, 5, n_languages=7), ValueError, "n_languages"),
        (lambda: data.she_batch(4, 5, p_second=0.5), ValueError, "filler_len must be >= 6"),
        (lambda: data.she_batch(4, 9, p_second=1.5), ValueError, r"p_second .* got 1.5"),
        (lambda: data.make_sentence("火星", 5), ValueError, "country must be one of"),
        (lambda: data.make_sentence("法国", 9, second_country="法国"), ValueError,
         "second_country"),
        (lambda: data.make_sentence("法国", 9, second_country="日本", second_pos=4), ValueError,
         r"second_pos must be an integer in \[8, 11\], got 4"),
        (lambda: data.make_sentence("法国", 9, second_pos=9), ValueError,
         "second_pos needs second_country"),
        (lambda: data.render(np.zeros((1, 1, 2), int)), ValueError, "tokens must have shape"),
        (lambda: data.adding_batch(4, 10), ValueError, "T must be an integer >= 11, got 10"),
    ],
)
def test_bad_input_is_rejected(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adding_batch_follows_hochreiter_schmidhuber(dtype):
    N, T = 3000, 50
    b = data.adding_batch(N, T, rng=5, dtype=dtype)
    assert b.x.shape == (N, T, 2) and b.x.dtype == dtype and b.y.dtype == dtype
    values, markers = b.x[..., 0].astype(np.float64), b.x[..., 1]
    assert np.all(np.abs(values) <= 1)
    p1, p2 = b.marked[:, 0], b.marked[:, 1]
    assert np.all((0 <= p1) & (p1 < 10)) and np.all(p2 != p1)
    # X2 is one of the first T/2 - 1 pairs that are not already marked
    assert np.all(p2 <= T // 2 - 1) and np.all(p2 < T // 2 - 1 + (p1 < T // 2 - 1))
    rows = np.arange(N)
    assert np.all(markers[rows, p1] == 1) and np.all(markers[rows, p2] == 1)
    assert np.all((markers == 1).sum(axis=1) == 2)
    first_free = (p1 != 0) & (p2 != 0)
    assert np.all(markers[:, -1] == -1) and np.all(markers[first_free, 0] == -1)
    assert np.all(np.isin(markers, [-1.0, 0.0, 1.0]))
    assert np.all(values[p1 == 0, 0] == 0) and np.any(p1 == 0)
    y = 0.5 + (values[rows, p1] + values[rows, p2]) / 4
    np.testing.assert_allclose(b.y, y, rtol=0, atol=1e-6)
    assert np.all((0 <= b.y) & (b.y <= 1))
    # both marked positions are spread over their ranges
    assert set(p1.tolist()) == set(range(10)) and p2.max() >= T // 2 - 2


def test_adding_baseline_mse_is_19_over_480_not_1_over_24():
    """Answering 0.5 always: MSE = E[(X1 + X2)^2] / 16 with X1 = 0 when p1 = 0."""
    b = data.adding_batch(150_000, 50, rng=11)
    err2 = (b.y - 0.5) ** 2
    est, se = err2.mean(), err2.std() / np.sqrt(err2.size)
    assert abs(est - data.ADDING_BASELINE_MSE) < 4 * se
    assert abs(est - 1 / 24) > 10 * se  # the often-quoted 1/24 is measurably off
    # conditional on the drawn positions the expectation is exact: (1[p1 != 0] + 1) / 48
    cond = ((b.marked[:, 0] != 0) + 1.0) / 48.0
    assert abs(cond.mean() - data.ADDING_BASELINE_MSE) < 2e-4
