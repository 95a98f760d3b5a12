"""Analogy figure: strips for a, b, c, a − b + c and the word found nearest to it.

``king − man + woman ≈ queen``: the eye can see which cells ``man`` and ``woman`` change and how
close the arithmetic lands to the word found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from ..errors import IllustratedError
from .common import as_matrix, new_figure
from .strips import draw_strips

__all__ = ["Analogy", "analogy_from_vectors", "analogy_strips"]


@dataclass
class Analogy:
    """The pieces of one analogy: the words, their vectors float32 ``[4, dim]`` (a, b, c, found),
    the computed ``a − b + c`` float32 ``[dim]``, its cosine with the found word's vector, and the
    best ``(word, score)`` answers of the query, the found word first."""

    words: tuple[str, str, str, str]
    vectors: np.ndarray
    result: np.ndarray
    cosine: float
    candidates: list[tuple[str, float]] = field(default_factory=list)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def analogy_from_vectors(kv, a: str, b: str, c: str, method: str = "add", topn: int = 1) -> Analogy:
    """Look ``a − b + c`` up in a KeyedVectors-like ``kv`` (``vector``, ``analogy``), keeping its
    best ``topn`` answers.

    Every vector is unit-normalised first, as the analogy query itself does.
    """
    for word in (a, b, c):
        if word not in kv:
            raise IllustratedError(f"analogy: {word!r} is not in the vocabulary")
    found = kv.analogy(a, b, c, topn=topn, method=method)
    if isinstance(found, (list, tuple)) and found and isinstance(found[0], (list, tuple)):
        candidates = [(str(w), float(s)) for w, s in found]
        found = found[0]
    else:
        candidates = []
    word = found[0] if isinstance(found, (list, tuple)) and found else found
    if not word:
        raise IllustratedError(f"analogy: no answer for {a} − {b} + {c}")
    vectors = np.stack([_unit(np.asarray(kv.vector(w), dtype=np.float32)) for w in (a, b, c, word)])
    result = vectors[0] - vectors[1] + vectors[2]
    cosine = float(_unit(result) @ vectors[3])
    return Analogy((a, b, c, str(word)), vectors, result, cosine, candidates)


def analogy_strips(analogy: Analogy, title: str | None = None) -> Figure:
    """Five strips: a, b, c, ``a − b + c`` and the nearest word with its cosine similarity."""
    vectors = as_matrix(analogy.vectors, "analogy vectors")
    if vectors.shape[0] != 4:
        raise IllustratedError(f"analogy vectors: expected 4 rows (a, b, c, found), got {vectors.shape[0]}")
    a, b, c, found = analogy.words
    rows = np.stack([vectors[0], vectors[1], vectors[2], np.asarray(analogy.result, np.float32), vectors[3]])
    labels = [a, b, c, f"{a} − {b} + {c}", f"{found}  (cos {analogy.cosine:.2f})"]
    dim = rows.shape[1]
    fig = new_figure(min(14.0, 2.8 + dim * 0.16), 3.2)
    ax = fig.add_subplot()
    ax.set_label("analogy")
    image = draw_strips(ax, rows, labels)
    # A line separates the inputs from the arithmetic and its answer.
    ax.axhline(2.5, color="black", linewidth=1.5)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01, aspect=10)
    ax.set_title(title or f"{a} − {b} + {c} ≈ {found}", fontsize=11)
    return fig
