"""Attention heatmap: how much each output word looked at each source word.

Source tokens run across, output tokens down, so row ``i`` is the attention distribution the
decoder used to produce output word ``i`` (each row sums to 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..errors import IllustratedError
from .common import as_matrix, new_figure

__all__ = ["ATTENTION_CMAP", "check_attention", "attention_heatmap"]

ATTENTION_CMAP = "Blues"


def check_attention(attention, source: Sequence[str], target: Sequence[str]) -> np.ndarray:
    """``attention`` as float32 ``[len(target), len(source)]``, or a clear error naming the shapes."""
    a = as_matrix(attention, "attention")
    if a.shape != (len(target), len(source)):
        raise IllustratedError(f"attention: shape {a.shape} does not match {len(target)} output "
                               f"and {len(source)} source tokens")
    return a


def attention_heatmap(attention: np.ndarray, source: Sequence[str], target: Sequence[str],
                      title: str | None = None, annotate: bool | None = None) -> Figure:
    """Heatmap of ``attention`` float ``[len(target), len(source)]`` on a 0–1 scale.

    ``annotate`` writes each weight in its cell (default: when the grid is at most 15×15).
    """
    a = check_attention(attention, source, target)
    rows, cols = a.shape
    fig = new_figure(min(16.0, 2.2 + 0.55 * cols), min(16.0, 1.6 + 0.45 * rows))
    ax = fig.add_subplot()
    ax.set_label("attention")
    image = ax.imshow(a, cmap=ATTENTION_CMAP, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(cols), labels=list(source), rotation=45, ha="left", rotation_mode="anchor")
    ax.set_yticks(range(rows), labels=list(target))
    ax.xaxis.tick_top()
    ax.set_xlabel("source")
    ax.xaxis.set_label_position("top")
    ax.set_ylabel("output")
    if annotate if annotate is not None else max(rows, cols) <= 15:
        for i in range(rows):
            for j in range(cols):
                ax.text(j, i, f"{a[i, j]:.2f}".lstrip("0") if a[i, j] < 1 else "1",
                        ha="center", va="center", fontsize=7,
                        color="white" if a[i, j] > 0.55 else "#333333")
    fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02, label="attention weight")
    if title:
        ax.set_title(title, fontsize=10, pad=12)
    return fig
