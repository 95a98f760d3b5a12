"""Next-item evaluation with full ranking, and the baselines every recommender must beat.

For each held-out :class:`~illustrated.recommend.sessions.Case` a scorer gives a score to every
item of the catalogue (no sampled negatives); items of the user's own context are excluded, as a
recommender would never offer them. The target's 0-based rank is the number of allowed items that
score higher (ties are broken by catalogue order), and

* HR@k   = 1 if rank < k,
* NDCG@k = 1 / log2(rank + 2) if rank < k (one relevant item, so the ideal DCG is 1),
* MRR@k  = 1 / (rank + 1) if rank < k,

each averaged over cases. A target the scorer cannot score (an item it never saw) is a miss.

Scorers: :class:`PopularityScorer` (most popular), :class:`CooccurrenceScorer` ("also watched":
items that shared sessions with the latest items), :class:`VectorScorer` (any item vectors,
through a :class:`~illustrated.recommend.item2vec.Recommender`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .sessions import Case

__all__ = ["Scorer", "PopularityScorer", "CooccurrenceScorer", "VectorScorer", "rank_of",
           "metrics_from_ranks", "evaluate", "KS"]

KS = (10, 20)


class Scorer(Protocol):
    """Scores for every catalogue item given a context: float ``[n_catalogue]``, -inf = never."""

    def scores(self, context: Sequence[str]) -> np.ndarray: ...


def rank_of(scores: np.ndarray, target: int) -> int:
    """0-based rank of ``target`` (ties broken by position); -1 if it cannot be recommended."""
    s = scores[target]
    if not np.isfinite(s):
        return -1
    return int(np.count_nonzero(scores > s) + np.count_nonzero(scores[:target] == s))


def metrics_from_ranks(ranks: Sequence[int], ks: Sequence[int] = KS) -> dict[str, float]:
    """HR@k, NDCG@k and MRR@k from 0-based ranks (-1 = missed), averaged over cases."""
    r = np.asarray(ranks, dtype=np.int64)
    out: dict[str, float] = {}
    n = max(len(r), 1)
    for k in ks:
        hit = (r >= 0) & (r < k)
        out[f"HR@{k}"] = float(hit.sum() / n)
        out[f"NDCG@{k}"] = float((1.0 / np.log2(r[hit] + 2.0)).sum() / n)
        out[f"MRR@{k}"] = float((1.0 / (r[hit] + 1.0)).sum() / n)
    return out


def evaluate(scorer: Scorer, cases: Sequence[Case], catalogue: Sequence[str],
             ks: Sequence[int] = KS) -> dict[str, float]:
    """Metrics of ``scorer`` on ``cases``, ranking the whole ``catalogue`` each time."""
    pos = {item: i for i, item in enumerate(catalogue)}
    ranks = []
    for case in cases:
        t = pos.get(case.target)
        if t is None:
            ranks.append(-1)
            continue
        ranks.append(rank_of(scorer.scores(case.context), t))
    result = metrics_from_ranks(ranks, ks)
    result["cases"] = len(ranks)
    return result


def _exclude(scores: np.ndarray, context: Sequence[str], pos: dict[str, int]) -> np.ndarray:
    seen = [pos[i] for i in context if i in pos]
    scores[seen] = -np.inf
    return scores


class PopularityScorer:
    """The most popular items in training, the same list for everyone."""

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str]) -> None:
        self.pos = {item: i for i, item in enumerate(catalogue)}
        self.counts = np.zeros(len(catalogue), dtype=np.float64)
        for s in sessions:
            for i in s:
                j = self.pos.get(i)
                if j is not None:
                    self.counts[j] += 1

    def scores(self, context: Sequence[str]) -> np.ndarray:
        return _exclude(self.counts.copy(), context, self.pos)


class CooccurrenceScorer:
    """"Also watched": items that shared a training session with the latest context items.

    ``C[i, j]`` counts sessions holding both ``i`` and ``j`` (a sparse ``X.T @ X`` over the
    session × item incidence matrix). A context scores ``sum_j decay**j * C[item_j]`` over its
    ``last`` latest items (``last=1``: the classic "people who watched this also watched"); ties
    are broken by popularity.
    """

    def __init__(self, sessions: Sequence[Sequence[str]], catalogue: Sequence[str], last: int = 1,
                 decay: float = 0.8) -> None:
        from scipy import sparse

        self.pos = {item: i for i, item in enumerate(catalogue)}
        rows, cols = [], []
        for r, s in enumerate(sessions):
            ids = {self.pos[i] for i in s if i in self.pos}
            rows.extend([r] * len(ids))
            cols.extend(ids)
        x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                              shape=(len(sessions), len(catalogue)))
        c = (x.T @ x).tocsr()
        c.setdiag(0)
        c.eliminate_zeros()
        self.cooc = c
        pop = np.asarray(x.sum(axis=0)).ravel()
        self.tiebreak = pop / (pop.max() + 1.0) * 1e-3  # never outweighs one shared session
        self.last, self.decay = last, decay

    def scores(self, context: Sequence[str]) -> np.ndarray:
        known = [self.pos[i] for i in context if i in self.pos][-self.last:]
        s = self.tiebreak.copy()
        for j, idx in enumerate(reversed(known)):
            row = self.cooc.getrow(idx)
            s[row.indices] += (self.decay ** j) * row.data
        return _exclude(s, context, self.pos)


class VectorScorer:
    """A :class:`~illustrated.recommend.item2vec.Recommender`'s session scores on the catalogue."""

    def __init__(self, recommender, catalogue: Sequence[str]) -> None:
        k2i = recommender.vectors.key_to_index
        self.recommender = recommender
        self.pos = {item: i for i, item in enumerate(catalogue)}
        self.map = np.array([k2i.get(i, -1) for i in catalogue], dtype=np.int64)
        self.has = self.map >= 0

    def scores(self, context: Sequence[str]) -> np.ndarray:
        inner = self.recommender.score_all(context)
        s = np.full(len(self.map), -np.inf, dtype=np.float32)
        s[self.has] = inner[self.map[self.has]]
        return _exclude(s, context, self.pos)
