"""POST /items: a new item answers at once, writes need the admin token, bodies are checked and
bounded, and added items outlive a reload (and, with a journal, a restart and other workers)."""

import json
import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from illustrated.errors import ConfigError, FormatError
from illustrated.recommend.additions import MAX_FIELDS, MAX_ID_CHARS, MAX_VALUES, Additions
from illustrated.recommend.live import LiveModel
from illustrated.recommend.service import create_app
from illustrated.recommend.serving import ServeSettings

from ..illustrate.fakes import attributed_recommender, named_recommender

TOKEN = "s3cret-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LEAF = {"id": "sorrel", "name": "Sorrel", "attributes": {"kind": "leaf", "colour": "green"}}


@pytest.fixture
def client():
    return TestClient(create_app(attributed_recommender(), admin_token=TOKEN))


def test_an_added_item_is_answered_at_once_and_says_it_is_cold(client):
    assert client.get("/items/sorrel/similar").status_code == 404
    r = client.post("/items", json=LEAF, headers=AUTH)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["known"] == ["kind=leaf", "colour=green"] and body["unknown"] == []
    assert body["usable"] and body["cold"] and body["items"] == 20 and body["name"] == "Sorrel"
    assert r.headers["location"] == "/items/sorrel/similar"
    similar = client.get("/items/sorrel/similar", params={"k": 3}).json()
    assert similar["cold"] is True and similar["name"] == "Sorrel"
    assert "added after training" in similar["reason"]
    assert similar["items"] == ["leaf-green-1", "leaf-green-2", "leaf-green-3"]
    assert all(math.isfinite(s) for s in similar["scores"])
    session = client.post("/recommend", json={"items": ["sorrel"], "k": 4}).json()
    assert session["cold"] is True and len(session["items"]) == 4 and not session["fallback"]
    assert client.get("/health").json()["items"] == 20
    assert "illustrated_model_items 20.0" in client.get("/metrics").text


def test_unknown_attributes_are_named_and_an_item_with_none_known_is_never_empty(client):
    r = client.post("/items", json={"id": "odd", "attributes": {"kind": "leaf", "colour": "blue",
                                                                "size": "L"}}, headers=AUTH)
    assert r.status_code == 201
    assert r.json()["unknown"] == ["colour=blue", "unknown field 'size'"]
    reason = client.get("/items/odd/similar").json()["reason"]
    assert "not known to the model when added: colour=blue, unknown field 'size'" in reason
    r = client.post("/items", json={"id": "mineral", "attributes": {"kind": "rock"}}, headers=AUTH)
    assert r.status_code == 201 and r.json()["usable"] is False and r.json()["unknown"] == ["kind=rock"]
    answer = client.get("/items/mineral/similar", params={"k": 5}).json()
    assert answer["cold"] and answer["fallback"] and len(answer["items"]) == 5
    assert all(math.isfinite(s) for s in answer["scores"]) and "kind=rock" in answer["reason"]
    bare = client.post("/items", json={"id": "bare"}, headers=AUTH)
    assert bare.status_code == 201 and len(client.get("/items/bare/similar").json()["items"]) == 10


@pytest.mark.parametrize("headers,status,message", [
    ({}, 401, "Authorization: Bearer TOKEN"),
    ({"Authorization": "Basic " + TOKEN}, 401, "Authorization: Bearer TOKEN"),
    ({"Authorization": "Bearer"}, 401, "Authorization: Bearer TOKEN"),
    ({"Authorization": "Bearer wrong-token-0123456789"}, 403, "wrong admin token"),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403, "wrong admin token"),
    ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403, "wrong admin token"),
])
def test_writes_without_the_right_token_are_refused(client, headers, status, message):
    r = client.post("/items", json=LEAF, headers=headers)
    assert r.status_code == status and message in r.json()["detail"]
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/items/sorrel/similar").status_code == 404      # nothing was added
    bad = client.post("/items", content=b"{oops", headers={**headers, "content-type": "application/json"})
    assert bad.status_code == status                                   # the token comes first


def test_a_service_without_a_token_takes_no_writes():
    client = TestClient(create_app(attributed_recommender()))
    r = client.post("/items", json=LEAF, headers=AUTH)
    assert r.status_code == 403 and "--admin-token or ILLUSTRATED_ADMIN_TOKEN" in r.json()["detail"]
    assert client.get("/items/sorrel/similar").status_code == 404


@pytest.mark.parametrize("body", [
    b"{oops", b"[]", b'"sorrel"', b"{}", b'{"id": ""}', b'{"id": 5}', b'{"id": " sorrel"}',
    b'{"id": "sor\\nrel"}', b'{"id": "a\\u0000"}', b'{"id": "a\\ud800"}',
    json.dumps({"id": "x" * (MAX_ID_CHARS + 1)}).encode(),
    b'{"id": "a", "extra": 1}', b'{"id": "a", "name": 7}', b'{"id": "a", "attributes": [1]}',
    b'{"id": "a", "attributes": {"kind": NaN}}', b'{"id": "a", "attributes": {"kind": 1e400}}',
    b'{"id": "a", "attributes": {"kind": true}}', b'{"id": "a", "attributes": {"kind": {"x": 1}}}',
    b'{"id": "a", "attributes": {"kind": [["leaf"]]}}', b'{"id": "a", "attributes": {"": "leaf"}}',
    b'{"id": "a", "attributes": {"kind": "a\\u0007"}}',
    json.dumps({"id": "a", "attributes": {f"f{i}": "v" for i in range(MAX_FIELDS + 1)}}).encode(),
    json.dumps({"id": "a", "attributes": {"kind": ["v"] * (MAX_VALUES + 1)}}).encode(),
    json.dumps({"id": "a", "attributes": {"kind": "v" * 1001}}).encode(),
    json.dumps({"id": "a", "name": "n" * 1001}).encode(),
])
def test_a_bad_body_is_422_in_valid_json(client, body):
    r = client.post("/items", content=body, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "body"
    assert client.get("/health").json()["items"] == 19


def test_an_id_already_there_or_a_model_without_attributes_is_409(client):
    r = client.post("/items", json={"id": "leaf-red-1"}, headers=AUTH)
    assert r.status_code == 409 and "already in the catalogue" in r.json()["detail"]
    assert client.post("/items", json=LEAF, headers=AUTH).status_code == 201
    assert client.post("/items", json=LEAF, headers=AUTH).status_code == 409
    plain = TestClient(create_app(named_recommender(), admin_token=TOKEN))
    r = plain.post("/items", json={"id": "durian"}, headers=AUTH)
    assert r.status_code == 409 and "trained without attributes" in r.json()["detail"]


def test_an_added_item_survives_a_reload_in_memory(tmp_path):
    path = attributed_recommender().save(tmp_path / "m.npz")
    live = LiveModel.load(path)
    client = TestClient(create_app(live, admin_token=TOKEN))
    assert client.post("/items", json=LEAF, headers=AUTH).status_code == 201
    before = client.get("/items/sorrel/similar").json()
    outcome = live.reload()
    assert outcome.ok and outcome.items == 20
    assert client.get("/items/sorrel/similar").json() == before
    restarted = TestClient(create_app(LiveModel.load(path), admin_token=TOKEN))
    assert restarted.get("/items/sorrel/similar").status_code == 404   # in memory: not a restart


def test_the_journal_keeps_added_items_through_reloads_and_restarts(tmp_path):
    path = attributed_recommender().save(tmp_path / "m.npz")
    journal = tmp_path / "items.jsonl"
    live = LiveModel.load(path)
    client = TestClient(create_app(live, admin_token=TOKEN, additions=Additions(live, journal)))
    assert client.post("/items", json=LEAF, headers=AUTH).status_code == 201
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(x["id"], x["name"], x["attributes"]) for x in lines] == [
        ("sorrel", "Sorrel", {"kind": "leaf", "colour": "green"})]
    answer = client.get("/items/sorrel/similar").json()
    assert live.reload().ok and client.get("/items/sorrel/similar").json() == answer
    again = LiveModel.load(path)                                        # a restart reads it back
    restarted = TestClient(create_app(again, additions=Additions(again, journal)))
    assert restarted.get("/items/sorrel/similar").json() == answer
    assert restarted.post("/items", json={"id": "x"}, headers=AUTH).status_code == 403  # no token


def test_workers_sharing_a_journal_answer_for_each_others_items(tmp_path):
    path = attributed_recommender().save(tmp_path / "m.npz")
    journal = tmp_path / "items.jsonl"
    workers = []
    for _ in range(2):
        live = LiveModel.load(path)
        workers.append(TestClient(create_app(live, admin_token=TOKEN, additions=Additions(live, journal))))
    a, b = workers
    assert a.post("/items", json=LEAF, headers=AUTH).status_code == 201
    assert b.get("/items/sorrel/similar").json() == a.get("/items/sorrel/similar").json()
    assert b.post("/items", json=LEAF, headers=AUTH).status_code == 409       # one id, once
    assert b.post("/items", json={**LEAF, "id": "chive"}, headers=AUTH).status_code == 201
    assert a.get("/items/chive/similar").status_code == 200
    assert a.get("/health").json()["items"] == b.get("/health").json()["items"] == 21
    assert len(journal.read_text().splitlines()) == 2


def test_a_damaged_journal_is_a_one_line_error_and_a_cut_last_line_is_dropped(tmp_path, caplog):
    path = attributed_recommender().save(tmp_path / "m.npz")
    journal = tmp_path / "items.jsonl"
    journal.write_text(json.dumps(LEAF) + "\n" + '{"id": "half", "attri')   # a write cut short
    live = LiveModel.load(path)
    additions = Additions(live, journal)
    assert "sorrel" in live.current and "half" not in live.current
    assert journal.read_text() == json.dumps(LEAF) + "\n" and "unfinished last line" in caplog.text
    assert additions.items.keys() == {"sorrel"}
    journal.write_text(json.dumps(LEAF) + "\n" + '{"id": " spaced"}\n')
    with pytest.raises(FormatError, match=r"items.jsonl:2: not an added item \(id: .*whitespace"):
        Additions(LiveModel.load(path), journal)
    with pytest.raises(ConfigError, match="cannot use as the items file"):
        Additions(LiveModel.load(path), tmp_path / "no-such-folder" / "items.jsonl")


def test_serve_settings_check_the_token_and_refuse_writes_several_workers_would_not_share():
    with pytest.raises(ConfigError, match="16 to 256 printable ASCII characters"):
        ServeSettings(admin_token="short")
    with pytest.raises(ConfigError, match="16 to 256 printable ASCII characters"):
        ServeSettings(admin_token="with a space in the token")
    with pytest.raises(ConfigError, match="--admin-token with --workers 2 needs --items-file"):
        ServeSettings(workers=2, admin_token=TOKEN)
    assert ServeSettings(workers=2, admin_token=TOKEN, items_file="items.jsonl").workers == 2
    assert TOKEN not in repr(ServeSettings(admin_token=TOKEN))


def test_an_added_item_keeps_the_models_vectors_finite(client):
    for i, (kind, colour) in enumerate([("leaf", "red"), ("root", "green"), ("fruit", "red")]):
        r = client.post("/items", json={"id": f"n{i}", "attributes": {"kind": kind, "colour": [colour]}},
                        headers=AUTH)
        assert r.status_code == 201
    rec = client.app.state.live.current
    assert np.isfinite(rec.unit).all() and len(rec) == 22


def test_a_line_left_unfinished_by_a_dead_writer_is_cut_before_the_next_one(tmp_path, caplog):
    path = attributed_recommender().save(tmp_path / "m.npz")
    journal = tmp_path / "items.jsonl"
    live = LiveModel.load(path)
    client = TestClient(create_app(live, admin_token=TOKEN, additions=Additions(live, journal)))
    assert client.post("/items", json=LEAF, headers=AUTH).status_code == 201
    with open(journal, "ab") as f:                       # another worker died mid-line
        f.write(b'{"id": "half", "na')
    assert client.post("/items", json={**LEAF, "id": "chive"}, headers=AUTH).status_code == 201
    assert [json.loads(x)["id"] for x in journal.read_text().splitlines()] == ["sorrel", "chive"]
    assert "unfinished last line (18 bytes)" in caplog.text
    again = LiveModel.load(path)
    Additions(again, journal)
    assert "sorrel" in again.current and "chive" in again.current


def test_a_reload_refused_after_the_journal_grew_loses_no_item(tmp_path):
    path = attributed_recommender().save(tmp_path / "m.npz")
    journal = tmp_path / "items.jsonl"
    other, live = LiveModel.load(path), LiveModel.load(path)
    writer = TestClient(create_app(other, admin_token=TOKEN, additions=Additions(other, journal)))
    reader = TestClient(create_app(live, additions=Additions(live, journal)))
    assert writer.post("/items", json=LEAF, headers=AUTH).status_code == 201
    live.after_load(lambda rec: (_ for _ in ()).throw(RuntimeError("refused after the hooks")))
    assert not live.reload().ok
    assert reader.get("/items/sorrel/similar").status_code == 200   # read when asked
