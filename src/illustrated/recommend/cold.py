"""Cold items: vectors from attributes alone, items added to a running catalogue, and the parts
of an item's vector.

An item with attributes but no events to learn from — new in the catalogue, below ``min_count``,
or never in a session with another item — gets its vector from what it shares with the items
that were learned (:class:`ColdStart`), the mean of two unit vectors:

* the mean of its known attribute rows (Wang et al., KDD 2018, EGES: the attribute embeddings
  live in the same space as the items' mixed vectors);
* the popularity-weighted mean of the unit vectors of the ``cold_neighbours`` learned items that
  share the most attributes with it (Jaccard, then popularity: Grbovic & Cheng, KDD 2018, start
  a new listing from the mean of its nearest listings).

Its neighbours are ranked by cosine plus ``cold_popularity · spread · log(1 + popularity) /
log(1 + top popularity)``, ``spread`` being how far its best cosine lies above the median
item's: a vector made of attributes lies closest to the rarely seen items, whose vectors are
mostly their attributes too, while the items its users go on to are the better-known ones among
those close to it; measured in the cosines' spread, the prior cannot drown weak vectors. Both choices were measured on MovieLens 100K
validation items (never the test items), see ``bench/recommend_cold.py``.

:class:`ColdItems` adds to a :class:`~.item2vec.Recommender` what cold items need:
:meth:`~ColdItems.cold_reason`, :meth:`~ColdItems.add_item` and :meth:`~ColdItems.item_parts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ..errors import ConfigError
from .side import ADDED, ItemSide

__all__ = ["ColdStart", "ColdItems", "AddedItem", "ItemParts", "attribute_matrix"]


def attribute_matrix(side: ItemSide) -> sparse.csr_matrix:
    """Items × attribute values, binary float32 CSR ``[n, n_values]``."""
    return sparse.csr_matrix((np.ones(len(side.indices), np.float32), side.indices, side.indptr),
                             shape=(len(side), len(side.values)))


class ColdStart:
    """Vectors for cold items from the learned items of ``side`` (``learned`` int64 ``[w]``:
    their rows): the attribute rows, and which learned items carry each value (CSC, so a cold
    item's overlap with every learned item costs the items sharing one of its values)."""

    def __init__(self, side: ItemSide, learned: np.ndarray) -> None:
        self.value_vectors = side.value_vectors
        self.learned = np.asarray(learned, np.int64)
        self.by_value = attribute_matrix(side)[self.learned].tocsc()
        self.sizes = np.diff(side.indptr)[self.learned].astype(np.float64)

    def vector(self, value_ids, unit: np.ndarray, popularity: np.ndarray,
               neighbours: int) -> np.ndarray:
        """The unit vector (float32 ``[dim]``) of an item with the attribute values ``value_ids``,
        from the mean of their rows and the ``neighbours`` learned items sharing the most of them
        (Jaccard, then popularity), weighted by popularity; zero with no known value. ``unit``
        float32 ``[n, dim]`` and ``popularity`` ``[n]`` are the catalogue's."""
        ids = np.unique(np.asarray(value_ids, np.int64))
        if len(ids) == 0:
            return np.zeros(unit.shape[1], np.float32)
        parts = [_unit(self.value_vectors[ids].astype(np.float64).mean(axis=0))]
        if neighbours > 0 and len(self.learned):
            shared = self.by_value[:, ids].sum(axis=1).A1
            rows = np.flatnonzero(shared)
            if len(rows):
                pop = np.asarray(popularity, np.float64)[self.learned[rows]]
                jaccard = shared[rows] / np.maximum(self.sizes[rows] + len(ids) - shared[rows], 1.0)
                top = rows[np.lexsort((-pop, -jaccard))[:neighbours]]
                items = self.learned[top]
                weights = np.maximum(np.asarray(popularity, np.float64)[items], 1.0)
                parts.append(_unit(weights @ unit[items].astype(np.float64)))
        return _unit(np.sum(parts, axis=0)).astype(np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 1e-12 else np.zeros_like(v)


@dataclass
class AddedItem:
    """What :meth:`ColdItems.add_item` did: the attribute values its vector came from, those the
    model does not know (and why), and whether it got a vector at all (``usable``)."""

    item: str
    known: list[str]
    unknown: list[str]
    usable: bool
    reason: str

    def to_dict(self) -> dict:
        return {"item": self.item, "known": self.known, "unknown": self.unknown,
                "usable": self.usable, "cold": True, "reason": self.reason}


@dataclass
class ItemParts:
    """An item's vector and what it is made of (what a picture of it draws).

    ``vector`` float32 ``[dim]`` is what queries use; ``id_vector`` float32 ``[dim]`` the item's
    own learned row (None for a cold item); ``attribute_vectors`` float32 ``[m, dim]`` the rows of
    its ``attributes``; ``weights`` float32 ``[1 + m]`` how much its own row and each attribute
    row weigh in ``vector`` (summing to 1).
    """

    item: str
    vector: np.ndarray
    id_vector: np.ndarray | None
    attributes: list[str] = field(default_factory=list)
    attribute_vectors: np.ndarray | None = None
    weights: np.ndarray | None = None
    cold: bool = False
    reason: str | None = None


class ColdItems:
    """Cold items for a :class:`~.item2vec.Recommender` (which holds ``vectors``, ``unit``,
    ``popularity``, ``index``, ``names``, ``rules`` and ``side``)."""

    side: ItemSide | None

    def cold_reason(self, item: str) -> str | None:
        """Why ``item`` is cold (no events to learn from, its vector from its attributes), or
        None when it was learned from events (or is unknown)."""
        idx = self.vectors.key_to_index.get(item)
        return None if idx is None or self.side is None else self.side.cold_reason(idx)

    def is_cold(self, item: str) -> bool:
        return self.cold_reason(item) is not None

    def _cold_settings(self) -> tuple[int, float]:
        from .config import Item2VecConfig

        c = self.config if self.config is not None else Item2VecConfig()
        return c.cold_neighbours, c.cold_popularity

    def _cold_similar(self, idx: int, k: int):
        """:meth:`similar` for cold item ``idx``: its neighbours with the popularity prior, or
        the most popular items when it has no vector; the reason says it is cold and why."""
        item, cold = self.vectors.keys[idx], self.side.cold_reason(idx)
        if not self._has_vector[idx]:
            answer = self._popular_answer(k, {idx}, f"item {item!r} has a zero vector: most "
                                          f"popular items instead; {cold}", [])
            answer.cold = True
            return answer
        ids, scores = self._cold_ranking(idx, k)
        return self._result(ids, scores, False, f"nearest items to {item!r} by cosine, plus a "
                            f"popularity prior; {cold}", [], 1, True)

    def _cold_ranking(self, idx: int, k: int) -> tuple[list[int], list[float]]:
        """The ``k`` best items for cold item ``idx``: cosine plus the popularity prior, exact over
        the cosine index's candidates and the most popular items. The prior is measured in the
        cosines' own spread (the best one's lead over the median item's), so weak vectors, whose
        cosines barely differ, are not drowned by popularity."""
        _, beta = self._cold_settings()
        q = self.unit[idx]
        prior = np.log1p(self.popularity.astype(np.float64))
        prior /= max(float(prior.max()), 1e-12)
        if self.index.kind == "exact":
            cand = np.flatnonzero(self._has_vector)
        else:
            ids, _ = self.index.search(q[None, :], max(4 * k, 100), [{idx}])
            cand = np.union1d(ids[0][ids[0] >= 0], self._popular[:max(4 * k, 100)])
        cand = cand[cand != idx]
        cosine = self.unit[cand] @ q
        if len(cand) == 0:
            return [], []
        median = float(np.median(self.unit[::max(1, len(self.unit) // 1000)] @ q))
        total = cosine + beta * max(float(cosine.max()) - median, 0.0) * prior[cand]
        best = np.argsort(-total, kind="stable")[:k]
        return [int(i) for i in cand[best]], [round(float(t), 6) for t in total[best]]

    def add_item(self, item: str, name: str | None = None,
                 attributes: Mapping[str, object] | None = None) -> AddedItem:
        """Add a cold item to the running catalogue: its vector from ``attributes`` (field →
        value, list of values or ``|``-separated values, as in the training file), inserted into
        the index, so :meth:`similar` answers for it at once.

        Unknown fields, unknown values and numbers that are not numbers are reported in
        ``unknown``; with no known value the item is added without a vector and answers with
        the most popular items, saying so. Not safe to call while another thread queries.
        """
        if self.side is None or self.side.schema is None:
            raise ConfigError("this model was trained without attributes: it cannot place a new "
                              "item (train with --attributes)")
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"an item id must be a non-empty string, got {item!r}")
        if item in self.vectors.key_to_index:
            raise ConfigError(f"item {item!r} is already in the catalogue")
        if attributes is not None and not isinstance(attributes, Mapping):
            raise ConfigError("attributes must map fields to values")
        labels, problems = self.side.schema.values(attributes or {})
        known = [v for v in labels if v in self.side.value_index]
        unknown = [v for v in labels if v not in self.side.value_index] + problems
        ids = [self.side.value_index[v] for v in known]
        neighbours, _ = self._cold_settings()
        if getattr(self, "_cold_start", None) is None:   # learned items never change: built once
            self._cold_start = ColdStart(self.side, np.flatnonzero(self.side.cold == 0))
        vector = self._cold_start.vector(ids, self.unit, self.popularity, neighbours)
        self._append(item, name, vector, ids)
        usable = bool(np.any(vector))
        reason = (f"cold item: {len(known)} known attribute value(s) give its vector" if usable
                  else "cold item: no known attribute value, so it has no vector (its neighbours "
                       "are the most popular items)")
        if unknown:
            reason += f"; unknown: {', '.join(unknown[:10])}"
        return AddedItem(item, known, unknown, usable, reason)

    def _append(self, item: str, name: str | None, vector: np.ndarray, value_ids: list[int]) -> None:
        n = len(self.vectors.keys)
        kv = self.vectors
        kv.keys.append(item)
        kv.key_to_index[item] = n
        kv.vectors = np.vstack([kv.vectors, vector[None, :]])
        kv.counts = np.append(kv.counts, 0).astype(np.int64)
        kv.invalidate()
        self.unit = np.vstack([self.unit, vector[None, :].astype(np.float32)])
        self._has_vector = np.append(self._has_vector, bool(np.any(vector)))
        self.popularity = np.append(self.popularity, 0).astype(np.int64)
        self._popular = np.append(self._popular, n)   # popularity 0: last, as a stable sort puts it
        if self.names is not None or name:
            self.names = (self.names or [""] * n) + [name or ""]
        if self.rules is not None:
            r = self.rules
            self.rules = sparse.csr_matrix((r.data, r.indices, np.append(r.indptr, r.indptr[-1])),
                                           shape=(n + 1, n + 1))
        self.index.add(self.unit[n:n + 1])
        self._exact = None
        self.side.append(value_ids, ADDED)

    def item_parts(self, item: str) -> ItemParts:
        """``item``'s vector, its own row, its attribute rows and their weights."""
        idx = self.vectors.index(item)
        vector = self.vectors.vectors[idx]
        if self.side is None:
            return ItemParts(item, vector, vector, [], np.zeros((0, len(vector)), np.float32),
                             np.ones(1, np.float32))
        s = self.side
        ids = s.indices[s.indptr[idx]:s.indptr[idx + 1]]
        cold = bool(s.cold[idx])
        return ItemParts(item, vector, None if cold else s.id_vectors[idx], [s.values[j] for j in ids],
                         s.value_vectors[ids], s.weights(idx), cold, s.cold_reason(idx))
