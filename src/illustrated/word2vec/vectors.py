"""Word vectors and the questions they answer; nothing here knows about training.

:class:`KeyedVectors` is what crosses from training to queries, recommendation, services and
figures. It holds the keys (words or item ids, most frequent first), their vectors and counts, and
a cached unit-normalised copy for cosine queries.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import IllustratedError
from .formats import read_vectors, write_vectors

__all__ = ["KeyedVectors", "UnknownKeyError"]


class UnknownKeyError(IllustratedError, KeyError):
    """A key (word or item) that is not in the vectors' vocabulary."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key!r} is not in the vocabulary")
        self.key = key

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0]


Query = str | np.ndarray


class KeyedVectors:
    """Keys and their vectors.

    Attributes:
        keys: the keys in id order (most frequent first when built by training).
        vectors: float32 ``[n, dim]``.
        counts: int64 ``[n]`` corpus counts (zeros when unknown).
        key_to_index: key → row of ``vectors``.
    """

    def __init__(self, keys: Sequence[str], vectors: np.ndarray,
                 counts: np.ndarray | Sequence[int] | None = None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise IllustratedError(f"expected vectors of shape [{len(keys)}, dim], got {vectors.shape}")
        self.keys: list[str] = list(keys)
        self.vectors = vectors
        self.counts = (np.zeros(len(self.keys), dtype=np.int64) if counts is None
                       else np.asarray(counts, dtype=np.int64))
        self.key_to_index: dict[str, int] = {k: i for i, k in enumerate(self.keys)}
        if len(self.key_to_index) != len(self.keys):
            raise IllustratedError("keys must be unique")
        self._unit: np.ndarray | None = None

    # ---- lookup -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} keys, dim {self.dim})"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def index(self, key: str) -> int:
        """Row of ``key``; :class:`UnknownKeyError` naming it if absent."""
        try:
            return self.key_to_index[key]
        except KeyError:
            raise UnknownKeyError(key) from None

    def vector(self, key: str) -> np.ndarray:
        """float32 ``[dim]``: the raw vector of ``key``."""
        return self.vectors[self.index(key)]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.vector(key)

    @property
    def unit(self) -> np.ndarray:
        """float32 ``[n, dim]``: every vector scaled to length 1 (cached; reset by
        :meth:`invalidate` after the vectors change)."""
        if self._unit is None or self._unit.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = (self.vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return self._unit

    def invalidate(self) -> None:
        """Forget the cached unit vectors (call after changing ``vectors`` in place)."""
        self._unit = None

    # ---- queries ----------------------------------------------------------------------------
    def _as_unit(self, item: Query) -> np.ndarray:
        if isinstance(item, str):
            return self.unit[self.index(item)]
        v = np.asarray(item, dtype=np.float32)
        if v.shape != (self.dim,):
            raise IllustratedError(f"expected a vector of shape [{self.dim}], got {v.shape}")
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two keys."""
        return float(self.unit[self.index(a)] @ self.unit[self.index(b)])

    def most_similar(self, positive: Query | Iterable[Query] = (), negative: Iterable[Query] = (),
                     topn: int = 10, restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """The ``topn`` keys nearest (cosine) to the mean of ``positive`` minus ``negative``.

        Keys given as queries are left out of the answer. ``restrict_vocab`` searches only the
        first (most frequent) keys.
        """
        if isinstance(positive, (str, np.ndarray)):
            positive = [positive]
        positive, negative = list(positive), list(negative)
        if not positive and not negative:
            raise IllustratedError("most_similar needs at least one positive or negative query")
        terms = [self._as_unit(p) for p in positive] + [-self._as_unit(n) for n in negative]
        query = np.mean(terms, axis=0)
        exclude = [q for q in positive + negative if isinstance(q, str)]
        return self.similar_by_vector(query, topn, exclude=exclude, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vec: np.ndarray, topn: int = 10, exclude: Iterable[str] = (),
                          restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """The ``topn`` keys nearest (cosine) to ``vec`` (float ``[dim]``), skipping ``exclude``."""
        unit = self._searched(topn, restrict_vocab)
        scores = unit @ self._as_unit(vec)
        skip = {self.key_to_index[k] for k in exclude if k in self.key_to_index}
        return self._top(scores, topn, skip)

    def _searched(self, topn: int, restrict_vocab: int | None) -> np.ndarray:
        """The unit vectors a query searches, after checking ``topn`` and ``restrict_vocab``."""
        if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 0:
            raise IllustratedError(f"topn must be 0 or more, got {topn!r}")
        if restrict_vocab is None:
            return self.unit
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)) \
                or restrict_vocab < 1:
            raise IllustratedError(f"restrict_vocab must be at least 1, got {restrict_vocab!r}")
        return self.unit[:restrict_vocab]

    def _top(self, scores: np.ndarray, topn: int, skip: set[int]) -> list[tuple[str, float]]:
        k = min(topn + len(skip), len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.keys[i], float(scores[i])) for i in best if i not in skip][:topn]

    def analogy(self, a: str, b: str, c: str, topn: int = 1, method: str = "add",
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Keys ``d`` nearest to ``a − b + c`` (king − man + woman → queen).

        ``method="add"`` is 3CosAdd (cos(d,a) − cos(d,b) + cos(d,c)); ``"mul"`` is 3CosMul
        (Levy & Goldberg 2014): cos'(d,a)·cos'(d,c) / (cos'(d,b) + ε) with cos' = (cos + 1) / 2.
        """
        ia, ib, ic = self.index(a), self.index(b), self.index(c)
        unit = self._searched(topn, restrict_vocab)
        sa, sb, sc = unit @ self.unit[ia], unit @ self.unit[ib], unit @ self.unit[ic]
        if method == "add":
            scores = sa - sb + sc
        elif method == "mul":
            scores = ((sa + 1) / 2) * ((sc + 1) / 2) / ((sb + 1) / 2 + 1e-3)
        else:
            raise IllustratedError(f"analogy method must be 'add' or 'mul', got {method!r}")
        return self._top(scores, topn, {ia, ib, ic})

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The key furthest from the mean of the others' unit vectors."""
        words = list(words)
        if len(words) < 2:
            raise IllustratedError("doesnt_match needs at least two keys")
        rows = self.unit[[self.index(w) for w in words]]
        mean = rows.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        return words[int(np.argmin(rows @ mean))]

    # ---- files ------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write atomically; ``.bin`` word2vec binary, ``.txt``/``.vec`` text, ``.npz`` native."""
        write_vectors(path, self.keys, self.vectors, self.counts)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "KeyedVectors":
        """Read a file written by :meth:`save`, by gensim or by the C tool (format by extension)."""
        keys, vectors, counts = read_vectors(path)
        return cls(keys, vectors, counts)
