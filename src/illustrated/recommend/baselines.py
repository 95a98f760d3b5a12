"""The simple baselines every recommender must beat, as scorers over the whole catalogue.

Studies of session-based recommendation keep finding that a few simple methods are hard to beat
(Ludewig, Latifi, Mauro & Jannach, *Empirical analysis of session-based recommendation
algorithms*, UMUAI 2021): so ``recommend evaluate`` and the benchmark report every model next to

* :class:`PopularityScorer` — the most popular items, the same list for everyone;
* :class:`CooccurrenceScorer` — "also watched": items that shared a session with the latest items;
* :class:`SequentialRulesScorer` — "what came next": items that *followed* the latest items
  within a few positions (the study's SR);
* :class:`SessionKNNScorer` — the sessions most like this one vote for their items (SKNN), and
  with recency weights, V-SKNN (the study's strongest simple method on many data sets).

Each takes the training sessions (lists of item ids) and the catalogue, and answers
``scores(context)``: float ``[len(catalogue)]``, higher is better, ``-inf`` for the context's own
items (never recommended). Ties are broken by popularity, by amounts too small to outweigh any
real evidence, so a context with no evidence falls back to the most popular items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from ..errors import ConfigError
from .rules import rule_scores, sequential_rules

__all__ = ["PopularityScorer", "CooccurrenceScorer", "SequentialRulesScorer", "SessionKNNScorer",
           "WEIGHTINGS", "STUDY_BASELINES"]

#: Position weights for the items of a context of length ``n``, oldest first (``i = 1..n``), and
#: the decay of a neighbour's vote by the ``step``-th latest context item it shares (session-rec's
#: ``weighting`` and ``weighting_score`` functions).
WEIGHTINGS = {
    "same": (lambda i, n: np.ones_like(i, dtype=np.float64), lambda step: np.ones_like(step, dtype=np.float64)),
    "div": (lambda i, n: i / n, lambda step: 1.0 / step),
    "linear": (lambda i, n: np.maximum(1.0 - 0.1 * (n - i), 0.0),
               lambda step: np.maximum(1.0 - 0.1 * step, 0.0)),
    "quadratic": (lambda i, n: (i / n) ** 2, lambda step: 1.0 / step ** 2),
    "log": (lambda i, n: 1.0 / np.log10(n - i + 1.7), lambda step: 1.0 / np.log10(step + 1.7)),
}


class _Catalogue:
    """Item positions, training popularity, the tie-break and the exclusion of context items."""

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str]) -> None:
        self.pos = {item: i for i, item in enumerate(catalogue)}
        self.size = len(catalogue)
        self.counts = np.zeros(self.size, dtype=np.float64)
        for s in sessions:
            for i in s:
                j = self.pos.get(i)
                if j is not None:
                    self.counts[j] += 1
        self.tiebreak = self.counts / (self.counts.max() + 1.0) * 1e-6 if self.size else self.counts

    def ids(self, items: Sequence[str]) -> list[int]:
        return [self.pos[i] for i in items if i in self.pos]

    def incidence(self, sessions: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Binary session × item matrix (an item counts once per session), float64."""
        rows, cols = [], []
        for r, s in enumerate(sessions):
            ids = set(self.ids(s))
            rows.extend([r] * len(ids))
            cols.extend(ids)
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sessions), self.size))

    def finish(self, scores: np.ndarray, context: Sequence[str]) -> np.ndarray:
        scores[self.ids(context)] = -np.inf
        return scores


class PopularityScorer:
    """The most popular items in training, the same list for everyone."""

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str]) -> None:
        self.cat = _Catalogue(sessions, catalogue)
        self.counts = self.cat.counts

    def scores(self, context: Sequence[str]) -> np.ndarray:
        return self.cat.finish(self.counts.copy(), context)


class CooccurrenceScorer:
    """"Also watched": items that shared a training session with the latest context items.

    ``C[i, j]`` counts sessions holding both ``i`` and ``j`` (a sparse ``X.T @ X`` over the
    session × item incidence matrix). A context scores ``sum_j decay**j * C[item_j]`` over its
    ``last`` latest items (``last=1``: the classic "people who watched this also watched").
    """

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str], last: int = 1,
                 decay: float = 0.8) -> None:
        self.cat = _Catalogue(sessions, catalogue)
        x = self.cat.incidence(sessions)
        c = (x.T @ x).tocsr()
        c.setdiag(0)
        c.eliminate_zeros()
        self.cooc = c
        self.last, self.decay = last, decay

    def scores(self, context: Sequence[str]) -> np.ndarray:
        known = self.cat.ids(context)[-self.last:]
        s = self.cat.tiebreak.copy()
        for j, idx in enumerate(reversed(known)):
            row = self.cooc.getrow(idx)
            s[row.indices] += (self.decay ** j) * row.data
        return self.cat.finish(s, context)


class SequentialRulesScorer:
    """"What came next": rules ``a → b`` for every ``b`` that followed ``a`` in a training session
    at most ``steps`` positions later, weighted ``1 / distance`` (Ludewig et al.'s SR).

    A context scores ``sum_j w_j · R[item_j]`` over its ``last`` latest items, the ``j``-th latest
    weighing ``1 / j`` (``last=1``, the study's setting, uses the latest item alone).
    """

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str], steps: int = 10,
                 last: int = 1) -> None:
        if last < 1:
            raise ConfigError(f"last must be at least 1, got {last}")
        self.cat = _Catalogue(sessions, catalogue)
        # sequential_rules checks `steps`
        self.rules = sequential_rules((self.cat.ids(s) for s in sessions), self.cat.size, steps)
        self.last = last

    def scores(self, context: Sequence[str]) -> np.ndarray:
        s = self.cat.tiebreak.copy()
        items, values = rule_scores(self.rules, self.cat.ids(context), self.last)
        s[items] += values
        return self.cat.finish(s, context)


class SessionKNNScorer:
    """The ``k`` training sessions most similar to the context vote for their items.

    ``weighting=None`` is SKNN: cosine similarity of item sets, each neighbour votes its
    similarity. A name from :data:`WEIGHTINGS` is V-SKNN (Ludewig & Jannach 2018): the context's
    items are weighted by position (the latest weighs most), a neighbour's similarity is the
    weighted overlap divided by the context's length, and its vote decays by ``score_weighting``
    of the position of the latest context item it shares; ``idf_weighting`` multiplies an item's
    votes by ``1 + idf_weighting · idf``. ``last`` keeps only the latest context items (None: all).
    """

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str], k: int = 100,
                 weighting: str | None = "div", score_weighting: str = "div",
                 idf_weighting: float = 0.0, last: int | None = None) -> None:
        for name in (weighting, score_weighting):
            if name is not None and name not in WEIGHTINGS:
                raise ConfigError(f"weighting must be one of {', '.join(WEIGHTINGS)} or None, got {name!r}")
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        self.cat = _Catalogue(sessions, catalogue)
        self.x = self.cat.incidence(sessions)
        self.by_item = self.x.tocsc()
        self.lengths = np.asarray(self.x.sum(axis=1)).ravel()
        df = np.asarray(self.x.sum(axis=0)).ravel()
        self.idf = np.log(max(len(sessions), 1) / np.maximum(df, 1.0))
        self.k, self.weighting, self.score_weighting = k, weighting, score_weighting
        self.idf_weighting, self.last = idf_weighting, last

    def _items(self, context: Sequence[str]) -> np.ndarray:
        """Known context items, each once at its latest position, oldest first."""
        ids = self.cat.ids(context)
        if self.last is not None:
            ids = ids[-self.last:]
        latest = {i: n for n, i in enumerate(ids)}
        return np.array(sorted(latest, key=latest.__getitem__), dtype=np.int64)

    def neighbours(self, context: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(sessions int64 [m], similarities float64 [m], items)`` for the ``m ≤ k`` nearest."""
        items = self._items(context)
        n = len(items)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros(0), items
        cols = self.by_item[:, items]
        if self.weighting is None:
            overlap = np.asarray(cols.sum(axis=1)).ravel()
            sims = overlap / (np.sqrt(n) * np.sqrt(np.maximum(self.lengths, 1.0)))
        else:
            w = WEIGHTINGS[self.weighting][0](np.arange(1, n + 1, dtype=np.float64), n)
            sims = cols @ w / n
        candidates = np.flatnonzero(sims > 0)
        if len(candidates) > self.k:
            candidates = candidates[np.argpartition(-sims[candidates], self.k - 1)[:self.k]]
        return candidates, sims[candidates], items

    def scores(self, context: Sequence[str]) -> np.ndarray:
        s = self.cat.tiebreak.copy()
        nbrs, sims, items = self.neighbours(context)
        if len(nbrs):
            votes = sims
            if self.weighting is not None:
                shared = self.x[nbrs][:, items]  # which context items each neighbour holds
                latest = np.array([r.indices.max() for r in shared], dtype=np.float64)
                votes = sims * WEIGHTINGS[self.score_weighting][1](len(items) - latest)
            evidence = self.x[nbrs].T @ votes
            if self.idf_weighting:
                evidence = evidence * (1.0 + self.idf_weighting * self.idf)
            s += evidence
        return self.cat.finish(s, context)


# The baselines `recommend evaluate` reports, at the settings of Ludewig et al. (SR: rules up to 10
# steps ahead, the latest item; SKNN: 100 neighbours, cosine; V-SKNN: 100 neighbours, recency-weighted).
STUDY_BASELINES = {
    "most popular": PopularityScorer,
    "co-occurrence": CooccurrenceScorer,
    "sequential rules": lambda s, c: SequentialRulesScorer(s, c, steps=10, last=1),
    "SKNN": lambda s, c: SessionKNNScorer(s, c, k=100, weighting=None),
    "V-SKNN": lambda s, c: SessionKNNScorer(s, c, k=100, weighting="div", score_weighting="div"),
}
