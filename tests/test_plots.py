"""Tests of lstm_lib.fonts and lstm_lib.plots."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import require  # noqa: E402

from lstm_lib import fonts, lstm, plots  # noqa: E402


def test_cjk_font_is_found_and_renders_without_missing_glyphs(recwarn):
    family = fonts.setup_cjk_font(quiet=True)
    if family is None:
        require("no CJK font on this machine: install fonts-noto-cjk (CI must)")
    assert fonts.cjk_available()
    fig, ax = plt.subplots()
    ax.set_title("遗忘门 f_t 与细胞状态 C_t")
    fig.canvas.draw()
    plt.close(fig)
    missing = [w for w in recwarn if "missing from font" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]
    assert fonts.label("法语", "French") == "法语"


def test_label_falls_back_to_gloss_without_cjk_font(monkeypatch):
    monkeypatch.setitem(fonts._state, "family", None)
    assert fonts.label("法语", "French") == "French"
    assert plots.token_labels(["我", "法国"], ["I", "France"]) == ["I", "France"]
    with pytest.raises(ValueError, match="glosses must have one entry per token"):
        plots.token_labels(["我"], ["I", "x"])


def test_setup_warns_once_with_install_hint(monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    monkeypatch.setitem(fonts._state, "warned", False)
    with pytest.warns(UserWarning, match="apt-get install fonts-noto-cjk"):
        assert fonts.setup_cjk_font() is None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fonts.setup_cjk_font()  # second call: silent


def test_gate_heatmaps_and_curves():
    p = lstm.init_params(3, 4, seed=0)
    tr = lstm.forward(np.random.default_rng(0).normal(size=(2, 5, 3)), p)
    fig, axes = plots.gate_heatmaps(tr, list("abcde"), n=1, units=[0, 2])
    assert len(axes) == 3
    np.testing.assert_array_equal(axes[1].images[0].get_array(), tr.f[1][:, [0, 2]].T)
    plt.close(fig)
    fig, ax = plt.subplots()
    lines = plots.decay_curves(ax, {"a": np.geomspace(1, 1e-8, 10), "b": np.zeros(10)})
    assert ax.get_yscale() == "log" and len(lines) == 2
    assert np.all(lines[1].get_ydata() > 0)
    line = plots.mean_with_spread(ax, [1, 2, 3], [[0, 1, 2], [2, 3, 4]])
    np.testing.assert_array_equal(line.get_ydata(), [1, 2, 3])
    with pytest.raises(ValueError, match=r"runs must have shape \(S, 3\)"):
        plots.mean_with_spread(ax, [1, 2, 3], [[0, 1]])
    with pytest.raises(ValueError, match="tokens must have one entry per column"):
        plots.token_heatmap(ax, np.zeros((2, 3)), ["a"])
    plt.close(fig)
