"""An item's vector and what it is made of: EGES's weighted mix drawn as strips and bars.

With side information (Wang et al., KDD 2018) an item's vector is a softmax-weighted mean of its
own learned row and one row per attribute value (``genre=Comedy``, ``year=[1995,1996)``). The
figure stacks the vector over its parts, on one colour scale, and beside each part a bar of its
learned weight: which attribute speaks for the item. A cold item has no own row (weight 0): its
vector is made of its attributes alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..errors import IllustratedError
from .common import as_matrix, new_figure
from .strips import draw_strips

__all__ = ["item_parts_figure"]


def item_parts_figure(vector: np.ndarray, id_vector: np.ndarray | None, attributes: Sequence[str],
                      attribute_vectors: np.ndarray | None, weights: np.ndarray, label: str,
                      cold: bool = False, title: str | None = None) -> Figure:
    """Strips for ``vector`` float ``[dim]``, the item's own row ``id_vector`` float ``[dim]``
    (None for a cold item) and its ``attribute_vectors`` float ``[m, dim]`` (one per name in
    ``attributes``), with a bar for each part's weight from ``weights`` float ``[1 + m]`` (own
    row first, then the attributes; they sum to 1)."""
    vector = np.asarray(vector, np.float32).reshape(-1)
    dim, m = len(vector), len(attributes)
    rows_of = as_matrix(attribute_vectors, "attribute vectors") if m else np.zeros((0, dim), np.float32)
    weights = np.asarray(weights, np.float64).reshape(-1)
    if rows_of.shape != (m, dim):
        raise IllustratedError(f"item parts: {m} attributes need attribute vectors [{m}, {dim}], "
                               f"got {list(rows_of.shape)}")
    if weights.shape != (1 + m,) or not np.isfinite(weights).all():
        raise IllustratedError(f"item parts: expected {1 + m} finite weights (own row, then each "
                               f"attribute), got {weights.shape[0]}")
    own = np.zeros(dim, np.float32) if id_vector is None else np.asarray(id_vector, np.float32)
    rows = np.vstack([vector, own, rows_of])
    labels = [f"{label}: vector", "own row (none: cold)" if id_vector is None else "own row",
              *attributes]
    fig = new_figure(min(14.0, 4.5 + dim * 0.14), 1.0 + 0.42 * len(rows))
    grid = fig.add_gridspec(1, 2, width_ratios=[max(dim, 8), 6], wspace=0.05)
    ax = fig.add_subplot(grid[0])
    ax.set_label("parts")
    draw_strips(ax, rows, labels)
    ax.axhline(0.5, color="black", linewidth=1.5)       # the vector above, its parts below
    ax.get_yticklabels()[0].set_fontweight("bold")
    bars = fig.add_subplot(grid[1])
    bars.set_label("weights")
    positions = np.arange(1, len(rows))
    bars.barh(positions, weights, color="#2166ac", height=0.6)
    for y, w in zip(positions, weights):
        bars.text(w + 0.02, y, f"{w:.2f}", va="center", fontsize=8)
    bars.set_ylim(len(rows) - 0.5, -0.5)
    bars.set_xlim(0, 1.15)
    bars.set_yticks([])
    bars.set_xticks([0, 0.5, 1])
    bars.tick_params(labelsize=8)
    bars.set_xlabel("weight in the vector", fontsize=8)
    for side in ("top", "right", "left"):
        bars.spines[side].set_visible(False)
    speaks = labels[1 + int(np.argmax(weights))]
    ax.set_title(title or f"{label}{' (cold)' if cold else ''}: {speaks} weighs most", fontsize=10)
    return fig
