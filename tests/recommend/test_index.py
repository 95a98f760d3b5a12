"""Exact and approximate indexes agree; exclusion, sharding and bad queries."""

import numpy as np
import pytest

from illustrated.errors import ConfigError
from illustrated.recommend.index import (ExactIndex, HnswIndex, ShardedIndex, index_from_arrays,
                                         normalise, recall_at_k)


@pytest.fixture(scope="module")
def unit():
    return normalise(np.random.default_rng(0).standard_normal((2000, 16)))


def test_exact_matches_brute_force_with_exclusion(unit):
    q = unit[:5]
    ids, sc = ExactIndex(unit, block=300).search(q, 7, exclude=[{i} for i in range(5)])
    full = q @ unit.T
    for r in range(5):
        full[r, r] = -np.inf
        expect = np.argsort(-full[r], kind="stable")[:7]
        assert ids[r].tolist() == expect.tolist()
        assert np.allclose(sc[r], full[r, expect], atol=1e-5)
        assert r not in ids[r]


def test_hnsw_agrees_with_exact_on_a_small_catalogue(unit):
    exact = ExactIndex(unit)
    approx = HnswIndex(unit, M=16, ef_construction=200, ef=100, threads=1)
    queries = normalise(np.random.default_rng(1).standard_normal((100, 16)))
    assert recall_at_k(approx, exact, queries, k=10) >= 0.98
    a, sa = approx.search(queries[:3], 5)
    e, se = exact.search(queries[:3], 5)
    assert np.allclose(sa, se, atol=1e-4)
    ids, _ = approx.search(unit[:2], 5, exclude=[{0}, {1, 2}])
    assert 0 not in ids[0] and not {1, 2} & set(ids[1].tolist())


def test_hnsw_round_trips_through_arrays(unit):
    approx = HnswIndex(unit[:300], ef=50, threads=1)
    back = index_from_arrays("hnsw", unit[:300], approx.to_arrays())
    assert np.array_equal(back.search(unit[:10], 5)[0], approx.search(unit[:10], 5)[0])


def test_sharded_index_equals_one_exact_index(unit):
    whole = ExactIndex(unit)
    shards = ShardedIndex([ExactIndex(unit[:700]), ExactIndex(unit[700:1500]), ExactIndex(unit[1500:])])
    q = unit[690:710]
    ex = [{690 + i} for i in range(20)]
    assert np.array_equal(shards.search(q, 10, ex)[0], whole.search(q, 10, ex)[0])


def test_k_larger_than_catalogue_and_bad_queries(unit):
    ids, sc = ExactIndex(unit[:3]).search(unit[:1], 10, exclude=[{0}])
    assert ids.shape == (1, 3) and ids[0, 2] == -1 and set(ids[0, :2].tolist()) == {1, 2}
    with pytest.raises(ConfigError, match="k must be"):
        ExactIndex(unit).search(unit[:1], 0)
    with pytest.raises(ConfigError, match=r"shape \[m, 16\]"):
        ExactIndex(unit).search(np.zeros((1, 3)), 5)
