"""Kernel-free "static explorer": precomputed figures behind real controls.

The online book has no Python kernel, so a live ipywidgets control would move without
changing anything. A static explorer gives the same experiment a form that works on the
static site: every combination of the control values is rendered once, at build time, by
the same library code, and embedded as a PNG; small inline JavaScript swaps the image
when the reader changes a control. Nothing is loaded from anywhere: no require.js, no
widget manager, no external URL.

    >>> def render(谱半径):                       # doctest: +SKIP
    ...     fig, ax = plt.subplots(); ...; return fig
    >>> static_explorer(render, {"谱半径": [0.5, 0.9, 1.0, 1.5]})   # doctest: +SKIP

Controls are chosen from the option values: numbers give a range slider, up to four
labels give radio buttons, more labels give a drop-down list.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import math
import numbers
import statistics
import time

__all__ = ["static_explorer", "render_frames", "redraw_ms"]

_COUNTER = itertools.count()
_MAX_RADIO = 4
_NOTE = "预先计算的静态图：改变上面的选项即可切换，无需运行 Python 内核。"


def _normalise_options(options, labels):
    """Return ``[(name, label, [(option_label, value), ...]), ...]`` or raise."""
    if not isinstance(options, dict):
        raise TypeError(
            f"options must be a dict mapping a parameter name to a list of values, "
            f"got {type(options).__name__}"
        )
    if not options:
        raise ValueError("options must name at least one control, got an empty dict")
    if labels is None:
        labels = {}
    if not isinstance(labels, dict):
        raise TypeError(
            f"labels must be a dict of parameter name -> label, got {type(labels).__name__}"
        )
    unknown = [k for k in labels if k not in options]
    if unknown:
        raise ValueError(
            f"labels must only name keys of options {list(options)}, got unknown {unknown}"
        )
    controls = []
    for name, values in options.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"options keys must be valid Python keyword names (they are passed to "
                f"render as keywords), got {name!r}"
            )
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise TypeError(
                f"options[{name!r}] must be a list of values, got {type(values).__name__}"
            )
        values = list(values)
        if not values:
            raise ValueError(f"options[{name!r}] must hold at least one value, got an empty list")
        pairs = []
        for v in values:
            if isinstance(v, tuple):
                if len(v) != 2 or not isinstance(v[0], str):
                    raise ValueError(
                        f"options[{name!r}] items must be values or (label, value) pairs with a "
                        f"str label, got {v!r}"
                    )
                pairs.append(v)
            else:
                if isinstance(v, float) and not math.isfinite(v):
                    raise ValueError(f"options[{name!r}] values must be finite, got {v!r}")
                pairs.append((_fmt(v), v))
        shown = [p[0] for p in pairs]
        if len(set(shown)) != len(shown):
            raise ValueError(f"options[{name!r}] labels must be distinct, got {shown}")
        label = labels.get(name, name)
        if not isinstance(label, str):
            raise TypeError(f"labels[{name!r}] must be a str, got {type(label).__name__}")
        controls.append((name, label, pairs))
    return controls


def _fmt(v):
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return f"{float(v):g}"
    return str(v)


def _is_numeric(pairs):
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for _, v in pairs)


def redraw_ms(render, *args, repeats=5, **kwargs):
    """Median wall time, in milliseconds, of one redraw of a live widget's figure:
    ``render(*args, **kwargs)`` plus drawing the Figure it returns (closed afterwards).

    Args:
        render: ``callable(...) -> matplotlib.figure.Figure``.
        repeats: how many redraws to time, a positive integer.

    Returns:
        float, the median over ``repeats`` redraws.
    """
    import matplotlib.pyplot as plt

    if not isinstance(repeats, numbers.Integral) or isinstance(repeats, bool) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fig = render(*args, **kwargs)
        fig.canvas.draw()
        times.append(time.perf_counter() - start)
        plt.close(fig)
    return 1000 * statistics.median(times)


def render_frames(render, controls, *, dpi=80, tight=True):
    """Render every combination of control values to PNG bytes.

    Args:
        render: ``callable(**params) -> matplotlib.figure.Figure``.
        controls: the normalised controls, ``[(name, label, [(option_label, value), ...])]``.
        dpi: PNG resolution (dots per inch), a positive number.
        tight: crop each PNG to its drawn content (``bbox_inches="tight"``, which draws the
            figure twice); pass False for figures with fixed margins (e.g. constrained
            layout): faster, and every frame has the same size.

    Returns:
        list of ``bytes`` (PNG), length = product of the option counts, in row-major order
        (the last control varies fastest).
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    frames = []
    for combo in itertools.product(*[pairs for _, _, pairs in controls]):
        params = {name: value for (name, _, _), (_, value) in zip(controls, combo, strict=True)}
        fig = render(**params)
        if not isinstance(fig, Figure):
            plt.close("all")
            raise TypeError(
                f"render must return a matplotlib Figure, got {type(fig).__name__} for {params}"
            )
        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None,
                        metadata={"Software": None})
        finally:
            plt.close(fig)
        frames.append(buf.getvalue())
    return frames


def static_explorer(render, options, *, labels=None, title=None, initial=None, dpi=80,
                    max_frames=64, tight=True):
    """Precompute ``render`` over a grid of options and return a self-contained HTML block.

    Args:
        render: ``callable(**params) -> Figure``. Called once per
            combination; every figure is closed after it is saved.
        options: dict ``{param_name: [value, ...]}``; a value may be a
            ``(label, value)`` pair to show ``label`` and pass ``value``. Numbers give a
            slider, at most 4 labels give radio buttons, more give a drop-down list.
        labels: optional dict ``{param_name: shown label}`` (Chinese, for the reader);
            defaults to the parameter name itself.
        title: optional heading shown above the controls.
        initial: optional dict ``{param_name: option label}`` selected at first
            (default: the first option of each control).
        dpi: PNG resolution; keep it modest (60-100), every frame is embedded.
        max_frames: refuse grids with more combinations than this (page weight).
        tight: crop frames to their content (see ``render_frames``).

    Returns:
        IPython.display.HTML: controls + an ``<img>``, inline CSS/JS only, unique DOM ids.

    Raises:
        TypeError / ValueError naming the argument, the expected and the received value.
    """
    if not callable(render):
        raise TypeError(
            f"render must be a callable returning a Figure, got {type(render).__name__}"
        )
    controls = _normalise_options(options, labels)
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not 10 <= dpi <= 300:
        raise ValueError(f"dpi must be a number in [10, 300], got {dpi!r}")
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
    n = math.prod(len(pairs) for _, _, pairs in controls)
    if n > max_frames:
        raise ValueError(
            f"options give {n} combinations, more than max_frames={max_frames}; "
            f"use fewer values or raise max_frames"
        )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    start = _initial_indices(controls, initial)

    frames = render_frames(render, controls, dpi=dpi, tight=bool(tight))
    b64 = [base64.b64encode(f).decode("ascii") for f in frames]
    digest = hashlib.sha1("".join(b64).encode("ascii")).hexdigest()[:10]
    uid = f"lstm-explorer-{digest}-{next(_COUNTER)}"

    try:
        from IPython.display import HTML
    except ImportError:  # pragma: no cover - IPython comes with every Jupyter install
        HTML = _HTML
    return HTML(_html(uid, controls, b64, start, title))


class _HTML:
    """Stand-in for IPython.display.HTML when IPython is not installed."""

    def __init__(self, data):
        self.data = data

    def _repr_html_(self):
        return self.data


def _initial_indices(controls, initial):
    if initial is None:
        return [0] * len(controls)
    if not isinstance(initial, dict):
        raise TypeError(
            f"initial must be a dict of parameter name -> option label, "
            f"got {type(initial).__name__}"
        )
    names = [c[0] for c in controls]
    unknown = [k for k in initial if k not in names]
    if unknown:
        raise ValueError(f"initial must only name keys of options {names}, got unknown {unknown}")
    out = []
    for name, _, pairs in controls:
        if name not in initial:
            out.append(0)
            continue
        shown = [p[0] for p in pairs]
        want = initial[name] if isinstance(initial[name], str) else _fmt(initial[name])
        if want not in shown:
            raise ValueError(f"initial[{name!r}] must be one of {shown}, got {initial[name]!r}")
        out.append(shown.index(want))
    return out


_CSS = """
#{uid} {{border:1px solid #d0d7de;border-radius:6px;padding:.6em .8em;margin:.6em 0;}}
#{uid} .lx-title {{font-weight:600;margin-bottom:.3em;}}
#{uid} .lx-ctrl {{display:flex;flex-wrap:wrap;align-items:center;gap:.3em .9em;margin:.3em 0;}}
#{uid} .lx-name {{font-weight:600;min-width:4em;}}
#{uid} .lx-ctrl label {{cursor:pointer;white-space:nowrap;margin:0;}}
#{uid} input[type=range] {{width:14em;vertical-align:middle;}}
#{uid} output {{font-family:monospace;}}
#{uid} img {{max-width:100%;height:auto;display:block;margin-top:.4em;}}
#{uid} .lx-note {{font-size:.85em;color:#57606a;}}
"""


def _html(uid, controls, b64, start, title):
    e = html.escape
    sizes = [len(p) for _, _, p in controls]
    idx = 0
    for s, i in zip(sizes, start, strict=True):
        idx = idx * s + i
    parts = [f'<div class="lstm-explorer" id="{uid}" data-frames="{len(b64)}" data-index="{idx}">',
             f"<style>{_CSS.format(uid=uid)}</style>"]
    if title:
        parts.append(f'<div class="lx-title">{e(title)}</div>')
    for k, (_name, label, pairs) in enumerate(controls):
        cid = f"{uid}-c{k}"
        if _is_numeric(pairs) and len(pairs) > 1:
            parts.append(
                f'<div class="lx-ctrl"><label class="lx-name" for="{cid}">{e(label)}</label>'
                f'<input type="range" id="{cid}" data-k="{k}" min="0" max="{len(pairs) - 1}" '
                f'step="1" value="{start[k]}" aria-label="{e(label)}">'
                f'<output id="{cid}-out">{e(pairs[start[k]][0])}</output></div>'
            )
        elif len(pairs) <= _MAX_RADIO:
            items = "".join(
                f'<label><input type="radio" name="{cid}" data-k="{k}" value="{j}"'
                f'{" checked" if j == start[k] else ""}> {e(lbl)}</label>'
                for j, (lbl, _) in enumerate(pairs)
            )
            parts.append(
                f'<div class="lx-ctrl" role="radiogroup" aria-labelledby="{cid}-name">'
                f'<span class="lx-name" id="{cid}-name">{e(label)}</span>{items}</div>'
            )
        else:
            items = "".join(
                f'<option value="{j}"{" selected" if j == start[k] else ""}>{e(lbl)}</option>'
                for j, (lbl, _) in enumerate(pairs)
            )
            parts.append(
                f'<div class="lx-ctrl"><label class="lx-name" for="{cid}">{e(label)}</label>'
                f'<select id="{cid}" data-k="{k}">{items}</select></div>'
            )
    shown = [[p[0] for p in pairs] for _, _, pairs in controls]
    names = [label for _, label, _ in controls]
    alt = "，".join(f"{n}：{shown[k][start[k]]}" for k, n in enumerate(names))
    parts.append(f'<img id="{uid}-img" alt="{e(alt)}" src="data:image/png;base64,{b64[idx]}">')
    parts.append(f'<div class="lx-note">{_NOTE}</div>')
    data = json.dumps({"sizes": sizes, "labels": shown, "names": names, "start": start,
                       "frames": b64}, ensure_ascii=False).replace("</", "<\\/")
    parts.append(f"<script>{_JS.replace('__UID__', uid).replace('__DATA__', data)}</script>")
    parts.append("</div>")
    return "".join(parts)


_JS = """(function(){
var root=document.getElementById("__UID__");if(!root)return;var D=__DATA__;
var cur=D.start.slice();var img=document.getElementById("__UID__-img");
function show(){var i=0;for(var k=0;k<D.sizes.length;k++){i=i*D.sizes[k]+cur[k];}
img.src="data:image/png;base64,"+D.frames[i];
img.alt=D.names.map(function(n,k){return n+"："+D.labels[k][cur[k]];}).join("，");
root.setAttribute("data-index",String(i));}
root.querySelectorAll("[data-k]").forEach(function(el){
var k=+el.getAttribute("data-k");
var h=function(){if(el.type==="radio"&&!el.checked)return;cur[k]=+el.value;
var o=document.getElementById(el.id+"-out");if(o)o.textContent=D.labels[k][cur[k]];show();};
el.addEventListener("input",h);el.addEventListener("change",h);});
})();"""
