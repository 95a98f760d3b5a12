"""The recommendation benchmark tunes every system with the same budget on the same validation split
and picks the strongest baseline by its validation score, not its test score."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import recommend_quality as bench  # noqa: E402
from runner import Report  # noqa: E402

from illustrated.recommend.events import History  # noqa: E402
from illustrated.recommend.synthetic import genre_sessions  # noqa: E402


def test_draw_gives_exactly_the_budget_of_distinct_settings_from_the_space():
    for name, space in bench.SPACES.items():
        got = bench.draw(space, 7)
        assert len(got) == 7 and len({tuple(sorted(c.items(), key=str)) for c in got}) == 7, name
        assert all(c[k] in space[k] for c in got for k in space), name
    small = {"a": [1, 2], "b": [3]}
    assert bench.draw(small, 5) == [{"a": 1, "b": 3}, {"a": 2, "b": 3}]   # fewer than the budget: all
    assert bench.draw(bench.SPACES["V-SKNN"], 4) == bench.draw(bench.SPACES["V-SKNN"], 4)   # seeded


def test_every_system_gets_the_same_validation_budget_and_the_strongest_is_chosen_on_validation(capsys):
    g = genre_sessions(n_genres=3, tracks_per_genre=12, n_sessions=80, length=(8, 12), seed=3)
    histories = [History(f"s{i}", s) for i, s in enumerate(g.sessions)]
    report = Report("t", anchor="a")
    summary = bench.run_log(report, "toy", histories, 1, 2, 1, chosen_on=False)
    rows = {r["system"]: r for r in report.rows}
    assert set(rows) == {"most popular", *bench.SPACES, "gensim item2vec, defaults", "ours, defaults"}
    for system in bench.SPACES:
        assert rows[system]["evaluations"] == 2, system
    assert rows["ours, defaults"]["evaluations"] == rows["most popular"]["evaluations"] == 0
    strongest = max(bench.BASELINES, key=lambda s: rows[s]["valid_HR10"])
    assert summary["strongest baseline (by validation)"].startswith(strongest + ":")
    assert summary["defaults chosen on this log"] is False
    assert summary["defaults / strongest baseline (test HR@10)"] == \
        round(rows["ours, defaults"]["HR@10"] / rows[strongest]["HR@10"], 3)
