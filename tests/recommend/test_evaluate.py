"""Metrics equal hand-computed values; baselines rank as they should."""

import math

import numpy as np
import pytest

from illustrated.errors import ConfigError
from illustrated.recommend.baselines import (CooccurrenceScorer, PopularityScorer,
                                             SequentialRulesScorer, SessionKNNScorer)
from illustrated.recommend.evaluate import evaluate, metrics_from_ranks, rank_of
from illustrated.recommend.sessions import Case


def test_metrics_by_hand():
    # ranks 0, 2, 15 and a miss; k=10 counts the first two, k=20 the first three
    m = metrics_from_ranks([0, 2, 15, -1], ks=(10, 20))
    assert m["HR@10"] == pytest.approx(2 / 4)
    assert m["HR@20"] == pytest.approx(3 / 4)
    assert m["NDCG@10"] == pytest.approx((1 + 1 / math.log2(4)) / 4)
    assert m["NDCG@20"] == pytest.approx((1 + 0.5 + 1 / math.log2(17)) / 4)
    assert m["MRR@10"] == pytest.approx((1 + 1 / 3) / 4)
    assert m["MRR@20"] == pytest.approx((1 + 1 / 3 + 1 / 16) / 4)


def test_rank_counts_better_items_ties_by_position_and_misses():
    s = np.array([0.5, 0.9, 0.5, -np.inf, 0.1])
    assert rank_of(s, 1) == 0
    assert rank_of(s, 0) == 1 and rank_of(s, 2) == 2
    assert rank_of(s, 4) == 3
    assert rank_of(s, 3) == -1


def test_popularity_and_cooccurrence_on_a_tiny_example():
    train = [["a", "b"], ["a", "b"], ["a", "c"], ["d", "c"], ["d", "c"], ["d", "e"]]
    catalogue = ["a", "b", "c", "d", "e"]
    cases = [Case("u", ["a"], "b"), Case("v", ["d"], "c"), Case("w", ["b"], "e")]
    pop = PopularityScorer(train, catalogue)
    # counts: a3 b2 c3 d3 e1. Case 1 excludes a: order c, d, b → rank 2.
    # Case 2 excludes d: a, c (tie, a first) → c rank 1. Case 3 excludes b: a c d e → e rank 3.
    m = evaluate(pop, cases, catalogue, ks=(1, 2))
    assert m["HR@1"] == 0 and m["HR@2"] == pytest.approx(1 / 3)
    assert m["MRR@2"] == pytest.approx((1 / 2) / 3)
    co = CooccurrenceScorer(train, catalogue)
    # after a: b shares 2 sessions, c 1 → b rank 0; after d: c 2, e 1 → c rank 0;
    # after b: a 2, then ties at 0 broken by popularity (c, d before e) → e rank 3
    m = evaluate(co, cases, catalogue, ks=(1, 10))
    assert m["HR@1"] == pytest.approx(2 / 3)
    assert m["MRR@10"] == pytest.approx((1 + 1 + 1 / 4) / 3)
    assert m["NDCG@10"] == pytest.approx((1 + 1 + 1 / math.log2(5)) / 3)


def test_unknown_target_is_a_miss():
    m = evaluate(PopularityScorer([["a"]], ["a"]), [Case("u", [], "zzz")], ["a"], ks=(10,))
    assert m["HR@10"] == 0 and m["cases"] == 1


TINY = [["a", "b", "c"], ["a", "c"], ["b", "d"], ["c", "d", "e"]]
LETTERS = ["a", "b", "c", "d", "e"]


def real(scores):
    """The scores without the popularity tie-break (which is below 1e-6)."""
    return {item: round(float(x), 4) for item, x in zip(LETTERS, scores) if np.isfinite(x)}


def test_sequential_rules_by_hand():
    # rules within 2 steps, weight 1/distance: a→b 1, a→c 1 + 1/2 (two sessions), b→c 1, b→d 1,
    # c→d 1, c→e 1/2, d→e 1
    sr = SequentialRulesScorer(TINY, LETTERS, steps=2)
    assert real(sr.scores(["b", "a"])) == {"c": 1.5, "d": 0.0, "e": 0.0}
    s = sr.scores(["b", "a"])
    assert s[3] > s[4]  # no evidence: the more popular d before e
    # the two latest items, the older one weighing 1/2: c = 1.5 + 1/2, d = 1/2
    two = SequentialRulesScorer(TINY, LETTERS, steps=2, last=2)
    assert real(two.scores(["b", "a"])) == {"c": 2.0, "d": 0.5, "e": 0.0}
    # one step only: a→c from the second session alone
    assert real(SequentialRulesScorer(TINY, LETTERS, steps=1).scores(["a"]))["c"] == 1.0
    with pytest.raises(ConfigError, match="^steps must be at least 1, got 0$"):
        SequentialRulesScorer(TINY, LETTERS, steps=0)
    with pytest.raises(ConfigError, match="^last must be at least 1, got 0$"):
        SequentialRulesScorer(TINY, LETTERS, last=0)


def test_session_knn_by_hand():
    # context {a, b}: cosine with S1 {a,b,c} = 2/√6, S2 {a,c} = 1/2, S3 {b,d} = 1/2, S4 none
    sknn = SessionKNNScorer(TINY, LETTERS, k=3, weighting=None)
    got = real(sknn.scores(["a", "b"]))
    assert got["c"] == pytest.approx(round(2 / math.sqrt(6) + 0.5, 4))
    assert got["d"] == 0.5 and got["e"] == 0.0
    # k=1 keeps S1 alone: d loses its vote
    assert real(SessionKNNScorer(TINY, LETTERS, k=1, weighting=None).scores(["a", "b"]))["d"] == 0


def test_vector_session_knn_by_hand():
    # position weights a 1/2, b 1; similarity = weighted overlap / 2; the vote decays by 1/step of
    # the latest shared context item: S1 0.75 (b, step 1), S2 0.25 · 1/2 (a, step 2), S3 0.5
    vsknn = SessionKNNScorer(TINY, LETTERS, k=3, weighting="div", score_weighting="div")
    assert real(vsknn.scores(["a", "b"])) == {"c": 0.875, "d": 0.5, "e": 0.0}
    # idf: c is in 3 of 4 sessions, d in 2: votes × (1 + log(4/3)) and × (1 + log 2)
    idf = SessionKNNScorer(TINY, LETTERS, k=3, idf_weighting=1.0)
    got = real(idf.scores(["a", "b"]))
    assert got["c"] == pytest.approx(0.875 * (1 + math.log(4 / 3)), abs=1e-4)
    assert got["d"] == pytest.approx(0.5 * (1 + math.log(2)), abs=1e-4)


def test_baselines_never_offer_the_context_and_fall_back_to_popularity():
    for scorer in (SequentialRulesScorer(TINY, LETTERS), SessionKNNScorer(TINY, LETTERS),
                   SessionKNNScorer(TINY, LETTERS, weighting=None), CooccurrenceScorer(TINY, LETTERS)):
        s = scorer.scores(["e"])
        assert s[4] == -np.inf and np.isfinite(s[:4]).all()
        fresh = scorer.scores(["zzz"])  # nothing known: popularity order c, then a/b/d, then e
        assert int(np.argmax(fresh)) == 2 and np.isfinite(fresh).all()
