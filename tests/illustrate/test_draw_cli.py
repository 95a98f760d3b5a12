"""``illustrated draw`` as a user runs it: files written, one-line errors."""

import json
import subprocess
import sys

from PIL import Image


def run(*args):
    return subprocess.run([sys.executable, "-m", "illustrated.cli", *args], capture_output=True, text=True)


def one_line_error(r, *fragments):
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error:"), r.stderr
    for fragment in fragments:
        assert fragment in last, last


def test_help():
    from typer.testing import CliRunner

    from illustrated.cli import app

    runner = CliRunner()
    for sub in ("vector", "analogy", "map", "attention", "unrolled", "curves"):
        r = runner.invoke(app, ["draw", sub, "--help"])
        assert r.exit_code == 0 and "Usage" in r.output, r.output
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--translator" in r.output


def test_draw_curves(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text("\n".join(json.dumps({"step": i, "loss": 2.0 / (i + 1), "lr": 0.001}) for i in range(6)) + "\n"
                   + json.dumps({"epoch": 0, "valid_loss": 1.5, "bleu": 3.0, "chrf": 20.0}) + "\n")
    r = run("draw", "curves", str(log), "-o", str(tmp_path / "c.svg"))
    assert r.returncode == 0, r.stderr
    assert "<svg" in (tmp_path / "c.svg").read_text()
    r = run("draw", "curves", str(log), "-o", str(tmp_path / "c.png"))
    with Image.open(tmp_path / "c.png") as image:
        assert image.format == "PNG"


def test_bad_inputs_give_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"loss": 1}\n[1, 2]\n')
    one_line_error(run("draw", "curves", str(bad), "-o", str(tmp_path / "c.png")), "line 2", "expected a JSON object")
    one_line_error(run("draw", "curves", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "c.png")), "none.jsonl")
    one_line_error(run("draw", "vector", str(tmp_path / "none.npz"), "king", "-o", str(tmp_path / "v.png")), "none.npz")
    one_line_error(run("draw", "attention", str(tmp_path / "nodir"), "a b", "-o", str(tmp_path / "a.png")), "nodir: no such translator folder")
    assert not (tmp_path / "c.png").exists() and not (tmp_path / "v.png").exists()


def test_serve_starts_a_local_page(tmp_path, word2vec_path):
    import time

    import httpx

    from .browser import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "illustrated.cli", "serve", "--port", str(port),
                                "--word2vec", str(word2vec_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                info = httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=1).json()
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert info["word2vec"]["words"] > 0 and info["translator"] is None and info["recommender"] is None
        assert "<svg" in httpx.get(f"http://127.0.0.1:{port}/").text
    finally:
        process.terminate()
        process.wait(10)


def test_serve_with_a_missing_model_fails_in_one_line(tmp_path):
    one_line_error(run("serve", "--word2vec", str(tmp_path / "none.npz")), "none.npz")


def test_serve_without_any_model_is_refused():
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", "serve"], capture_output=True, text=True,
                       timeout=120)   # a server that starts anyway would hang here: the timeout fails it
    one_line_error(r, "nothing to serve", "--word2vec", "--translator", "--recommender")



def test_a_plain_word_finds_its_subword_pieces(capsys):
    import pytest

    from illustrated.commands.draw import _word_position
    from illustrated.errors import IllustratedError

    tokens = ["▁Der", "▁Hu", "nd", "▁läuft", "▁.", "</s>"]
    assert _word_position(tokens, "Hund") == 1 and "first piece '▁Hu'" in capsys.readouterr().err
    assert _word_position(tokens, "hund") == 1
    assert _word_position(tokens, "läuft") == 3 and _word_position(tokens, "nd") == 2
    assert _word_position(tokens, "3") == 2
    assert _word_position(["▁", "H", "und", "</s>"], "Hund") == 1
    with pytest.raises(IllustratedError, match="'Katze' is not one of the source words or pieces: ▁Der ▁Hu nd"):
        _word_position(tokens, "Katze")


def test_map_top_below_two_is_refused(tmp_path):
    from illustrated.word2vec.formats import write_vectors

    from .fakes import royal_vectors

    kv = royal_vectors()
    write_vectors(tmp_path / "v.npz", list(kv.keys), kv.vectors)
    for top in ("0", "-3"):
        one_line_error(run("draw", "map", str(tmp_path / "v.npz"), "-o", str(tmp_path / "m.png"), "--top", top),
                       f"--top {top}: a map needs at least 2 keys")
    assert not (tmp_path / "m.png").exists()


def test_serve_on_a_bad_port_or_host_fails_in_one_line(word2vec_path):
    import socket

    def serve(*args):
        return subprocess.run([sys.executable, "-m", "illustrated.cli", "serve", "--word2vec", str(word2vec_path),
                               *args], capture_output=True, text=True, timeout=120)

    one_line_error(serve("--port", "70000"), "--port 70000: expected a port from 1 to 65535")
    one_line_error(serve("--host", "no-such-host.invalid"), "--host 'no-such-host.invalid': not an address")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        one_line_error(serve("--port", str(busy.getsockname()[1])), "cannot listen on 127.0.0.1")


def test_positional_encodings_are_bounded(tmp_path):
    from illustrated.illustrate.heads import MAX_DRAWN_DIMS, MAX_DRAWN_POSITIONS

    out = tmp_path / "pe.png"
    one_line_error(run("draw", "positions", "-o", str(out), "--length", "100000000"),
                   f"--length must be between 1 and {MAX_DRAWN_POSITIONS}, got 100000000")
    one_line_error(run("draw", "positions", "-o", str(out), "--dim", "100000000"),
                   f"--dim must be between 2 and {MAX_DRAWN_DIMS}, got 100000000")
    one_line_error(run("draw", "positions", "-o", str(out), "--length", "0"), "--length must be between 1")
    assert not out.exists()
    r = run("draw", "positions", "-o", str(out), "--length", str(MAX_DRAWN_POSITIONS), "--dim", "64")
    assert r.returncode == 0, r.stderr
