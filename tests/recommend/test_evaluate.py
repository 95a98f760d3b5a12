"""Metrics equal hand-computed values; baselines rank as they should."""

import math

import numpy as np
import pytest

from illustrated.recommend.evaluate import (CooccurrenceScorer, PopularityScorer, evaluate,
                                            metrics_from_ranks, rank_of)
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
