"""Next-item evaluation with full ranking: HR, NDCG and MRR at k over held-out cases.

For each held-out :class:`~illustrated.recommend.sessions.Case` a scorer gives a score to every
item of the catalogue (no sampled negatives); items of the user's own context are excluded, as a
recommender would never offer them. The target's 0-based rank is the number of allowed items that
score higher (ties are broken by catalogue order), and

* HR@k   = 1 if rank < k,
* NDCG@k = 1 / log2(rank + 2) if rank < k (one relevant item, so the ideal DCG is 1),
* MRR@k  = 1 / (rank + 1) if rank < k,

each averaged over cases. A target the scorer cannot score (an item it never saw) is a miss.

Scorers: :class:`VectorScorer` (any item vectors, through a
:class:`~illustrated.recommend.item2vec.Recommender`) and the baselines of :mod:`.baselines`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .sessions import Case

__all__ = ["Scorer", "VectorScorer", "rank_of", "metrics_from_ranks", "evaluate", "KS"]

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
        s[[self.pos[i] for i in context if i in self.pos]] = -np.inf
        return s
