"""Cold-item evaluation: items held out of training entirely, and how well their neighbours match.

The protocol: hold out a share of the items with enough events (:func:`hold_out_items`; every
event of theirs removed from training), train with attributes, and for each held-out item compare
the model's 10 nearest items with its *true* neighbours — the learned items nearest to it by
item-item cosine over the users who interacted with both, in the full log
(:func:`true_neighbours`). Precision@10 is the share of the 10 answers among the 10 true ones.

Beside the model, three baselines that see the same attributes and training popularity
(:func:`baseline_answers`): the most popular items; the most popular items sharing the most
attributes with it (Jaccard, then popularity); and attribute-only kNN (cosine of IDF-weighted
attribute indicators).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

from ..errors import ConfigError
from .sessions import History

__all__ = ["hold_out_items", "true_neighbours", "baseline_answers", "evaluate_cold", "MIN_EVENTS"]

MIN_EVENTS = 20


def hold_out_items(histories: Sequence[History], share: float, seed: int = 1,
                   min_events: int = MIN_EVENTS, exclude: set[str] | None = None) -> set[str]:
    """A random ``share`` of the items with at least ``min_events`` events (not in ``exclude``)."""
    if not 0 < share < 1:
        raise ConfigError(f"the share of items to hold out must be in (0, 1), got {share!r}")
    counts: dict[str, int] = {}
    for h in histories:
        for i in h.items:
            counts[i] = counts.get(i, 0) + 1
    eligible = sorted(i for i, c in counts.items() if c >= min_events and i not in (exclude or ()))
    if not eligible:
        raise ConfigError(f"no item has {min_events} events or more: none to hold out")
    rng = np.random.default_rng(seed)
    return set(rng.permutation(eligible)[:max(1, int(share * len(eligible)))].tolist())


def _users(histories: Sequence[History], items: list[str]) -> sparse.csr_matrix:
    """Binary items × users matrix (an item counts once per user), float64 CSR."""
    pos = {item: i for i, item in enumerate(items)}
    rows, cols = [], []
    for u, h in enumerate(histories):
        for i in {pos[x] for x in h.items if x in pos}:
            rows.append(i)
            cols.append(u)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(items), len(histories)))


def true_neighbours(histories: Sequence[History], queries: Sequence[str], candidates: Sequence[str],
                    k: int = 10) -> dict[str, list[str]]:
    """Each query item's ``k`` candidates of highest cosine ``|U_a ∩ U_b| / √(|U_a| |U_b|)`` over
    their users in ``histories`` (those sharing no user never count; ties by candidate order)."""
    q, c = _users(histories, list(queries)), _users(histories, list(candidates))
    overlap = (q @ c.T).toarray()
    norms = np.sqrt(np.outer(np.asarray(q.sum(axis=1)).ravel(), np.asarray(c.sum(axis=1)).ravel()))
    cosine = np.where(overlap > 0, overlap / np.maximum(norms, 1e-12), 0.0)
    out = {}
    for r, item in enumerate(queries):
        order = np.argsort(-cosine[r], kind="stable")[:k]
        out[item] = [candidates[j] for j in order if cosine[r, j] > 0]
    return out


def baseline_answers(attributes: Mapping[str, Sequence[str]], popularity: Mapping[str, int],
                     queries: Sequence[str], candidates: Sequence[str],
                     k: int = 10) -> dict[str, dict[str, list[str]]]:
    """system → query → its ``k`` answers among ``candidates``, for the three baselines."""
    values = sorted({v for i in list(candidates) + list(queries) for v in attributes.get(i, ())})
    col = {v: j for j, v in enumerate(values)}

    def matrix(items):
        rows = [(r, col[v]) for r, i in enumerate(items) for v in set(attributes.get(i, ()))]
        r, c = zip(*rows) if rows else ((), ())
        return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(items), len(values)))

    a, b = matrix(candidates), matrix(queries)
    pop = np.array([popularity.get(i, 0) for i in candidates], dtype=np.float64)
    tiny = 1e-6 * pop / max(pop.max(), 1.0)
    shared = (b @ a.T).toarray()
    sizes_a, sizes_b = np.asarray(a.sum(axis=1)).ravel(), np.asarray(b.sum(axis=1)).ravel()
    jaccard = shared / np.maximum(sizes_b[:, None] + sizes_a[None, :] - shared, 1.0)
    idf = np.log(len(candidates) / np.maximum(np.asarray(a.sum(axis=0)).ravel(), 1.0))
    wa, wb = a.multiply(idf[None, :]).tocsr(), b.multiply(idf[None, :]).tocsr()
    knn = (wb @ wa.T).toarray() / np.maximum(
        np.outer(np.sqrt(np.asarray(wb.multiply(wb).sum(axis=1)).ravel()),
                 np.sqrt(np.asarray(wa.multiply(wa).sum(axis=1)).ravel())), 1e-12)
    popular = [candidates[j] for j in np.argsort(-pop, kind="stable")[:k]]
    out: dict[str, dict[str, list[str]]] = {"most popular": {}, "Jaccard, then popularity": {},
                                            "attribute kNN": {}}
    for r, item in enumerate(queries):
        out["most popular"][item] = popular
        out["Jaccard, then popularity"][item] = [
            candidates[j] for j in np.argsort(-(jaccard[r] + tiny), kind="stable")[:k]]
        out["attribute kNN"][item] = [candidates[j] for j in np.argsort(-knn[r], kind="stable")[:k]]
    return out


def precision(answers: Mapping[str, Sequence[str]], truth: Mapping[str, Sequence[str]],
              k: int = 10) -> float:
    """Mean share of each query's first ``k`` answers among its true neighbours."""
    if not truth:
        return 0.0
    return float(np.mean([len(set(list(answers.get(q, ()))[:k]) & set(t)) / k
                          for q, t in truth.items()]))


def evaluate_cold(recommender, histories: Sequence[History],
                  attributes: Mapping[str, Sequence[str]] | None = None,
                  k: int = 10) -> dict:
    """Precision@``k`` of the recommender's answers for its cold items that have events in
    ``histories`` (the full log), and of the baselines (their attributes from ``attributes``,
    else the model's own), against each item's true neighbours among the learned items."""
    side = recommender.side
    if side is None:
        raise ConfigError("the model has no attributes and so no cold items to evaluate")
    keys = recommender.vectors.keys
    seen = {i for h in histories for i in h.items}
    queries = [keys[i] for i in np.flatnonzero(side.cold) if keys[i] in seen]
    candidates = [keys[i] for i in np.flatnonzero(side.cold == 0)]
    if not queries:
        raise ConfigError("none of the model's cold items has events in the log: nothing to "
                          "compare (hold items out of training, e.g. train --hold-out-items 0.15)")
    truth = {q: t for q, t in true_neighbours(histories, queries, candidates, k).items() if t}
    attrs = attributes if attributes is not None else {
        keys[i]: side.values_of(i) for i in range(len(keys))}
    popularity = dict(zip(keys, recommender.popularity.tolist()))
    rows = {name: precision(answers, truth, k) for name, answers in
            baseline_answers(attrs, popularity, list(truth), candidates, k).items()}
    rows["ours"] = precision({q: recommender.similar(q, k).items for q in truth}, truth, k)
    unit, learned = recommender.unit, np.flatnonzero(side.cold == 0)
    k2i = recommender.vectors.key_to_index
    rows["ours, cosine alone"] = precision(
        {q: [keys[j] for j in learned[np.argsort(-(unit[learned] @ unit[k2i[q]]), kind="stable")[:k]]]
         for q in truth}, truth, k)
    best = max(v for n, v in rows.items() if not n.startswith("ours"))
    return {"cases": len(truth), "precision": rows,
            "ours / best baseline": round(rows["ours"] / best, 3) if best else None}
