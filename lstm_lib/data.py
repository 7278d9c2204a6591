"""Generated, seeded data for the book's experiments (nothing is downloaded).

1. The 法国 → 法语 task. A sentence names a country early, then ``filler_len`` neutral
   words follow, then the question; the model must answer the matching language:

       我 在 法国 长大 ， <filler_len filler words> 我 能 说 一口 流利 的   →  法语

   T = filler_len + 11 tokens; the country is always token 2.
2. The "new subject" variant (the textbook's 她 example). With probability ``p_second`` a
   clause ``但 她 在 <country2> 长大 ，`` replaces six filler words at a random place, the
   question becomes ``她 能 说 一口 流利 的`` and the answer is country2's language: the
   model must forget the first country. T stays filler_len + 11.
3. The adding problem of Hochreiter & Schmidhuber (1997, "Long short-term memory",
   Neural Computation 9(8), Sec. 5.4, Experiment 4); see ``adding_batch``.

Every generator takes ``rng``: an int seed, a ``np.random.Generator`` or None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import _checks

# (country, language, English gloss of the country, of the language)
LANGUAGE_PAIRS = (
    ("法国", "法语", "France", "French"),
    ("德国", "德语", "Germany", "German"),
    ("日本", "日语", "Japan", "Japanese"),
    ("西班牙", "西班牙语", "Spain", "Spanish"),
    ("俄罗斯", "俄语", "Russia", "Russian"),
    ("意大利", "意大利语", "Italy", "Italian"),
)
COUNTRIES = tuple(p[0] for p in LANGUAGE_PAIRS)
LANGUAGES = tuple(p[1] for p in LANGUAGE_PAIRS)

_FRAME = (("我", "I"), ("她", "she"), ("在", "in"), ("长大", "grew up"), ("，", ","),
          ("但", "but"), ("能", "can"), ("说", "speak"), ("一口", "a (mouthful of)"),
          ("流利", "fluent"), ("的", "(particle de)"))
# Neutral words: no pronoun, country, language or city abroad, so they never change the answer.
_FILLER = (("后来", "later"), ("搬到", "moved to"), ("北京", "Beijing"), ("上海", "Shanghai"),
           ("工作", "work"), ("了", "(particle le)"), ("很多", "many"), ("年", "year(s)"),
           ("每天", "every day"), ("都", "all"), ("很", "very"), ("忙", "busy"),
           ("周末", "weekend"), ("喜欢", "like"), ("看书", "read"), ("朋友", "friend(s)"),
           ("一起", "together"), ("吃饭", "have a meal"), ("天气", "weather"),
           ("不错", "not bad"), ("公司", "company"), ("附近", "nearby"), ("有", "have"),
           ("一家", "a (shop)"), ("咖啡馆", "cafe"), ("也", "also"), ("经常", "often"),
           ("去", "go"), ("学习", "study"), ("音乐", "music"), ("跑步", "running"),
           ("城市", "city"), ("生活", "life"), ("现在", "now"), ("还", "still"))
FILLER_WORDS = tuple(w for w, _ in _FILLER)


@dataclass(frozen=True)
class Vocab:
    """Token ids ↔ Chinese words, with an English gloss for every word.

    tokens: tuple of V words; id k is ``tokens[k]``.  glosses: tuple of V English glosses.
    """

    tokens: tuple
    glosses: tuple
    ids: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if len(self.tokens) != len(self.glosses) or len(set(self.tokens)) != len(self.tokens):
            raise ValueError("tokens must be unique and have one gloss each")
        object.__setattr__(self, "ids", {t: k for k, t in enumerate(self.tokens)})

    def __len__(self):
        return len(self.tokens)

    def encode(self, words):
        """Words (a list of strings, or one space-separated string) → (T,) int64 ids."""
        if isinstance(words, str):
            words = words.split()
        unknown = [w for w in words if w not in self.ids]
        if unknown:
            raise ValueError(f"words must be in the vocabulary, got unknown words {unknown}")
        return np.array([self.ids[w] for w in words], dtype=np.int64)

    def decode(self, ids, gloss=False):
        """(T,) integer ids → list of T words (their English glosses with ``gloss=True``)."""
        words = self.glosses if gloss else self.tokens
        return [words[k] for k in _token_ids("ids", ids, len(self), ndim=1)]

    def gloss(self, word):
        """English gloss of one word (a string) or of one id (an int)."""
        if isinstance(word, (int, np.integer)):
            return self.glosses[int(_token_ids("word", np.array([word]), len(self))[0])]
        if word not in self.ids:
            raise ValueError(f"word must be in the vocabulary, got {word!r}")
        return self.glosses[self.ids[word]]


VOCAB = Vocab(
    tokens=tuple(w for w, _ in _FRAME) + COUNTRIES + LANGUAGES + FILLER_WORDS,
    glosses=tuple(g for _, g in _FRAME) + tuple(p[2] for p in LANGUAGE_PAIRS)
    + tuple(p[3] for p in LANGUAGE_PAIRS) + tuple(g for _, g in _FILLER),
)
_PREFIX = VOCAB.encode("我 在 法国 长大 ，")  # token 2 is replaced by the country
_QUESTION = VOCAB.encode("我 能 说 一口 流利 的")  # token 0 becomes 她 after a second subject
_CLAUSE = VOCAB.encode("但 她 在 法国 长大 ，")  # token 3 is replaced by the second country
COUNTRY_POS = 2


class TextBatch(NamedTuple):
    """A batch of sentences of the language tasks.

    tokens: (N, T) int64 word ids (see ``VOCAB``).  y: (N,) int64 index into ``LANGUAGES``.
    country_pos: (N,) int64 position of the first country (always 2).
    second_pos: (N,) int64 position of the second country, -1 where there is none.
    The answer is decided by ``second_pos`` where it is >= 0, else by ``country_pos``.
    """

    tokens: np.ndarray
    y: np.ndarray
    country_pos: np.ndarray
    second_pos: np.ndarray


class AddingBatch(NamedTuple):
    """A batch of the adding problem.

    x: (N, T, 2) float, x[..., 0] the values in [-1, 1], x[..., 1] the markers (-1, 0, 1).
    y: (N,) float target 0.5 + (X1 + X2) / 4.  marked: (N, 2) int64 positions of X1, X2.
    """

    x: np.ndarray
    y: np.ndarray
    marked: np.ndarray


def _token_ids(name, ids, V, ndim=None):
    arr = np.asarray(ids)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of token ids, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ValueError(f"{name} must lie in [0, {V}), got values in [{arr.min()}, {arr.max()}]")
    return arr


def _n_languages(value):
    value = len(LANGUAGE_PAIRS) if value is None else value
    if not isinstance(value, (int, np.integer)) or not 2 <= value <= len(LANGUAGE_PAIRS):
        raise ValueError(
            f"n_languages must be an integer in [2, {len(LANGUAGE_PAIRS)}], got "
            f"{value!r}"
        )
    return int(value)


def _sentences(c1, filler, c2, start):
    """Assemble (N, T) token ids. c1: (N,) country index; filler: (N, L) ids; c2, start:
    (N,) second country index and clause offset inside the filler, c2 = -1 for none."""
    N, L = filler.shape
    tokens = np.concatenate([np.tile(_PREFIX, (N, 1)), filler, np.tile(_QUESTION, (N, 1))], axis=1)
    tokens[:, COUNTRY_POS] = VOCAB.ids[COUNTRIES[0]] + c1
    second_pos = np.full(N, -1, dtype=np.int64)
    for n in np.flatnonzero(c2 >= 0):
        s = len(_PREFIX) + start[n]
        tokens[n, s : s + len(_CLAUSE)] = _CLAUSE
        second_pos[n] = s + 3
        tokens[n, second_pos[n]] = VOCAB.ids[COUNTRIES[0]] + c2[n]
        tokens[n, len(_PREFIX) + L] = VOCAB.ids["她"]
    y = np.where(c2 >= 0, c2, c1).astype(np.int64)
    return TextBatch(tokens, y, np.full(N, COUNTRY_POS, dtype=np.int64), second_pos)


def france_batch(n, filler_len, *, rng=None, n_languages=None):
    """N sentences of the 法国 → 法语 task, each with exactly ``filler_len`` filler words.

    Args:
        n: number of sentences N >= 1.  filler_len: L >= 0; every sentence has T = L + 11.
        rng: int seed, np.random.Generator or None.
        n_languages: use the first K of ``LANGUAGE_PAIRS`` (2..6, default all 6).

    Returns:
        TextBatch with tokens (N, T), y (N,), country_pos (N,) all 2, second_pos (N,) all -1.
    """
    return she_batch(n, filler_len, p_second=0.0, rng=rng, n_languages=n_languages)


def she_batch(n, filler_len, *, p_second=0.5, rng=None, n_languages=None):
    """N sentences of the "new subject" variant (the textbook's 她 example).

    With probability ``p_second`` a sentence gets the clause 但 她 在 <country2> 长大 ，
    (country2 differs from the first country) at a uniformly random place inside the
    filler, and its answer is country2's language; otherwise it is a 法国-task sentence.

    Args:
        n: N >= 1.  filler_len: L >= 6 when p_second > 0 (the clause takes 6 filler slots).
        p_second: probability in [0, 1].  rng, n_languages: as in ``france_batch``.

    Returns:
        TextBatch: tokens (N, L + 11), y (N,), country_pos (N,), second_pos (N,) (-1: none).
    """
    n = _checks.integer("n", n, 1)
    L = _checks.integer("filler_len", filler_len, 0)
    K = _n_languages(n_languages)
    if not np.isscalar(p_second) or not 0.0 <= p_second <= 1.0:
        raise ValueError(f"p_second must be a probability in [0, 1], got {p_second!r}")
    if p_second > 0 and L < len(_CLAUSE):
        raise ValueError(f"filler_len must be >= {len(_CLAUSE)} when p_second > 0, got {L}")
    rng = np.random.default_rng(rng)
    c1 = rng.integers(K, size=n)
    filler = rng.choice(VOCAB.encode(FILLER_WORDS), size=(n, L))
    c2 = np.full(n, -1)
    start = np.zeros(n, dtype=np.int64)
    if p_second > 0:
        second = rng.random(n) < p_second
        c2 = np.where(second, (c1 + rng.integers(1, K, size=n)) % K, -1)
        start = rng.integers(0, L - len(_CLAUSE) + 1, size=n)
    return _sentences(c1, filler, c2, start)


def make_sentence(country="法国", filler_len=10, *, seed=0, second_country=None, second_pos=None):
    """One specific sentence, for a chapter's walk-through (a batch of N = 1).

    Args:
        country: one of ``COUNTRIES``.  filler_len: L >= 0.  seed: seeds the filler words.
        second_country: None, or a country of ``COUNTRIES`` other than ``country`` for the
            她 clause.  second_pos: position of the second country in the sentence, in
            [8, L + 2]; default: the clause sits in the middle of the filler.

    Returns:
        TextBatch with tokens (1, L + 11) and the fields as in ``she_batch``.
    """
    L = _checks.integer("filler_len", filler_len, 0)
    if country not in COUNTRIES:
        raise ValueError(f"country must be one of {COUNTRIES}, got {country!r}")
    filler = np.random.default_rng(seed).choice(VOCAB.encode(FILLER_WORDS), size=(1, L))
    c2, start = np.array([-1]), np.array([0])
    if second_country is not None:
        if second_country not in COUNTRIES or second_country == country:
            raise ValueError(f"second_country must be one of {COUNTRIES} other than {country!r}, "
                             f"got {second_country!r}")
        if L < len(_CLAUSE):
            raise ValueError(f"filler_len must be >= {len(_CLAUSE)} with a second country, got {L}")
        lo, hi = len(_PREFIX) + 3, L + 2
        pos = lo + (L - len(_CLAUSE)) // 2 if second_pos is None else second_pos
        if not isinstance(pos, (int, np.integer)) or not lo <= pos <= hi:
            raise ValueError(f"second_pos must be an integer in [{lo}, {hi}], got {second_pos!r}")
        c2, start = np.array([COUNTRIES.index(second_country)]), np.array([pos - lo])
    elif second_pos is not None:
        raise ValueError(
            "second_pos needs second_country, got second_country=None and "
            f"second_pos={second_pos!r}"
        )
    return _sentences(np.array([COUNTRIES.index(country)]), filler, c2, start)


def render(tokens, sep=" ", gloss=False):
    """Text of sentences: (T,) ids → one string; (N, T) ids → list of N strings.

    ``gloss=True`` writes the English glosses instead of the Chinese words.
    """
    ids = _token_ids("tokens", tokens, len(VOCAB))
    if ids.ndim == 2:
        return [render(row, sep, gloss) for row in ids]
    if ids.ndim != 1:
        raise ValueError(f"tokens must have shape (T,) or (N, T), got {ids.shape}")
    words = VOCAB.glosses if gloss else VOCAB.tokens
    return sep.join(words[k] for k in ids)


def adding_batch(n, T, *, rng=None, dtype=np.float64):
    """N sequences of the adding problem (Hochreiter & Schmidhuber 1997, Sec. 5.4).

    Each step is a pair (value, marker). Values are uniform in [-1, 1]. Exactly two pairs are
    marked with 1: the first (value X1) uniformly among the first 10 pairs, the second (X2)
    uniformly among the first T/2 - 1 still unmarked pairs. Every other marker is 0, except
    the first and the last pair's, which are -1. X1 is set to 0 when the first pair is the
    marked one, as in the paper. Target: 0.5 + (X1 + X2) / 4, in [0, 1]. A marked first
    pair carries the marker 1 (it is marked, not one of "the remaining pairs"); the paper
    gives no rule for X2 landing there (probability 0.9 / (T/2 - 1)), so X2 is kept.

    Simplification: the paper draws each sequence's length from [T, T + T/10]; here every
    sequence has exactly T steps, so a batch is one array.

    Always answering 0.5 gives MSE = E[(X1 + X2)^2] / 16 = (0.9/3 + 1/3) / 16 = 19/480
    ≈ 0.0396 (the often quoted 1/24 ≈ 0.0417 ignores that X1 = 0 in 1 case out of 10).

    Args:
        n: N >= 1.  T: sequence length >= 11 (the first 10 pairs and the last must differ).
        rng: int seed, np.random.Generator or None.  dtype: float dtype of x and y.

    Returns:
        AddingBatch with x (N, T, 2), y (N,), marked (N, 2).
    """
    n = _checks.integer("n", n, 1)
    T = _checks.integer("T", T, 11)
    rng = np.random.default_rng(rng)
    values = rng.uniform(-1.0, 1.0, size=(n, T))
    p1 = rng.integers(0, 10, size=n)
    j = rng.integers(0, T // 2 - 1, size=n)  # index among the unmarked pairs 0, 1, ... (p1 skipped)
    p2 = np.where(j < p1, j, j + 1)
    rows = np.arange(n)
    values[rows[p1 == 0], 0] = 0.0
    markers = np.zeros((n, T))
    markers[:, 0] = markers[:, -1] = -1.0
    markers[rows, p1] = markers[rows, p2] = 1.0
    y = 0.5 + (values[rows, p1] + values[rows, p2]) / 4.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    return AddingBatch(x, y.astype(dtype), np.stack([p1, p2], axis=1).astype(np.int64))


ADDING_BASELINE_MSE = 19.0 / 480.0
