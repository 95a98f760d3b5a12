"""The page's JSON API, in process: numbers the page draws, and clear errors."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from illustrated.illustrate.web import create_app

from .fakes import ReversingTranslator, named_recommender, royal_vectors


@pytest.fixture(scope="module")
def client():
    kv = royal_vectors()
    return TestClient(create_app(word2vec=kv, translator=ReversingTranslator(),
                                 recommender=named_recommender()))


def test_page_and_static_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="neighbours"' in page.text and "/static/app.js" in page.text
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200


def test_info_lists_loaded_models(client):
    info = client.get("/api/info").json()
    assert info["word2vec"]["words"] == 8 and info["word2vec"]["dim"] == 6
    assert info["translator"] == {"loaded": True}
    assert info["recommender"]["items"] == 8


def test_neighbours_with_vectors(client):
    data = client.get("/api/neighbours", params={"word": "King", "topn": 3}).json()
    assert data["word"] == "king"  # found lower-cased
    assert data["neighbours"][0]["word"] == "prince"
    assert len(data["neighbours"]) == 3
    np.testing.assert_allclose(data["vector"], royal_vectors().vector("king"), atol=1e-4)
    assert all(len(n["vector"]) == 6 for n in data["neighbours"])


def test_analogy(client):
    data = client.get("/api/analogy", params={"a": "king", "b": "man", "c": "woman"}).json()
    assert data["words"] == ["king", "man", "woman", "queen"]
    assert data["cosine"] == pytest.approx(1.0, abs=1e-3)
    assert len(data["vectors"]) == 4 and len(data["result"]) == 6


def test_translate_returns_attention_rows_per_output_word(client):
    data = client.post("/api/translate", json={"sentence": "the cat sat", "beam": 2}).json()
    assert data["target"] == ["SAT", "CAT", "THE"] and data["text"] == "SAT CAT THE"
    assert np.asarray(data["attention"]).shape == (3, 3)
    assert list(data["maps"]) == ["cross"] and np.asarray(data["maps"]["cross"]["attention"]).shape == (1, 1, 3, 3)


def test_translate_returns_every_attention_map_of_a_transformer():
    from .fakes import ManyHeadsTranslator

    client = TestClient(create_app(translator=ManyHeadsTranslator()))
    data = client.post("/api/translate", json={"sentence": "the cat sat on"}).json()
    maps = data["maps"]
    assert set(maps) == {"cross", "encoder", "decoder"}
    assert np.asarray(maps["cross"]["attention"]).shape == (2, 3, 4, 4)
    assert maps["decoder"]["keys"] == ["<s>", "ON", "SAT", "CAT"] and maps["encoder"]["queries"] == data["source"]
    np.testing.assert_allclose(np.asarray(maps["decoder"]["attention"]).sum(-1), 1.0, atol=1e-3)


def test_items_and_recommendations(client):
    assert client.get("/api/items", params={"q": "PRIN"}).json()["items"] == ["prince", "princess"]
    found = client.get("/api/items", params={"q": "conference"}).json()
    assert found["items"] == ["pear"] and found["names"] == ["Conference Pear"]
    data = client.post("/api/recommend", json={"items": ["apple"], "k": 2}).json()
    assert data["items"][0] == "pear" and len(data["scores"]) == 2 and data["fallback"] is False
    assert data["names"][0] == "Conference Pear" and len(data["names"]) == 2
    assert client.get("/api/info").json()["recommender"]["names"] is True
    data = client.post("/api/recommend", json={"items": ["apple", "durian"], "k": 2}).json()
    assert data["unknown"] == ["durian"] and data["items"][0] == "pear"


@pytest.mark.parametrize("method,path,kwargs,status,message", [
    ("get", "/api/neighbours", {"params": {"word": "emperor"}}, 404, "'emperor' is not in the vocabulary"),
    ("get", "/api/analogy", {"params": {"a": "king", "b": "x", "c": "woman"}}, 404, "'x' is not in the vocabulary"),
    ("post", "/api/translate", {"json": {"sentence": "   "}}, 400, "the sentence is empty"),
    ("post", "/api/recommend", {"json": {"items": []}}, 422, "at least 1 item"),
    ("get", "/api/neighbours", {"params": {"word": "king", "topn": 0}}, 422, "greater than or equal to 1"),
    ("get", "/api/neighbours", {"params": {"word": "king", "topn": 10**9}}, 422, "less than or equal to 50"),
    ("get", "/api/analogy", {"params": {"a": "king", "b": "man", "c": "woman", "topn": -2}}, 422,
     "greater than or equal to 1"),
    ("get", "/api/items", {"params": {"limit": 0}}, 422, "greater than or equal to 1"),
    ("post", "/api/translate", {"json": {"sentence": 5}}, 422, "valid string"),
    ("post", "/api/translate", {"json": {"sentence": "x" * 3000}}, 422, "at most 2000 characters"),
    ("post", "/api/translate", {"json": {"sentence": "a", "beam": "wide"}}, 422, "valid integer"),
])
def test_bad_requests_say_what_is_wrong(client, method, path, kwargs, status, message):
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == status
    assert message in str(r.json()["detail"])


def test_missing_models_say_how_to_load_them():
    client = TestClient(create_app())
    assert client.get("/api/info").json() == {"word2vec": None, "translator": None, "recommender": None}
    r = client.get("/api/neighbours", params={"word": "king"})
    assert r.status_code == 404 and "--word2vec MODEL" in r.json()["detail"]
    r = client.post("/api/translate", json={"sentence": "hi"})
    assert r.status_code == 404 and "--translator DIR" in r.json()["detail"]
    assert client.get("/").status_code == 200


HOSTILE_BODIES = [
    ("/api/translate", '{"sentence": "je suis", "beam": 1e400}', "beam"),
    ("/api/translate", '{"sentence": "je suis", "beam": NaN}', "beam"),
    ("/api/translate", '{"sentence": "je \\ud800 suis"}', "sentence"),
    ("/api/translate", '{"sentence": "je suis", "beam": "\\ud800"}', "beam"),
    ("/api/recommend", '{"items": ["a"], "k": NaN}', "k"),
    ("/api/recommend", '{"items": ["a\\ud800"]}', "items"),
    ("/api/recommend", '{"items": ["a"], "k": "\\udfff"}', "k"),
]


@pytest.mark.parametrize("url,body,field", HOSTILE_BODIES)
def test_hostile_numbers_and_lone_surrogates_are_422_in_valid_json(client, url, body, field):
    r = client.post(url, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"][0]["loc"]
    r.content.decode("utf-8")    # the answer itself is valid UTF-8 JSON
