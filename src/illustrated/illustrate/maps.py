"""2-D maps of words or items: a projection (PCA, or t-SNE) with labels and optional colours."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from ..errors import ConfigError, IllustratedError
from .common import as_matrix, new_figure

__all__ = ["project_2d", "map_figure"]


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Project float ``[n, dim]`` to float32 ``[n, 2]`` with PCA (exact, via SVD) or t-SNE.

    PCA keeps the two directions of largest variance, so distances along them are faithful;
    t-SNE (scikit-learn) keeps neighbourhoods instead and needs at least 4 points.
    """
    x = as_matrix(vectors).astype(np.float64)
    n = x.shape[0]
    if n < 2:
        raise IllustratedError(f"map: need at least 2 vectors, got {n}")
    if method == "pca":
        x = x - x.mean(axis=0)
        u, s, _ = np.linalg.svd(x, full_matrices=False)
        xy = u[:, :2] * s[:2]
        if xy.shape[1] < 2:
            xy = np.hstack([xy, np.zeros((n, 1))])
        # Fix the sign of each axis so a figure does not flip between runs or platforms.
        signs = np.sign(xy[np.argmax(np.abs(xy), axis=0), range(2)])
        return (xy * np.where(signs == 0, 1, signs)).astype(np.float32)
    if method == "tsne":
        if n < 4:
            raise IllustratedError(f"map: t-SNE needs at least 4 vectors, got {n}")
        from sklearn.manifold import TSNE

        tsne = TSNE(n_components=2, perplexity=min(30.0, (n - 1) / 3), init="pca", random_state=seed)
        return tsne.fit_transform(x).astype(np.float32)
    raise ConfigError(f"map method: expected 'pca' or 'tsne', got {method!r}")


def map_figure(vectors: np.ndarray, labels: Sequence[str], groups: Sequence[str] | None = None,
               method: str = "pca", title: str | None = None, seed: int = 0,
               max_labels: int = 60) -> Figure:
    """A labelled scatter of ``vectors`` float ``[n, dim]`` projected to 2-D.

    ``groups`` (one attribute value per point, e.g. a film's genre) colours the points and adds a
    legend; points in the same group share a colour. Points are labelled when there are at most
    ``max_labels`` of them (beyond that, labels only hide each other).
    """
    xy = project_2d(vectors, method, seed)
    n = xy.shape[0]
    if len(labels) != n:
        raise IllustratedError(f"map: {n} vectors but {len(labels)} labels")
    if groups is not None and len(groups) != n:
        raise IllustratedError(f"map: {n} vectors but {len(groups)} group values")
    fig = new_figure(7.5, 6.0)
    ax = fig.add_subplot()
    ax.set_label("map")
    if groups is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=22, color="#4c72b0", label="_points")
    else:
        names = sorted(set(map(str, groups)))
        cmap = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
        group_array = np.array([str(g) for g in groups])
        for i, name in enumerate(names):
            mask = group_array == name
            ax.scatter(xy[mask, 0], xy[mask, 1], s=26, color=cmap(i % cmap.N), label=name)
        ax.legend(fontsize=8, loc="best", title=None, frameon=True)
    fontsize = 9 if n <= 30 else 7
    for (x, y), label in zip(xy, labels) if n <= max_labels else ():
        ax.annotate(str(label), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=fontsize)
    ax.margins(0.12)
    ax.set_xticks([])
    ax.set_yticks([])
    name = {"pca": "PCA", "tsne": "t-SNE"}[method]
    ax.set_title(title or f"{n} vectors, {name}", fontsize=11)
    return fig
