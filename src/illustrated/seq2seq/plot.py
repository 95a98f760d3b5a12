"""A simple attention heatmap (source tokens across, output tokens down) with matplotlib."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_attention"]


def plot_attention(source: list[str], target: list[str], attention: np.ndarray, path: str | Path,
                   title: str | None = None) -> Path:
    """Write a PNG heatmap of ``attention`` ``[len(target), len(source)]`` to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..files import atomic_write

    att = np.asarray(attention, dtype=np.float32)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * max(len(source), 2), 1.0 + 0.45 * max(len(target), 2)))
    ax.imshow(att, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=45, ha="right")
    ax.set_yticks(range(len(target)), target)
    ax.xaxis.tick_top()
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title, fontsize=9, pad=30)
    fig.tight_layout()
    path = Path(path)
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=120)
    plt.close(fig)
    return path
