"""Conversions: read from an event-type column or a file, attached to the right sessions, trained
as global contexts and counted in the rules; markets; and the commands that take them."""

import numpy as np
import pytest
from typer.testing import CliRunner

from illustrated.cli import app
from illustrated.errors import CorpusError
from illustrated.recommend.config import Item2VecConfig
from illustrated.recommend.conversions import (conversion_rules, read_conversions, session_goals,
                                               split_goals)
from illustrated.recommend.events import History
from illustrated.recommend.item2vec import train_item2vec
from illustrated.recommend.sessions import leave_last_out
from illustrated.recommend.synthetic_bookings import booking_log

LOG = ("session_id,item_id,timestamp,event\n"
       "s1,a,1,view\ns1,b,2,view\ns1,c,3,purchase\n"
       "s2,b,1,view\ns2,d,2,view\n"
       "s3,a,1,view\ns3,c,2,booking\ns3,d,3,view\n")


def test_conversions_from_an_event_type_column(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text(LOG)
    assert read_conversions("event=purchase|booking", p) == {"s1": ["c"], "s3": ["c"]}
    with pytest.raises(CorpusError, match=r"log\.csv:1: no column 'kind' \(--conversions\)"):
        read_conversions("kind=purchase", p)
    with pytest.raises(CorpusError, match="no conversion found"):
        read_conversions("event=refund", p)


def test_conversions_from_a_file_and_its_errors(tmp_path):
    p = tmp_path / "conv.tsv"
    p.write_text("session\titem_id\ns1\tz\ns2\td\n")
    assert read_conversions(str(p), tmp_path / "log.csv") == {"s1": ["z"], "s2": ["d"]}
    p.write_text("3\tz\n1\ta\n")
    assert read_conversions(str(p), tmp_path / "s.txt", line_numbers=True) == {"2": ["z"], "0": ["a"]}
    p.write_text("s1\tz\ns2\n")
    with pytest.raises(CorpusError, match=r"conv\.tsv:2: expected a session and an item"):
        read_conversions(str(p), tmp_path / "log.csv")


def test_goals_go_to_the_sessions_that_hold_them_or_else_the_last():
    h = History("u", ["a", "b", "c", "d", "e"], [0, 1, 2, 1000, 1001])
    sessions = [["a", "b", "c"], ["d", "e"]]
    assert session_goals(h, sessions, {"u": ["b", "x"]}) == [["b"], ["x"]]
    assert session_goals(h, sessions, {}) == [[], []]


def test_held_out_items_are_never_goals():
    histories = [History(str(u), [f"i{(u + j) % 9}" for j in range(8)]) for u in range(6)]
    conv = {h.user: [h.items[-1], "extra"] for h in histories}   # the last item is held out
    split = leave_last_out(histories, n=1, validation=1)
    train, full = split_goals(histories, split, conv, None, 1, 1)
    assert len(train) == len(split.train) and len(full) == len(split.train_full)
    for h, g in zip(histories, full):
        assert h.items[-1] not in g and "extra" in g


def test_conversion_rules_link_every_item_of_a_session_to_its_goal():
    rules = conversion_rules([["a", "b", "c"], ["a", "c"]], [["c"], []], {"a": 0, "b": 1, "c": 2})
    assert rules.toarray().tolist() == [[0, 0, 1], [0, 0, 1], [0, 0, 0]]


@pytest.fixture(scope="module")
def bookings():
    log = booking_log(n_markets=3, listings_per_market=60, goals_per_market=6, n_sessions=900,
                      length=(40, 60), seed=2)
    n = len(log.sessions)
    return log, range(0, int(0.8 * n)), range(int(0.8 * n), n)


def _hit_rate(rec, log, picked):
    cases = [s for s in picked if log.booked[s] is not None]
    hits = [log.booked[s] in rec.recommend(log.sessions[s][:5], 10).items for s in cases]
    return float(np.mean(hits))


def test_bookings_as_global_context_find_the_booking_from_the_first_clicks(bookings):
    log, train, test = bookings
    config = Item2VecConfig(dim=24, epochs=8, threads=1, seed=1)
    sessions = [log.sessions[s] for s in train]
    plain = train_item2vec(sessions, config)
    booked = train_item2vec(sessions, config, goals=log.goals(train))
    assert _hit_rate(booked, log, test) > 1.2 * _hit_rate(plain, log, test)


def test_in_market_negatives_train_finite_vectors(bookings):
    from illustrated.recommend.attributes import AttributeSchema, ItemAttributes

    log, train, _ = bookings
    attrs = ItemAttributes(AttributeSchema(["city", "type", "price"]), log.attributes)
    rec = train_item2vec([log.sessions[s] for s in train], Item2VecConfig(dim=16, epochs=3, threads=1),
                         attributes=attrs, market_col="city")
    assert np.isfinite(rec.vectors.vectors).all() and rec.side.market == "city"


def test_train_with_attributes_and_conversions_from_the_command_line(tmp_path):
    log = tmp_path / "log.csv"
    rows = ["session_id,item_id,timestamp,event"]
    rng = np.random.default_rng(0)
    for s in range(120):
        items = rng.choice(12, 6, replace=False)
        rows += [f"s{s},i{i},{t},view" for t, i in enumerate(items)]
        rows.append(f"s{s},i{items[0] % 3},9,purchase")
    log.write_text("\n".join(rows) + "\n")
    attrs = tmp_path / "items.csv"
    attrs.write_text("item_id,name,colour\n" + "".join(f"i{i},Item {i},c{i % 3}\n" for i in range(14)))
    runner = CliRunner()
    out = runner.invoke(app, ["recommend", "train", str(log), "-o", str(tmp_path / "m.npz"),
                              "--attributes", str(attrs), "--conversions", "event=purchase",
                              "--market-col", "colour", "--epochs", "2", "--threads", "1"])
    assert out.exit_code == 0, out.output
    assert "cold items (attributes, no events to learn from): 2 — 2 not in the log" in out.output
    assert "items of the log without attributes: 0" in out.output
    assert "conversions: 120 training sessions with a global context" in out.output
    assert "markets: 'colour', 0.75 of the negatives from the item's own market" in out.output
    similar = runner.invoke(app, ["recommend", "similar", str(tmp_path / "m.npz"), "i13"])
    assert similar.exit_code == 0 and "cold item: no events in training" in similar.output


def test_bad_attribute_files_are_one_line_errors_from_the_command_line(tmp_path):
    import subprocess
    import sys

    log = tmp_path / "s.txt"
    log.write_text("a b c\nb c d\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,colour\na,red\nb\n")
    good = tmp_path / "good.csv"
    good.write_text("item_id,colour\na,red\nb,blue\n")
    for extra, message in (([str(bad)], f"error: {bad}:3: column 'colour' missing (expected 2 "
                                         "fields, found 1)"),
                           ([str(good), "--market-col", "size"],
                            f"error: {good}: no attribute column 'size' (attributes: colour)")):
        r = subprocess.run([sys.executable, "-m", "illustrated.cli", "recommend", "train", str(log),
                            "-o", str(tmp_path / "m.npz"), "--attributes", *extra],
                           capture_output=True, text=True)
        assert r.returncode == 1 and r.stderr.strip() == message


def test_evaluate_scores_items_held_out_of_training(tmp_path):
    from illustrated.recommend.synthetic import genre_sessions

    data = genre_sessions(n_genres=4, tracks_per_genre=20, n_sessions=500, seed=3)
    log = tmp_path / "s.txt"
    log.write_text("\n".join(" ".join(s) for s in data.sessions) + "\n")
    attrs = tmp_path / "genres.tsv"
    attrs.write_text("id\tgenre\n" + "".join(f"{t}\t{g}\n" for t, g in data.genre_of.items()))
    runner = CliRunner()
    out = runner.invoke(app, ["recommend", "train", str(log), "-o", str(tmp_path / "m.npz"),
                              "--attributes", str(attrs), "--hold-out-items", "0.2", "--epochs", "5",
                              "--threads", "1"])
    assert out.exit_code == 0, out.output
    assert "held out" in out.output
    out = runner.invoke(app, ["recommend", "evaluate", str(tmp_path / "m.npz"), "--test", str(log),
                              "--attributes", str(attrs), "--no-baselines"])
    assert out.exit_code == 0, out.output
    lines = {line.split("precision@10")[0].strip(): float(line.split()[-1])
             for line in out.output.splitlines() if "precision@10" in line}
    assert set(lines) >= {"most popular", "Jaccard, then popularity", "attribute kNN", "ours"}
    assert lines["ours"] > lines["most popular"]


def test_tune_with_attributes_and_conversions_from_the_command_line(tmp_path):
    log = tmp_path / "log.csv"
    rng = np.random.default_rng(1)
    rows = ["session_id,item_id,timestamp,event"]
    for s in range(80):
        items = rng.choice(15, 9, replace=False)
        rows += [f"s{s},i{i},{t},view" for t, i in enumerate(items)]
        rows.append(f"s{s},i{items[0] % 3},20,purchase")
    log.write_text("\n".join(rows) + "\n")
    attrs = tmp_path / "items.csv"
    attrs.write_text("item_id,colour\n" + "".join(f"i{i},c{i % 3}\n" for i in range(15)))
    out = CliRunner().invoke(app, ["recommend", "tune", str(log), "-o", str(tmp_path / "best.json"),
                                   "--trials", "2", "--method", "random", "--threads", "1",
                                   "--attributes", str(attrs), "--conversions", "event=purchase"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "best.json").exists() and "best HR@10" in out.output
