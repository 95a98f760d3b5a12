"""item2vec learns planted genres, beats popularity, and recommends as promised."""

import numpy as np
import pytest

from illustrated.errors import ConfigError, FormatError
from illustrated.recommend import Recommendation, Recommender
from illustrated.recommend.baselines import PopularityScorer
from illustrated.recommend.evaluate import VectorScorer, evaluate
from illustrated.recommend.item2vec import Item2VecConfig, read_npz, write_npz


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
    assert set(read_npz(p)) == {"vectors"}


def test_config_checks_and_replace():
    with pytest.raises(ConfigError, match="window"):
        Item2VecConfig(window=0)
    with pytest.raises(ConfigError, match="unknown item2vec setting"):
        Item2VecConfig().replace(windw=3)
    assert Item2VecConfig().replace(ns_exponent=-1.0).ns_exponent == -1.0
