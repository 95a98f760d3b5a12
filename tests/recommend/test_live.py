"""The service under operation, in-process: reloading the model file, metrics, request ids and
access lines."""

import json
import logging

import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from illustrated.recommend import Recommender
from illustrated.recommend.live import LiveModel
from illustrated.recommend.service import create_app
from illustrated.word2vec import KeyedVectors


def with_new_items(model: Recommender, extra: int) -> Recommender:
    """``model``'s items plus ``extra`` new ones (``new0``…), each near an old item."""
    kv = model.vectors
    rng = np.random.default_rng(0)
    vectors = np.concatenate([kv.vectors, kv.vectors[:extra] + 0.01 * rng.normal(size=(extra, kv.vectors.shape[1]))])
    keys = list(kv.keys) + [f"new{i}" for i in range(extra)]
    return Recommender(KeyedVectors(keys, vectors.astype(np.float32), np.r_[kv.counts, np.ones(extra)]))


@pytest.fixture
def served(model, tmp_path):
    path = tmp_path / "m.npz"
    model.save(path)
    live = LiveModel.load(path)
    return path, live, TestClient(create_app(live, max_k=50))


def metrics(client) -> dict:
    """Every sample of /metrics: {(name, labels as a sorted tuple): value}."""
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def test_a_reload_serves_the_new_items_at_once(served, model):
    path, live, client = served
    assert client.get("/items/new3/similar").status_code == 404
    with_new_items(model, 5).save(path)
    outcome = live.reload()
    assert outcome.ok and outcome.items == len(model) + 5
    r = client.get("/items/new3/similar", params={"k": 3})
    assert r.status_code == 200 and len(r.json()["items"]) == 3
    assert client.get("/health").json()["items"] == len(model) + 5
    m = metrics(client)
    assert m[("illustrated_model_items", ())] == len(model) + 5
    assert m[("illustrated_model_reloads_total", (("outcome", "ok"),))] == 1


@pytest.mark.parametrize("damage", ["garbage", "cut", "nan"])
def test_a_file_that_fails_its_checks_is_refused_in_one_log_line(served, model, caplog, damage):
    path, live, client = served
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a model")
    elif damage == "cut":
        path.write_bytes(good[: len(good) // 2])
    else:   # a whole, readable file whose vectors went wrong
        from illustrated.files import read_npz, write_npz

        arrays, meta = read_npz(path)
        arrays["vectors"][-1, 0] = np.nan
        write_npz(path, arrays, meta)
    with caplog.at_level(logging.INFO, logger="illustrated"):
        outcome = live.reload()
    assert not outcome.ok and outcome.items == len(model)
    lines = [r for r in caplog.records if r.name == "illustrated.service"]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR
    assert "reload refused, still serving the previous model" in lines[0].getMessage()
    assert str(path) in lines[0].getMessage() and "\n" not in lines[0].getMessage()
    item = model.vectors.keys[0]
    assert client.get(f"/items/{item}/similar").json()["items"] == model.similar(item, 10).items
    assert metrics(client)[("illustrated_model_reloads_total", (("outcome", "refused"),))] == 1


def test_reload_hooks_and_edits_share_one_lock(served, model):
    path, live, _ = served
    live.after_load(lambda rec: rec.set_names({rec.vectors.keys[0]: "kept"}) and None)
    with_new_items(model, 1).save(path)
    assert live.reload().ok and live.current.name(model.vectors.keys[0]) == "kept"
    live.after_load(lambda rec: (_ for _ in ()).throw(RuntimeError("hook says no")))
    outcome = live.reload()
    assert not outcome.ok and "RuntimeError: hook says no" in outcome.message
    smaller = Recommender(KeyedVectors(model.vectors.keys[:10], model.vectors.vectors[:10], model.vectors.counts[:10]))
    assert live.edit(lambda rec: smaller) is smaller and live.current is smaller


def test_request_ids_are_echoed_or_made(served):
    _, _, client = served
    assert client.get("/health", headers={"X-Request-ID": "abc-123.x"}).headers["x-request-id"] == "abc-123.x"
    for hostile in ["has space", "x" * 129, "caf\u00e9", ""]:
        rid = client.get("/health", headers={"X-Request-ID": hostile.encode("utf-8")}).headers["x-request-id"]
        assert rid != hostile and len(rid) == 32 and int(rid, 16) >= 0
    a, b = (client.get("/health").headers["x-request-id"] for _ in range(2))
    assert a != b


def test_one_json_access_line_per_request(served, model, caplog):
    _, _, client = served
    item = model.vectors.keys[0]
    with caplog.at_level(logging.INFO, logger="illustrated.access"):
        client.get(f"/items/{item}/similar?k=3", headers={"X-Request-ID": "r1"})
        client.post("/recommend", json={"items": [item], "k": 0}, headers={"X-Request-ID": "r2"})
        client.get("/items/nope/similar", headers={"X-Request-ID": "r3"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "illustrated.access"]
    assert [(x["request_id"], x["status"], x["route"]) for x in lines] == [
        ("r1", 200, "/items/{item_id:path}/similar"), ("r2", 422, "/recommend"),
        ("r3", 404, "/items/{item_id:path}/similar")]
    assert lines[0]["path"] == f"/items/{item}/similar?k=3" and lines[0]["method"] == "GET"
    assert all(x["ms"] >= 0 and x["bytes"] > 0 and {"time", "client", "pid"} <= set(x) for x in lines)


def test_metrics_count_requests_latency_and_errors(model):
    client = TestClient(create_app(model, max_k=50, max_body_bytes=2000))
    item = model.vectors.keys[0]
    for _ in range(3):
        assert client.get(f"/items/{item}/similar").status_code == 200
    client.get("/items/nope/similar")
    client.post("/recommend", content=b'{"items": ["' + b"x" * 5000 + b'"]}',
                headers={"content-type": "application/json"})
    m = metrics(client)
    route = "/items/{item_id:path}/similar"
    ok = (("method", "GET"), ("route", route), ("status", "200"))
    assert m[("illustrated_http_requests_total", ok)] == 3
    assert m[("illustrated_http_request_duration_seconds_count", (("route", route),))] == 4
    assert m[("illustrated_http_errors_total", (("status", "404"),))] == 1
    assert m[("illustrated_http_errors_total", (("status", "413"),))] == 1   # refused before routing
    assert m[("illustrated_http_requests_total", (("method", "POST"), ("route", "/recommend"), ("status", "413")))] == 1
    assert m[("illustrated_model_items", ())] == len(model)
    assert m[("illustrated_http_requests_in_flight", ())] == 1     # the /metrics request itself


def test_an_unexpected_error_is_a_500_that_carries_the_request_id(model, caplog):
    broken = Recommender(model.vectors)
    broken.similar = lambda item, k: 1 / 0
    client = TestClient(create_app(broken), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="illustrated"):
        r = client.get(f"/items/{model.vectors.keys[0]}/similar", headers={"X-Request-ID": "boom"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "boom"
    assert r.json() == {"detail": "internal error", "request_id": "boom"}
    assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)
    assert metrics(client)[("illustrated_http_errors_total", (("status", "500"),))] == 1
