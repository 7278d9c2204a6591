"""Plot helpers shared by several chapters: values over a sentence's tokens, gradient-decay
curves on a log axis, and mean-with-spread curves over seeds.

Every function draws into a matplotlib ``Axes`` it is given (or a new figure) and returns
what it drew, so a notebook can add titles and annotations around it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import fonts


def token_labels(tokens, glosses=None):
    """Tick labels for a sentence: the Chinese tokens, or their English glosses when no
    CJK font is available (see ``fonts.setup_cjk_font``).

    Args:
        tokens: sequence of T strings.  glosses: sequence of T strings, or None.
    Returns:
        list of T strings.
    """
    tokens = [str(t) for t in tokens]
    if glosses is None:
        return tokens
    glosses = [str(g) for g in glosses]
    if len(glosses) != len(tokens):
        raise ValueError(
            f"glosses must have one entry per token ({len(tokens)}), got {len(glosses)}"
        )
    return [fonts.label(t, g) for t, g in zip(tokens, glosses, strict=True)]


def token_heatmap(
    ax,
    values,
    tokens,
    *,
    glosses=None,
    row_labels=None,
    vmin=0.0,
    vmax=1.0,
    cmap="viridis",
    title=None,
    colorbar=True,
):
    """Heatmap of per-token values: rows are units (or gates), columns are tokens.

    Args:
        ax: matplotlib Axes.
        values: (T,) or (K, T) array (T tokens, K rows).
        tokens: T token strings for the x axis.  glosses: optional English glosses.
        row_labels: K strings for the y axis, or None for unit numbers.
        vmin, vmax: colour range (gates live in [0, 1]).
    Returns:
        the AxesImage.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    if values.ndim != 2:
        raise ValueError(f"values must have shape (T,) or (K, T), got {np.shape(values)}")
    K, T = values.shape
    if len(tokens) != T:
        raise ValueError(f"tokens must have one entry per column ({T}), got {len(tokens)}")
    image = ax.imshow(
        values, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    ax.set_xticks(range(T))
    ax.set_xticklabels(token_labels(tokens, glosses), rotation=90 if T > 12 else 0)
    ax.set_yticks(range(K))
    ax.set_yticklabels(row_labels if row_labels is not None else [str(k) for k in range(K)])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    return image


def gate_heatmaps(trace, tokens, *, n=0, units=None, glosses=None, figsize=None):
    """Input, forget and output gates of one sequence as three stacked heatmaps.

    Args:
        trace: an ``lstm.LSTMTrace`` (or anything with i, f, o arrays of shape (N, T, H)).
        tokens: T token strings.  n: which sequence of the batch.
        units: indices of the hidden units to show (default: all).
    Returns:
        (fig, axes): the figure and its three Axes (i, f, o).
    """
    H = trace.i.shape[2]
    units = np.arange(H) if units is None else np.asarray(units)
    panel_height = min(max(0.6 + 0.25 * len(units), 1.0), 3.0)  # inches per gate panel
    fig, axes = plt.subplots(
        3,
        1,
        figsize=figsize or (max(6, 0.45 * len(tokens) + 2), 0.8 + 3 * panel_height),
        sharex=True,
        constrained_layout=True,
    )
    names = {"i": "输入门 $i_t$", "f": "遗忘门 $f_t$", "o": "输出门 $o_t$"}
    glossed = {"i": "input gate $i_t$", "f": "forget gate $f_t$", "o": "output gate $o_t$"}
    for ax, gate in zip(axes, "ifo", strict=True):
        token_heatmap(
            ax,
            getattr(trace, gate)[n][:, units].T,
            tokens,
            glosses=glosses,
            row_labels=[f"#{u}" for u in units],
            title=fonts.label(names[gate], glossed[gate]),
        )
    return fig, axes


def decay_curves(
    ax, curves, *, ks=None, xlabel="k（向前回溯的步数）", ylabel=None, title=None, floor=1e-300
):
    """Gradient norms against distance on a log y axis, one line per entry of ``curves``.

    Args:
        ax: matplotlib Axes.
        curves: {label: (K,) array of positive norms}.
        ks: (K,) x values (default 0..K-1).
        floor: values below it are clipped so the log axis stays finite.
    Returns:
        list of the Line2D objects.
    """
    if not curves:
        raise ValueError("curves must hold at least one {label: values} entry")
    lines = []
    for name, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1:
            raise ValueError(f"curves[{name!r}] must be 1-D, got shape {values.shape}")
        x = np.arange(len(values)) if ks is None else np.asarray(ks)
        (line,) = ax.semilogy(x, np.maximum(values, floor), label=name)
        lines.append(line)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    if len(curves) > 1:
        ax.legend()
    return lines


def mean_with_spread(ax, x, runs, *, label=None, color=None, marker="o"):
    """Mean over runs with a band from the minimum to the maximum run.

    Args:
        ax: matplotlib Axes.
        x: (K,) x values (e.g. filler lengths).
        runs: (S, K) one row per seed.
    Returns:
        the mean line (Line2D).
    """
    runs = np.atleast_2d(np.asarray(runs, dtype=float))
    x = np.asarray(x)
    if runs.shape[1] != len(x):
        raise ValueError(f"runs must have shape (S, {len(x)}) to match x, got {runs.shape}")
    (line,) = ax.plot(x, runs.mean(axis=0), marker=marker, label=label, color=color)
    ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), alpha=0.2, color=line.get_color())
    return line
