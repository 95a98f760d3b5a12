"""A Transformer's attention, head by head: the figures of *The Illustrated Transformer*.

* :func:`attention_heads` — one heatmap per head of one layer (the post's multi-head figure: each
  head looks somewhere else);
* :func:`attention_grid` — every head of every layer at once, layers down and heads across;
* :func:`attention_lines` — one word's self-attention over its sentence as lines between two
  columns of the same tokens (the post's "it" → "the animal"), one colour per head;
* :func:`positional_encoding` — the position vectors added to the embeddings, as a coloured grid.

Attention arrays are ``[layers, heads, query_len, key_len]`` (or ``[heads, …]`` for one layer)
with rows summing to 1, as :class:`~illustrated.seq2seq.Translation` carries them. Layers and
heads are numbered from 1 in titles and labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from ..errors import IllustratedError
from .attention import ATTENTION_CMAP
from .common import DIVERGING, as_matrix, new_figure

__all__ = ["HEAD_COLOURS", "MAP_KINDS", "check_maps", "translation_maps", "attention_heads", "attention_grid",
           "attention_lines", "positional_encoding", "MAX_DRAWN_POSITIONS", "MAX_DRAWN_DIMS", "check_positions_size"]

MAX_DRAWN_POSITIONS = 4096
"""Most positions (rows) a positional-encoding figure draws: four times the positions a
Transformer learns by default (1024), and more rows than the figure has pixels."""

MAX_DRAWN_DIMS = 4096
"""Most dimensions (columns) it draws: four times the largest usual model size (1024)."""


#: The attention maps a translation can carry: what attends (queries) to what (keys).
MAP_KINDS = {"cross": "output → source", "encoder": "source → source", "decoder": "output → output so far"}

#: One colour per head (the post's convention), repeated for more than ten heads.
HEAD_COLOURS = ["#e6550d", "#3182bd", "#31a354", "#756bb1", "#de2d26", "#636363", "#e7ba52", "#17becf",
                "#d6616b", "#8c6d31"]


def check_maps(attention, queries: Sequence[str], keys: Sequence[str], ndim: int) -> np.ndarray:
    """``attention`` as float32 with ``ndim`` axes ending in ``[len(queries), len(keys)]``, or a clear error."""
    a = as_matrix(attention, "attention", ndim=ndim)
    if a.shape[-2:] != (len(queries), len(keys)):
        raise IllustratedError(f"attention: maps of shape {a.shape[-2:]} do not match {len(queries)} query "
                               f"and {len(keys)} key tokens")
    return a


def translation_maps(t, kind: str = "cross") -> tuple[np.ndarray, list[str], list[str]]:
    """One kind of attention of a Translation-like ``t``: float32 ``[layers, heads, q, k]``, the
    query tokens and the key tokens.

    ``cross``: output tokens over source tokens (``t.cross_attention``, or ``t.attention`` as one
    layer and head); ``encoder``: source over source; ``decoder``: each output token's position
    over the tokens read so far (``<s>`` and the earlier outputs).
    """
    if kind not in MAP_KINDS:
        raise IllustratedError(f"attention map: expected one of {', '.join(MAP_KINDS)}, got {kind!r}")
    source, target = list(t.source), list(t.target)
    if kind == "cross":
        maps = getattr(t, "cross_attention", None)
        if maps is None and getattr(t, "attention", None) is not None:
            maps = np.asarray(t.attention)[None, None]
        queries, keys = target, source
    elif kind == "encoder":
        maps, queries, keys = getattr(t, "encoder_attention", None), source, source
    else:
        maps, queries, keys = getattr(t, "decoder_attention", None), target, ["<s>"] + target[:-1]
    if maps is None:
        raise IllustratedError(f"this translation has no {kind} attention ({MAP_KINDS[kind]}); "
                               "only a Transformer has self-attention")
    return check_maps(maps, queries, keys, 4), queries, keys


def _heatmap(ax, a: np.ndarray, keys: Sequence[str], queries: Sequence[str], labels: bool, fontsize: int = 8):
    image = ax.imshow(a, cmap=ATTENTION_CMAP, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    if labels:
        ax.set_xticks(range(len(keys)), labels=list(keys), rotation=60, ha="left", rotation_mode="anchor",
                      fontsize=fontsize)
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(queries)), labels=list(queries), fontsize=fontsize)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    return image


def attention_heads(attention, keys: Sequence[str], queries: Sequence[str], layer: int | None = None,
                    title: str | None = None) -> Figure:
    """One heatmap per head: ``attention`` float ``[heads, len(queries), len(keys)]``.

    ``layer`` (0-based) only names the layer in the title. Each panel's axes are labelled
    ``head:N`` (N from 1).
    """
    a = check_maps(attention, queries, keys, 3)
    heads, rows, cols = a.shape
    per_row = min(heads, 4)
    grid_rows = -(-heads // per_row)
    fig = new_figure(min(24.0, 1.0 + per_row * (1.2 + 0.32 * cols)), min(24.0, 0.8 + grid_rows * (1.2 + 0.3 * rows)))
    image = None
    for h in range(heads):
        ax = fig.add_subplot(grid_rows, per_row, h + 1)
        ax.set_label(f"head:{h + 1}")
        image = _heatmap(ax, a[h], keys, queries, labels=True, fontsize=7)
        ax.set_title(f"head {h + 1}", fontsize=9, color=HEAD_COLOURS[h % len(HEAD_COLOURS)], pad=30)
    fig.colorbar(image, ax=fig.axes, fraction=0.02, pad=0.02, label="attention weight")
    where = f"layer {layer + 1}: " if layer is not None else ""
    fig.suptitle(title or f"{where}{heads} heads, each its own attention", fontsize=10)
    return fig


def attention_grid(attention, keys: Sequence[str], queries: Sequence[str], title: str | None = None) -> Figure:
    """Every head of every layer: ``attention`` float ``[layers, heads, len(queries), len(keys)]``,
    layers down, heads across; panels are labelled ``layer:L/head:H`` (from 1)."""
    a = check_maps(attention, queries, keys, 4)
    layers, heads, rows, cols = a.shape
    cell = max(1.0, min(2.2, 12.0 / max(heads, 1)))
    fig = new_figure(min(24.0, 1.2 + heads * cell), min(24.0, 0.9 + layers * cell * max(0.5, rows / max(cols, 1))))
    image = None
    for layer in range(layers):
        for h in range(heads):
            ax = fig.add_subplot(layers, heads, layer * heads + h + 1)
            ax.set_label(f"layer:{layer + 1}/head:{h + 1}")
            image = _heatmap(ax, a[layer, h], keys, queries, labels=False)
            if layer == 0:
                ax.set_title(f"head {h + 1}", fontsize=9)
            if h == 0:
                ax.set_ylabel(f"layer {layer + 1}", fontsize=9)
    fig.colorbar(image, ax=fig.axes, fraction=0.02, pad=0.02, label="attention weight")
    fig.suptitle(title or f"{layers} layers × {heads} heads", fontsize=10)
    return fig


def attention_lines(attention, tokens: Sequence[str], word: int, heads: Sequence[int] | None = None,
                    title: str | None = None) -> Figure:
    """How token ``word`` (0-based) attends to every token of its sentence.

    ``attention`` is self-attention, float ``[heads, n, n]`` (or ``[n, n]``) over ``tokens``.
    The sentence is written twice, in two columns; from ``word`` on the left a line runs to
    each token on the right, as opaque and as thick as its weight, one colour per head. Only
    ``heads`` (0-based; default all) are drawn. The axes' lines carry ``head:N`` labels (N from 1).
    """
    a = as_matrix(attention, "attention", ndim=3 if np.ndim(attention) == 3 else 2)
    a = a[None] if a.ndim == 2 else a
    a = check_maps(a, tokens, tokens, 3)
    n = len(tokens)
    if not 0 <= word < n:
        raise IllustratedError(f"word {word} is not a position of the {n}-token sentence")
    chosen = list(range(a.shape[0])) if heads is None else list(heads)
    bad = [h for h in chosen if not 0 <= h < a.shape[0]]
    if bad or not chosen:
        raise IllustratedError(f"heads {bad or chosen}: this attention has heads 1..{a.shape[0]}")
    fig = new_figure(5.2, 1.2 + 0.34 * n)
    ax = fig.add_subplot()
    ax.set_label("lines")
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(n - 0.5, -0.5)
    ax.axis("off")
    for i, token in enumerate(tokens):
        ax.text(0.0, i, token, ha="right", va="center", fontsize=10,
                fontweight="bold" if i == word else "normal", color="#b2182b" if i == word else "#1f2328")
        shade = float(a[chosen, word, i].mean())
        ax.text(1.0, i, token, ha="left", va="center", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.2", facecolor=to_rgba("#3182bd", 0.85 * shade), edgecolor="none"))
    for h in chosen:
        colour = HEAD_COLOURS[h % len(HEAD_COLOURS)]
        for j in range(n):
            w = float(a[h, word, j])
            ax.plot([0.05, 0.95], [word, j], color=colour, alpha=min(1.0, w), linewidth=0.5 + 5.0 * w,
                    solid_capstyle="round", label=f"head:{h + 1}")
    names = ", ".join(str(h + 1) for h in chosen)
    ax.set_title(title or f"“{tokens[word]}” attends to … (head{'s' if len(chosen) > 1 else ''} {names})",
                 fontsize=10)
    return fig


def check_positions_size(positions: int, dims: int, names: tuple[str, str] = ("positions", "dims")) -> None:
    """Refuse, before anything is computed, a table of positional encodings too large to draw:
    ``positions`` outside ``[1, MAX_DRAWN_POSITIONS]`` or ``dims`` outside ``[2, MAX_DRAWN_DIMS]``
    (``names`` are the options that set them, for the message)."""
    for value, low, high, name in ((positions, 1, MAX_DRAWN_POSITIONS, names[0]),
                                   (dims, 2, MAX_DRAWN_DIMS, names[1])):
        if not low <= value <= high:
            raise IllustratedError(f"{name} must be between {low} and {high}, got {value}")


def positional_encoding(table, title: str | None = None, split_sin_cos: bool = False) -> Figure:
    """Position vectors as a coloured grid: ``table`` float ``[positions, dim]``, one row per
    position, one column per dimension, blue −1 … red +1 (the sinusoids' range).

    With ``split_sin_cos`` the even columns (sines) are drawn first and the odd ones (cosines)
    after them, as *The Illustrated Transformer* shows them, instead of interleaved.
    """
    t = as_matrix(table, "positional encodings")
    positions, dim = t.shape
    check_positions_size(positions, max(dim, 2))
    if split_sin_cos:
        t = np.concatenate([t[:, 0::2], t[:, 1::2]], axis=1)
    fig = new_figure(min(14.0, 2.5 + 0.035 * dim), min(10.0, 1.6 + 0.07 * positions))
    ax = fig.add_subplot()
    ax.set_label("positions")
    vmax = max(1.0, float(np.abs(t).max()))
    image = ax.imshow(t, cmap=DIVERGING, vmin=-vmax, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.set_xlabel("dimension: sines (even), then cosines (odd)" if split_sin_cos else "dimension")
    ax.set_ylabel("position")
    if split_sin_cos:
        ax.axvline((dim + 1) // 2 - 0.5, color="black", linewidth=0.8)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="value")
    ax.set_title(title or f"positional encodings: {positions} positions × {dim} dimensions", fontsize=10)
    return fig
