"""Sequential rules: the table against hand-computed values, and the recommender that adds them to
its vector scores — exact answers, a round trip through the file, damaged tables refused."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from illustrated.errors import FormatError
from illustrated.files import read_npz, write_npz
from illustrated.recommend import Recommender
from illustrated.recommend.rules import keep_top, rule_scores, sequential_rules


def test_rules_by_hand():
    # session 0 1 2 0: 0→1 (1), 0→2 (1/2), 0→0 (1/3), 1→2 (1), 1→0 (1/2), 2→0 (1); session 1 2: 1→2 (1)
    table = sequential_rules([np.array([0, 1, 2, 0]), np.array([1, 2])], 3, steps=3).toarray()
    expected = np.array([[1 / 3, 1, 1 / 2], [1 / 2, 0, 2], [1, 0, 0]], np.float32)
    np.testing.assert_allclose(table, expected, rtol=1e-6)
    # steps=1: only neighbours
    np.testing.assert_allclose(sequential_rules([np.array([0, 1, 2, 0])], 3, steps=1).toarray(),
                               [[0, 1, 0], [0, 0, 1], [1, 0, 0]])


def test_keep_top_keeps_each_rows_strongest():
    table = sparse.csr_matrix(np.array([[0, 3, 1, 2], [5, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]], np.float32))
    np.testing.assert_array_equal(keep_top(table, 2).toarray(),
                                  [[0, 3, 0, 2], [5, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]])


def test_rule_scores_weigh_the_latest_items_most():
    table = sparse.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 2], [0, 0, 0, 0], [0, 0, 4, 0]], np.float32))
    items, values = rule_scores(table, [0, 1, 3], last=2)   # 3 (weight 1) and 1 (weight 1/2) vote
    assert items.tolist() == [2, 3] and values.tolist() == [4.0, 1.0]
    items, values = rule_scores(table, [0, 1, 3], last=1)
    assert items.tolist() == [2] and values.tolist() == [4.0]
    assert len(rule_scores(table, [], last=3)[0]) == 0


def _with_rules(model, weight: float, last: int = 5) -> Recommender:
    ids = [np.array([model.vectors.key_to_index[i] for i in s], np.int64)
           for s in _sessions(model)]
    return Recommender(model.vectors, model.popularity, index="exact", rules=sequential_rules(ids, len(model), 10),
                       rules_weight=weight, rules_last=last)


def _sessions(model):
    keys = model.vectors.keys
    rng = np.random.default_rng(0)
    return [[keys[j] for j in rng.integers(0, len(keys), 12)] for _ in range(200)]


@settings(max_examples=25, deadline=None)
@given(weight=st.sampled_from([0.0, 0.1, 0.5, 2.0, 50.0]), last=st.integers(1, 6), seed=st.integers(0, 10_000),
       length=st.integers(1, 30), k=st.integers(1, 40))
def test_recommend_is_exactly_the_top_of_the_combined_score(model, weight, last, seed, length, k):
    rec = _with_rules(model, weight, last)
    keys = rec.vectors.keys
    session = [keys[j] for j in np.random.default_rng(seed).integers(0, len(keys), length)]
    answer = rec.recommend(session, k)
    scores = rec.score_all(session)
    order = np.argsort(-scores, kind="stable")[:len(answer.items)]
    assert len(answer.items) == min(k, int(np.isfinite(scores).sum()))
    np.testing.assert_allclose(answer.scores, scores[order], atol=1e-5)   # the same scores, best first
    assert not set(answer.items) & set(session)


def test_rules_change_the_answer_toward_what_followed(model):
    plain, mixed = _with_rules(model, 0.0), _with_rules(model, 50.0, last=1)
    session = _sessions(model)[0][:5]
    after = rule_scores(mixed.rules, [mixed.vectors.key_to_index[i] for i in session], 1)
    followers = {mixed.vectors.keys[i] for i in after[0]} - set(session)
    top = mixed.recommend(session, len(followers)).items
    assert set(top) == followers and set(top) != set(plain.recommend(session, len(followers)).items)
    assert "what followed the latest 1" in mixed.recommend(session, 3).reason


def test_rules_round_trip_and_damaged_tables_are_refused(model, tmp_path):
    rec = _with_rules(model, 0.5, last=3)
    rec.save(tmp_path / "r.npz")
    back = Recommender.load(tmp_path / "r.npz")
    assert (back.rules != rec.rules).nnz == 0 and (back.rules_weight, back.rules_last) == (0.5, 3)
    session = model.vectors.keys[:6]
    assert back.recommend(session, 8) == rec.recommend(session, 8)
    arrays, meta = read_npz(tmp_path / "r.npz")
    for name, bad in [("rules_indices", arrays["rules_indices"] + len(model)),
                      ("rules_indptr", arrays["rules_indptr"][::-1].copy()),
                      ("rules_data", np.full_like(arrays["rules_data"], np.nan))]:
        write_npz(tmp_path / "bad.npz", {**arrays, name: bad}, meta)
        with pytest.raises(FormatError, match="bad.npz: .*(rules|rule weights)"):
            Recommender.load(tmp_path / "bad.npz")


def test_one_long_session_is_gathered_within_the_chunk_limit(monkeypatch):
    import tracemalloc

    from illustrated.recommend import rules

    rng = np.random.default_rng(0)
    long = rng.integers(0, 40, 200_000)
    whole = sequential_rules([long], 40, steps=10)           # 2M pairs, gathered at once below the limit
    monkeypatch.setattr(rules, "_CHUNK", 20_000)
    tracemalloc.start()
    try:
        parts = sequential_rules([long], 40, steps=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20                                    # every pair at once: about 60 MiB
    np.testing.assert_allclose(parts.toarray(), whole.toarray(), rtol=1e-5)
    expected = np.zeros((40, 40))
    for d in range(1, 11):
        np.add.at(expected, (long[:-d], long[d:]), 1.0 / d)
    np.testing.assert_allclose(parts.toarray(), expected, rtol=1e-4)
