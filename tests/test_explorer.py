"""Tests of lstm_lib.explorer.static_explorer (the kernel-free form of a widget)."""

import base64
import re
import zlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstm_lib.explorer import redraw_ms, static_explorer  # noqa: E402


def _h(v):
    return zlib.crc32(str(v).encode())


def _render(**params):
    """A figure whose pixels depend on every parameter value."""
    fig, ax = plt.subplots(figsize=(2, 1.5))
    y = sum(_h(v) % 7 + 1 for v in params.values())
    ax.bar(range(len(params) + 1), [y] + [_h(v) % 5 + 1 for v in params.values()])
    return fig


def _frames(html):
    m = re.search(r'"frames": (\[.*?\])', html)
    assert m, "frames array missing"
    return re.findall(r'"([A-Za-z0-9+/=]+)"', m.group(1))


def test_one_png_per_combination_no_urls_and_figures_closed():
    before = set(plt.get_fignums())
    opts = {
        "forget": [("学习值", None), ("强制关闭 (0)", 0.0), ("强制打开 (1)", 1.0)],
        "rho": [0.5, 0.9, 1.5, 3.0],
    }
    out = static_explorer(_render, opts, labels={"forget": "遗忘门", "rho": "谱半径"})
    html = out.data
    frames = _frames(html)
    assert len(frames) == 3 * 4
    for f in frames:
        assert base64.b64decode(f)[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(set(frames)) > 1
    assert not re.search(r"https?://", html)
    assert "require" not in html
    assert set(plt.get_fignums()) == before
    # Chinese labels, a radio group for the 3 gate choices and a slider for the numbers
    assert "遗忘门" in html and "谱半径" in html and "强制关闭 (0)" in html
    assert html.count('type="radio"') == 3
    assert html.count('type="range"') == 1


def test_render_receives_every_combination_once():
    seen = []

    def render(a, b):
        seen.append((a, b))
        return _render(a=a, b=b)

    static_explorer(render, {"a": ["x", "y"], "b": [1, 2, 3]})
    assert sorted(seen) == sorted((a, b) for a in "xy" for b in (1, 2, 3))


def test_unique_ids_per_call():
    a = static_explorer(_render, {"a": ["甲", "乙"]}).data
    b = static_explorer(_render, {"a": ["甲", "乙"]}).data
    ida = re.search(r'id="(lstm-explorer-[^"]+)"', a).group(1)
    idb = re.search(r'id="(lstm-explorer-[^"]+)"', b).group(1)
    assert ida != idb


def test_many_labels_use_a_select_and_initial_is_honoured():
    vals = ["一", "二", "三", "四", "五"]
    html = static_explorer(_render, {"n": vals}, initial={"n": "三"}).data
    assert "<select" in html
    assert '<option value="2" selected>三</option>' in html
    assert 'data-index="2"' in html


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(render=42, options={"a": [1]}), TypeError, ["render", "int"]),
        (dict(options=[("a", [1])]), TypeError, ["options", "list"]),
        (dict(options={}), ValueError, ["options", "empty"]),
        (dict(options={"a": []}), ValueError, ["options['a']", "empty"]),
        (dict(options={"a": "abc"}), TypeError, ["options['a']", "str"]),
        (dict(options={"not valid": [1]}), ValueError, ["keyword", "'not valid'"]),
        (dict(options={"a": [1, 1.0]}), ValueError, ["distinct"]),
        (dict(options={"a": [float("nan")]}), ValueError, ["finite", "nan"]),
        (dict(options={"a": [1]}, dpi=0), ValueError, ["dpi", "0"]),
        (dict(options={"a": list(range(10)), "b": list(range(10))}), ValueError,
         ["100 combinations", "max_frames=64"]),
        (dict(options={"a": [1]}, labels={"b": "乙"}), ValueError, ["labels", "'b'"]),
        (dict(options={"a": [1, 2]}, initial={"a": 3}), ValueError, ["initial['a']", "3"]),
        (dict(render=lambda a: "not a figure", options={"a": [1]}), TypeError,
         ["Figure", "str"]),
    ],
)
def test_bad_input_raises_with_a_clear_message(kwargs, exc, words):
    kwargs.setdefault("render", _render)
    with pytest.raises(exc) as info:
        static_explorer(**kwargs)
    for w in words:
        assert w in str(info.value)


def test_untight_frames_keep_the_figure_size():
    def render(k):
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.5, 0.5, "x" * k)
        return fig

    out = static_explorer(render, {"k": [1, 30]}, dpi=50, tight=False).data
    pngs = [base64.b64decode(b64) for b64 in _frames(out)]  # every frame, not just the first
    sizes = {(int.from_bytes(p[16:20], "big"), int.from_bytes(p[20:24], "big")) for p in pngs}
    assert sizes == {(100, 50)}


def test_redraw_ms_times_render_and_draw_and_closes_the_figures():
    calls = []

    def render(k, *, label):
        calls.append((k, label))
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.5, 0.5, label * k)
        return fig

    before = set(plt.get_fignums())
    ms = redraw_ms(render, 3, label="x", repeats=4)
    assert ms > 0 and calls == [(3, "x")] * 4
    assert set(plt.get_fignums()) == before
    with pytest.raises(ValueError, match="repeats must be a positive integer, got 0"):
        redraw_ms(render, 3, label="x", repeats=0)
