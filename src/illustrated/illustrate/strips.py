"""Vector strips: a vector as a row of coloured cells, several stacked to compare by eye.

As in *The Illustrated Word2vec*: each cell is one dimension, blue below zero, red above, white
at zero, on one colour scale shared by every row so equal colours mean equal values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import IllustratedError
from .common import DIVERGING, as_matrix, new_figure, symmetric_norm

__all__ = ["draw_strips", "vector_strips"]


def draw_strips(ax: Axes, vectors: np.ndarray, labels: Sequence[str], vmax: float | None = None,
                gridlines: bool = True):
    """Draw ``vectors`` float ``[n, dim]`` as ``n`` labelled strips on ``ax``; return the image."""
    vectors = as_matrix(vectors)
    n, dim = vectors.shape
    if len(labels) != n:
        raise IllustratedError(f"strips: {n} vectors but {len(labels)} labels")
    image = ax.imshow(vectors, cmap=DIVERGING, norm=symmetric_norm(vectors, vmax),
                      aspect="auto", interpolation="nearest")
    ax.set_yticks(range(n), labels=list(labels))
    ax.set_xticks([])
    ax.tick_params(axis="y", length=0)
    if gridlines and dim <= 100:
        # Thin white lines between cells make single dimensions countable.
        ax.set_xticks(np.arange(-0.5, dim, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.6)
        ax.tick_params(which="minor", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return image


def vector_strips(vectors: np.ndarray, labels: Sequence[str], title: str | None = None,
                  vmax: float | None = None, colorbar: bool = True) -> Figure:
    """A figure of stacked strips, one row per label, for ``vectors`` float ``[n, dim]``.

    The colour scale is centred on zero (``[-vmax, vmax]``, by default the largest magnitude).
    """
    vectors = as_matrix(vectors)
    n, dim = vectors.shape
    fig = new_figure(min(14.0, 2.0 + dim * 0.16), 0.8 + 0.45 * n)
    ax = fig.add_subplot()
    ax.set_label("strips")
    image = draw_strips(ax, vectors, labels, vmax)
    if colorbar:
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01, aspect=10)
    ax.set_title(title if title is not None else f"{n} vectors, {dim} dimensions", fontsize=10)
    return fig
