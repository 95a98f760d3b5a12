"""Every endpoint and every kind of bad request, through the in-process test client."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from illustrated.recommend import Recommender
from illustrated.recommend.service import create_app
from illustrated.word2vec import KeyedVectors


@pytest.fixture(scope="module")
def client(model):
    return TestClient(create_app(model, max_k=50, max_body_bytes=2000))


def test_health(client, model):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "items": len(model), "index": "exact", "dim": 24,
                        "max_context": model.max_context, "names": False}


def test_similar(client, model, genres):
    item = model.vectors.keys[0]
    r = client.get(f"/items/{item}/similar", params={"k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["item"] == item and len(body["items"]) == 5 and body["fallback"] is False
    assert body["items"] == model.similar(item, 5).items
    assert client.get(f"/items/{item}/similar").json()["items"] == model.similar(item, 10).items


def test_recommend(client, model):
    session = model.vectors.keys[:3]
    r = client.post("/recommend", json={"items": session, "k": 4})
    assert r.status_code == 200
    body = r.json()
    assert body["items"] == model.recommend(session, 4).items and not set(body["items"]) & set(session)
    r = client.post("/recommend", json={"items": ["nope"], "k": 3})
    assert r.status_code == 200 and r.json()["fallback"] is True and r.json()["unknown"] == ["nope"]


def test_unknown_ids_are_404_with_a_message(client):
    r = client.get("/items/nope/similar")
    assert r.status_code == 404 and "unknown item 'nope'" in r.json()["detail"]
    r = client.post("/recommend", json={"items": ["nope"], "fallback": False})
    assert r.status_code == 404 and "no known item" in r.json()["detail"]


@pytest.mark.parametrize("k", [0, -1, 51, 10**9, "ten"])
def test_k_out_of_bounds_or_wrong_type_is_422(client, model, k):
    item = model.vectors.keys[0]
    assert client.get(f"/items/{item}/similar", params={"k": k}).status_code == 422
    assert client.post("/recommend", json={"items": [item], "k": k}).status_code == 422


@pytest.mark.parametrize("body", [
    b"{not json", b'{"items": "t0001"}', b'{"items": [1, 2]}', b'{"k": 3}', b"[]",
    b'{"items": [], "k": 3, "extra": 1}',
])
def test_malformed_or_mistyped_bodies_are_422(client, body):
    r = client.post("/recommend", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_huge_bodies_are_413(client):
    r = client.post("/recommend", content=b'{"items": ["' + b"x" * 5000 + b'"]}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than 2000 bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: counted while reading
        yield b'{"items": ["'
        for _ in range(10):
            yield b"y" * 500
        yield b'"]}'

    r = client.post("/recommend", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_good_requests_still_work_after_bad_ones(client, model):
    client.post("/recommend", content=b"{oops", headers={"content-type": "application/json"})
    item = model.vectors.keys[1]
    assert client.get(f"/items/{item}/similar?k=3").status_code == 200


def two_genres(per_genre: int = 4000, dim: int = 16) -> Recommender:
    """Rock items near one direction, jazz items near another; rock items are more popular."""
    rng = np.random.default_rng(0)
    centres = np.eye(dim, dtype=np.float32)[:2] * 4
    vectors = np.concatenate([centres[g] + rng.normal(size=(per_genre, dim)) for g in (0, 1)])
    keys = [f"r{i:04d}" for i in range(per_genre)] + [f"j{i:04d}" for i in range(per_genre)]
    names = {k: ("Rock " if k[0] == "r" else "Jazz ") + k[1:] for k in keys}
    counts = np.r_[np.full(per_genre, 10), np.ones(per_genre)]
    return Recommender(KeyedVectors(keys, vectors.astype(np.float32), counts), names=names)


def test_a_session_of_3000_items_is_answered_from_its_latest_items():
    rec = two_genres()
    client = TestClient(create_app(rec))
    session = [f"r{i:04d}" for i in range(2000)] + [f"j{i:04d}" for i in range(1000)]
    assert len(session) == 3000
    r = client.post("/recommend", json={"items": session, "k": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["used"] == rec.max_context == 50
    assert "the latest 50 of 3000" in body["reason"]
    assert len(body["items"]) == 10 and not set(body["items"]) & set(session)
    # the jazz at the end, not the rock before (half the rock items are still there to offer)
    assert all(i.startswith("j") for i in body["items"])
    assert body["names"] == ["Jazz " + i[1:] for i in body["items"]]
    assert "latest 50 known items" in client.get("/openapi.json").text


def test_similar_answers_carry_names(model):
    rec = two_genres(per_genre=50)
    body = TestClient(create_app(rec)).get("/items/j0001/similar", params={"k": 3}).json()
    assert body["name"] == "Jazz 0001" and body["names"] == ["Jazz " + i[1:] for i in body["items"]]


@pytest.mark.parametrize("body", [b'{"items": ["t"], "k": NaN}', b'{"items": ["t"], "k": 1e400}',
                                  b'{"items": ["t"], "k": -Infinity}', b'{"items": [NaN]}'])
def test_non_finite_numbers_in_the_body_are_422_not_500(client, body):
    r = client.post("/recommend", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"]


def test_k_true_is_422_and_numeric_ids_say_ids_are_strings(client):
    assert client.post("/recommend", json={"items": ["x"], "k": True}).status_code == 422
    r = client.post("/recommend", json={"items": [42]})
    assert r.status_code == 422 and 'JSON strings: "42"' in r.json()["detail"][0]["msg"]


def test_an_unknown_item_is_listed_once_however_often_it_is_sent(client, model):
    r = client.post("/recommend", json={"items": ["nope", model.vectors.keys[0], "nope", "nah"]})
    assert r.status_code == 200 and r.json()["unknown"] == ["nope", "nah"]
    assert "2 unknown item(s)" in r.json()["reason"]


def test_a_body_sent_without_a_json_content_type_says_how_to_send_it(client):
    r = client.post("/recommend", content=b'{"items": ["x"]}',
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "Content-Type: application/json" in r.json()["detail"][0]["msg"]


def test_whitespace_around_an_id_is_not_part_of_it_and_ids_joined_by_spaces_are_refused(client, model):
    a, b = model.vectors.keys[:2]
    r = client.post("/recommend", json={"items": [f" {a}\n", f"\t{b}"], "k": 3})
    assert r.status_code == 200 and r.json()["items"] == model.recommend([a, b], 3).items
    assert r.json()["unknown"] == [] and r.json()["fallback"] is False
    r = client.get(f"/items/{a}%20/similar", params={"k": 3})
    assert r.status_code == 200 and r.json()["items"] == model.similar(a, 3).items
    r = client.post("/recommend", json={"items": [f"{a} {b}"], "k": 3})
    assert r.status_code == 422
    assert r.json()["detail"] == (f"item id {a + ' ' + b!r} is not an item but ids joined by whitespace; "
                                  "send each id as its own string")
    assert client.post("/recommend", json={"items": ["no such thing"], "k": 3}).json()["unknown"] == \
        ["no such thing"]


@pytest.mark.parametrize("body,field", [
    ('{"items": ["\\ud800"]}', "items"),
    ('{"items": ["a"], "k": "\\ud800"}', "k"),
    ('{"items": ["a"], "\\ud800": 1}', "body"),        # a key pydantic cannot read: the body
    ('{"items": ["a"], "k": 1e400}', "k"),
])
def test_lone_surrogates_anywhere_in_the_body_are_422_not_500(client, body, field):
    r = client.post("/recommend", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"][0]["loc"]
