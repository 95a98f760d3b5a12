"""A model that went wrong is never saved, loaded or served; an answer is never empty."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustrated.errors import FormatError
from illustrated.files import read_npz, write_npz
from illustrated.recommend import Recommender
from illustrated.word2vec import KeyedVectors


def catalogue(n=30, dim=8, seed=0, zero_rows=()) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors[list(zero_rows)] = 0.0
    return KeyedVectors([f"i{j:03d}" for j in range(n)], vectors, np.arange(n, 0, -1))


@pytest.fixture
def nan_model_file(tmp_path):
    """A model file whose vectors turned NaN, written around save's check (as damage would)."""
    good = tmp_path / "good.npz"
    Recommender(catalogue()).save(good)
    arrays, meta = read_npz(good)
    arrays["vectors"] = arrays["vectors"].copy()
    arrays["vectors"][[3, 4, 9]] = np.nan
    write_npz(tmp_path / "nan.npz", arrays, meta)
    return tmp_path / "nan.npz"


def test_save_refuses_nan_vectors_and_leaves_no_file(tmp_path):
    rec = Recommender(catalogue())
    rec.vectors.vectors[5] = np.nan
    with pytest.raises(FormatError, match=r"m\.npz: 1 of 30 rows of item vectors are not finite "
                                          r"\(NaN or infinity; first: row 5 \('i005'\)\); refusing "
                                          "to save"):
        rec.save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_nan_vectors(nan_model_file):
    with pytest.raises(FormatError, match=r"nan\.npz: 3 of 30 rows of item vectors are not finite"
                                          r" .*first: row 3 \('i003'\)\); refusing to load"):
        Recommender.load(nan_model_file)


def test_a_recommender_is_never_built_on_nan_vectors():
    kv = catalogue()
    kv.vectors[0, 0] = np.inf
    with pytest.raises(FormatError, match="1 of 30 rows of item vectors are not finite"):
        Recommender(kv)


def test_serve_refuses_a_nan_model_in_one_line(nan_model_file):
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", "recommend", "serve",
                        str(nan_model_file), "--port", "1"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"error: {nan_model_file}: 3 of 30 rows of item vectors are not finite")


def test_zero_vector_items_fall_back_to_popularity_and_say_so():
    rec = Recommender(catalogue(zero_rows=(0, 1)))
    answer = rec.similar("i000", k=5)
    assert answer.fallback and len(answer.items) == 5 and "i000" not in answer.items
    assert "zero vector" in answer.reason
    answer = rec.recommend(["i000", "i001"], k=5)
    assert answer.fallback and len(answer.items) == 5 and "no session item has a usable vector" \
        in answer.reason and not {"i000", "i001"} & set(answer.items)
    mixed = rec.recommend(["i000", "i002"], k=5)
    assert not mixed.fallback and mixed.used == 1 and len(mixed.items) == 5


def test_an_approximate_index_that_falls_short_is_completed_by_exact_search():
    kv = catalogue(n=200, dim=8)
    rec = Recommender(kv, index="hnsw", M=4, ef_construction=20, ef=10, threads=1)
    for i in range(0, 200, 2):  # hnswlib now skips half the items: it cannot find k = 150
        rec.index._index.mark_deleted(i)
    exact = Recommender(kv, index="exact")
    answer = rec.similar("i001", k=150)
    assert len(answer.items) == 150 and "exact search" in answer.reason
    assert answer.items == exact.similar("i001", k=150).items
    session = [f"i{j:03d}" for j in range(1, 120)]
    answer = rec.recommend(session, k=60)
    assert len(answer.items) == 60 and not set(answer.items) & set(session)
    assert "exact search" in answer.reason


ITEMS = st.integers(0, 44).map(lambda j: f"i{j:03d}")  # i040-i044 are never in a catalogue


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 40), dim=st.integers(1, 6), seed=st.integers(0, 9),
       zero=st.sets(st.integers(0, 39), max_size=8), session=st.lists(ITEMS, max_size=60),
       k=st.integers(1, 50), kind=st.sampled_from(["exact", "hnsw"]), max_context=st.integers(1, 60))
def test_answers_hold_every_item_there_is_to_offer(n, dim, seed, zero, session, k, kind, max_context):
    kv = catalogue(n, dim, seed, zero_rows=[z for z in zero if z < n])
    rec = Recommender(kv, index=kind, max_context=max_context, M=4, ef_construction=16, ef=4,
                      threads=1)
    known = {s for s in session if s in rec}
    answer = rec.recommend(session, k)
    assert len(answer.items) == min(k, n - len(known))
    assert not set(answer.items) & set(session) and len(set(answer.items)) == len(answer.items)
    assert len(answer.scores) == len(answer.names) == len(answer.items)
    assert all(np.isfinite(answer.scores)) and answer.used <= max_context
    for item in list(known)[:2] or ["i044"]:
        near = rec.similar(item, k)
        assert len(near.items) == min(k, n - (item in rec)) and item not in near.items


@pytest.mark.parametrize("keys", [["a", "a\x00", "b"], ["a\x00", "b", "c"]])
def test_an_id_the_model_file_cannot_hold_is_refused_on_save_and_nothing_is_written(tmp_path, keys):
    rec = Recommender(KeyedVectors(keys, np.eye(3, 4, dtype=np.float32) + 0.1, np.array([3, 2, 1])))
    with pytest.raises(FormatError, match=r"m\.npz: item id 'a\\x00' ends in a NUL character, which the "
                                          r"model file cannot hold; refusing to save"):
        rec.save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_recommend_train_on_ids_ending_in_nul_fails_before_writing(tmp_path):
    data = tmp_path / "s.txt"
    data.write_bytes(b"a\x00 b c d\nb c d a\x00 a\nc d a\x00 b\n" * 6)
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", "recommend", "train", str(data), "-o",
                        str(tmp_path / "m.npz"), "--epochs", "1", "--threads", "1"], capture_output=True, text=True)
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 1 and last.startswith("error: ") and "ends in a NUL character" in last, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "m.npz").exists()
