"""item2vec learns planted genres, beats popularity, and recommends as promised."""

from pathlib import Path

import numpy as np
import pytest

from illustrated.errors import ConfigError, CorpusError, FormatError
from illustrated.files import read_npz, write_npz
from illustrated.recommend import Recommendation, Recommender, train_item2vec
from illustrated.recommend.baselines import PopularityScorer
from illustrated.recommend.evaluate import VectorScorer, evaluate
from illustrated.recommend.config import Item2VecConfig

OLD_MODEL = Path(__file__).parent / "data" / "recommender-v1.npz"


def test_similar_items_share_the_hidden_genre(model, genres):
    same = total = 0
    for track in model.vectors.keys:
        rec = model.similar(track, k=5)
        assert track not in rec.items and not rec.fallback
        same += sum(genres.genre_of[t] == genres.genre_of[track] for t in rec.items)
        total += len(rec.items)
    assert same / total >= 0.9


def test_next_items_beat_popularity_on_held_out_items(model, split):
    cat = split.catalogue
    ours = evaluate(VectorScorer(model, cat), split.test, cat)
    pop = evaluate(PopularityScorer(split.train_full, cat), split.test, cat)
    assert ours["HR@10"] > 1.5 * pop["HR@10"]
    assert ours["NDCG@10"] > pop["NDCG@10"]


def test_recommend_never_returns_session_items_and_follows_the_genre(model, genres):
    rock = [t for t, g in genres.genre_of.items() if g == "rock" and t in model][:6]
    rec = model.recommend(rock, k=10)
    assert isinstance(rec, Recommendation) and not rec.fallback
    assert not set(rec.items) & set(rock)
    assert len(rec.items) == 10 and rec.scores == sorted(rec.scores, reverse=True)
    assert sum(genres.genre_of[t] == "rock" for t in rec.items) >= 8
    assert "recency-weighted" in rec.reason


def test_recency_weighting_follows_the_latest_items(model, genres):
    rock = [t for t, g in genres.genre_of.items() if g == "rock"][:5]
    jazz = [t for t, g in genres.genre_of.items() if g == "jazz"][:2]
    model.decay, old = 0.3, model.decay
    try:
        rec = model.recommend(rock + jazz, k=5)
    finally:
        model.decay = old
    assert sum(genres.genre_of[t] == "jazz" for t in rec.items) >= 4


def test_unknown_items_fall_back_to_popularity_and_say_so(model):
    rec = model.recommend(["no-such-track"], k=3)
    assert rec.fallback and rec.unknown == ["no-such-track"] and "popular" in rec.reason
    top = np.argsort(-model.popularity, kind="stable")[:3]
    assert rec.items == [model.vectors.keys[i] for i in top]
    rec = model.similar("no-such-track", k=2)
    assert rec.fallback and len(rec.items) == 2
    known = model.vectors.keys[0]
    rec = model.recommend([known, "nope"], k=3)
    assert not rec.fallback and rec.unknown == ["nope"] and known not in rec.items
    assert model.recommend([], k=2).fallback
    with pytest.raises(ConfigError, match="k must be"):
        model.similar(known, k=0)


def test_a_session_holding_every_item_says_why_nothing_is_offered(model):
    everything = list(model.vectors.keys)
    r = model.recommend(everything + ["never-seen"], k=5)
    assert r.items == [] and not r.fallback and r.unknown == ["never-seen"]
    assert "every item of the catalogue is in the session" in r.reason
    assert "catalogue" not in model.recommend(everything[1:], k=5).reason


def test_model_file_round_trips_byte_for_byte(model, tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    model.save(a)
    back = Recommender.load(a)
    back.save(b)
    assert a.read_bytes() == b.read_bytes()
    assert back.vectors.keys == model.vectors.keys
    assert np.array_equal(back.vectors.vectors, model.vectors.vectors)
    assert back.config == model.config and back.decay == model.decay
    item = model.vectors.keys[5]
    assert back.similar(item, 7) == model.similar(item, 7)
    assert back.recommend(model.vectors.keys[:4], 7) == model.recommend(model.vectors.keys[:4], 7)


def test_hnsw_model_round_trips(model, tmp_path):
    approx = Recommender(model.vectors, model.popularity, index="hnsw", ef=64, threads=1)
    approx.save(tmp_path / "h.npz")
    back = Recommender.load(tmp_path / "h.npz")
    assert back.index.kind == "hnsw"
    item = model.vectors.keys[0]
    assert back.similar(item, 5).items == approx.similar(item, 5).items
    assert set(back.similar(item, 5).items) == set(model.similar(item, 5).items)


def test_damaged_or_foreign_files_are_refused(tmp_path):
    p = tmp_path / "x.npz"
    p.write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not a readable .npz"):
        Recommender.load(p)
    write_npz(p, {"vectors": np.zeros((2, 2), np.float32)})
    with pytest.raises(FormatError, match="missing array"):
        Recommender.load(p)
    assert set(read_npz(p)[0]) == {"vectors"}
    arrays, meta = read_npz(OLD_MODEL)
    write_npz(p, arrays, {**meta, "format": "illustrated.recommender/0"})
    with pytest.raises(FormatError, match=r"x\.npz: not a recommender model \(format "
                                          "'illustrated.recommender/0'"):
        Recommender.load(p)


def test_a_model_saved_by_an_earlier_release_loads_and_saves_the_same_contents(tmp_path):
    """``data/recommender-v1.npz`` was written by the first release's own writer (metadata first
    in the archive, ASCII-escaped JSON): six items, names, rules, an exact index."""
    rec = Recommender.load(OLD_MODEL)
    assert rec.vectors.keys == ["c", "a", "b", "d", "f", "e"]
    assert rec.names == ["Heat (1995)", "Amélie (2001)", "", "", "", ""]
    assert rec.config == Item2VecConfig(dim=4, window=None, epochs=3, negative=2, threads=1, seed=7,
                                        rules_steps=3, rules_top=4)
    assert rec.similar("a", 3).items == ["c", "e", "f"]
    answer = rec.recommend(["a", "b"], 3)
    assert answer.items == ["f", "c", "d"] and answer.scores == [0.830405, 0.634461, -0.17225]
    rec.save(tmp_path / "again.npz")
    old_arrays, old_meta = read_npz(OLD_MODEL)
    new_arrays, new_meta = read_npz(tmp_path / "again.npz")
    assert new_meta == old_meta and new_arrays.keys() == old_arrays.keys()
    for name, array in old_arrays.items():
        assert new_arrays[name].dtype == array.dtype and np.array_equal(new_arrays[name], array), name


@pytest.mark.parametrize("setting, message", [
    # shared with word2vec: checked by Word2VecConfig itself
    ({"window": 0}, "window must be positive, got 0"),
    ({"dim": 2.5}, "dim must be an integer, got 2.5"),
    ({"threads": 0}, "threads must be at least 1, got 0"),
    ({"alpha": 0.0}, "alpha must be positive, got 0.0"),
    ({"min_alpha": 1.0}, "min_alpha must be between 0 and alpha=0.025, got 1.0"),
    ({"ns_exponent": float("nan")}, "ns_exponent must be a number, got nan"),
    # item2vec's own
    ({"decay": 0.0}, r"decay must be in \(0, 1\], got 0.0"),
    ({"decay": "0.5"}, r"decay must be in \(0, 1\], got '0.5'"),
    ({"max_context": 0}, "max_context must be an integer, at least 1, got 0"),
    ({"rules_last": 2.0}, "rules_last must be an integer, at least 1, got 2.0"),
    ({"rules_weight": float("inf")}, "rules_weight must be a finite number, 0 or more, got inf"),
])
def test_config_names_the_setting_out_of_range(setting, message):
    with pytest.raises(ConfigError, match=f"^{message}$"):
        Item2VecConfig(**setting)
    with pytest.raises(ConfigError, match=f"^{message}$"):
        Item2VecConfig().replace(**setting)


def test_config_checks_and_replace():
    assert Item2VecConfig(window=None).word2vec_config(300).window == 300
    with pytest.raises(ConfigError, match="unknown item2vec setting"):
        Item2VecConfig().replace(windw=3)
    assert Item2VecConfig().replace(ns_exponent=-1.0).ns_exponent == -1.0


def test_batch_scores_are_the_one_at_a_time_scores(model, split, genres):
    tracks = list(model.vectors.keys)
    sessions = [[], ["unknown"], tracks[:3], tracks[5:6] * 4, tracks[:80] + ["unknown"],
                *[c.context for c in split.test[:50]]]
    for weight in (0.0, 1.0):
        model.rules_weight = weight
        batch = model.score_batch(sessions)
        assert batch.shape == (len(sessions), len(tracks)) and batch.dtype == np.float32
        for row, session in zip(batch, sessions):
            one = model.score_all(session)
            assert np.array_equal(np.isinf(row), np.isinf(one))
            assert np.allclose(row[np.isfinite(row)], one[np.isfinite(one)], atol=1e-5)
    model.rules_weight = 1.0
    cat = split.catalogue

    class OneAtATime:
        def __init__(self):
            self.inner = VectorScorer(model, cat)

        def scores(self, context):
            return self.inner.scores(context)

    assert evaluate(VectorScorer(model, cat), split.test, cat) == evaluate(OneAtATime(), split.test, cat)


def test_items_never_used_with_another_are_left_out_not_served_with_random_vectors():
    sessions = [["a", "b", "c"], ["b", "c", "d"], ["a", "d"], ["lone"], ["twice", "twice"]] * 5
    rec = train_item2vec(sessions, Item2VecConfig(dim=8, epochs=2, threads=1))
    assert sorted(rec.vectors.keys) == ["a", "b", "c", "d"]
    assert rec.left_out == ["lone", "twice"]
    assert "lone" not in rec.similar("a", 10).items
    assert rec.recommend(["lone"], 2).fallback


def test_sessions_of_one_item_each_are_refused_not_trained():
    with pytest.raises(CorpusError, match="training sessions holds a single item: .* nothing to learn .*held out"):
        train_item2vec([["a"], ["b"], ["a", "a"]], Item2VecConfig(dim=8, epochs=1, threads=1))


def test_a_model_with_a_damaged_array_header_is_refused(model, tmp_path):
    path = model.save(tmp_path / "m.npz")
    data = bytearray(path.read_bytes())
    # the header of a large member: parsed before the zip's checksum is, at the member's end
    start = data.index(b"{'descr'", data.index(b"vectors.npy"))
    end = data.index(b"}", start)
    data[end] = ord(" ")  # the header's dict is never closed
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="m.npz: not a readable .npz model file"):
        Recommender.load(path)


@pytest.mark.parametrize("key,value", [("decay", "x"), ("max_context", None), ("rules_weight", float("inf")),
                                       ("rules_last", 0), ("config", [1]), ("config", {"nope": 1})])
def test_a_model_with_damaged_settings_is_refused(model, tmp_path, key, value):
    path = model.save(tmp_path / "m.npz")
    arrays, meta = read_npz(path)
    write_npz(path, arrays, {**meta, key: value})
    with pytest.raises(FormatError, match="m.npz: damaged settings"):
        Recommender.load(path)


@pytest.mark.parametrize("key,make,message", [
    ("keys", lambda a: np.arange(len(a["keys"])), "keys must be text"),
    ("popularity", lambda a: np.full(len(a["keys"]), np.nan), "popularity must be integers"),
    ("counts", lambda a: np.full(len(a["keys"]), "a"), "counts must be integers"),
    ("counts", lambda a: np.full(len(a["keys"]), -1), "counts must not be negative"),
    ("vectors", lambda a: a["vectors"].astype(np.int32), "vectors must be floating-point"),
])
def test_a_model_with_arrays_of_the_wrong_kind_is_refused(model, tmp_path, key, make, message):
    path = model.save(tmp_path / "m.npz")
    arrays, meta = read_npz(path)
    write_npz(path, {**arrays, key: make(arrays)}, meta)
    with pytest.raises(FormatError, match=f"m.npz: {message}"):
        Recommender.load(path)
