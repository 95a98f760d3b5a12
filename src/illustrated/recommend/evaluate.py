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
_BATCH = 512   # cases scored at once by a scorer with ``scores_batch``


class Scorer(Protocol):
    """Scores for every catalogue item given a context: float ``[n_catalogue]``, -inf = never.

    A scorer may also offer ``scores_batch(contexts)``, float ``[len(contexts), n_catalogue]``,
    the same rows at once; :func:`evaluate` then uses it.
    """

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
    batch = getattr(scorer, "scores_batch", None)
    for start in range(0, len(cases), _BATCH if batch else 1):
        part = cases[start:start + (_BATCH if batch else 1)]
        scores = batch([c.context for c in part]) if batch else [scorer.scores(part[0].context)]
        for case, row in zip(part, scores):
            t = pos.get(case.target)
            ranks.append(-1 if t is None else rank_of(row, t))
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

    def scores_batch(self, contexts: Sequence[Sequence[str]]) -> np.ndarray:
        """:meth:`scores` for many contexts, float32 ``[len(contexts), n_catalogue]``."""
        inner = self.recommender.score_batch(contexts)
        s = np.full((len(contexts), len(self.map)), -np.inf, dtype=np.float32)
        s[:, self.has] = inner[:, self.map[self.has]]
        for r, context in enumerate(contexts):
            s[r, [self.pos[i] for i in context if i in self.pos]] = -np.inf
        return s
