"""The recommend commands as a user runs them."""

import json
import subprocess
import sys

import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "illustrated.cli", "recommend", *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def sessions_file(tmp_path_factory, genres):
    p = tmp_path_factory.mktemp("cli") / "sessions.txt"
    p.write_text("\n".join(",".join(s) for s in genres.sessions[:300]) + "\n")
    return p


def test_train_similar_evaluate(sessions_file, tmp_path, genres):
    model = tmp_path / "m.npz"
    r = run("train", str(sessions_file), "-o", str(model), "--hold-out", "--held-out", "2", "--epochs", "10",
            "--dim", "16", "--threads", "1")
    assert r.returncode == 0, r.stderr
    assert model.exists() and "wrote" in r.stdout
    item = genres.sessions[0][0]
    r = run("similar", str(model), item, "-k", "3")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 4 and lines[-1] == f"(nearest items to {item!r} by cosine)"
    # the model never saw each user's last 2 items; evaluate scores exactly those
    r = run("evaluate", str(model), "--test", str(sessions_file), "--held-out", "2")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("600 held-out items")
    header = lines[1].split()
    table = {line[:22].strip(): dict(zip(header, map(float, line[22:].split()))) for line in lines[2:]}
    assert set(table) == {"item2vec", "most popular", "co-occurrence", "sequential rules", "SKNN", "V-SKNN"}
    # the genre of a session predicts its next track; popularity knows nothing of genres
    assert table["item2vec"]["HR@10"] > 2 * table["most popular"]["HR@10"]


def test_tune_writes_settings_that_train_reads(sessions_file, tmp_path):
    out = tmp_path / "best.json"
    r = run("tune", str(sessions_file), "-o", str(out), "--trials", "2", "--method", "random",
            "--threads", "1")
    assert r.returncode == 0, r.stderr
    best = json.loads(out.read_text())
    assert best["metric"] == "HR@10" and len(best["trials"]) == 2
    r = run("train", str(sessions_file), "-o", str(tmp_path / "m.npz"), "--config", str(out))
    assert r.returncode == 0, r.stderr


def test_errors_are_one_line(tmp_path, sessions_file):
    r = run("similar", str(tmp_path / "none.npz"), "x")
    assert r.returncode == 1 and r.stderr.strip() == f"error: {tmp_path / 'none.npz'}: no such model file"
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"junk")
    r = run("similar", str(bad), "x")
    assert r.returncode == 1 and "not a readable .npz" in r.stderr
    r = run("train", str(sessions_file), "-o", str(tmp_path / "m.npz"), "--window", "0")
    assert r.returncode == 1 and "window must be" in r.stderr
    log = tmp_path / "ratings.csv"
    log.write_text("userId,movieId,rating,timestamp\n1,10,4,100\n1,11,four,101\n")
    r = run("train", str(log), "-o", str(tmp_path / "m.npz"), "--min-rating", "3")
    assert r.returncode == 1
    assert r.stderr == f"error: {log}:3: column 'rating': rating 'four' is not a number\n"
    r = run("train", str(log), "-o", str(tmp_path / "m.npz"), "--user-col", "visitor")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no column 'visitor' (--user-col)" in r.stderr


def test_demo_checks_recommendations_against_the_hidden_genre(tmp_path):
    from illustrated.commands import recommend
    from illustrated.recommend import Recommender

    lines = []
    summary = recommend.demo(tmp_path, lines.append)
    assert summary["same_genre_similar"] >= 0.9
    assert summary["hr10_item2vec"] > 2 * summary["hr10_popular"]
    rec = Recommender.load(summary["model"])
    assert len(rec) == 240 and any("hidden genre" in line for line in lines)


def test_outputs_are_checked_before_training(tmp_path, sessions_file):
    (tmp_path / "afile").write_text("")
    for output, message in [("m.pkl", "written as .npz (got .pkl)"), ("m", "got no suffix"),
                            (".", "is a directory"), ("afile/m.npz", "is a file, not a folder")]:
        r = run("train", str(sessions_file), "-o", str(tmp_path / output), "--epochs", "1")
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
        assert "read " not in r.stdout
    r = run("tune", str(sessions_file), "-o", str(tmp_path / "best.txt"))
    assert r.returncode == 1 and "written as .json" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_serve_on_a_port_in_use_says_so_in_one_line_before_loading(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("serve", str(tmp_path / "none.npz"), "--port", str(port))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"error: cannot listen on 127.0.0.1:{port}: port {port} is already in use " \
                       "(another server?); choose another with --port\n"
    r = run("serve", str(tmp_path / "none.npz"), "--port", "70000")
    assert r.returncode == 1 and "expected a port from 1 to 65535" in r.stderr


def test_a_names_file_sharing_no_id_with_the_data_is_refused_before_training(tmp_path, sessions_file):
    names = tmp_path / "names.tsv"
    names.write_text("Foo\t1\nBar\t2\n")  # columns swapped: the names are taken for ids
    r = run("train", str(sessions_file), "-o", str(tmp_path / "m.npz"), "--names", str(names))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "none of its 2 ids ('Foo', 'Bar', …) is an item of" in r.stderr
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("config", ["[1, 2]", '{"best": 5}', '"dim"'])
def test_a_config_that_is_not_an_object_is_one_line(tmp_path, sessions_file, config):
    path = tmp_path / "c.json"
    path.write_text(config)
    r = run("train", str(sessions_file), "-o", str(tmp_path / "m.npz"), "--config", str(path))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "expected a JSON object" in r.stderr


def test_evaluate_on_data_the_model_never_saw_is_refused(tmp_path, sessions_file):
    model = tmp_path / "m.npz"
    assert run("train", str(sessions_file), "-o", str(model), "--epochs", "1", "--dim", "8").returncode == 0
    other = tmp_path / "other.txt"
    other.write_text("a b c\nb c d a\n")
    r = run("evaluate", str(model), "--test", str(other))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "none of the 2 held-out items" in r.stderr and "was the model trained on this data?" in r.stderr


@pytest.mark.parametrize("option,value,message", [("--index", "fast", "--index must be"),
                                                  ("--gap-minutes", "-5", "--gap-minutes must be 0 or more"),
                                                  ("--held-out", "0", "--held-out must be at least 1")])
def test_bad_settings_are_refused_before_reading_the_data(tmp_path, option, value, message):
    r = run("train", str(tmp_path / "none.txt"), "-o", str(tmp_path / "m.npz"), option, value)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr



def test_serve_checks_every_address_the_host_resolves_to(monkeypatch):
    import socket

    from illustrated.commands.common import check_listen
    from illustrated.errors import ConfigError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        # as "localhost" may resolve: a free address first, then the one in use
        infos = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("127.0.0.2", "127.0.0.1")]
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: infos)
        with pytest.raises(ConfigError, match=f"port {port} is already in use"):
            check_listen("localhost", port)


def test_gap_minutes_on_sessions_without_times_is_an_error_not_ignored(tmp_path, sessions_file):
    r = run("train", str(sessions_file), "-o", str(tmp_path / "m.npz"), "--gap-minutes", "30")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--gap-minutes needs times" in r.stderr


def test_a_click_log_without_a_time_column_trains_in_file_order_and_says_so(tmp_path, genres):
    log = tmp_path / "clicks.csv"
    log.write_text("session_id,item_id\n" + "".join(f"s{n},{item}\n" for n, s in enumerate(genres.sessions[:200])
                                                    for item in s))
    r = run("train", str(log), "-o", str(tmp_path / "m.npz"), "--epochs", "2", "--dim", "8", "--threads", "1")
    assert r.returncode == 0, r.stderr
    assert f"{log} has no time column: each user's events are kept in the file's order" in r.stdout
    r = run("train", str(log), "-o", str(tmp_path / "m.npz"), "--gap-minutes", "30")
    assert r.returncode == 1 and "--gap-minutes needs times, and this event log has no time column" in r.stderr
