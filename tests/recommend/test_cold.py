"""Cold items on a planted log: vectors from attributes, answers that say so, items added to a
running catalogue, the parts of a vector, and the model file that carries them."""

import numpy as np
import pytest

from illustrated.errors import ConfigError, FormatError
from illustrated.files import read_npz, write_npz
from illustrated.recommend.attributes import AttributeSchema, ItemAttributes
from illustrated.recommend.config import Item2VecConfig
from illustrated.recommend.item2vec import Recommender, train_item2vec
from illustrated.recommend.side import ALONE, BELOW_MIN_COUNT, NO_EVENTS
from illustrated.recommend.synthetic import genre_sessions

CONFIG = Item2VecConfig(dim=24, window=None, epochs=12, negative=5, ns_exponent=0.0, sample=0.0,
                        threads=1, seed=3, min_count=2)


@pytest.fixture(scope="module")
def planted():
    """Genre playlists with every event of 12 tracks removed; the attributes (genre, and a
    decade that carries nothing) name them, two tracks that never played and one played once;
    one track keeps its events but has no attributes."""
    data = genre_sessions(n_genres=5, tracks_per_genre=30, n_sessions=800, seed=1)
    tracks = sorted(data.genre_of)
    held = set(tracks[:12])
    items = {t: [f"genre={g}", f"decade={int(t[1:]) % 3}"] for t, g in data.genre_of.items()}
    items["new-rock"] = ["genre=rock", "decade=1"]
    items["new-odd"] = ["genre=polka"]            # a value no learned item carries
    items["rare-one"] = ["genre=jazz"]
    del items[tracks[-1]]
    attrs = ItemAttributes(AttributeSchema(["genre", "decade"]), items, "attrs.csv")
    sessions = [[t for t in s if t not in held] for s in data.sessions]
    sessions.append(["rare-one", tracks[20]])     # one event: below min_count 2
    rec = train_item2vec(sessions, CONFIG, attributes=attrs)
    return data, held, rec, attrs


def test_cold_items_get_neighbours_that_share_their_attributes(planted):
    data, held, rec, _ = planted
    for item in sorted(held) + ["new-rock"]:
        answer = rec.similar(item, 10)
        genre = data.genre_of.get(item, "rock")
        assert answer.cold and not answer.fallback and f"genre={genre}" in answer.reason
        assert answer.to_dict()["cold"] is True
        assert sum(data.genre_of.get(i) == genre for i in answer.items) >= 8, (item, answer.items)
        assert np.isfinite(answer.scores).all() and len(answer.items) == 10
    warm = rec.similar(rec.vectors.keys[0], 5)
    assert not warm.cold and warm.to_dict()["cold"] is False


def test_the_catalogue_counts_cold_items_and_items_without_attributes(planted):
    data, held, rec, attrs = planted
    side, k2i = rec.side, rec.vectors.key_to_index
    assert all(side.cold[k2i[h]] == NO_EVENTS for h in held)
    assert side.cold[k2i["rare-one"]] == BELOW_MIN_COUNT and side.cold[k2i["new-rock"]] == NO_EVENTS
    last = sorted(data.genre_of)[-1]
    assert side.cold[k2i[last]] == 0 and side.values_of(k2i[last]) == []   # its id vector alone
    assert "genre=polka" not in side.values and side.values_of(k2i["new-odd"]) == []
    odd = rec.similar("new-odd", 5)                 # no known value: popularity, said so
    assert odd.cold and odd.fallback and "no known attribute" in odd.reason
    assert rec.cold_reason(rec.vectors.keys[0]) is None and rec.is_cold("new-rock")


def test_a_session_with_a_cold_item_says_so(planted):
    data, held, rec, _ = planted
    answer = rec.recommend([sorted(held)[0], rec.vectors.keys[0]], 5)
    assert answer.cold and "1 cold item(s)" in answer.reason and len(answer.items) == 5


def test_item_parts_show_the_id_row_the_attribute_rows_and_their_weights(planted):
    _, held, rec, _ = planted
    warm = rec.item_parts(rec.vectors.keys[0])
    assert warm.id_vector is not None and len(warm.attributes) == 2 and not warm.cold
    assert warm.weights.shape == (3,) and warm.weights.sum() == pytest.approx(1, abs=1e-5)
    mixed = warm.weights[0] * warm.id_vector + warm.weights[1:] @ warm.attribute_vectors
    np.testing.assert_allclose(mixed, warm.vector, atol=1e-5)
    cold = rec.item_parts(sorted(held)[0])
    assert cold.id_vector is None and cold.cold and cold.weights[0] == 0
    assert cold.attribute_vectors.shape == (2, 24) and "cold item" in cold.reason


@pytest.mark.parametrize("index", ["exact", "hnsw"])
def test_add_item_makes_a_new_item_answerable_at_once(planted, tmp_path, index):
    data, _, trained, _ = planted
    trained.save(tmp_path / "m.npz")
    rec = Recommender.load(tmp_path / "m.npz")
    if index == "hnsw":
        rec = Recommender(rec.vectors, rec.popularity, index="hnsw", config=rec.config,
                          names=rec.names, rules=rec.rules, side=rec.side)
    n = len(rec)
    added = rec.add_item("fresh", "Fresh Jazz", {"genre": "jazz", "decade": 2, "mood": "calm"})
    assert added.usable and added.known == ["genre=jazz", "decade=2"]
    assert added.unknown == ["unknown field 'mood'"] and added.to_dict()["cold"] is True
    assert len(rec) == n + 1 and rec.name("fresh") == "Fresh Jazz" and rec.is_cold("fresh")
    answer = rec.similar("fresh", 10)
    assert answer.cold and sum(data.genre_of.get(i) == "jazz" for i in answer.items) >= 8
    unknown = rec.add_item("mystery", None, {"genre": "polka"})
    assert not unknown.usable and unknown.unknown == ["genre=polka"]
    assert rec.similar("mystery", 3).fallback
    with pytest.raises(ConfigError, match="already in the catalogue"):
        rec.add_item("fresh", None, {"genre": "jazz"})
    rec.save(tmp_path / "again.npz")                 # the grown index passes the loader's checks
    back = Recommender.load(tmp_path / "again.npz")
    assert back.similar("fresh", 10).items == answer.items and back.is_cold("mystery")


def test_a_model_without_attributes_cannot_place_a_new_item(model):
    with pytest.raises(ConfigError, match="trained without attributes"):
        model.add_item("x", None, {"genre": "rock"})
    assert model.item_parts(model.vectors.keys[0]).weights.tolist() == [1.0]


def test_the_model_file_carries_attributes_and_cold_items(planted, tmp_path):
    _, held, rec, _ = planted
    rec.save(tmp_path / "m.npz")
    back = Recommender.load(tmp_path / "m.npz")
    assert back.side.values == rec.side.values and (back.side.cold == rec.side.cold).all()
    assert back.side.schema.fields == ["genre", "decade"]
    item = sorted(held)[1]
    assert back.similar(item, 10).items == rec.similar(item, 10).items


@pytest.mark.parametrize("name, damage, message", [
    ("attr_indices", lambda a: a + 10_000, "item attributes are damaged"),
    ("attr_indptr", lambda a: a[:-1], "item attributes are damaged"),
    ("attr_logits", lambda a: np.full_like(a, np.nan), "attribute weights are not finite"),
    ("attr_id_vectors", lambda a: a[:, :3], "attr_id_vectors must have shape"),
    ("attr_cold", lambda a: a + 9, "damaged cold-item flags"),
    ("attr_values_offsets", lambda a: a * 2, "attribute names"),
])
def test_a_damaged_attribute_table_is_a_one_line_error(planted, tmp_path, name, damage, message):
    _, _, rec, _ = planted
    rec.save(tmp_path / "m.npz")
    arrays, meta = read_npz(tmp_path / "m.npz")
    arrays[name] = damage(arrays[name])
    write_npz(tmp_path / "bad.npz", arrays, meta)
    with pytest.raises(FormatError, match=message) as e:
        Recommender.load(tmp_path / "bad.npz")
    assert "\n" not in str(e.value) and "bad.npz" in str(e.value)


def test_items_alone_in_their_sessions_become_cold_with_their_reason():
    sessions = [["a", "b", "c"], ["b", "c", "a"], ["lonely"], ["c", "a"]] * 5
    attrs = ItemAttributes(AttributeSchema(["k"]), {"a": ["k=1"], "b": ["k=1"], "c": ["k=2"],
                                                    "lonely": ["k=2"]})
    rec = train_item2vec(sessions, CONFIG.replace(min_count=1, epochs=3), attributes=attrs)
    assert rec.side.cold[rec.vectors.key_to_index["lonely"]] == ALONE and rec.left_out == []
    assert "never in a session with another item" in rec.cold_reason("lonely")


def test_the_service_says_an_item_is_cold(planted):
    from fastapi.testclient import TestClient

    from illustrated.recommend.service import create_app

    _, held, rec, _ = planted
    client = TestClient(create_app(rec))
    cold = client.get(f"/items/{sorted(held)[0]}/similar", params={"k": 5}).json()
    assert cold["cold"] is True and "cold item: no events in training" in cold["reason"]
    warm = client.get(f"/items/{rec.vectors.keys[0]}/similar", params={"k": 5}).json()
    assert warm["cold"] is False
    session = client.post("/recommend", json={"items": [sorted(held)[0]], "k": 5}).json()
    assert session["cold"] is True and len(session["items"]) == 5


def test_a_long_bursty_log_with_side_information_trains_finite_vectors():
    """Histories of up to 1,000 ratings in bursts, every item with attributes and a market,
    each history converting to its last item, at the largest learning rate accepted."""
    from illustrated.recommend.synthetic import rating_log

    with pytest.raises(ConfigError, match=r"longest \(1000\) must be at most n_items \(300\)"):
        rating_log(n_items=300, longest=1000, n_genres=8)   # distinct items: it would never end
    log = rating_log(n_users=20, n_items=1200, events=4000, longest=1000, n_genres=8, seed=4)
    histories: dict[str, list[str]] = {}
    for user, item, _, _ in log.rows:
        histories.setdefault(user, []).append(item)
    sessions = list(histories.values())
    attrs = ItemAttributes(AttributeSchema(["genre", "shelf"]),
                           {i: [f"genre={g}", f"shelf={int(i) % 5}"] for i, g in log.genre_of.items()})
    for alpha in (0.025, 1.0):
        rec = train_item2vec(sessions, CONFIG.replace(alpha=alpha, min_alpha=alpha / 4, epochs=2,
                                                      window=60, min_count=1, market_share=1.0),
                             attributes=attrs, goals=[s[-1:] for s in sessions], market_col="genre")
        assert np.isfinite(rec.vectors.vectors).all() and np.isfinite(rec.side.logits).all()
        assert np.isfinite(rec.side.value_vectors).all()


def test_tuning_with_attributes_trains_every_setting_with_them(planted):
    from illustrated.recommend.sessions import History, leave_last_out
    from illustrated.recommend.tune import tune

    data, _, _, attrs = planted
    split = leave_last_out([History(str(n), s) for n, s in enumerate(data.sessions[:300])])
    result = tune(split, CONFIG.replace(epochs=2, min_count=1), space={"window": [5, 10]},
                  trials=2, method="random", side={"attributes": attrs})
    assert len(result.trials) == 2 and 0 < result.score <= 1


@pytest.mark.parametrize("field, value", [("market_share", 1.5), ("market_share", -0.1),
                                          ("cold_neighbours", -1), ("cold_popularity", float("nan")),
                                          ("cold_neighbours", True)])
def test_side_settings_are_checked(field, value):
    with pytest.raises(ConfigError, match=field):
        Item2VecConfig().replace(**{field: value})
